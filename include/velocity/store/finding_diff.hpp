#pragma once

#include <velocity/store/database.hpp>
#include <velocity/store/evidence.hpp>
#include <velocity/store/findings.hpp>
#include <velocity/store/state.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// What changed in one integration between an earlier collection (the base) and its latest one,
// for `velocity evidence diff`: read from the findings' history columns and the evidence's
// collection times, so no snapshot is kept. Only collections that collected something count.
namespace velocity::store {

// Which collection to compare the latest one with.
struct DiffBase {
  // This collection run; else the latest one finished at or before `date`; else the one before
  // the latest.
  std::optional<int64_t> run_id;
  std::optional<std::string> date; // ISO 8601 UTC
};

// A collected resource, without its payload.
struct ResourceRef {
  std::string evidence_type;
  std::string resource_id;
  std::string account_id;
  std::string region;
  std::string collected_at;
};

struct IntegrationDiff {
  RunRecord base;
  RunRecord latest;
  // FAIL now, and failing only since the base collection ended: by check and resource.
  std::vector<FindingRecord> new_failures;
  // PASS now after failing at the base collection.
  std::vector<FindingRecord> fixed;
  // Resources first collected after the base collection.
  std::vector<ResourceRef> new_resources;
  // Resources collected by the base collection (or after it) that the latest one did not see,
  // of the evidence types the latest one collected.
  std::vector<ResourceRef> vanished_resources;
};

// The latest collection of integration `integration_id` that collected something, or nothing.
std::optional<RunRecord> latest_collecting_run(Database& db, const Org& org,
                                               int64_t integration_id);

// The base collection `base` names for the integration, or nothing (no such run, or none
// earlier than the latest).
std::optional<RunRecord> diff_base_run(Database& db, const Org& org, int64_t integration_id,
                                       const DiffBase& base);

// The changes of the integration from `base` to `latest`.
IntegrationDiff diff_runs(Database& db, const Org& org, const RunRecord& base,
                          const RunRecord& latest);

} // namespace velocity::store
