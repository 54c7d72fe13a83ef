#include <velocity/store/report_queries.hpp>

namespace velocity::store {

void for_each_evidence_in(
  Database& db, const Org& org, const TimeWindow& window,
  const std::function<void(const EvidenceRecord&, const std::vector<FindingRecord>&)>& visit) {
  // One pass: each evidence row repeated once per finding on it, opened once.
  Statement statement = db.prepare(R"sql(
SELECT e.id, e.integration_id, COALESCE(i.name, ''), e.platform, e.evidence_type, e.resource_id,
       e.account_id, e.region, e.raw_sha256, e.payload, e.first_collected_at, e.collected_at,
       f.id, f.check_id, f.severity, f.status, f.resource_id, f.account_id, f.region, f.reason,
       f.first_seen_at, f.first_failed_at, f.last_seen_at, f.passed_again_at
FROM evidence e
LEFT JOIN integrations i ON i.id = e.integration_id
LEFT JOIN findings f ON f.evidence_id = e.id AND f.org_id = e.org_id
WHERE e.org_id = ?1 AND (?2 IS NULL OR e.collected_at >= ?2) AND (?3 IS NULL OR e.collected_at <= ?3)
ORDER BY e.id, f.check_id, f.account_id, f.region, f.resource_id
)sql");
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
      current = EvidenceRecord{
        .id = id,
        .integration_id = statement.column_optional_int(1).value_or(0),
        .integration = statement.column_text(2),
        .platform = statement.column_text(3),
        .type = statement.column_text(4),
        .resource_id = statement.column_text(5),
        .account_id = statement.column_text(6),
        .region = statement.column_text(7),
        .raw_sha256 = statement.column_text(8),
        .payload = org.open(Field{"evidence", "payload", id}, statement.column_blob(9)),
        .first_collected_at = statement.column_text(10),
        .collected_at = statement.column_text(11)};
    }
    if (statement.is_null(12)) {
      continue;
    }
    findings.push_back(FindingRecord{.id = statement.column_int(12),
                                     .evidence_id = id,
                                     .integration = current->integration,
                                     .platform = current->platform,
                                     .evidence_type = current->type,
                                     .check_id = statement.column_text(13),
                                     .severity = statement.column_text(14),
                                     .status = statement.column_text(15),
                                     .resource_id = statement.column_text(16),
                                     .account_id = statement.column_text(17),
                                     .region = statement.column_text(18),
                                     .reason = statement.column_text(19),
                                     .first_seen_at = statement.column_text(20),
                                     .first_failed_at = statement.column_optional_text(21),
                                     .last_seen_at = statement.column_text(22),
                                     .passed_again_at = statement.column_optional_text(23)});
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
                         const std::function<void(const FindingRecord&)>& visit) {
  Statement statement = db.prepare(R"sql(
SELECT f.id, f.evidence_id, i.name, i.platform, COALESCE(e.evidence_type, ''), f.check_id,
       f.severity, f.status, f.resource_id, f.account_id, f.region, f.reason, f.first_seen_at,
       f.first_failed_at, f.last_seen_at, f.passed_again_at
FROM findings f
JOIN integrations i ON i.id = f.integration_id
LEFT JOIN evidence e ON e.id = f.evidence_id
WHERE f.org_id = ?1 AND (?2 IS NULL OR f.last_seen_at >= ?2) AND (?3 IS NULL OR f.first_seen_at <= ?3)
ORDER BY f.evidence_id, f.check_id, f.account_id, f.region, f.resource_id
)sql");
  statement.bind(1, org.id()).bind(2, window.from).bind(3, window.to);
  while (statement.step()) {
    visit(FindingRecord{.id = statement.column_int(0),
                        .evidence_id = statement.column_optional_int(1),
                        .integration = statement.column_text(2),
                        .platform = statement.column_text(3),
                        .evidence_type = statement.column_text(4),
                        .check_id = statement.column_text(5),
                        .severity = statement.column_text(6),
                        .status = statement.column_text(7),
                        .resource_id = statement.column_text(8),
                        .account_id = statement.column_text(9),
                        .region = statement.column_text(10),
                        .reason = statement.column_text(11),
                        .first_seen_at = statement.column_text(12),
                        .first_failed_at = statement.column_optional_text(13),
                        .last_seen_at = statement.column_text(14),
                        .passed_again_at = statement.column_optional_text(15)});
  }
}

} // namespace velocity::store
