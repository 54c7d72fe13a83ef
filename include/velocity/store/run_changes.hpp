#pragma once

#include <velocity/store/database.hpp>
#include <velocity/store/evidence.hpp>
#include <velocity/store/findings.hpp>
#include <velocity/store/state.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// What one collection run changed, for summaries that tell news from standing failures (a cron
// job that speaks only when something new fails). Each finding is compared with its status when
// it was last collected, which is the previous run's unless that run skipped it (--types, an
// account it could not reach); a finding no earlier run saw counts as new.
namespace velocity::store {

// A finding whose status the run set.
struct FindingChange {
  FindingRecord finding;
  // Its status before the run, or nothing when the run saw it first.
  std::optional<Status> previous_status;
};

struct RunChanges {
  // The integration's latest run before this one that collected anything (it succeeded, was
  // incomplete, or stored findings before it failed); nothing on its first collection, when
  // every failure is new.
  std::optional<RunRecord> previous_run;
  // FAIL now, and PASS before or never seen: ordered by check, account, region and resource.
  std::vector<FindingChange> new_failures;
  // PASS now after a FAIL, in the same order.
  std::vector<FindingChange> fixed;
  // Every finding of the integration failing after the run, whether new or not.
  int64_t failing = 0;
};

// The changes of collection run `run_id` of `org` (empty for a run that stored nothing).
RunChanges run_changes(Database& db, const Org& org, int64_t run_id);

} // namespace velocity::store
