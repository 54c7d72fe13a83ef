// The collection runner, for any platform: batches stored once per resource, freshness across
// runs, failures recorded rather than thrown, the lock, and the Prometheus metrics.

#include <velocity/compliance/check_catalogue.hpp>
#include <velocity/core/error.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/providers/runner.hpp>
#include <velocity/store/evidence.hpp>
#include <velocity/store/integrations.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

using namespace velocity;
using namespace velocity::providers;

namespace {

struct RunnerState {
  std::filesystem::path dir;
  std::filesystem::path path;

  RunnerState()
    : dir(std::filesystem::temp_directory_path() /
          ("velocity-unit-runner-" + crypto::to_hex(crypto::random_bytes(6)))),
      path(dir / "velocity.db") {
    ::setenv("VELOCITY_MASTER_KEY", crypto::base64_encode(crypto::random_bytes(32)).c_str(), 1);
    ::unsetenv("VELOCITY_KEY_FILE");
    ::unsetenv("VELOCITY_PASSPHRASE");
    store::State::initialize(path, store::NewKeySource::automatic, {});
  }
  ~RunnerState() {
    ::unsetenv("VELOCITY_MASTER_KEY");
    std::filesystem::remove_all(dir);
  }
};

// A platform whose one evidence type holds one resource; the test says whether it passes, and
// whether the collection throws.
struct Script {
  Status status = Status::fail;
  bool incomplete = false;
  bool reject = false;
  bool garbled = false; // the API answered in a shape the provider cannot read
  std::string check_id = "fake_check";
};

class ScriptedProvider final : public Provider {
public:
  explicit ScriptedProvider(const Script& script) : m_script(script) {}
  ConnectionTest test() override { return {}; }
  std::vector<PlannedCall> plan(std::span<const std::string>) const override { return {}; }
  CollectResult collect(std::span<const std::string>, CollectionSink& sink) override {
    if (m_script.reject) {
      throw StateError("the fake platform rejected the credentials of integration t");
    }
    if (m_script.garbled) {
      const nlohmann::json answer = nlohmann::json::array();
      static_cast<void>(answer.value("protection", false));
    }
    Batch batch;
    batch.type = "things";
    batch.account_id = "acct";
    batch.evidence.push_back(Evidence{.type = "things",
                                      .resource_id = "thing-1",
                                      .account_id = "acct",
                                      .region = "r1",
                                      .data = {{"secret-ish", "payload"}},
                                      .raw_sha256 = std::string(64, 'a')});
    batch.findings.push_back(Finding{.check_id = m_script.check_id,
                                     .status = m_script.status,
                                     .resource_id = "thing-1",
                                     .account_id = "acct",
                                     .region = "r1",
                                     .reason = "because",
                                     .evidence = 0});
    if (m_script.incomplete) {
      batch.problems.push_back("fake:List: AccessDenied");
    }
    sink.on_batch(std::move(batch));
    return CollectResult{.api_calls = 3, .api_errors = m_script.incomplete ? 1 : 0};
  }

private:
  const Script& m_script;
};

Platform fake_platform(const Script& script) {
  return Platform{.name = "fake",
                  .title = "Fake",
                  .evidence_types = {{"things", "things", {"fake:List"}}},
                  .checks = {{"fake_check", "things"}},
                  .open = [&script](const IntegrationConfig&, const ProviderOptions&) {
                    return std::make_unique<ScriptedProvider>(script);
                  }};
}

// The catalogue entry of fake_check: its severity is what the stored findings carry.
compliance::CheckCatalogue fake_catalogue() {
  compliance::CheckCatalogue catalogue;
  catalogue.checks.push_back(compliance::Check{
    .id = "fake_check", .platform = "fake", .evidence_type = "things", .severity = Severity::high});
  catalogue.index();
  return catalogue;
}

} // namespace

