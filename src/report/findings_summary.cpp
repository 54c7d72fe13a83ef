#include "findings_summary.hpp"

#include <velocity/compliance/finding_json.hpp>

#include <algorithm>

namespace velocity::report {

namespace {

// Worse first: severity, then failing for longer, then id for a stable order.
bool worse(const store::FindingRecord& a, const store::FindingRecord& b) {
  if (a.severity != b.severity) {
    return a.severity > b.severity;
  }
  const std::string& fa = a.first_failed_at.value_or(a.first_seen_at);
  const std::string& fb = b.first_failed_at.value_or(b.first_seen_at);
  if (fa != fb) {
    return fa < fb;
  }
  return a.id < b.id;
}

} // namespace

std::vector<store::FindingRecord>
through_lens(const std::function<bool(store::FindingRecord&)>& lens,
             const std::vector<store::FindingRecord>& findings) {
  std::vector<store::FindingRecord> kept;
  kept.reserve(findings.size());
  for (const store::FindingRecord& stored : findings) {
    store::FindingRecord finding = stored;
    if (through_lens(lens, finding)) {
      kept.push_back(std::move(finding));
    }
  }
  return kept;
}

void Tally::add(const store::FindingRecord& finding, bool failing) {
  if (failing) {
    fail += 1;
    accepted += finding.acceptance ? 1 : 0;
    fail_by_severity[static_cast<size_t>(finding.severity)] += 1;
  } else {
    pass += 1;
  }
}

nlohmann::json Tally::to_json() const {
  nlohmann::json by_severity = nlohmann::json::object();
  for (const store::Severity severity : store::k_severities) {
    by_severity[std::string(to_string(severity))] = fail_by_severity[static_cast<size_t>(severity)];
  }
  return {{"total", pass + fail},
          {"pass", pass},
          {"fail", fail},
          {"accepted", accepted},
          {"fail_by_severity", by_severity}};
}

FindingsSummary::FindingsSummary(compliance::Library& library, std::string framework, size_t top,
                                 std::optional<std::string> period_end)
  : m_library(library),
    m_automated(library, std::move(period_end)),
    m_framework(std::move(framework)),
    m_top(top) {}

CheckTally& FindingsSummary::check(const std::string& check_id, store::Severity severity) {
  const auto found = m_checks.find(check_id);
  if (found != m_checks.end()) {
    return found->second;
  }
  CheckTally tally;
  tally.severity = severity;
  for (const compliance::CheckMapping& mapping : m_automated.checks().at(check_id).controls) {
    if (mapping.framework == m_framework) {
      tally.controls.push_back(mapping.control);
    }
  }
  return m_checks.emplace(check_id, std::move(tally)).first->second;
}

void FindingsSummary::add(const store::FindingRecord& finding) {
  m_automated.add(finding);
  const bool failing = compliance::failing_at(finding, m_automated.period_end());
  m_total.add(finding, failing);
  CheckTally& tally = check(finding.check_id, finding.severity);
  tally.tally.add(finding, failing);
  if (tally.controls.empty()) {
    m_unmapped += 1;
  }
  for (const std::string& control : tally.controls) {
    m_controls[control].add(finding, failing);
  }
  if (failing && m_top > 0) {
    m_worst.push_back(finding);
    // Trim in batches: amortised O(log top) per finding, never more than 2 × top kept.
    if (m_worst.size() >= 2 * m_top) {
      std::nth_element(m_worst.begin(), m_worst.begin() + static_cast<ptrdiff_t>(m_top),
                       m_worst.end(), worse);
      m_worst.resize(m_top);
    }
  }
}

const Tally* FindingsSummary::control(std::string_view control_id) const {
  const auto found = m_controls.find(control_id);
  return found == m_controls.end() ? nullptr : &found->second;
}

std::vector<store::FindingRecord> FindingsSummary::top_failing() const {
  std::vector<store::FindingRecord> worst = m_worst;
  std::sort(worst.begin(), worst.end(), worse);
  if (worst.size() > m_top) {
    worst.resize(m_top);
  }
  return worst;
}

nlohmann::json FindingsSummary::to_json() const {
  nlohmann::json summary = m_total.to_json();
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& [id, tally] : m_checks) {
    nlohmann::json entry = tally.tally.to_json();
    entry["id"] = id;
    entry["severity"] = to_string(tally.severity);
    entry["controls"] = tally.controls;
    checks.push_back(std::move(entry));
  }
  // Most failures first, so the checks that matter lead the list.
  std::stable_sort(checks.begin(), checks.end(), [](const auto& a, const auto& b) {
    return a["fail"].template get<int64_t>() > b["fail"].template get<int64_t>();
  });
  summary["checks"] = std::move(checks);
  summary["unmapped"] = m_unmapped;
  compliance::CheckControls controls(m_library);
  nlohmann::json top = nlohmann::json::array();
  for (const auto& finding : top_failing()) {
    top.push_back(compliance::finding_json(finding, controls.of(finding.check_id)));
  }
  summary["top_failing"] = std::move(top);
  summary["top_failing_omitted"] =
    m_total.fail - static_cast<int64_t>(summary["top_failing"].size());
  return summary;
}

} // namespace velocity::report
