#pragma once

#include <velocity/audit/verify.hpp>
#include <velocity/store/audit_store.hpp>
#include <velocity/store/state.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

// Reading the log for people: listings (`audit log`) and period reports (`audit report`).
namespace velocity::audit {

// An event as shown: its fields and its details opened.
struct EventView {
  int64_t seq = 0;
  std::string time;
  std::string category;
  std::string actor;
  std::string action;
  std::string resource_type;
  std::string resource_id;
  std::string outcome;
  std::string correlation_id;
  std::string hash; // hex
  nlohmann::json details;
};

// The events `query` selects in the log of `org`, in sequence order, with their details opened.
// Throws IntegrityError when an event's details do not open.
std::vector<EventView> read_events(store::State& state, const store::Org& org,
                                   const store::AuditEventQuery& query);
nlohmann::json to_json(const EventView& event);

// Counts and notable events of one period.
struct Report {
  std::string log;
  std::string from; // ISO 8601, inclusive
  std::string to;
  std::string generated_at;
  int64_t events = 0;
  std::map<std::string, int64_t> by_category;
  std::map<std::string, int64_t> by_outcome;
  std::map<std::string, int64_t> by_actor;
  // Failures, denials and system_security events (key operations, integrity failures), oldest
  // first, at most k_notable_limit of them; `notable_total` counts them all.
  std::vector<EventView> notable;
  int64_t notable_total = 0;
  std::optional<VerifyResult> integrity; // the whole log's verification, when it was run
};

inline constexpr size_t k_notable_limit = 500;

// The report of events between `from` and `to` (ISO 8601 UTC strings, inclusive).
Report build_report(store::State& state, const store::Org& org, const std::string& from,
                    const std::string& to);

std::string render_markdown(const Report& report);
std::string render_html(const Report& report);
nlohmann::json to_json(const Report& report);

} // namespace velocity::audit
