#pragma once

#include <velocity/compliance/library.hpp>
#include <velocity/compliance/verdict.hpp>
#include <velocity/store/findings.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Findings folded, one at a time, into counts per framework control, per check and per severity,
// the automated results the verdicts read (compliance/verdict.hpp), and a bounded list of the
// worst failures: the memory used depends on the number of controls and checks, not on the
// number of findings. A finding counts as failing when it was failing at the end of the period.
namespace velocity::report {

inline constexpr std::array<std::string_view, 4> k_severities = {"critical", "high", "medium",
                                                                 "low"};

// 4 for critical .. 1 for low, 0 for anything else.
int severity_rank(std::string_view severity) noexcept;

struct Tally {
  int64_t pass = 0;
  int64_t fail = 0;
  std::array<int64_t, 4> fail_by_severity{}; // in k_severities order

  void add(const store::FindingRecord& finding, bool failing);
  nlohmann::json to_json() const;
};

struct CheckTally {
  Tally tally;
  std::string severity;
  std::vector<std::string> controls; // this framework's controls the check evidences
};

class FindingsSummary {
public:
  FindingsSummary(compliance::Library& library, std::string framework, size_t top,
                  std::optional<std::string> period_end);

  void add(const store::FindingRecord& finding);

  const compliance::AutomatedResults& automated() const noexcept { return m_automated; }
  const Tally& total() const noexcept { return m_total; }
  // Counts for one framework control; empty when no check maps to it.
  const Tally* control(std::string_view control_id) const;
  const std::map<std::string, CheckTally, std::less<>>& checks() const noexcept { return m_checks; }
  // The worst failures: highest severity first, then the longest failing.
  std::vector<store::FindingRecord> top_failing() const;
  // The `findings` object of the report (docs/report-json.md).
  nlohmann::json to_json() const;

private:
  CheckTally& check(const std::string& check_id, const std::string& severity);

  compliance::AutomatedResults m_automated;
  std::string m_framework;
  size_t m_top;
  Tally m_total;
  std::map<std::string, CheckTally, std::less<>> m_checks;
  std::map<std::string, Tally, std::less<>> m_controls;
  std::vector<store::FindingRecord> m_worst;
  int64_t m_unmapped = 0;
};

// A finding as one JSON object (the JSON Lines output and evidence files).
nlohmann::json finding_json(const store::FindingRecord& finding);

} // namespace velocity::report
