#pragma once

#include <velocity/compliance/library.hpp>
#include <velocity/compliance/verdict.hpp>
#include <velocity/store/findings.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <functional>
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

// The order reports list severities in.
inline constexpr std::array<store::Severity, 4> k_worst_first = {
  store::Severity::critical, store::Severity::high, store::Severity::medium, store::Severity::low};

// True when `lens` (when set) keeps `finding`, which it may mark accepted.
inline bool through_lens(const std::function<bool(store::FindingRecord&)>& lens,
                         store::FindingRecord& finding) {
  return !lens || lens(finding);
}

// The findings of one evidence item `lens` keeps, marked.
std::vector<store::FindingRecord>
through_lens(const std::function<bool(store::FindingRecord&)>& lens,
             const std::vector<store::FindingRecord>& findings);

struct Tally {
  int64_t pass = 0;
  int64_t fail = 0;
  int64_t accepted = 0; // of the failing, those an accepted risk covers
  std::array<int64_t, store::k_severities.size()> fail_by_severity{}; // indexed by Severity

  void add(const store::FindingRecord& finding, bool failing);
  nlohmann::json to_json() const;
};

struct CheckTally {
  Tally tally;
  store::Severity severity = store::Severity::medium;
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
  CheckTally& check(const std::string& check_id, store::Severity severity);

  compliance::Library& m_library;
  compliance::AutomatedResults m_automated;
  std::string m_framework;
  size_t m_top;
  Tally m_total;
  std::map<std::string, CheckTally, std::less<>> m_checks;
  std::map<std::string, Tally, std::less<>> m_controls;
  std::vector<store::FindingRecord> m_worst;
  int64_t m_unmapped = 0;
};

} // namespace velocity::report
