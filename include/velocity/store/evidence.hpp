#pragma once

#include <velocity/core/time.hpp>
#include <velocity/store/database.hpp>
#include <velocity/store/findings.hpp>
#include <velocity/store/state.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// Collected evidence: one row per resource per integration, updated in place by each
// collection; the normalised payload is sealed, the SHA-256 of the raw responses kept in clear.
namespace velocity::store {

struct EvidenceInput {
  std::string platform;
  std::string type;
  std::string resource_id;
  std::string account_id;
  std::string region;
  std::string raw_sha256;
  std::string payload; // JSON text, sealed before it is written
};

// One evidence row, its payload opened.
struct EvidenceRecord {
  int64_t id = 0;
  int64_t integration_id = 0;
  std::string integration;
  std::string platform;
  std::string type;
  std::string resource_id;
  std::string account_id;
  std::string region;
  std::string raw_sha256;
  std::string payload;
  std::string first_collected_at;
  std::string collected_at;
};

// Writes one batch of collection run `run_id` (none outside a collection) in one transaction:
// each evidence row inserted or updated (by integration, type, account, region and resource),
// then each finding (FindingInput::evidence indexes `evidence`). Returns the findings as stored,
// with their freshness, in input order.
std::vector<FindingRecord> save_batch(Database& db, const Org& org, int64_t integration_id,
                                      std::optional<int64_t> run_id,
                                      std::span<const EvidenceInput> evidence,
                                      std::span<const FindingInput> findings, time::TimePoint now);

// The evidence row `id` of `org` with its payload opened, or nothing.
std::optional<EvidenceRecord> find_evidence(Database& db, const Org& org, int64_t id);

// A summary row of evidence (no payload), for listings.
struct EvidenceSummary {
  int64_t id = 0;
  std::string integration;
  std::string type;
  std::string resource_id;
  std::string account_id;
  std::string region;
  std::string collected_at;
};

// Evidence rows of `org` (of one integration when `integration_id` is set), by id.
std::vector<EvidenceSummary> list_evidence(Database& db, const Org& org,
                                           std::optional<int64_t> integration_id);

// A finished or running collection of one integration.
struct RunRecord {
  int64_t id = 0;
  int64_t integration_id = 0;
  std::string started_at;
  std::optional<std::string> finished_at;
  std::string outcome; // running, success, incomplete, failed
  std::string types;
  int64_t resources = 0;
  int64_t findings_pass = 0;
  int64_t findings_fail = 0;
  int64_t api_calls = 0;
  int64_t api_errors = 0;
  int64_t duration_ms = 0;
  std::string message;
};

// Records the start of a collection; returns its id.
int64_t start_run(Database& db, const Org& org, int64_t integration_id, std::string_view types,
                  time::TimePoint started);
// Records how the collection `run.id` ended.
void finish_run(Database& db, const RunRecord& run, time::TimePoint finished);
// The latest successful (complete) collection of the integration, or nothing.
std::optional<RunRecord> last_successful_run(Database& db, int64_t integration_id);

} // namespace velocity::store