TEST_CASE("collect_integration") {
  RunnerState temp;
  store::State state = store::State::open(temp.path, {});
  const store::Org org = state.org("default");
  const store::IntegrationRecord integration = store::add_integration(
    state.db(), org, {.name = "t", .platform = "fake", .settings = "{}", .secret = "s3cret"},
    store::OnExisting::fail);
  Script script;
  const Platform platform = fake_platform(script);
  const compliance::CheckCatalogue checks = fake_catalogue();
  RunRequest request;
  request.lock_dir = temp.dir / "locks";
  std::vector<store::FindingRecord> seen;
  const FindingVisitor visit = [&](const store::FindingRecord& finding) {
    seen.push_back(finding);
  };

  SUBCASE("stores evidence and findings, and re-runs update in place with their history") {
    RunSummary first =
      collect_integration(state, org, integration, platform, checks, request, visit);
    CHECK(first.outcome == "success");
    CHECK(first.resources == 1);
    CHECK(first.findings_fail == 1);
    // The provider leaves the severity alone; the catalogue entry gives it.
    CHECK(first.fails_by_severity[Severity::high] == 1);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].first_failed_at.has_value());
    CHECK_FALSE(seen[0].passed_again_at.has_value());
    const std::string failed_at = *seen[0].first_failed_at;

    script.status = Status::pass;
    RunSummary second =
      collect_integration(state, org, integration, platform, checks, request, visit);
    REQUIRE(seen.size() == 2);
    CHECK(seen[1].id == seen[0].id);
    CHECK(seen[1].first_failed_at == failed_at);
    CHECK(seen[1].passed_again_at.has_value());
    CHECK(seen[1].first_seen_at == seen[0].first_seen_at);
    CHECK(second.findings_pass == 1);

    // Times are kept to the millisecond: the reopened gap must start at a later one.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    script.status = Status::fail;
    collect_integration(state, org, integration, platform, checks, request, visit);
    REQUIRE(seen.size() == 3);
    CHECK(*seen[2].first_failed_at > failed_at);
    CHECK_FALSE(seen[2].passed_again_at.has_value());

    CHECK(store::list_evidence(state.db(), org, integration.id).size() == 1);
    const auto evidence = store::find_evidence(state.db(), org, *seen[2].evidence_id);
    REQUIRE(evidence);
    CHECK(evidence->payload == R"({"secret-ish":"payload"})");
    CHECK(evidence->raw_sha256 == std::string(64, 'a'));
  }
  SUBCASE("each run says what it changed since the previous one") {
    const RunSummary first =
      collect_integration(state, org, integration, platform, checks, request, visit);
    CHECK_FALSE(first.changes.previous_run.has_value());
    REQUIRE(first.changes.new_failures.size() == 1);
    CHECK(first.changes.new_failures[0].finding.resource_id == "thing-1");
    CHECK_FALSE(first.changes.new_failures[0].previous_status.has_value());
    CHECK(first.changes.fixed.empty());
    CHECK(first.changes.failing == 1);

    const RunSummary unchanged =
      collect_integration(state, org, integration, platform, checks, request, visit);
    REQUIRE(unchanged.changes.previous_run.has_value());
    CHECK(unchanged.changes.previous_run->id == first.run_id);
    CHECK(unchanged.changes.new_failures.empty());
    CHECK(unchanged.changes.fixed.empty());
    CHECK(unchanged.changes.failing == 1);

    script.status = Status::pass;
    const RunSummary fixed =
      collect_integration(state, org, integration, platform, checks, request, visit);
    CHECK(fixed.changes.previous_run->id == unchanged.run_id);
    CHECK(fixed.changes.new_failures.empty());
    REQUIRE(fixed.changes.fixed.size() == 1);
    CHECK(fixed.changes.fixed[0].previous_status == Status::fail);
    CHECK(fixed.changes.failing == 0);

    // A failed run collects nothing: the next one is compared with the last that did.
    script.reject = true;
    const RunSummary failed =
      collect_integration(state, org, integration, platform, checks, request, visit);
    CHECK(failed.changes.new_failures.empty());
    script.reject = false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    script.status = Status::fail;
    const RunSummary again =
      collect_integration(state, org, integration, platform, checks, request, visit);
    CHECK(again.changes.previous_run->id == fixed.run_id);
    REQUIRE(again.changes.new_failures.size() == 1);
    CHECK(again.changes.new_failures[0].previous_status == Status::pass);
  }
  SUBCASE("an incomplete batch is stored and reported") {
    script.incomplete = true;
    RunSummary summary =
      collect_integration(state, org, integration, platform, checks, request, visit);
    CHECK(summary.outcome == "incomplete");
    REQUIRE(summary.problems.size() == 1);
    CHECK(summary.problems[0] == "things (acct): fake:List: AccessDenied");
    CHECK(summary.api_errors == 1);
    CHECK(summary.resources == 1);
  }
  SUBCASE("a failed collection is recorded, not thrown, with its exit code") {
    script.reject = true;
    RunSummary summary =
      collect_integration(state, org, integration, platform, checks, request, visit);
    CHECK(summary.outcome == "failed");
    CHECK(summary.error_code == ExitCode::state);
    CHECK(summary.error.find("rejected") != std::string::npos);
    CHECK_FALSE(summary.last_success_at.has_value());
  }
  SUBCASE("an answer of an unexpected shape fails the run as a remote error, not a crash") {
    script.garbled = true;
    RunSummary summary =
      collect_integration(state, org, integration, platform, checks, request, visit);
    CHECK(summary.outcome == "failed");
    CHECK(summary.error_code == ExitCode::remote);
    CHECK(summary.error.find("the fake API answered in a shape velocity cannot read") !=
          std::string::npos);
  }
  SUBCASE("a finding of a check the catalogue does not describe is a programming error") {
    script.check_id = "undeclared_check";
    CHECK_THROWS_AS(collect_integration(state, org, integration, platform, checks, request, visit),
                    std::logic_error);
  }
  SUBCASE("an unknown type is a usage error") {
    request.types = {"nothing"};
    CHECK_THROWS_AS(collect_integration(state, org, integration, platform, checks, request, visit),
                    UsageError);
  }
  SUBCASE("the lock refuses a second collection of the same integration") {
    const IntegrationLock held(request.lock_dir / "1-1.lock", "integration t", LockWait::no);
    try {
      IntegrationLock second(request.lock_dir / "1-1.lock", "integration t", LockWait::no);
      FAIL("the second lock was granted");
    } catch (const Error& error) {
      CHECK(error.code() == ExitCode::check_failed);
      CHECK(std::string(error.what()).find("pid") != std::string::npos);
    }
  }
}

TEST_CASE("render_metrics") {
  RunSummary run;
  run.integration = "prod";
  run.platform = "aws";
  run.resources = 7;
  run.findings_pass = 5;
  run.findings_fail = 2;
  run.duration_ms = 1500;
  run.api_calls = 40;
  run.by_check["aws_x"] = {5, 2};
  run.last_success_at = "2026-11-23T00:00:00.000Z";
  const std::string text = render_metrics({run});
  CHECK(text.find("# TYPE velocity_collect_duration_seconds gauge") != std::string::npos);
  CHECK(
    text.find("velocity_collect_duration_seconds{integration=\"prod\",platform=\"aws\"} 1.500") !=
    std::string::npos);
  CHECK(text.find(
          "velocity_collect_findings{integration=\"prod\",platform=\"aws\",status=\"FAIL\"} 2") !=
        std::string::npos);
  CHECK(text.find("check=\"aws_x\",status=\"PASS\"} 5") != std::string::npos);
  CHECK(text.find("velocity_collect_last_success_timestamp_seconds{integration=\"prod\",platform="
                  "\"aws\"} 1795392000.000") != std::string::npos);
  CHECK(text.find("velocity_collect_success{integration=\"prod\",platform=\"aws\"} 1") !=
        std::string::npos);
}
