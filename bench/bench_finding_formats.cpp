// bench_finding_formats: 100,000 findings rendered as SARIF, JUnit and OCSF (and JSON Lines),
// each with its time and the peak memory it adds, beside the peer: `jq -c .` over the same JSON
// Lines, timed with its peak RSS by /usr/bin/time.
//
//   bench_finding_formats [FINDINGS] [keep]    (default 100000)
//
// With `keep`, the state stays and the line to run the velocity binary against it is printed,
// to measure `velocity evidence list --format ...` as a whole process.

#include <velocity/compliance/library.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/core/time.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/report/finding_formats.hpp>
#include <velocity/report/render.hpp>
#include <velocity/store/evidence.hpp>
#include <velocity/store/integrations.hpp>
#include <velocity/store/report_queries.hpp>
#include <velocity/store/state.hpp>

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

using namespace velocity;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

long status_kib(std::string_view field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(field)) {
      return std::stol(line.substr(field.size()));
    }
  }
  return -1;
}

void reset_peak() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
}

// The checks of the built-in catalogue, so that rules, titles and controls are real.
void fill(store::State& state, const store::Org& org, const compliance::CheckCatalogue& catalogue,
          int findings_count) {
  store::NewIntegration integration{"aws-bench", "aws", "{}", "secret"};
  const int64_t integration_id =
    store::add_integration(state.db(), org, integration, store::OnExisting::fail).id;
  constexpr int k_findings_per_evidence = 10;
  for (int batch = 0; batch < findings_count; batch += 10000) {
    std::vector<store::EvidenceInput> evidence;
    std::vector<store::FindingInput> findings;
    for (int i = batch; i < std::min(findings_count, batch + 10000); ++i) {
      if (i % k_findings_per_evidence == 0) {
        const std::string id = fmt::format("arn:aws:s3:::bucket-{:06}", i);
        evidence.push_back({"aws", "s3_buckets", id, "123456789012", "us-east-1",
                            crypto::to_hex(crypto::sha256(id)),
                            fmt::format(R"({{"bucket":"{}"}})", id)});
      }
      const compliance::Check& check =
        catalogue.checks[static_cast<size_t>(i) % catalogue.checks.size()];
      findings.push_back({check.id, check.severity,
                          i % 5 == 0 ? store::Status::fail : store::Status::pass,
                          fmt::format("arn:aws:s3:::bucket-{:06}", i), "123456789012",
                          i % 3 == 0 ? "eu-west-1" : "us-east-1",
                          "the resource does not meet the check's rule", evidence.size() - 1});
    }
    store::save_batch(state.db(), org, integration_id, std::nullopt, evidence, findings,
                      time::now());
  }
}

} // namespace

int main(int argc, char** argv) {
  const int findings_count = argc > 1 ? std::atoi(argv[1]) : 100000;
  const bool keep = argc > 2 && std::string_view(argv[2]) == "keep";
  const auto dir = std::filesystem::temp_directory_path() /
                   ("velocity-bench-formats-" + crypto::to_hex(crypto::random_bytes(4)));
  std::filesystem::create_directories(dir);
  const std::string master_key = crypto::base64_encode(crypto::random_bytes(32));
  ::setenv("VELOCITY_MASTER_KEY", master_key.c_str(), 1);
  store::State::initialize(dir / "velocity.db", store::NewKeySource::automatic, {});
  store::State state = store::State::open(dir / "velocity.db", {});
  const store::Org org = state.org("default");
  compliance::Library library = compliance::Library::built_in();

  auto start = std::chrono::steady_clock::now();
  fill(state, org, library.checks(), findings_count);
  fmt::print("setup: {} findings of {} checks in {:.1f} s\n", findings_count,
             library.checks().checks.size(), seconds_since(start));
  // A 2 MiB page cache, so that the figures show the writers' memory, not SQLite's cache.
  state.db().execute("PRAGMA cache_size = -2048");

  const report::FindingSource findings = [&](const report::FindingVisitor& visit) {
    store::for_each_finding_in(state.db(), org, {}, visit, store::FindingOrder::by_check);
  };
  const report::FindingFormatOptions options{.tool_version = "bench",
                                             .generated_at = time::to_iso8601(time::now())};
  const auto jsonl = dir / "findings.jsonl";
  for (const report::Format format : {report::Format::jsonl, report::Format::sarif,
                                      report::Format::junit, report::Format::ocsf}) {
    std::FILE* out = std::fopen((dir / "out").c_str(), "wb");
    const auto sink = [&](std::string_view bytes) {
      std::fwrite(bytes.data(), 1, bytes.size(), out);
    };
    reset_peak();
    const long base = status_kib("VmRSS:");
    start = std::chrono::steady_clock::now();
    if (format == report::Format::jsonl) {
      report::write_findings_jsonl(state.db(), org, library, {}, sink);
    } else {
      report::write_findings_as(format, findings, library, options, sink);
    }
    std::fclose(out);
    const double elapsed = seconds_since(start);
    fmt::print("{:<6} {:>4} MiB in {:.2f} s, peak +{} KiB RSS\n", report::to_string(format),
               std::filesystem::file_size(dir / "out") >> 20, elapsed, status_kib("VmHWM:") - base);
    if (format == report::Format::jsonl) {
      std::filesystem::rename(dir / "out", jsonl);
    }
  }

  const std::string peer =
    fmt::format("/usr/bin/time -f 'peer   jq -c . over the JSON Lines: %e s, peak %M KiB RSS' "
                "jq -c . '{}' > /dev/null",
                jsonl.string());
  std::fflush(stdout);
  const int status = std::system(peer.c_str());

  if (keep) {
    fs::write_file_atomic(dir / "master.key", master_key, fs::Mode::private_file);
    fmt::print("kept: VELOCITY_MASTER_KEY=$(cat '{}') velocity --state '{}' evidence list "
               "--format sarif\n",
               (dir / "master.key").string(), (dir / "velocity.db").string());
  } else {
    std::filesystem::remove_all(dir);
  }
  return status == 0 ? 0 : 1;
}
