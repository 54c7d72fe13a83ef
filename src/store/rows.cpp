#include "rows.hpp"

namespace velocity::store {

EvidenceRecord evidence_from_row(const Statement& statement, const Org& org) {
  const int64_t id = statement.column_int(0);
  return EvidenceRecord{.id = id,
                        .integration_id = statement.column_optional_int(1).value_or(0),
                        .integration = statement.column_text(2),
                        .platform = statement.column_text(3),
                        .type = statement.column_text(4),
                        .resource_id = statement.column_text(5),
                        .account_id = statement.column_text(6),
                        .region = statement.column_text(7),
                        .raw_sha256 = statement.column_text(8),
                        .payload =
                          org.open(Field{"evidence", "payload", id}, statement.column_blob(9)),
                        .first_collected_at = statement.column_text(10),
                        .collected_at = statement.column_text(11)};
}

FindingRecord finding_from_row(const Statement& statement) {
  return FindingRecord{.id = statement.column_int(0),
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
                       .passed_again_at = statement.column_optional_text(15)};
}

RunRecord run_from_row(const Statement& statement) {
  return RunRecord{.id = statement.column_int(0),
                   .integration_id = statement.column_int(1),
                   .started_at = statement.column_text(2),
                   .finished_at = statement.column_optional_text(3),
                   .outcome = statement.column_text(4),
                   .types = statement.column_text(5),
                   .resources = statement.column_int(6),
                   .findings_pass = statement.column_int(7),
                   .findings_fail = statement.column_int(8),
                   .api_calls = statement.column_int(9),
                   .api_errors = statement.column_int(10),
                   .duration_ms = statement.column_int(11),
                   .message = statement.column_text(12)};
}

} // namespace velocity::store
