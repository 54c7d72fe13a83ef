#include "rows.hpp"

#include <velocity/store/report_queries.hpp>

#include <fmt/format.h>

namespace velocity::store {

void for_each_evidence_in(
  Database& db, const Org& org, const TimeWindow& window,
  const std::function<void(const EvidenceRecord&, const std::vector<FindingRecord>&)>& visit) {
  // One pass: each evidence row repeated once per finding on it, opened once.
  Statement statement = db.prepare(fmt::format(R"sql(
SELECT {},
       f.id, f.check_id, f.severity, f.status, f.resource_id, f.account_id, f.region, f.reason,
       f.first_seen_at, f.first_failed_at, f.last_seen_at, f.passed_again_at
FROM evidence e
LEFT JOIN integrations i ON i.id = e.integration_id
LEFT JOIN findings f ON f.evidence_id = e.id AND f.org_id = e.org_id
WHERE e.org_id = ?1 AND (?2 IS NULL OR e.collected_at >= ?2) AND (?3 IS NULL OR e.collected_at <= ?3)
ORDER BY e.id, f.check_id, f.account_id, f.region, f.resource_id
)sql",
                                               k_evidence_columns));
  statement.bind(1, org.id()).bind(2, window.from).bind(3, window.to);
  std::optional<EvidenceRecord> current;
  std::vector<FindingRecord> findings;
  while (statement.step()) {
    const int64_t id = statement.column_int(0);
    if (!current || current->id != id) {
      if (current) {
        visit(*current, findings);
      }
      findings.clear();
      current = evidence_from_row(statement, org);
    }
    // The finding's columns follow the evidence's.
    constexpr int f = k_evidence_column_count;
    if (statement.is_null(f)) {
      continue;
    }
    const int64_t finding_id = statement.column_int(f);
    findings.push_back(FindingRecord{.id = finding_id,
                                     .evidence_id = id,
                                     .integration = current->integration,
                                     .platform = current->platform,
                                     .evidence_type = current->type,
                                     .check_id = statement.column_text(f + 1),
                                     .severity = severity_column(statement, f + 2, finding_id),
                                     .status = status_column(statement, f + 3, finding_id),
                                     .resource_id = statement.column_text(f + 4),
                                     .account_id = statement.column_text(f + 5),
                                     .region = statement.column_text(f + 6),
                                     .reason = statement.column_text(f + 7),
                                     .first_seen_at = statement.column_text(f + 8),
                                     .first_failed_at = statement.column_optional_text(f + 9),
                                     .last_seen_at = statement.column_text(f + 10),
                                     .passed_again_at = statement.column_optional_text(f + 11)});
  }
  if (current) {
    visit(*current, findings);
  }
}

int64_t count_evidence_in(Database& db, const Org& org, const TimeWindow& window) {
  Statement statement = db.prepare(
    "SELECT COUNT(*) FROM evidence WHERE org_id = ?1 AND (?2 IS NULL OR collected_at >= ?2) "
    "AND (?3 IS NULL OR collected_at <= ?3)");
  statement.bind(1, org.id()).bind(2, window.from).bind(3, window.to);
  statement.step();
  return statement.column_int(0);
}

void for_each_finding_in(Database& db, const Org& org, const TimeWindow& window,
                         const std::function<void(const FindingRecord&)>& visit,
                         FindingOrder order) {
  Statement statement = db.prepare(fmt::format(R"sql(
SELECT {}
FROM findings f
JOIN integrations i ON i.id = f.integration_id
LEFT JOIN evidence e ON e.id = f.evidence_id
WHERE f.org_id = ?1 AND (?2 IS NULL OR f.last_seen_at >= ?2) AND (?3 IS NULL OR f.first_seen_at <= ?3)
ORDER BY {}
)sql",
                                               k_finding_columns,
                                               order == FindingOrder::by_check
                                                 ? "f.check_id, i.name, f.account_id, f.region, "
                                                   "f.resource_id"
                                                 : "f.evidence_id, f.check_id, f.account_id, "
                                                   "f.region, f.resource_id"));
  statement.bind(1, org.id()).bind(2, window.from).bind(3, window.to);
  while (statement.step()) {
    visit(finding_from_row(statement));
  }
}

} // namespace velocity::store
