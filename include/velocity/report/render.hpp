#pragma once

#include <velocity/compliance/finding_json.hpp>
#include <velocity/compliance/library.hpp>
#include <velocity/report/templates.hpp>
#include <velocity/store/evidence.hpp>
#include <velocity/store/report_queries.hpp>
#include <velocity/store/state.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The report document (model.hpp) in each output format.
namespace velocity::report {

enum class Format {
  markdown,
  html,
  json,
  csv,
  oscal,
  jsonl,
  findings_csv,
  pdf,
  sarif,
  sarif_github,
  junit,
  ocsf
};

// "md", "html", "json", "csv", "oscal", "jsonl", "findings-csv", "pdf", "sarif", "sarif-github",
// "junit", "ocsf"; nothing for others.
std::optional<Format> parse_format(std::string_view name);
std::string_view to_string(Format format) noexcept;
// The format a file name implies (.md, .html, .json, .csv, .oscal.json, .jsonl, .pdf, .sarif,
// .xml for JUnit, .ocsf.json), if any.
std::optional<Format> format_for_path(const std::filesystem::path& path);

// Markdown from report.md.mustache.
std::string render_markdown(const nlohmann::json& doc, const TemplateSet& templates);
// One self-contained HTML page from report.html.mustache: inline CSS and SVG charts, no script
// and no external resource.
std::string render_html(const nlohmann::json& doc, const TemplateSet& templates);
// CSV with a header row and one row per control.
std::string render_controls_csv(const nlohmann::json& doc);
// One evidence item as a bundle holds it (docs/report-bundle.md).
struct EvidenceFile {
  std::string path; // "evidence/<id>.json", from the bundle's root
  std::string content;
};
EvidenceFile evidence_file(const store::EvidenceRecord& record,
                           const std::vector<store::FindingRecord>& findings,
                           compliance::CheckControls& controls);

// The namespace of velocity's OSCAL props, and the UUID (version 5 of that URL) that velocity's
// OSCAL UUIDs are made in (docs/report-json.md, "OSCAL").
inline constexpr std::string_view k_oscal_namespace = "https://velocity.dev/ns/oscal";
inline constexpr std::string_view k_oscal_namespace_uuid = "2274b5f9-fcb4-501d-8f2f-16eaf5d07bb5";

using Sink = std::function<void(std::string_view bytes)>;

// OSCAL assessment-results (1.0.4) of a report document, written to a sink one evidence item at
// a time so that a bundle links each observation to the evidence member it wrote, with its
// SHA-256. The observations (about one per finding) and then the findings go straight to the
// sink; kept until finish() are each observation's UUID and the compact text of the inventory
// items, evidence resources and risks. Compact JSON, one array element per line.
class OscalResults {
public:
  OscalResults(const nlohmann::json& doc, Sink sink); // `doc` must outlive this
  ~OscalResults();
  OscalResults(const OscalResults&) = delete;
  OscalResults& operator=(const OscalResults&) = delete;

  // An observation for each of the framework's checks among `findings`: their resources as
  // subjects, the evidence file at `path` in the bundle (an EvidenceFile) with its SHA-256 (hex)
  // as relevant evidence, collected when `record` was.
  void add_evidence(const store::EvidenceRecord& record,
                    const std::vector<store::FindingRecord>& findings, std::string_view path,
                    std::string_view sha256);
  // Writes the rest of the document; call once, after the last add_evidence().
  void finish();

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// The OSCAL results of `doc` with the evidence of `period` read from the state, as
// `report bundle` writes them.
void write_oscal(const nlohmann::json& doc, store::Database& db, const store::Org& org,
                 compliance::Library& library, const store::TimeWindow& period, const Sink& sink,
                 const std::function<bool(store::FindingRecord&)>& lens = {});

// Every finding of the period, one JSON object per line (compliance::finding_json, with the
// controls of `library`), streamed from the store.
void write_findings_jsonl(store::Database& db, const store::Org& org, compliance::Library& library,
                          const store::TimeWindow& period, const Sink& sink,
                          const std::function<bool(store::FindingRecord&)>& lens = {});
// The same as CSV with a header row.
void write_findings_csv(store::Database& db, const store::Org& org, const store::TimeWindow& period,
                        const Sink& sink,
                        const std::function<bool(store::FindingRecord&)>& lens = {});

} // namespace velocity::report
