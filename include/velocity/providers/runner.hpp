#pragma once

#include <velocity/compliance/check_catalogue.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/time.hpp>
#include <velocity/providers/lock.hpp>
#include <velocity/providers/provider.hpp>
#include <velocity/store/findings.hpp>
#include <velocity/store/integrations.hpp>
#include <velocity/store/run_changes.hpp>
#include <velocity/store/state.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

// Runs a collection of one integration, for any platform: takes the integration's lock, opens
// its provider, stores each batch (evidence and findings, one transaction per batch) as it
// arrives, streams the findings, and sums up what happened.
namespace velocity::providers {

struct RunRequest {
  std::vector<std::string> types; // empty: every type of the platform
  LockWait wait = LockWait::no;
  ProviderOptions provider;
  // Where the per-integration lock files live.
  std::filesystem::path lock_dir;
};

// What one collection of one integration did.
struct RunSummary {
  // The id of the collection run recorded for it.
  int64_t run_id = 0;
  std::string integration;
  std::string platform;
  std::string outcome = "success"; // success, incomplete, failed
  std::vector<std::string> types;
  std::vector<std::string> accounts;
  int64_t resources = 0;
  int64_t findings_pass = 0;
  int64_t findings_fail = 0;
  int64_t api_calls = 0;
  int64_t api_errors = 0;
  int64_t duration_ms = 0;
  // check id -> {pass, fail}
  std::map<std::string, std::pair<int64_t, int64_t>> by_check;
  // FAIL findings per severity
  std::map<Severity, int64_t> fails_by_severity;
  // "policies (123456789012): iam:ListUsers: AccessDenied: ..." for each incomplete batch
  std::vector<std::string> problems;
  // "file_systems (123456789012): elasticfilesystem: ap-east-2 skipped, ..." for what was left
  // out on purpose; the run is still complete
  std::vector<std::string> notes;
  std::vector<AccountFailure> failed_accounts;
  // When the collection failed as a whole: the message, help and exit code of its error.
  std::string error;
  std::string error_help;
  ExitCode error_code = ExitCode::success;
  // The end of the latest successful collection (this one when it succeeded).
  std::optional<std::string> last_success_at;
  std::string finished_at;
  // What changed since the integration's previous collection: new failures and fixed findings,
  // and how many resources it saw first and which of the previous one's it no longer saw.
  store::RunChanges changes;
  int64_t new_resources = 0;
  int64_t vanished_resources = 0;
};

// Told about each finding as soon as its batch is stored, with its freshness.
using FindingVisitor = std::function<void(const store::FindingRecord& finding)>;

// Collects `integration` of `org` on `platform`; each finding gets its severity from its entry
// in `checks`, which must describe every check the platform declares. A lock held by another
// process throws (exit 1 unless RunRequest::wait); every other failure (rejected credentials,
// unreachable endpoint) is recorded in the summary and the run's row, not thrown, so --all goes
// on with the others.
RunSummary collect_integration(store::State& state, const store::Org& org,
                               const store::IntegrationRecord& integration,
                               const Platform& platform, const compliance::CheckCatalogue& checks,
                               const RunRequest& request, const FindingVisitor& on_finding);

// The summaries in Prometheus text exposition format: duration, resources, findings by status
// and by check, API calls and errors, the last success time, and whether the run succeeded.
std::string render_metrics(const std::vector<RunSummary>& runs);

} // namespace velocity::providers
