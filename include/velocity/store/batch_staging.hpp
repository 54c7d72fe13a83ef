#pragma once

#include <velocity/core/time.hpp>
#include <velocity/crypto/aead.hpp>
#include <velocity/store/database.hpp>
#include <velocity/store/evidence.hpp>
#include <velocity/store/findings.hpp>
#include <velocity/store/state.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>

// A collection stores each batch (one evidence type of one cloud account) whole, in one
// transaction, but a large account's batch does not fit in memory: its parts wait here, out of
// memory, until the batch is complete. They go to temporary tables of this connection (a file
// SQLite deletes when the connection closes, and which no other connection sees), the payloads
// sealed under a key only this object holds, so nothing staged outlives the process or can be
// read from the disk; the state's own tables change only when the whole batch is saved.
namespace velocity::store {

// A batch being collected: its evidence type and cloud account.
struct BatchKey {
  std::string type;
  std::string account_id;

  auto operator<=>(const BatchKey&) const = default;
};

class BatchStaging {
public:
  // Forgets what an earlier staging on this connection left (a collection that failed half-way).
  explicit BatchStaging(Database& db);
  BatchStaging(const BatchStaging&) = delete;
  BatchStaging& operator=(const BatchStaging&) = delete;

  // Adds one part of batch `key`: its evidence, and findings whose FindingInput::evidence
  // indexes `evidence` (an index past its end: a finding on no evidence item).
  void stage(const BatchKey& key, std::span<const EvidenceInput> evidence,
             std::span<const FindingInput> findings);

  // Writes batch `key` as save_batch does, every part in the order staged, in one transaction of
  // `org` (integration `integration_id`, collection run `run_id`); then, after the commit, calls
  // `visit` with each finding as stored (with its freshness), in the same order, and forgets the
  // batch. Returns the number of evidence items written. When the transaction fails nothing is
  // written and the batch stays staged, so that it can be saved again.
  int64_t save(const Org& org, int64_t integration_id, std::optional<int64_t> run_id,
               const BatchKey& key, time::TimePoint now,
               const std::function<void(const FindingRecord&)>& visit);

private:
  int64_t batch_id(const BatchKey& key);

  Database& m_db;
  crypto::SecretKey m_key;
  std::map<BatchKey, int64_t> m_batches;
  int64_t m_next_batch = 1;
  int64_t m_next_evidence = 1;
};

} // namespace velocity::store
