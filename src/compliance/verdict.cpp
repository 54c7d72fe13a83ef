#include <velocity/compliance/verdict.hpp>

#include <algorithm>
#include <tuple>
#include <utility>

namespace velocity::compliance {

namespace {

std::string control_key(std::string_view framework, std::string_view control) {
  std::string key(framework);
  key += '\n';
  key += control;
  return key;
}

// Oldest failure first, then by resource id, so the named resources do not depend on the order
// the findings come in.
bool failing_longer(const FailingResource& a, const FailingResource& b) {
  return std::tie(a.since, a.resource_id) < std::tie(b.since, b.resource_id);
}

} // namespace

bool failing_at(const store::FindingRecord& finding, const std::optional<std::string>& end) {
  if (!end) {
    return finding.status == store::Status::fail;
  }
  return finding.first_failed_at && *finding.first_failed_at <= *end &&
         (!finding.passed_again_at || *finding.passed_again_at > *end);
}

Verdict decide(ControlStatus answered, int64_t passing, int64_t failing) noexcept {
  if (failing > 0) {
    return {ControlStatus::not_met, StatusSource::failing_checks};
  }
  if (passing > 0 && answered == ControlStatus::not_assessed) {
    return {ControlStatus::met, StatusSource::passing_checks};
  }
  return {answered, StatusSource::answers};
}

AutomatedResults::AutomatedResults(Library& library, std::optional<std::string> period_end)
  : m_library(library),
    m_period_end(std::move(period_end)) {}

void AutomatedResults::add(const store::FindingRecord& finding) {
  auto found = m_checks.find(finding.check_id);
  if (found == m_checks.end()) {
    CheckResults check;
    check.id = finding.check_id;
    check.severity = finding.severity;
    for (CheckMapping& mapping : m_library.controls_for_check(finding.check_id)) {
      const bool seen =
        std::any_of(check.controls.begin(), check.controls.end(), [&](const CheckMapping& other) {
          return other.framework == mapping.framework && other.control == mapping.control;
        });
      if (!seen) {
        check.controls.push_back(std::move(mapping));
      }
    }
    found = m_checks.emplace(finding.check_id, std::move(check)).first;
    for (const CheckMapping& mapping : found->second.controls) {
      m_by_control[control_key(mapping.framework, mapping.control)].push_back(&found->second);
    }
  }
  CheckResults& check = found->second;
  if (!failing_at(finding, m_period_end)) {
    check.passing += 1;
    return;
  }
  check.failing += 1;
  if (finding.acceptance) {
    check.accepted += 1;
    const bool known = std::any_of(
      check.acceptances.begin(), check.acceptances.end(),
      [&](const store::Acceptance& other) { return other.id == finding.acceptance->id; });
    if (!known) {
      check.acceptances.push_back(*finding.acceptance);
    }
  }
  FailingResource resource{finding.resource_id,
                           finding.first_failed_at.value_or(finding.first_seen_at)};
  if (!check.failing_since || resource.since < *check.failing_since) {
    check.failing_since = resource.since;
  }
  auto& named = check.failing_resources;
  const auto at = std::upper_bound(named.begin(), named.end(), resource, failing_longer);
  if (named.size() < k_named_failing_resources) {
    named.insert(at, std::move(resource));
  } else if (at != named.end()) {
    named.insert(at, std::move(resource));
    named.pop_back();
  }
}

std::vector<const CheckResults*> AutomatedResults::checks_for(std::string_view framework,
                                                              std::string_view control) const {
  const auto found = m_by_control.find(control_key(framework, control));
  if (found == m_by_control.end()) {
    return {};
  }
  std::vector<const CheckResults*> checks = found->second;
  std::sort(checks.begin(), checks.end(),
            [](const CheckResults* a, const CheckResults* b) { return a->id < b->id; });
  return checks;
}

AutomatedResults load_automated_results(store::Database& db, const store::Org& org,
                                        Library& library, const store::TimeWindow& window) {
  AutomatedResults results(library, window.to);
  store::for_each_finding_in(db, org, window,
                             [&](const store::FindingRecord& finding) { results.add(finding); });
  return results;
}

void apply_verdicts(FrameworkResult& result, const AutomatedResults& automated) {
  result.status_counts = {};
  for (CategoryResult& category : result.categories) {
    for (ControlResult& control : category.controls) {
      control.checks = automated.checks_for(result.framework->id, control.control->id);
      int64_t passing = 0;
      int64_t failing = 0;
      for (const CheckResults* check : control.checks) {
        passing += check->passing;
        failing += check->failing;
      }
      const Verdict verdict = decide(control.answered, passing, failing);
      control.status = verdict.status;
      control.source = verdict.source;
      ++result.status_counts[static_cast<size_t>(verdict.status)];
    }
  }
}

} // namespace velocity::compliance
