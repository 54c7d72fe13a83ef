#pragma once

#include <velocity/core/time.hpp>
#include <velocity/store/database.hpp>
#include <velocity/store/state.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The integrations of an organisation: a connection to one cloud account, with its settings in
// clear and its credentials sealed under the organisation's data key.
namespace velocity::store {

struct IntegrationRecord {
  int64_t id = 0;
  std::string name;
  std::string platform;
  std::string settings; // JSON object text, never a secret
  std::string created_at;
  std::optional<std::string> last_tested_at;
  std::optional<std::string> last_test_status;
};

struct NewIntegration {
  std::string name;
  std::string platform;
  std::string settings; // JSON object text
  std::string secret;   // sealed before it is written
};

// Whether adding an integration whose name exists replaces it (keeping its evidence) or fails.
enum class OnExisting { fail, replace };

// Throws UsageError unless `name` is 1-64 letters, digits, '.', '_' or '-'.
void check_integration_name(std::string_view name);

// Adds `integration` to `org`, sealing its secret to the new row. Throws UsageError when the
// name is taken and `on_existing` is fail.
IntegrationRecord add_integration(Database& db, const Org& org, const NewIntegration& integration,
                                  OnExisting on_existing);

// The integration called `name`, or nothing.
std::optional<IntegrationRecord> find_integration(Database& db, const Org& org,
                                                  std::string_view name);

// The integration called `name`; throws UsageError naming the known ones when there is none.
IntegrationRecord require_integration(Database& db, const Org& org, std::string_view name);

// Every integration of `org`, by name.
std::vector<IntegrationRecord> list_integrations(Database& db, const Org& org);

// The opened secret of `integration`. Throws StateError when it does not open.
std::string open_integration_secret(Database& db, const Org& org,
                                    const IntegrationRecord& integration);

// Remembers the outcome of a connection test.
void record_integration_test(Database& db, int64_t integration_id, time::TimePoint when,
                             std::string_view status);

// Removes the integration called `name` with its evidence, findings and runs; false when none.
bool remove_integration(Database& db, const Org& org, std::string_view name);

} // namespace velocity::store
