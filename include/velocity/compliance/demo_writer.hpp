#pragma once

#include <velocity/compliance/demo.hpp>
#include <velocity/compliance/library.hpp>
#include <velocity/store/database.hpp>
#include <velocity/store/state.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

// Writes a demo history (demo.hpp) into an organisation through the store's own functions:
// integrations, daily collection runs with their evidence and findings, and completed
// assessments, each dated as the history says.
namespace velocity::compliance {

// An audit event the history implies, for the caller to append to the audit log (the audit
// module stamps events with the time they are appended, so `simulated_at` goes in the details).
struct DemoAuditEvent {
  time::TimePoint simulated_at;
  std::string category; // audit category name: system_security, data_access, agent_activity ...
  std::string action;
  std::string resource_type;
  std::string resource_id;
  std::string outcome; // success or failure
  nlohmann::json details = nlohmann::json::object();
};

struct DemoAssessmentSummary {
  int64_t id = 0;
  int day = 0;
  std::string completed_at;
  std::map<std::string, std::optional<double>> scores; // by framework
};

// What was written: the same for the same options (seed, days, end date).
struct DemoSummary {
  std::string org;
  std::string scenario;
  std::string title;
  int days = 0;
  uint64_t seed = 0;
  std::string first_day; // YYYY-MM-DD
  std::string last_day;
  std::vector<std::string> frameworks;
  int integrations = 0;
  int runs = 0;
  int runs_incomplete = 0;
  int runs_failed = 0;
  int64_t evidence = 0;
  int64_t findings = 0;
  int64_t findings_failing = 0;
  int drifts = 0;
  int remediations = 0;
  int new_resources = 0;
  std::vector<DemoAssessmentSummary> assessments;
  std::vector<DemoAuditEvent> audit_events;
};

// Writes the history of `options` into `org`, which must be a demo organisation with no
// integrations or assessments yet (the caller resets it). Throws StateError otherwise.
DemoSummary write_demo_history(store::Database& db, const store::Org& org, Library& library,
                               const DemoOptions& options);

// The summary as JSON (without the audit events, which the log holds).
nlohmann::json demo_summary_to_json(const DemoSummary& summary);

} // namespace velocity::compliance
