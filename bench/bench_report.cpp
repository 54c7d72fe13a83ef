// bench_report: `report bundle` and `report verify` over 10,000 evidence items (100,000 findings),
// beside the peer path an auditor without velocity takes (VERIFY.md: tar, openssl, sha256sum);
// and the report document over those 100,000 findings, with the peak memory it adds.
//
//   bench_report [EVIDENCE] [FINDINGS_PER_EVIDENCE] [cache]    (default 10000 10)

#include <velocity/audit/recorder.hpp>
#include <velocity/compliance/library.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/core/time.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/report/archive.hpp>
#include <velocity/report/bundle.hpp>
#include <velocity/report/model.hpp>
#include <velocity/report/package.hpp>
#include <velocity/report/render.hpp>
#include <velocity/store/evidence.hpp>
#include <velocity/store/integrations.hpp>
#include <velocity/store/state.hpp>

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

using namespace velocity;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Peak resident memory (KiB) since the last reset_peak().
long peak_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmHWM:")) {
      return std::stol(line.substr(6));
    }
  }
  return -1;
}

void reset_peak() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
}

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) {
      return std::stol(line.substr(6));
    }
  }
  return -1;
}

void fill(store::State& state, const store::Org& org, int evidence_count, int per_evidence) {
  store::NewIntegration integration{"aws-bench", "aws", "{}", "secret"};
  const int64_t integration_id =
    store::add_integration(state.db(), org, integration, store::OnExisting::fail).id;
  const std::string padding(700, 'x');
  for (int batch = 0; batch < evidence_count; batch += 1000) {
    std::vector<store::EvidenceInput> evidence;
    std::vector<store::FindingInput> findings;
    for (int i = batch; i < std::min(evidence_count, batch + 1000); ++i) {
      const std::string id = fmt::format("arn:aws:s3:::bucket-{:06}", i);
      evidence.push_back({"aws", "s3_buckets", id, "123456789012", "us-east-1",
                          crypto::to_hex(crypto::sha256(id)),
                          fmt::format(R"({{"bucket":"{}","encrypted":{},"policy":"{}"}})", id,
                                      i % 4 != 0, padding)});
      for (int k = 0; k < per_evidence; ++k) {
        const char* check =
          k % 2 == 0 ? "aws_iam_user_mfa_enabled_console_access" : "aws_iam_root_mfa_enabled";
        findings.push_back({check, k % 2 == 0 ? store::Severity::high : store::Severity::critical,
                            (i + k) % 5 == 0 ? store::Status::fail : store::Status::pass,
                            fmt::format("{}/{}", id, k), "123456789012", "us-east-1",
                            "bench finding", evidence.size() - 1});
      }
    }
    store::save_batch(state.db(), org, integration_id, std::nullopt, evidence, findings,
                      time::now());
  }
}

} // namespace

