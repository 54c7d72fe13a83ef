#pragma once

#include <velocity/core/time.hpp>
#include <velocity/store/database.hpp>
#include <velocity/store/state.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// Accepted risks recorded with `velocity accept`: a check, shell-style patterns (fnmatch) for the
// resources, integrations, accounts and regions it covers, who owns it, why, and until when. The
// owner and the reason are sealed with the organisation's data key. A revoked acceptance is kept
// with who revoked it and when; it covers nothing any more.
namespace velocity::store {

struct NewAcceptance {
  std::string check_id;
  std::string resource_pattern = "*";
  std::string integration_pattern = "*";
  std::string account_pattern = "*";
  std::string region_pattern = "*";
  std::string owner;
  std::string reason;
  std::string expires_at; // ISO 8601 UTC
  std::string created_by; // the audit actor
};

struct AcceptanceRecord {
  int64_t id = 0;
  std::string check_id;
  std::string resource_pattern;
  std::string integration_pattern;
  std::string account_pattern;
  std::string region_pattern;
  std::string owner;
  std::string reason;
  std::string created_at;
  std::string created_by;
  std::string expires_at;
  std::optional<std::string> revoked_at;
  std::optional<std::string> revoked_by;
};

// Records `acceptance` for `org` and returns it with its id. Call inside the transaction that
// records its audit event.
AcceptanceRecord add_acceptance(Database& db, const Org& org, const NewAcceptance& acceptance,
                                time::TimePoint now);

// Every acceptance of `org`, revoked ones too, by id.
std::vector<AcceptanceRecord> list_acceptances(Database& db, const Org& org);

// Acceptance `id` of `org`, or nothing.
std::optional<AcceptanceRecord> find_acceptance(Database& db, const Org& org, int64_t id);

// Marks acceptance `id` revoked by `actor` at `now`; false when it was revoked already.
bool revoke_acceptance(Database& db, const Org& org, int64_t id, const std::string& actor,
                       time::TimePoint now);

} // namespace velocity::store
