#include "findings_summary.hpp"

#include <velocity/audit/export.hpp>
#include <velocity/compliance/finding_json.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/report/package.hpp>
#include <velocity/report/render.hpp>
#include <velocity/store/audit_store.hpp>

#include <fmt/format.h>

namespace velocity::report {

namespace {

using nlohmann::json;

// A scratch file beside the bundle, removed when it goes out of scope.
class ScratchFile {
public:
  ScratchFile(const std::filesystem::path& beside, std::string_view name)
    : m_path(beside.parent_path() / fmt::format(".{}.{}.{}", beside.filename().string(),
                                                crypto::to_hex(crypto::random_bytes(4)), name)) {}
  ~ScratchFile() {
    std::error_code ignored;
    std::filesystem::remove(m_path, ignored);
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  const std::filesystem::path& path() const noexcept { return m_path; }

private:
  std::filesystem::path m_path;
};

// A member whose size is known only at its end (findings.jsonl, the OSCAL results): written in
// 1 MiB pieces to an unnamed scratch file beside the bundle, which goes with this object.
class ScratchMember {
public:
  explicit ScratchMember(const std::filesystem::path& beside) : m_file(beside) {}

  void write(std::string_view bytes) {
    m_buffer.append(bytes);
    if (m_buffer.size() >= k_piece_bytes) {
      flush();
    }
  }

  // What was written, as the member `path` of `writer`.
  void add_to(BundleWriter& writer, std::string_view path) {
    flush();
    writer.add_file(path, m_file.path());
  }

private:
  static constexpr size_t k_piece_bytes = size_t{1} << 20;

  void flush() {
    m_file.write(m_buffer);
    m_buffer.clear();
  }

  fs::TempFile m_file;
  std::string m_buffer;
};

// The event range of the audit log that falls in `period`; nothing when no event does.
std::optional<audit::ExportRange> audit_range(store::AuditStore& audit_store, int64_t org_id,
                                              const store::TimeWindow& period) {
  if (!period.from && !period.to) {
    return audit::ExportRange{};
  }
  store::AuditEventQuery query;
  query.since = period.from;
  query.until = period.to;
  audit::ExportRange range;
  audit_store.scan_events(org_id, query, [&](const store::AuditEventRow& row) {
    range.from_seq = row.seq;
    return false;
  });
  if (!range.from_seq) {
    return std::nullopt;
  }
  query.limit = 1;
  audit_store.scan_events(org_id, query, [&](const store::AuditEventRow& row) {
    range.to_seq = row.seq;
    return false;
  });
  return range;
}

} // namespace

crypto::SigningKey organisation_signing_key(audit::Recorder& recorder) {
  store::AuditStore audit_store(recorder.state().db());
  const auto row = audit_store.find_log(recorder.org().id());
  if (!row) {
    throw StateError(fmt::format("organisation '{}' has no audit log and so no signing key",
                                 recorder.org().name()),
                     "run `velocity audit verify` to create and check it");
  }
  return audit::LogKeys::unseal(recorder.org(), *row).signing;
}

BundleSummary write_report_bundle(audit::Recorder& recorder, compliance::Library& library,
                                  const TemplateSet& templates, const ReportRequest& request,
                                  const std::filesystem::path& output,
                                  const std::optional<audit::WitnessedHead>& witnessed) {
  store::Database& db = recorder.state().db();
  const store::Org& org = recorder.org();
  const crypto::SigningKey key = organisation_signing_key(recorder);
  BundleSummary summary;

  const json doc = build_report(db, org, library, request);
  summary.score = doc["summary"]["score"];

  BundleWriter writer(output, request.generated_at);
  writer.add("report.html", render_html(doc, templates));
  writer.add("report.md", render_markdown(doc, templates));
  writer.add("report.json", doc.dump(2) + "\n");
  writer.add("report.csv", render_controls_csv(doc));

  {
    ScratchMember findings(output);
    write_findings_jsonl(
      db, org, library, request.period,
      [&](std::string_view line) {
        findings.write(line);
        summary.findings += 1;
      },
      request.lens);
    findings.add_to(writer, "findings.jsonl");
  }

  // The OSCAL results link each observation to the evidence member written here, by its digest;
  // they go through a scratch file, their size growing with the findings.
  {
    ScratchMember results(output);
    OscalResults oscal(doc, [&](std::string_view bytes) { results.write(bytes); });
    compliance::CheckControls controls(library);
    store::for_each_evidence_in(
      db, org, request.period,
      [&](const store::EvidenceRecord& record, const std::vector<store::FindingRecord>& stored) {
        const std::vector<store::FindingRecord> findings = through_lens(request.lens, stored);
        const EvidenceFile evidence = evidence_file(record, findings, controls);
        const std::string sha256 = writer.add(evidence.path, evidence.content);
        oscal.add_evidence(record, findings, evidence.path, sha256);
        summary.evidence += 1;
      });
    oscal.finish();
    results.add_to(writer, "oscal/assessment-results.json");
  }

  store::AuditStore audit_store(db);
  if (const auto range = audit_range(audit_store, org.id(), request.period)) {
    ScratchFile events(output, "events.jsonl");
    const audit::ExportResult exported =
      audit::export_log(recorder, events.path(), audit::ExportFormat::jsonl, *range, witnessed);
    summary.audit_events = exported.events;
    writer.add_file("audit/events.jsonl", events.path());
  } else {
    writer.add("audit/events.jsonl",
               json{{"type", "audit_export"},
                    {"log", org.name()},
                    {"events", 0},
                    {"note", "the audit log has no event in the bundle's period"}}
                   .dump() +
                 "\n");
  }

  if (witnessed) {
    writer.add("audit/witness.json", audit::to_json(*witnessed).dump(2) + "\n");
  }

  BundleInfo info;
  info.organization = org.name();
  info.framework = request.framework;
  info.period_from = request.period.from;
  info.period_to = request.period.to;
  info.created_at = request.generated_at;
  info.tool = request.tool;
  summary.manifest = writer.finish(info, key);
  return summary;
}

} // namespace velocity::report
