#include "rows.hpp"

#include <velocity/store/run_changes.hpp>

#include <fmt/format.h>

namespace velocity::store {

namespace {

std::optional<RunRecord> previous_run(Database& db, const Org& org, int64_t run_id) {
  Statement statement = db.prepare(fmt::format(
    "SELECT {} FROM collection_runs r JOIN collection_runs this ON this.id = ?2 "
    "WHERE r.org_id = ?1 AND this.org_id = ?1 AND r.integration_id = this.integration_id "
    "AND r.id < this.id AND (r.outcome IN ('success', 'incomplete') "
    "OR r.findings_pass + r.findings_fail > 0) ORDER BY r.id DESC LIMIT 1",
    k_run_columns));
  statement.bind(1, org.id()).bind(2, run_id);
  if (!statement.step()) {
    return std::nullopt;
  }
  return run_from_row(statement);
}

int64_t failing_findings(Database& db, const Org& org, int64_t run_id) {
  Statement statement =
    db.prepare("SELECT count(*) FROM findings f JOIN collection_runs r ON r.id = ?2 "
               "WHERE f.org_id = ?1 AND r.org_id = ?1 AND f.integration_id = r.integration_id "
               "AND f.status = 'FAIL'");
  statement.bind(1, org.id()).bind(2, run_id);
  statement.step();
  return statement.column_int(0);
}

} // namespace

RunChanges run_changes(Database& db, const Org& org, int64_t run_id) {
  RunChanges changes;
  changes.previous_run = previous_run(db, org, run_id);
  changes.failing = failing_findings(db, org, run_id);
  // The upsert marks a finding with the run that inserted it or changed its status, so these are
  // exactly the findings this run touched that way; which of them are news follows from their
  // history columns.
  Statement statement = db.prepare(
    fmt::format("SELECT {} FROM findings f JOIN integrations i ON i.id = f.integration_id "
                "LEFT JOIN evidence e ON e.id = f.evidence_id "
                "WHERE f.org_id = ?1 AND f.status_since_run_id = ?2 "
                "ORDER BY f.check_id, f.account_id, f.region, f.resource_id",
                k_finding_columns));
  statement.bind(1, org.id()).bind(2, run_id);
  while (statement.step()) {
    FindingRecord finding = finding_from_row(statement);
    if (finding.status == Status::fail) {
      // Inserted failing, first_failed_at is first_seen_at; failing after a PASS, it is later.
      std::optional<Status> previous;
      if (finding.first_failed_at != finding.first_seen_at) {
        previous = Status::pass;
      }
      changes.new_failures.push_back({std::move(finding), std::move(previous)});
    } else if (finding.passed_again_at) {
      changes.fixed.push_back({std::move(finding), Status::fail});
    }
  }
  return changes;
}

} // namespace velocity::store
