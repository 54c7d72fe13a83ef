#include <velocity/core/error.hpp>
#include <velocity/store/acceptances.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace velocity::store {

namespace {

constexpr std::string_view k_acceptance_columns =
  "id, check_id, resource_pattern, integration_pattern, account_pattern, region_pattern, "
  "justification, created_at, created_by, expires_at, revoked_at, revoked_by";

Field justification_field(int64_t id) {
  return Field{"acceptances", "justification", id};
}

AcceptanceRecord read_acceptance(const Statement& statement, const Org& org) {
  const int64_t id = statement.column_int(0);
  const nlohmann::json justification = nlohmann::json::parse(
    org.open(justification_field(id), statement.column_blob(6)), nullptr, false);
  if (!justification.is_object() || !justification.contains("owner") ||
      !justification.contains("reason")) {
    throw StateError(
      fmt::format("acceptance {} of the state has an unreadable owner and reason", id),
      "the state was changed outside velocity; restore it from a backup");
  }
  return AcceptanceRecord{.id = id,
                          .check_id = statement.column_text(1),
                          .resource_pattern = statement.column_text(2),
                          .integration_pattern = statement.column_text(3),
                          .account_pattern = statement.column_text(4),
                          .region_pattern = statement.column_text(5),
                          .owner = justification["owner"].get<std::string>(),
                          .reason = justification["reason"].get<std::string>(),
                          .created_at = statement.column_text(7),
                          .created_by = statement.column_text(8),
                          .expires_at = statement.column_text(9),
                          .revoked_at = statement.column_optional_text(10),
                          .revoked_by = statement.column_optional_text(11)};
}

} // namespace

AcceptanceRecord add_acceptance(Database& db, const Org& org, const NewAcceptance& acceptance,
                                time::TimePoint now) {
  Transaction transaction(db);
  org.require_current(db);
  // The row exists before its justification is sealed: the seal binds the row id.
  db.prepare("INSERT INTO acceptances (org_id, check_id, resource_pattern, integration_pattern, "
             "account_pattern, region_pattern, justification, created_at, created_by, expires_at) "
             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, x'', ?7, ?8, ?9)")
    .bind(1, org.id())
    .bind(2, acceptance.check_id)
    .bind(3, acceptance.resource_pattern)
    .bind(4, acceptance.integration_pattern)
    .bind(5, acceptance.account_pattern)
    .bind(6, acceptance.region_pattern)
    .bind(7, time::to_iso8601(now))
    .bind(8, acceptance.created_by)
    .bind(9, acceptance.expires_at)
    .run();
  const int64_t id = db.last_insert_rowid();
  const nlohmann::json justification = {{"owner", acceptance.owner}, {"reason", acceptance.reason}};
  db.prepare("UPDATE acceptances SET justification = ?1 WHERE id = ?2")
    .bind_blob(1, org.seal(justification_field(id), justification.dump()))
    .bind(2, id)
    .run();
  transaction.commit();
  return *find_acceptance(db, org, id);
}

std::vector<AcceptanceRecord> list_acceptances(Database& db, const Org& org) {
  Statement statement = db.prepare(
    fmt::format("SELECT {} FROM acceptances WHERE org_id = ?1 ORDER BY id", k_acceptance_columns));
  statement.bind(1, org.id());
  std::vector<AcceptanceRecord> records;
  while (statement.step()) {
    records.push_back(read_acceptance(statement, org));
  }
  return records;
}

std::optional<AcceptanceRecord> find_acceptance(Database& db, const Org& org, int64_t id) {
  Statement statement = db.prepare(
    fmt::format("SELECT {} FROM acceptances WHERE org_id = ?1 AND id = ?2", k_acceptance_columns));
  statement.bind(1, org.id()).bind(2, id);
  if (!statement.step()) {
    return std::nullopt;
  }
  return read_acceptance(statement, org);
}

bool revoke_acceptance(Database& db, const Org& org, int64_t id, const std::string& actor,
                       time::TimePoint now) {
  db.prepare("UPDATE acceptances SET revoked_at = ?1, revoked_by = ?2 "
             "WHERE org_id = ?3 AND id = ?4 AND revoked_at IS NULL")
    .bind(1, time::to_iso8601(now))
    .bind(2, actor)
    .bind(3, org.id())
    .bind(4, id)
    .run();
  return db.changes() > 0;
}

} // namespace velocity::store
