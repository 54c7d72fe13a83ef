// bench_audit_verify: how fast the audit trail appends and verifies.
//
//   bench_audit_verify [EVENTS [BATCH]]      (default 1000000 events, 1000 per command)
//
// Builds a log of EVENTS events in a temporary state, BATCH events per simulated command (one
// transaction, one signed tree head each), exports it as jsonl, then in one run times
// `sha256sum` and `velocity audit verify --file` (the library function behind it) over the same
// exported bytes and prints the ratio of their throughputs (target: verification at least half
// as fast as sha256sum). Also prints the cost of an append inside a command's transaction and of
// an append committed on its own, and the in-state verification time.
#include <velocity/audit/export.hpp>
#include <velocity/audit/recorder.hpp>
#include <velocity/audit/verify.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/store/state.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

using namespace velocity;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Wall time of `sha256sum file`, output discarded.
double time_sha256sum(const std::filesystem::path& file) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  std::string program = "sha256sum";
  std::string path = file.string();
  std::vector<char*> argv = {program.data(), path.data(), nullptr};
  const auto start = Clock::now();
  pid_t pid = 0;
  if (posix_spawnp(&pid, "sha256sum", &actions, nullptr, argv.data(), environ) != 0) {
    std::fputs("cannot run sha256sum\n", stderr);
    std::exit(1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  posix_spawn_file_actions_destroy(&actions);
  return seconds_since(start);
}

audit::EventInput sample_event(int64_t i) {
  audit::EventInput event;
  event.category = i % 10 == 0 ? audit::Category::system_security : audit::Category::data_access;
  event.action = "evidence.read";
  event.resource_type = "evidence";
  event.resource_id = fmt::format("arn:aws:s3:::bucket-{}", i % 977);
  event.details = {
    {"integration", "aws-prod"}, {"region", "eu-west-1"}, {"bytes", 1000 + i % 5000}};
  return event;
}

} // namespace

int main(int argc, char** argv) {
  const int64_t events = argc > 1 ? std::atoll(argv[1]) : 1000000;
  const int64_t batch = argc > 2 ? std::atoll(argv[2]) : 1000;
  std::string pattern = (std::filesystem::temp_directory_path() / "velocity-bench-XXXXXX").string();
  const std::filesystem::path dir = ::mkdtemp(pattern.data());
  ::setenv("VELOCITY_MASTER_KEY", crypto::base64_encode(crypto::random_bytes(32)).c_str(), 1);
  const std::filesystem::path state_path = dir / "velocity.db";
  store::State::initialize(state_path, store::NewKeySource::automatic, {});
  store::State state = store::State::open(state_path, {});
  audit::Recorder recorder(state, "default",
                           audit::Identity{"bench", "0123456789abcdef0123456789abcdef"});

  // Appends committed one by one (no caller transaction): bound by the commit's fsync.
  const int64_t single = 200;
  auto start = Clock::now();
  for (int64_t i = 0; i < single; ++i) {
    recorder.record(sample_event(i));
  }
  const double single_s = seconds_since(start);
  recorder.checkpoint();

  std::vector<audit::EventInput> inputs;
  for (int64_t i = 0; i < batch; ++i) {
    inputs.push_back(sample_event(i));
  }
  start = Clock::now();
  double sign_s = 0;
  for (int64_t done = recorder.size(); done < events;) {
    const int64_t n = std::min(batch, events - done);
    store::Transaction tx(state.db());
    recorder.record_all(std::span(inputs).first(static_cast<size_t>(n)));
    const auto signing = Clock::now();
    recorder.checkpoint();
    sign_s += seconds_since(signing);
    tx.commit();
    done += n;
  }
  const double append_s = seconds_since(start);
  const int64_t appended = events - single - 1;

  start = Clock::now();
  const audit::VerifyResult in_state = audit::verify_state(state, "default");
  const double state_s = seconds_since(start);

  const std::filesystem::path file = dir / "export.jsonl";
  start = Clock::now();
  audit::export_log(recorder, file, audit::ExportFormat::jsonl, {});
  const double export_s = seconds_since(start);
  const auto bytes = static_cast<double>(std::filesystem::file_size(file));
  const crypto::VerifyKey key = recorder.public_key();

  time_sha256sum(file); // warm the page cache for both
  double sha_s = 1e9;
  double verify_s = 1e9;
  audit::VerifyResult offline;
  for (int round = 0; round < 3; ++round) {
    sha_s = std::min(sha_s, time_sha256sum(file));
    start = Clock::now();
    offline = audit::verify_export(file, key);
    verify_s = std::min(verify_s, seconds_since(start));
  }

  const double mb = bytes / 1e6;
  std::printf("audit log: %lld events, %lld per command (transaction + signed head)\n",
              static_cast<long long>(events), static_cast<long long>(batch));
  std::printf(
    "append, inside a command's transaction: %.2f us/event (%.1f s for %lld; signing heads "
    "%.1f ms of it)\n",
    append_s / static_cast<double>(appended) * 1e6, append_s, static_cast<long long>(appended),
    sign_s * 1e3);
  std::printf(
    "append, each committed on its own:       %.1f us/event (%lld events; the commit's fsync)\n",
    single_s / static_cast<double>(single) * 1e6, static_cast<long long>(single));
  std::printf("verify in the state:   %.2f s (%s, %lld events, %lld heads)\n", state_s,
              in_state.ok() ? "intact" : in_state.failure->message.c_str(),
              static_cast<long long>(in_state.events_checked),
              static_cast<long long>(in_state.heads_checked));
  std::printf("export jsonl:          %.2f s, %.1f MB\n", export_s, mb);
  std::printf("sha256sum of export:   %.3f s, %.0f MB/s (best of 3)\n", sha_s, mb / sha_s);
  std::printf(
    "verify export offline: %.3f s, %.0f MB/s, %.2f us/event (best of 3; %s, %lld events, "
    "%lld heads)\n",
    verify_s, mb / verify_s, verify_s / static_cast<double>(events) * 1e6,
    offline.ok() ? "intact" : offline.failure->message.c_str(),
    static_cast<long long>(offline.events_checked), static_cast<long long>(offline.heads_checked));
  std::printf("ratio: verification runs at %.2fx sha256sum's throughput (target >= 0.5x)\n",
              sha_s / verify_s);

  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return in_state.ok() && offline.ok() ? 0 : 1;
}
