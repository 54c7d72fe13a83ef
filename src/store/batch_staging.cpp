#include "evidence_rows.hpp"
#include "rows.hpp"

#include <velocity/core/error.hpp>
#include <velocity/store/batch_staging.hpp>

#include <fmt/format.h>

namespace velocity::store {

namespace {

// Made on first use and emptied, so that a collection starts from nothing even when an earlier
// one on this connection stopped half-way. saved_* map the staged rows of the batch being saved
// to the rows they became.
const std::string k_prepare_tables = R"sql(
CREATE TEMP TABLE IF NOT EXISTS staged_evidence (
  id INTEGER PRIMARY KEY, batch INTEGER NOT NULL, platform TEXT NOT NULL,
  evidence_type TEXT NOT NULL, resource_id TEXT NOT NULL, account_id TEXT NOT NULL,
  region TEXT NOT NULL, raw_sha256 TEXT NOT NULL, payload BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS temp.staged_evidence_by_batch ON staged_evidence (batch, id);
CREATE TEMP TABLE IF NOT EXISTS staged_findings (
  id INTEGER PRIMARY KEY, batch INTEGER NOT NULL, evidence INTEGER, check_id TEXT NOT NULL,
  severity TEXT NOT NULL, status TEXT NOT NULL, resource_id TEXT NOT NULL,
  account_id TEXT NOT NULL, region TEXT NOT NULL, reason TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS temp.staged_findings_by_batch ON staged_findings (batch, id);
CREATE TEMP TABLE IF NOT EXISTS saved_evidence (
  staged INTEGER PRIMARY KEY, evidence_id INTEGER NOT NULL);
CREATE TEMP TABLE IF NOT EXISTS saved_findings (
  seq INTEGER PRIMARY KEY, finding_id INTEGER NOT NULL);
DELETE FROM temp.staged_evidence;
DELETE FROM temp.staged_findings;
DELETE FROM temp.saved_evidence;
DELETE FROM temp.saved_findings;
)sql";

const std::string k_stage_evidence =
  "INSERT INTO temp.staged_evidence (id, batch, platform, evidence_type, resource_id, "
  "account_id, region, raw_sha256, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

const std::string k_stage_finding =
  "INSERT INTO temp.staged_findings (batch, evidence, check_id, severity, status, resource_id, "
  "account_id, region, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

const std::string k_remember_evidence =
  "INSERT INTO temp.saved_evidence (staged, evidence_id) VALUES (?1, ?2)";

const std::string k_remember_finding = "INSERT INTO temp.saved_findings (finding_id) VALUES (?1)";

// The staged payload is sealed to its row, like the state's own.
std::string staged_aad(int64_t id) {
  return fmt::format("staged_evidence.payload:{}", id);
}

} // namespace

BatchStaging::BatchStaging(Database& db) : m_db(db), m_key(crypto::SecretKey::generate()) {
  m_db.execute(k_prepare_tables);
}

int64_t BatchStaging::batch_id(const BatchKey& key) {
  const auto [found, added] = m_batches.try_emplace(key, m_next_batch);
  if (added) {
    ++m_next_batch;
  }
  return found->second;
}

void BatchStaging::stage(const BatchKey& key, std::span<const EvidenceInput> evidence,
                         std::span<const FindingInput> findings) {
  const int64_t batch = batch_id(key);
  // Only temporary tables are written: the state's write lock is not taken.
  Transaction transaction(m_db, TransactionKind::deferred);
  const int64_t first = m_next_evidence;
  for (const EvidenceInput& item : evidence) {
    const int64_t id = m_next_evidence++;
    Statement& insert = m_db.cached(k_stage_evidence);
    insert.bind(1, id).bind(2, batch).bind(3, item.platform).bind(4, item.type);
    insert.bind(5, item.resource_id).bind(6, item.account_id).bind(7, item.region);
    insert.bind(8, item.raw_sha256).bind_blob(9, crypto::seal(m_key, item.payload, staged_aad(id)));
    insert.run();
    insert.reset();
  }
  for (const FindingInput& finding : findings) {
    Statement& insert = m_db.cached(k_stage_finding);
    insert.bind(1, batch);
    insert.bind(2, finding.evidence < evidence.size()
                     ? std::optional<int64_t>(first + static_cast<int64_t>(finding.evidence))
                     : std::nullopt);
    insert.bind(3, finding.check_id).bind(4, to_string(finding.severity));
    insert.bind(5, to_string(finding.status)).bind(6, finding.resource_id);
    insert.bind(7, finding.account_id).bind(8, finding.region).bind(9, finding.reason);
    insert.run();
    insert.reset();
  }
  transaction.commit();
}

int64_t BatchStaging::save(const Org& org, int64_t integration_id, std::optional<int64_t> run_id,
                           const BatchKey& key, time::TimePoint now,
                           const std::function<void(const FindingRecord&)>& visit) {
  const int64_t batch = batch_id(key);
  int64_t saved = 0;
  {
    Transaction transaction(m_db);
    org.require_current(m_db);
    m_db.execute("DELETE FROM temp.saved_evidence; DELETE FROM temp.saved_findings");
    const std::string when = time::to_iso8601(now);
    Statement evidence =
      m_db.prepare("SELECT id, platform, evidence_type, resource_id, account_id, region, "
                   "raw_sha256, payload FROM temp.staged_evidence WHERE batch = ?1 ORDER BY id");
    evidence.bind(1, batch);
    while (evidence.step()) {
      const int64_t staged = evidence.column_int(0);
      std::optional<std::string> payload =
        crypto::open(m_key, evidence.column_blob(7), staged_aad(staged));
      if (!payload) {
        throw StateError(fmt::format("the evidence of {} ({}) staged in SQLite's temporary file "
                                     "was changed before it could be stored",
                                     key.type, key.account_id),
                         "collect again; check who else writes to the temporary directory");
      }
      const EvidenceInput item{.platform = evidence.column_text(1),
                               .type = evidence.column_text(2),
                               .resource_id = evidence.column_text(3),
                               .account_id = evidence.column_text(4),
                               .region = evidence.column_text(5),
                               .raw_sha256 = evidence.column_text(6),
                               .payload = std::move(*payload)};
      Statement& remember = m_db.cached(k_remember_evidence);
      remember.bind(1, staged).bind(2, upsert_evidence(m_db, org, integration_id, item, when));
      remember.run();
      remember.reset();
      ++saved;
    }
    Statement findings = m_db.prepare(
      "SELECT f.id, f.check_id, f.severity, f.status, f.resource_id, f.account_id, f.region, "
      "f.reason, s.evidence_id FROM temp.staged_findings f "
      "LEFT JOIN temp.saved_evidence s ON s.staged = f.evidence WHERE f.batch = ?1 ORDER BY f.id");
    findings.bind(1, batch);
    while (findings.step()) {
      const int64_t staged = findings.column_int(0);
      const FindingInput input{.check_id = findings.column_text(1),
                               .severity = severity_column(findings, 2, staged),
                               .status = status_column(findings, 3, staged),
                               .resource_id = findings.column_text(4),
                               .account_id = findings.column_text(5),
                               .region = findings.column_text(6),
                               .reason = findings.column_text(7)};
      const FindingRecord stored = upsert_finding(m_db, org, integration_id, run_id,
                                                  findings.column_optional_int(8), input, now);
      Statement& remember = m_db.cached(k_remember_finding);
      remember.bind(1, stored.id);
      remember.run();
      remember.reset();
    }
    m_db.prepare("DELETE FROM temp.staged_evidence WHERE batch = ?1").bind(1, batch).run();
    m_db.prepare("DELETE FROM temp.staged_findings WHERE batch = ?1").bind(1, batch).run();
    transaction.commit();
  }
  Statement stored = m_db.prepare(
    fmt::format("SELECT {} FROM temp.saved_findings s JOIN findings f ON f.id = s.finding_id "
                "JOIN integrations i ON i.id = f.integration_id "
                "LEFT JOIN evidence e ON e.id = f.evidence_id ORDER BY s.seq",
                k_finding_columns));
  while (stored.step()) {
    visit(finding_from_row(stored));
  }
  m_db.execute("DELETE FROM temp.saved_evidence; DELETE FROM temp.saved_findings");
  m_batches.erase(key);
  return saved;
}

} // namespace velocity::store
