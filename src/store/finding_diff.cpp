#include "rows.hpp"

#include <velocity/store/finding_diff.hpp>

#include <fmt/format.h>

namespace velocity::store {

namespace {

// The runs `run_changes` compares with too: they collected something.
constexpr std::string_view k_collecting =
  "(r.outcome IN ('success', 'incomplete') OR r.findings_pass + r.findings_fail > 0)";

std::optional<RunRecord> one_run(Statement& statement) {
  if (!statement.step()) {
    return std::nullopt;
  }
  return run_from_row(statement);
}

std::vector<FindingRecord> findings_where(Database& db, const Org& org, int64_t integration_id,
                                          std::string_view condition, const std::string& since) {
  Statement statement = db.prepare(
    fmt::format("SELECT {} FROM findings f JOIN integrations i ON i.id = f.integration_id "
                "LEFT JOIN evidence e ON e.id = f.evidence_id "
                "WHERE f.org_id = ?1 AND f.integration_id = ?2 AND {} "
                "ORDER BY f.check_id, f.account_id, f.region, f.resource_id",
                k_finding_columns, condition));
  statement.bind(1, org.id()).bind(2, integration_id).bind(3, since);
  std::vector<FindingRecord> findings;
  while (statement.step()) {
    findings.push_back(finding_from_row(statement));
  }
  return findings;
}

std::vector<ResourceRef> resources_where(Database& db, const Org& org, int64_t integration_id,
                                         std::string_view condition, const std::string& first,
                                         const std::optional<std::string>& second = std::nullopt,
                                         const std::optional<std::string>& types = std::nullopt) {
  Statement statement =
    db.prepare(fmt::format("SELECT evidence_type, resource_id, account_id, region, collected_at "
                           "FROM evidence WHERE org_id = ?1 AND integration_id = ?2 AND {} "
                           "ORDER BY evidence_type, account_id, region, resource_id",
                           condition));
  statement.bind(1, org.id()).bind(2, integration_id).bind(3, first);
  if (second) {
    statement.bind(4, *second);
  }
  if (types) {
    statement.bind(5, *types);
  }
  std::vector<ResourceRef> resources;
  while (statement.step()) {
    resources.push_back(ResourceRef{.evidence_type = statement.column_text(0),
                                    .resource_id = statement.column_text(1),
                                    .account_id = statement.column_text(2),
                                    .region = statement.column_text(3),
                                    .collected_at = statement.column_text(4)});
  }
  return resources;
}

} // namespace

std::optional<RunRecord> latest_collecting_run(Database& db, const Org& org,
                                               int64_t integration_id) {
  Statement statement =
    db.prepare(fmt::format("SELECT {} FROM collection_runs r WHERE r.org_id = ?1 AND "
                           "r.integration_id = ?2 AND r.finished_at IS NOT NULL AND {} "
                           "ORDER BY r.id DESC LIMIT 1",
                           k_run_columns, k_collecting));
  statement.bind(1, org.id()).bind(2, integration_id);
  return one_run(statement);
}

std::optional<RunRecord> diff_base_run(Database& db, const Org& org, int64_t integration_id,
                                       const DiffBase& base) {
  const auto latest = latest_collecting_run(db, org, integration_id);
  if (!latest) {
    return std::nullopt;
  }
  Statement statement = db.prepare(
    fmt::format("SELECT {} FROM collection_runs r WHERE r.org_id = ?1 AND r.integration_id = ?2 "
                "AND r.finished_at IS NOT NULL AND {} AND r.id < ?3 "
                "AND (?4 IS NULL OR r.id = ?4) AND (?5 IS NULL OR r.finished_at <= ?5) "
                "ORDER BY r.id DESC LIMIT 1",
                k_run_columns, k_collecting));
  statement.bind(1, org.id()).bind(2, integration_id).bind(3, latest->id);
  statement.bind(4, base.run_id).bind(5, base.date);
  return one_run(statement);
}

IntegrationDiff diff_runs(Database& db, const Org& org, const RunRecord& base,
                          const RunRecord& latest) {
  IntegrationDiff diff{.base = base, .latest = latest};
  const std::string base_end = base.finished_at.value_or(base.started_at);
  const int64_t integration = latest.integration_id;
  diff.new_failures =
    findings_where(db, org, integration, "f.status = 'FAIL' AND f.first_failed_at > ?3", base_end);
  diff.fixed = findings_where(db, org, integration,
                              "f.status = 'PASS' AND f.passed_again_at > ?3 AND "
                              "f.first_failed_at <= ?3",
                              base_end);
  diff.new_resources =
    resources_where(db, org, integration, "first_collected_at > ?3", base_end, std::nullopt);
  // Only the evidence types the latest collection collected can have vanished from it.
  diff.vanished_resources =
    resources_where(db, org, integration,
                    "collected_at >= ?3 AND collected_at < ?4 AND "
                    "instr(',' || ?5 || ',', ',' || evidence_type || ',') > 0",
                    base.started_at, latest.started_at, latest.types);
  return diff;
}

} // namespace velocity::store
