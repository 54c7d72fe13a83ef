#include <velocity/core/error.hpp>
#include <velocity/store/integrations.hpp>

#include <fmt/format.h>

namespace velocity::store {

namespace {

constexpr std::string_view k_integration_columns =
  "id, name, platform, settings, created_at, last_tested_at, last_test_status";

IntegrationRecord read_integration(const Statement& statement) {
  return IntegrationRecord{.id = statement.column_int(0),
                           .name = statement.column_text(1),
                           .platform = statement.column_text(2),
                           .settings = statement.column_text(3),
                           .created_at = statement.column_text(4),
                           .last_tested_at = statement.column_optional_text(5),
                           .last_test_status = statement.column_optional_text(6)};
}

} // namespace

void check_integration_name(std::string_view name) {
  const bool valid = !name.empty() && name.size() <= 64 &&
                     name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789._-") == std::string_view::npos;
  if (!valid) {
    throw UsageError(fmt::format("invalid integration name '{}'", name),
                     "use 1 to 64 letters, digits, '.', '_' or '-'");
  }
}

IntegrationRecord add_integration(Database& db, const Org& org, const NewIntegration& integration,
                                  OnExisting on_existing) {
  check_integration_name(integration.name);
  Transaction transaction(db);
  org.require_current(db);
  const auto existing = find_integration(db, org, integration.name);
  int64_t id = 0;
  if (existing) {
    if (on_existing == OnExisting::fail) {
      throw UsageError(fmt::format("an integration named '{}' exists already ({})",
                                   integration.name, existing->platform),
                       fmt::format("pass --replace to replace its settings and credentials, or "
                                   "`velocity connect remove {}` first",
                                   integration.name));
    }
    if (existing->platform != integration.platform) {
      throw UsageError(fmt::format("integration '{}' is a {} integration, not {}", integration.name,
                                   existing->platform, integration.platform),
                       "choose another --name, or remove it first");
    }
    id = existing->id;
    db.prepare("UPDATE integrations SET settings = ?1, last_tested_at = NULL, "
               "last_test_status = NULL WHERE id = ?2")
      .bind(1, integration.settings)
      .bind(2, id)
      .run();
  } else {
    db.prepare("INSERT INTO integrations (org_id, name, platform, settings, credentials, "
               "created_at) VALUES (?1, ?2, ?3, ?4, NULL, ?5)")
      .bind(1, org.id())
      .bind(2, integration.name)
      .bind(3, integration.platform)
      .bind(4, integration.settings)
      .bind(5, time::to_iso8601(time::now()))
      .run();
    id = db.last_insert_rowid();
  }
  const std::string sealed = org.seal(Field{"integrations", "credentials", id}, integration.secret);
  db.prepare("UPDATE integrations SET credentials = ?1 WHERE id = ?2")
    .bind_blob(1, sealed)
    .bind(2, id)
    .run();
  transaction.commit();
  return *find_integration(db, org, integration.name);
}

std::optional<IntegrationRecord> find_integration(Database& db, const Org& org,
                                                  std::string_view name) {
  Statement statement = db.prepare(fmt::format(
    "SELECT {} FROM integrations WHERE org_id = ?1 AND name = ?2", k_integration_columns));
  statement.bind(1, org.id()).bind(2, name);
  if (!statement.step()) {
    return std::nullopt;
  }
  return read_integration(statement);
}

IntegrationRecord require_integration(Database& db, const Org& org, std::string_view name) {
  if (auto record = find_integration(db, org, name)) {
    return *record;
  }
  std::string known;
  for (const auto& record : list_integrations(db, org)) {
    known += known.empty() ? "" : ", ";
    known += record.name;
  }
  throw UsageError(fmt::format("no integration named '{}' in organisation '{}'", name, org.name()),
                   known.empty() ? "connect one first, e.g. `velocity connect aws --name prod`"
                                 : fmt::format("known integrations: {}", known));
}

std::vector<IntegrationRecord> list_integrations(Database& db, const Org& org) {
  Statement statement = db.prepare(fmt::format(
    "SELECT {} FROM integrations WHERE org_id = ?1 ORDER BY name", k_integration_columns));
  statement.bind(1, org.id());
  std::vector<IntegrationRecord> records;
  while (statement.step()) {
    records.push_back(read_integration(statement));
  }
  return records;
}

std::string open_integration_secret(Database& db, const Org& org,
                                    const IntegrationRecord& integration) {
  Statement statement = db.prepare("SELECT credentials FROM integrations WHERE id = ?1");
  statement.bind(1, integration.id);
  if (!statement.step() || statement.is_null(0)) {
    throw StateError(fmt::format("integration '{}' has no stored credentials", integration.name),
                     fmt::format("connect it again: `velocity connect {} --name {} --replace`",
                                 integration.platform, integration.name));
  }
  return org.open(Field{"integrations", "credentials", integration.id}, statement.column_blob(0));
}

void record_integration_test(Database& db, int64_t integration_id, time::TimePoint when,
                             std::string_view status) {
  db.prepare("UPDATE integrations SET last_tested_at = ?1, last_test_status = ?2 WHERE id = ?3")
    .bind(1, time::to_iso8601(when))
    .bind(2, status)
    .bind(3, integration_id)
    .run();
}

bool remove_integration(Database& db, const Org& org, std::string_view name) {
  Transaction transaction(db);
  db.prepare("DELETE FROM integrations WHERE org_id = ?1 AND name = ?2")
    .bind(1, org.id())
    .bind(2, name)
    .run();
  const bool removed = db.changes() > 0;
  transaction.commit();
  return removed;
}

} // namespace velocity::store
