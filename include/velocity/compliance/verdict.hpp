#pragma once

#include <velocity/compliance/library.hpp>
#include <velocity/compliance/scoring.hpp>
#include <velocity/store/database.hpp>
#include <velocity/store/findings.hpp>
#include <velocity/store/report_queries.hpp>
#include <velocity/store/state.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Automated verdicts: what the check results of a period say about framework controls, and the
// one rule that combines them with the status the answers give (frameworks/README.md,
// "Automated verdicts").
namespace velocity::compliance {

// How many failing resources a check names; the others are counted.
inline constexpr size_t k_named_failing_resources = 5;

// Whether `finding` was failing at `end` (ISO 8601 UTC; now when unset): its latest failure had
// begun by then and had not passed again.
bool failing_at(const store::FindingRecord& finding, const std::optional<std::string>& end);

// A resource a check fails on, and since when.
struct FailingResource {
  std::string resource_id;
  std::string since; // first_failed_at
};

// One check's results over a period.
struct CheckResults {
  std::string id;
  store::Severity severity = store::Severity::medium;
  int64_t passing = 0;
  int64_t failing = 0;
  // The earliest first_failed_at of the resources failing at the end of the period.
  std::optional<std::string> failing_since;
  // The longest failing resources first (then by id), at most k_named_failing_resources.
  std::vector<FailingResource> failing_resources;
  std::vector<CheckMapping> controls; // every framework control it evidences
  // Of the failing resources, those an accepted risk covers (counted in `failing` too), and the
  // acceptances covering them, each once, in the order first met.
  int64_t accepted = 0;
  std::vector<store::Acceptance> acceptances;

  size_t failing_resources_omitted() const noexcept {
    return static_cast<size_t>(failing) - failing_resources.size();
  }
};

// The rule, the only place it is written: a failing check makes a control not met whatever the
// answers say; passing checks alone make a control no answer decides met ("met by automated
// evidence"); otherwise the answers decide.
struct Verdict {
  ControlStatus status;
  StatusSource source;
};
Verdict decide(ControlStatus answered, int64_t passing, int64_t failing) noexcept;

// The check results of a period, folded one finding at a time (memory grows with the number of
// checks, not of findings), each reaching framework controls through
// Library::controls_for_check.
class AutomatedResults {
public:
  // Counts each finding as failing or passing at `period_end` (now when unset).
  AutomatedResults(Library& library, std::optional<std::string> period_end);
  // Moves keep the checks in place; a copy would point into the original.
  AutomatedResults(AutomatedResults&&) noexcept = default;
  AutomatedResults(const AutomatedResults&) = delete;
  AutomatedResults& operator=(const AutomatedResults&) = delete;

  void add(const store::FindingRecord& finding);

  const std::optional<std::string>& period_end() const noexcept { return m_period_end; }
  const std::map<std::string, CheckResults, std::less<>>& checks() const noexcept {
    return m_checks;
  }
  // The checks evidencing `control` of `framework`, by id; empty when none has results.
  std::vector<const CheckResults*> checks_for(std::string_view framework,
                                              std::string_view control) const;

private:
  Library& m_library;
  std::optional<std::string> m_period_end;
  std::map<std::string, CheckResults, std::less<>> m_checks;
  std::map<std::string, std::vector<const CheckResults*>, std::less<>> m_by_control;
};

// The results of `org`'s findings seen in `window`, counted at its end.
AutomatedResults load_automated_results(store::Database& db, const store::Org& org,
                                        Library& library, const store::TimeWindow& window);

// Gives each control of `result` its checks and the status decide() gives it, keeping the
// answers' status in ControlResult::answered, and counts the statuses again. The score stays
// the answers' (frameworks/README.md). `automated` must outlive `result`.
void apply_verdicts(FrameworkResult& result, const AutomatedResults& automated);

} // namespace velocity::compliance