int main(int argc, char** argv) {
  const int evidence_count = argc > 1 ? std::atoi(argv[1]) : 10000;
  const int per_evidence = argc > 2 ? std::atoi(argv[2]) : 10;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("velocity-bench-report-" + crypto::to_hex(crypto::random_bytes(4)));
  std::filesystem::create_directories(dir);
  ::setenv("VELOCITY_MASTER_KEY", crypto::base64_encode(crypto::random_bytes(32)).c_str(), 1);
  store::State::initialize(dir / "velocity.db", store::NewKeySource::automatic, {});
  store::State state = store::State::open(dir / "velocity.db", {});
  const store::Org org = state.org("default");

  auto start = std::chrono::steady_clock::now();
  fill(state, org, evidence_count, per_evidence);
  audit::Recorder recorder(state, "default", audit::current_identity());
  std::vector<audit::EventInput> events(
    1000, audit::EventInput{audit::Category::data_access, "bench.read", "evidence", "x"});
  recorder.record_all(events);
  recorder.checkpoint();
  fmt::print("setup: {} evidence items, {} findings, 1,000 audit events in {:.1f} s\n",
             evidence_count, evidence_count * per_evidence, seconds_since(start));

  // The state keeps an 8 MiB SQLite page cache, which fills with whatever is read; a 2 MiB
  // cache here shows the memory of the report code itself (argv[3] = "cache" keeps 8 MiB).
  if (argc <= 3 || std::string_view(argv[3]) != "cache") {
    state.db().execute("PRAGMA cache_size = -2048");
  }
  compliance::Library library = compliance::Library::built_in();
  report::ReportRequest request;
  request.framework = "soc2";
  request.generated_at = time::to_iso8601(time::now());
  request.tool = "velocity bench";

  // The report document over every finding, and the memory it takes beyond the open state.
  reset_peak();
  const long base = rss_kib();
  start = std::chrono::steady_clock::now();
  const nlohmann::json doc = report::build_report(state.db(), org, library, request);
  const double build_s = seconds_since(start);
  const std::string html = report::render_html(doc, report::TemplateSet::open(std::nullopt));
  fmt::print("report document over {} findings: {:.2f} s, HTML {} KiB, peak +{} KiB RSS\n",
             doc["findings"]["total"].get<int64_t>(), build_s, html.size() / 1024,
             peak_kib() - base);

  reset_peak();
  start = std::chrono::steady_clock::now();
  size_t jsonl_bytes = 0;
  report::write_findings_jsonl(state.db(), org, library, {},
                               [&](std::string_view line) { jsonl_bytes += line.size(); });
  fmt::print("findings JSON Lines: {} MiB in {:.2f} s, peak +{} KiB RSS\n", jsonl_bytes >> 20,
             seconds_since(start), peak_kib() - base);

  const auto bundle = dir / "bench.tar.gz";
  reset_peak();
  start = std::chrono::steady_clock::now();
  const report::BundleSummary summary = report::write_report_bundle(
    recorder, library, report::TemplateSet::open(std::nullopt), request, bundle);
  const double bundle_s = seconds_since(start);
  fmt::print("report bundle: {} files, {} MiB compressed, {:.2f} s, peak +{} KiB RSS\n",
             summary.manifest.files.size() + 2, std::filesystem::file_size(bundle) >> 20, bundle_s,
             peak_kib() - base);

  // The peer of writing a bundle: `tar czf` over the same files, extracted from it.
  const auto extracted = dir / "extracted";
  std::filesystem::create_directories(extracted);
  const bool untarred =
    std::system(fmt::format("tar xzf '{}' -C '{}'", bundle.string(), extracted.string()).c_str()) ==
    0;
  start = std::chrono::steady_clock::now();
  const bool tarred =
    untarred && std::system(fmt::format("tar czf '{}' -C '{}' .", (dir / "peer.tar.gz").string(),
                                        extracted.string())
                              .c_str()) == 0;
  const double tar_s = seconds_since(start);
  fmt::print("peer (tar czf over the same files): {} in {:.2f} s; report bundle takes {:.2f}x "
             "its time\n",
             tarred ? "written" : "FAILED", tar_s, bundle_s / tar_s);

  reset_peak();
  start = std::chrono::steady_clock::now();
  const report::VerifyResult result = report::verify_bundle(bundle, recorder.public_key());
  const double verify_s = seconds_since(start);
  fmt::print("report verify: {} ({} members, {} MiB inflated) in {:.2f} s, peak +{} KiB RSS\n",
             result.valid() ? "valid" : "INVALID", result.members, result.bytes >> 20, verify_s,
             peak_kib() - base);

  // The peer: the steps of VERIFY.md with tar, openssl and sha256sum, as an auditor runs them.
  std::string verify_md;
  for (const auto& member : report::read_all(bundle)) {
    if (member.entry.path == "VERIFY.md") {
      verify_md = member.content;
    }
  }
  std::istringstream lines(verify_md);
  std::string line;
  std::string script = "set -e\ncd '" + dir.string() + "'\n";
  bool in_block = false;
  while (std::getline(lines, line)) {
    if (line == "```sh") {
      in_block = true;
    } else if (line == "```") {
      in_block = false;
    } else if (in_block && !line.empty()) {
      script += line + "\n";
    }
  }
  fs::write_file_atomic(dir / "steps.sh", script, fs::Mode::private_file);
  start = std::chrono::steady_clock::now();
  const int status = std::system(("bash '" + (dir / "steps.sh").string() + "' >/dev/null").c_str());
  const double peer_s = seconds_since(start);
  fmt::print("peer (VERIFY.md: tar + openssl + sha256sum): {} in {:.2f} s; velocity verify is "
             "{:.1f}x faster\n",
             status == 0 ? "valid" : "FAILED", peer_s, peer_s / verify_s);

  std::filesystem::remove_all(dir);
  return result.valid() && status == 0 ? 0 : 1;
}
