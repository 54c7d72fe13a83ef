#pragma once

#include <velocity/core/time.hpp>
#include <velocity/store/database.hpp>
#include <velocity/store/state.hpp>
#include <velocity/store/verdict.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Check results with their freshness: when a finding was first seen, when its current (or last)
// failure was first seen, when it was last seen, and when it passed again after failing.
namespace velocity::store {

// One check's verdict on one resource as a collection produces it (providers::Finding).
struct FindingInput {
  std::string check_id;
  Severity severity = Severity::medium;
  Status status = Status::pass;
  std::string resource_id;
  std::string account_id;
  std::string region;
  std::string reason;  // one line
  size_t evidence = 0; // index into the batch's evidence
};

// An accepted risk covering a finding (`velocity accept`, or an accept file): the finding is still
// collected and shown, marked accepted with who, why and until when; --fail-on ignores it.
struct Acceptance {
  std::string id;         // the acceptance's id in the state, or FILE:LINE of an accept file entry
  std::string owner;      // who accepted it
  std::string reason;     // why, one line
  std::string expires_at; // ISO 8601 date; after it the finding fails again
};

struct FindingRecord {
  int64_t id = 0;
  std::optional<int64_t> evidence_id{};
  std::string integration{};
  std::string platform{};
  std::string evidence_type{};
  std::string check_id{};
  Severity severity = Severity::medium;
  Status status = Status::pass;
  std::string resource_id{};
  std::string account_id{};
  std::string region{};
  std::string reason{};
  std::string first_seen_at{};
  std::optional<std::string> first_failed_at{};
  std::string last_seen_at{};
  std::optional<std::string> passed_again_at{};
  // Set on a FAIL that an acceptance in force covers.
  std::optional<Acceptance> acceptance{};
};

// Inserts or updates the finding of (integration, check, account, region, resource), keeping
// its history: a FAIL after a PASS opens a new gap (first_failed_at = now, passed_again_at
// cleared); a PASS after a FAIL closes it (passed_again_at = now). A new finding, or one whose
// status changes, is marked as set by collection run `run_id` (none outside a collection), which
// run_changes reads back. Call inside a transaction.
FindingRecord upsert_finding(Database& db, const Org& org, int64_t integration_id,
                             std::optional<int64_t> run_id, std::optional<int64_t> evidence_id,
                             const FindingInput& finding, time::TimePoint now);

// The order findings are visited in: the query's own (documented with it), or by check id
// first, for the formats that group findings by check (JUnit).
enum class FindingOrder { natural, by_check };

struct FindingFilter {
  FindingOrder order = FindingOrder::natural;
  std::optional<std::string> check_id;
  std::optional<Status> status;
  std::optional<int64_t> integration_id;
  std::optional<int64_t> evidence_id;
};

// Calls `visit` for each finding of `org` matching `filter`, ordered by integration, check and
// resource (by check, integration and resource with FindingOrder::by_check), one row at a time
// (nothing is gathered in memory).
void for_each_finding(Database& db, const Org& org, const FindingFilter& filter,
                      const std::function<void(const FindingRecord&)>& visit);

} // namespace velocity::store
