#include "rows.hpp"

#include <velocity/store/findings.hpp>

#include <fmt/format.h>

namespace velocity::store {

namespace {

// The history rules live in this one statement, so every writer applies them the same way.
const std::string k_upsert = R"sql(
INSERT INTO findings (org_id, integration_id, evidence_id, check_id, severity, account_id, region,
                      resource_id, status, reason, first_seen_at, first_failed_at, last_seen_at,
                      passed_again_at, status_since_run_id)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,
        CASE WHEN ?9 = 'FAIL' THEN ?11 END, ?11, NULL, ?12)
ON CONFLICT (org_id, integration_id, check_id, account_id, region, resource_id) DO UPDATE SET
  status_since_run_id = CASE
    WHEN excluded.status <> findings.status THEN excluded.status_since_run_id
    ELSE findings.status_since_run_id END,
  first_failed_at = CASE
    WHEN excluded.status = 'FAIL' AND findings.status = 'PASS' THEN excluded.last_seen_at
    WHEN excluded.status = 'FAIL' THEN COALESCE(findings.first_failed_at, excluded.last_seen_at)
    ELSE findings.first_failed_at END,
  passed_again_at = CASE
    WHEN excluded.status = 'FAIL' THEN NULL
    WHEN findings.status = 'FAIL' THEN excluded.last_seen_at
    ELSE findings.passed_again_at END,
  evidence_id = excluded.evidence_id,
  severity = excluded.severity,
  status = excluded.status,
  reason = excluded.reason,
  last_seen_at = excluded.last_seen_at
RETURNING id, first_seen_at, first_failed_at, last_seen_at, passed_again_at
)sql";

constexpr std::string_view k_from = R"sql(
FROM findings f
JOIN integrations i ON i.id = f.integration_id
LEFT JOIN evidence e ON e.id = f.evidence_id
WHERE f.org_id = ?1
)sql";

} // namespace

FindingRecord upsert_finding(Database& db, const Org& org, int64_t integration_id,
                             std::optional<int64_t> run_id, std::optional<int64_t> evidence_id,
                             const FindingInput& finding, time::TimePoint now) {
  Statement& statement = db.cached(k_upsert);
  statement.bind(1, org.id()).bind(2, integration_id).bind(3, evidence_id);
  statement.bind(4, finding.check_id).bind(5, to_string(finding.severity));
  statement.bind(6, finding.account_id);
  statement.bind(7, finding.region).bind(8, finding.resource_id).bind(9, to_string(finding.status));
  statement.bind(10, finding.reason).bind(11, time::to_iso8601(now)).bind(12, run_id);
  statement.step();
  FindingRecord record{.id = statement.column_int(0),
                       .evidence_id = evidence_id,
                       .check_id = finding.check_id,
                       .severity = finding.severity,
                       .status = finding.status,
                       .resource_id = finding.resource_id,
                       .account_id = finding.account_id,
                       .region = finding.region,
                       .reason = finding.reason,
                       .first_seen_at = statement.column_text(1),
                       .first_failed_at = statement.column_optional_text(2),
                       .last_seen_at = statement.column_text(3),
                       .passed_again_at = statement.column_optional_text(4)};
  statement.reset();
  return record;
}

void for_each_finding(Database& db, const Org& org, const FindingFilter& filter,
                      const std::function<void(const FindingRecord&)>& visit) {
  std::string sql = fmt::format("SELECT {}{}", k_finding_columns, k_from);
  if (filter.check_id) {
    sql += " AND f.check_id = ?2";
  }
  if (filter.status) {
    sql += " AND f.status = ?3";
  }
  if (filter.integration_id) {
    sql += " AND f.integration_id = ?4";
  }
  if (filter.evidence_id) {
    sql += " AND f.evidence_id = ?5";
  }
  sql += filter.order == FindingOrder::by_check
           ? " ORDER BY f.check_id, i.name, f.account_id, f.region, f.resource_id"
           : " ORDER BY i.name, f.check_id, f.account_id, f.region, f.resource_id";
  Statement statement = db.prepare(sql);
  statement.bind(1, org.id());
  if (filter.check_id) {
    statement.bind(2, *filter.check_id);
  }
  if (filter.status) {
    statement.bind(3, to_string(*filter.status));
  }
  if (filter.integration_id) {
    statement.bind(4, *filter.integration_id);
  }
  if (filter.evidence_id) {
    statement.bind(5, *filter.evidence_id);
  }
  while (statement.step()) {
    visit(finding_from_row(statement));
  }
}

} // namespace velocity::store
