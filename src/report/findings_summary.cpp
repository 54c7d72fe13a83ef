#include "findings_summary.hpp"

#include <algorithm>

namespace velocity::report {

namespace {

// Worse first: severity, then failing for longer, then id for a stable order.
bool worse(const store::FindingRecord& a, const store::FindingRecord& b) {
  const int ra = severity_rank(a.severity);
  const int rb = severity_rank(b.severity);
  if (ra != rb) {
    return ra > rb;
  }
  const std::string& fa = a.first_failed_at.value_or(a.first_seen_at);
  const std::string& fb = b.first_failed_at.value_or(b.first_seen_at);
  if (fa != fb) {
    return fa < fb;
  }
  return a.id < b.id;
}

nlohmann::json optional_text(const std::optional<std::string>& text) {
  return text ? nlohmann::json(*text) : nlohmann::json(nullptr);
}

} // namespace

int severity_rank(std::string_view severity) noexcept {
  for (size_t i = 0; i < k_severities.size(); ++i) {
    if (k_severities[i] == severity) {
      return static_cast<int>(k_severities.size() - i);
    }
  }
  return 0;
}

void Tally::add(const store::FindingRecord& finding, bool failing) {
  if (failing) {
    fail += 1;
    const int rank = severity_rank(finding.severity);
    if (rank > 0) {
      fail_by_severity[k_severities.size() - static_cast<size_t>(rank)] += 1;
    }
  } else {
    pass += 1;
  }
}

nlohmann::json Tally::to_json() const {
  nlohmann::json by_severity = nlohmann::json::object();
  for (size_t i = 0; i < k_severities.size(); ++i) {
    by_severity[std::string(k_severities[i])] = fail_by_severity[i];
  }
  return {
    {"total", pass + fail}, {"pass", pass}, {"fail", fail}, {"fail_by_severity", by_severity}};
}

FindingsSummary::FindingsSummary(compliance::Library& library, std::string framework, size_t top,
                                 std::optional<std::string> period_end)
  : m_automated(library, std::move(period_end)),
    m_framework(std::move(framework)),
    m_top(top) {}

CheckTally& FindingsSummary::check(const std::string& check_id, const std::string& severity) {
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

nlohmann::json finding_json(const store::FindingRecord& finding) {
  return {{"id", finding.id},
          {"check", finding.check_id},
          {"severity", finding.severity},
          {"status", finding.status},
          {"integration", finding.integration},
          {"platform", finding.platform},
          {"evidence_id",
           finding.evidence_id ? nlohmann::json(*finding.evidence_id) : nlohmann::json(nullptr)},
          {"evidence_type", finding.evidence_type},
          {"resource_id", finding.resource_id},
          {"account_id", finding.account_id},
          {"region", finding.region},
          {"reason", finding.reason},
          {"first_seen_at", finding.first_seen_at},
          {"first_failed_at", optional_text(finding.first_failed_at)},
          {"last_seen_at", finding.last_seen_at},
          {"passed_again_at", optional_text(finding.passed_again_at)}};
}

nlohmann::json FindingsSummary::to_json() const {
  nlohmann::json json = m_total.to_json();
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& [id, tally] : m_checks) {
    nlohmann::json entry = tally.tally.to_json();
    entry["id"] = id;
    entry["severity"] = tally.severity;
    entry["controls"] = tally.controls;
    checks.push_back(std::move(entry));
  }
  // Most failures first, so the checks that matter lead the list.
  std::stable_sort(checks.begin(), checks.end(), [](const auto& a, const auto& b) {
    return a["fail"].template get<int64_t>() > b["fail"].template get<int64_t>();
  });
  json["checks"] = std::move(checks);
  json["unmapped"] = m_unmapped;
  nlohmann::json top = nlohmann::json::array();
  for (const auto& finding : top_failing()) {
    top.push_back(finding_json(finding));
  }
  json["top_failing"] = std::move(top);
  json["top_failing_omitted"] = m_total.fail - static_cast<int64_t>(json["top_failing"].size());
  return json;
}

} // namespace velocity::report
