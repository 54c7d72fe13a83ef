#include <velocity/store/database.hpp>
#include <velocity/store/names.hpp>

namespace velocity::store {

namespace {

// The first column of every row of `sql`, with `org` bound to ?1 when the query has it.
std::vector<std::string> read_column(const std::filesystem::path& state, std::string_view sql,
                                     const std::string* org) {
  Database db = Database::open(state, OpenMode::read_only_snapshot);
  Statement statement = db.prepare(sql);
  if (org != nullptr) {
    statement.bind(1, *org);
  }
  std::vector<std::string> values;
  while (statement.step()) {
    values.push_back(statement.column_text(0));
  }
  return values;
}

} // namespace

std::vector<std::string> organisation_names(const std::filesystem::path& state) {
  return read_column(state, "SELECT name FROM organizations ORDER BY name", nullptr);
}

std::vector<std::string> integration_names(const std::filesystem::path& state,
                                           const std::string& org) {
  return read_column(state,
                     "SELECT i.name FROM integrations i JOIN organizations o ON o.id = i.org_id "
                     "WHERE o.name = ?1 ORDER BY i.name",
                     &org);
}

std::vector<std::string> assessment_ids(const std::filesystem::path& state,
                                        const std::string& org) {
  return read_column(state,
                     "SELECT CAST(a.id AS TEXT) FROM assessments a JOIN organizations o ON "
                     "o.id = a.org_id WHERE o.name = ?1 ORDER BY a.id",
                     &org);
}

} // namespace velocity::store
