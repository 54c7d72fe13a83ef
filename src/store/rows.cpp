#include "rows.hpp"

#include <velocity/core/error.hpp>

#include <fmt/format.h>

namespace velocity::store {

namespace {

[[noreturn]] void unreadable(std::string_view column, const std::string& text, int64_t finding_id) {
  throw StateError(fmt::format("finding {} of the state has {} '{}', which velocity never writes",
                               finding_id, column, text),
                   "the state was changed outside velocity; restore it from a backup or collect "
                   "the integration again");
}

} // namespace

Severity severity_column(const Statement& statement, int column, int64_t finding_id) {
  const std::string text = statement.column_text(column);
  const auto severity = parse_severity(text);
  if (!severity) {
    unreadable("severity", text, finding_id);
  }
  return *severity;
}

Status status_column(const Statement& statement, int column, int64_t finding_id) {
  const std::string text = statement.column_text(column);
  const auto status = parse_status(text);
  if (!status) {
    unreadable("status", text, finding_id);
  }
  return *status;
}

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
  const int64_t id = statement.column_int(0);
  return FindingRecord{.id = id,
                       .evidence_id = statement.column_optional_int(1),
                       .integration = statement.column_text(2),
                       .platform = statement.column_text(3),
                       .evidence_type = statement.column_text(4),
                       .check_id = statement.column_text(5),
                       .severity = severity_column(statement, 6, id),
                       .status = status_column(statement, 7, id),
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
