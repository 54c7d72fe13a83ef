#include "evidence_rows.hpp"
#include "rows.hpp"

#include <velocity/store/evidence.hpp>

#include <fmt/format.h>

namespace velocity::store {

namespace {

// The payload is sealed to the row id, which an insert only knows afterwards: insert (or
// update) with an empty payload, then seal and write it.
const std::string k_upsert_evidence = R"sql(
INSERT INTO evidence (org_id, integration_id, platform, evidence_type, resource_id, region,
                      account_id, raw_sha256, payload, first_collected_at, collected_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, x'', ?9, ?9)
ON CONFLICT (org_id, integration_id, evidence_type, account_id, region, resource_id) DO UPDATE SET
  raw_sha256 = excluded.raw_sha256,
  collected_at = excluded.collected_at
RETURNING id
)sql";

const std::string k_set_payload = "UPDATE evidence SET payload = ?1 WHERE id = ?2";

} // namespace

int64_t upsert_evidence(Database& db, const Org& org, int64_t integration_id,
                        const EvidenceInput& item, const std::string& when) {
  Statement& upsert = db.cached(k_upsert_evidence);
  upsert.bind(1, org.id()).bind(2, integration_id).bind(3, item.platform).bind(4, item.type);
  upsert.bind(5, item.resource_id).bind(6, item.region).bind(7, item.account_id);
  upsert.bind(8, item.raw_sha256).bind(9, when);
  upsert.step();
  const int64_t id = upsert.column_int(0);
  upsert.reset();
  Statement& payload = db.cached(k_set_payload);
  payload.bind_blob(1, org.seal(Field{"evidence", "payload", id}, item.payload)).bind(2, id);
  payload.run();
  payload.reset();
  return id;
}

std::vector<FindingRecord> save_batch(Database& db, const Org& org, int64_t integration_id,
                                      std::optional<int64_t> run_id,
                                      std::span<const EvidenceInput> evidence,
                                      std::span<const FindingInput> findings, time::TimePoint now) {
  Transaction transaction(db);
  org.require_current(db);
  const std::string when = time::to_iso8601(now);
  std::vector<int64_t> ids;
  ids.reserve(evidence.size());
  for (const EvidenceInput& item : evidence) {
    ids.push_back(upsert_evidence(db, org, integration_id, item, when));
  }
  std::vector<FindingRecord> stored;
  stored.reserve(findings.size());
  for (const FindingInput& finding : findings) {
    const std::optional<int64_t> evidence_id =
      finding.evidence < ids.size() ? std::optional<int64_t>(ids[finding.evidence]) : std::nullopt;
    stored.push_back(upsert_finding(db, org, integration_id, run_id, evidence_id, finding, now));
  }
  transaction.commit();
  return stored;
}

std::optional<EvidenceRecord> find_evidence(Database& db, const Org& org, int64_t id) {
  Statement statement = db.prepare(
    fmt::format("SELECT {} FROM evidence e LEFT JOIN integrations i ON i.id = e.integration_id "
                "WHERE e.org_id = ?1 AND e.id = ?2",
                k_evidence_columns));
  statement.bind(1, org.id()).bind(2, id);
  if (!statement.step()) {
    return std::nullopt;
  }
  return evidence_from_row(statement, org);
}

std::vector<EvidenceSummary> list_evidence(Database& db, const Org& org,
                                           std::optional<int64_t> integration_id) {
  Statement statement = db.prepare(
    "SELECT e.id, COALESCE(i.name, ''), e.evidence_type, e.resource_id, e.account_id, e.region, "
    "e.collected_at FROM evidence e LEFT JOIN integrations i ON i.id = e.integration_id "
    "WHERE e.org_id = ?1 AND (?2 IS NULL OR e.integration_id = ?2) ORDER BY e.id");
  statement.bind(1, org.id()).bind(2, integration_id);
  std::vector<EvidenceSummary> rows;
  while (statement.step()) {
    rows.push_back(EvidenceSummary{.id = statement.column_int(0),
                                   .integration = statement.column_text(1),
                                   .type = statement.column_text(2),
                                   .resource_id = statement.column_text(3),
                                   .account_id = statement.column_text(4),
                                   .region = statement.column_text(5),
                                   .collected_at = statement.column_text(6)});
  }
  return rows;
}

int64_t start_run(Database& db, const Org& org, int64_t integration_id, std::string_view types,
                  time::TimePoint started) {
  db.prepare("INSERT INTO collection_runs (org_id, integration_id, started_at, outcome, types) "
             "VALUES (?1, ?2, ?3, 'running', ?4)")
    .bind(1, org.id())
    .bind(2, integration_id)
    .bind(3, time::to_iso8601(started))
    .bind(4, types)
    .run();
  return db.last_insert_rowid();
}

void finish_run(Database& db, const RunRecord& run, time::TimePoint finished) {
  db.prepare("UPDATE collection_runs SET finished_at = ?1, outcome = ?2, resources = ?3, "
             "findings_pass = ?4, findings_fail = ?5, api_calls = ?6, api_errors = ?7, "
             "duration_ms = ?8, message = ?9 WHERE id = ?10")
    .bind(1, time::to_iso8601(finished))
    .bind(2, run.outcome)
    .bind(3, run.resources)
    .bind(4, run.findings_pass)
    .bind(5, run.findings_fail)
    .bind(6, run.api_calls)
    .bind(7, run.api_errors)
    .bind(8, run.duration_ms)
    .bind(9, run.message)
    .bind(10, run.id)
    .run();
}

std::optional<RunRecord> last_successful_run(Database& db, int64_t integration_id) {
  Statement statement =
    db.prepare(fmt::format("SELECT {} FROM collection_runs r WHERE r.integration_id = ?1 AND "
                           "r.outcome = 'success' ORDER BY r.finished_at DESC, r.id DESC LIMIT 1",
                           k_run_columns));
  statement.bind(1, integration_id);
  if (!statement.step()) {
    return std::nullopt;
  }
  return run_from_row(statement);
}

} // namespace velocity::store
