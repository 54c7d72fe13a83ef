#include <velocity/compliance/plan.hpp>
#include <velocity/compliance/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

namespace velocity::compliance {

std::string_view to_string(GapKind kind) noexcept {
  return kind == GapKind::operating ? "operating" : "design";
}

std::vector<Gap> find_gaps(const Questionnaire& questionnaire, const Scope& scope,
                           const std::vector<const Framework*>& frameworks,
                           const Answers& answers) {
  std::vector<Gap> gaps;
  std::unordered_map<const CommonControl*, size_t> order;
  for (const CommonControl* control : questions_for(questionnaire, scope.frameworks)) {
    order.emplace(control, order.size());
    const auto found = answers.find(control->id);
    if (found == answers.end() || !found->second.design) {
      continue;
    }
    const Answer& answer = found->second;
    Gap gap;
    gap.control = control;
    gap.answer = answer;
    gap.priority = risk_factor(control->risk) * control->weight / control->effort_hours;
    const AnswerValue design = *answer.design;
    if (design == AnswerValue::no || design == AnswerValue::partially) {
      const double missing = 1.0 - value_of(design);
      gap.kind = GapKind::design;
      gap.remaining_hours = control->effort_hours * missing;
      gap.tooling_cost = control->tooling_cost * missing;
    } else if (design == AnswerValue::yes && asks_operating(*control, scope, design) &&
               answer.operating && *answer.operating != AnswerValue::yes) {
      gap.kind = GapKind::operating;
      gap.remaining_hours =
        control->effort_hours * k_operating_effort_share * (1.0 - value_of(*answer.operating));
    } else {
      continue;
    }
    for (const Framework* framework : frameworks) {
      const bool operating = scope.type2() && framework->find_variant(scope.variant) != nullptr;
      if (control->maps_to(framework->id) && (gap.kind == GapKind::design || operating)) {
        gap.frameworks.push_back(framework->id);
      }
    }
    if (!gap.frameworks.empty()) {
      gaps.push_back(std::move(gap));
    }
  }
  std::stable_sort(gaps.begin(), gaps.end(), [&](const Gap& a, const Gap& b) {
    if (a.priority != b.priority) {
      return a.priority > b.priority;
    }
    if (a.control->risk != b.control->risk) {
      return a.control->risk > b.control->risk;
    }
    if (a.control->weight != b.control->weight) {
      return a.control->weight > b.control->weight;
    }
    return order[a.control] < order[b.control];
  });
  return gaps;
}

namespace {

struct AuditDefault {
  std::string_view framework;
  std::string_view variant;
  std::string_view what;
  double amount;
  std::string_view range;
};

// Typical external fees for a small to mid-sized organisation; assumptions, printed as such.
constexpr AuditDefault k_audit_defaults[] = {
  {"soc2", "type1", "SOC 2 Type I examination by a CPA firm", 20000, "$10,000-$30,000"},
  {"soc2", "type2", "SOC 2 Type II examination by a CPA firm", 35000, "$20,000-$60,000"},
  {"iso27001", "", "ISO 27001 certification audit (stage 1 and 2) by an accredited body", 25000,
   "$15,000-$40,000"},
  {"hipaa", "", "independent HIPAA security risk analysis (there is no official certification)",
   10000, "$5,000-$20,000"},
  {"pci-dss", "", "PCI DSS Report on Compliance by a QSA (level 1; SAQ merchants pay far less)",
   40000, "$25,000-$70,000"},
  {"gdpr", "", "GDPR: no certification audit", 0, ""},
  {"cis-v8", "", "CIS Controls: self-assessed, no certification audit", 0, ""},
  {"nist-csf-2", "", "NIST CSF: self-assessed, no certification audit", 0, ""},
  {"cis-aws-5.0", "", "CIS AWS Benchmark: self-assessed, no certification audit", 0, ""},
  {"cis-gcp-5.0", "", "CIS GCP Benchmark: self-assessed, no certification audit", 0, ""},
  {"cis-azure-6.0", "", "CIS Azure Benchmark: self-assessed, no certification audit", 0, ""},
  {"cis-github-1.2", "", "CIS GitHub Benchmark: self-assessed, no certification audit", 0, ""},
};

AuditEstimate audit_estimate(const Framework& framework, const Scope& scope) {
  const bool has_variant = framework.find_variant(scope.variant) != nullptr;
  for (const AuditDefault& entry : k_audit_defaults) {
    if (entry.framework != framework.id) {
      continue;
    }
    if (!entry.variant.empty() && !(has_variant && entry.variant == scope.variant) &&
        !(!has_variant && entry.variant == "type1")) {
      continue;
    }
    return {framework.id, std::string(entry.what), entry.amount, std::string(entry.range)};
  }
  return {framework.id, fmt::format("{}: no estimate for a custom framework", framework.name), 0,
          ""};
}

} // namespace

Cost estimate_cost(const std::vector<Gap>& gaps, const std::vector<const Framework*>& frameworks,
                   const Scope& scope, const PlanOptions& options) {
  Cost cost;
  for (const Gap& gap : gaps) {
    cost.hours += gap.remaining_hours;
    cost.tooling += gap.tooling_cost;
  }
  cost.hourly_rate = options.hourly_rate;
  cost.labour = cost.hours * options.hourly_rate;
  for (const Framework* framework : frameworks) {
    cost.audits.push_back(audit_estimate(*framework, scope));
  }
  if (options.audit_cost) {
    cost.audit = *options.audit_cost;
  } else {
    for (const AuditEstimate& audit : cost.audits) {
      cost.audit += audit.amount;
    }
  }
  cost.total = cost.labour + cost.tooling + cost.audit;

  cost.assumptions.push_back(fmt::format(
    "effort: each control's estimated hours to go from 'no' to 'yes'; 'partially' needs half{}",
    scope.type2() ? fmt::format("; a Type II control in place that did not operate throughout the "
                                "period needs {}% of it",
                                static_cast<int>(k_operating_effort_share * 100))
                  : ""));
  cost.assumptions.push_back(
    fmt::format("labour at {}/hour (--hourly-rate)", format_usd(options.hourly_rate)));
  cost.assumptions.push_back("tooling: one-off purchases the catalogue names (EDR, scanners, "
                             "penetration tests...), halved for 'partially'; no recurring fees");
  if (options.audit_cost) {
    cost.assumptions.push_back(
      fmt::format("external audit: {} (--audit-cost)", format_usd(*options.audit_cost)));
  } else {
    for (const AuditEstimate& audit : cost.audits) {
      cost.assumptions.push_back(
        audit.amount > 0
          ? fmt::format("external audit: {}, about {} (typically {}; --audit-cost replaces it)",
                        audit.what, format_usd(audit.amount), audit.range)
          : fmt::format("external audit: {}", audit.what));
    }
  }
  return cost;
}

namespace {

// Roadmap phase ends in days: 30, 60, 90 days, 6, 9 and 12 months, then every 6 months.
int phase_end(size_t index) {
  constexpr int k_fixed[] = {30, 60, 90, 182, 273, 365};
  if (index < std::size(k_fixed)) {
    return k_fixed[index];
  }
  return 365 + static_cast<int>(index - std::size(k_fixed) + 1) * 182;
}

std::string phase_name(size_t index) {
  if (index < 3) {
    return fmt::format("{} days", phase_end(index));
  }
  if (index < 6) {
    return fmt::format("{} months", 6 + 3 * static_cast<int>(index - 3));
  }
  return fmt::format("{} months", 12 + 6 * static_cast<int>(index - 5));
}

// Every gap the gap `index` must wait for, by index.
std::vector<std::vector<size_t>> gap_dependencies(const std::vector<Gap>& gaps) {
  std::unordered_map<std::string, size_t> by_id;
  for (size_t i = 0; i < gaps.size(); ++i) {
    by_id.emplace(gaps[i].control->id, i);
  }
  std::vector<std::vector<size_t>> dependencies(gaps.size());
  for (size_t i = 0; i < gaps.size(); ++i) {
    for (const std::string& id : gaps[i].control->depends_on) {
      if (const auto it = by_id.find(id); it != by_id.end()) {
        dependencies[i].push_back(it->second);
      }
    }
  }
  return dependencies;
}

} // namespace

Roadmap plan_roadmap(const std::vector<Gap>& gaps, const Questionnaire& questionnaire,
                     const std::vector<const Framework*>& frameworks, const Scope& scope,
                     const Answers& answers, const PlanOptions& options) {
  Roadmap roadmap;
  roadmap.start = options.start;
  const auto dependencies = gap_dependencies(gaps);

  // Quick wins: small, and waiting for nothing that is not itself a quick win.
  std::vector<bool> quick(gaps.size());
  for (size_t i = 0; i < gaps.size(); ++i) {
    quick[i] = gaps[i].remaining_hours <= options.quick_win_hours;
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < gaps.size(); ++i) {
      for (const size_t dependency : dependencies[i]) {
        if (quick[i] && !quick[dependency]) {
          quick[i] = false;
          changed = true;
        }
      }
    }
  }

  // List scheduling: repeatedly the highest-priority gap (gaps are sorted) whose dependencies
  // are done; quick wins before everything else.
  std::vector<bool> done(gaps.size());
  std::vector<size_t> sequence;
  for (const bool quick_pass : {true, false}) {
    for (bool progress = true; progress;) {
      progress = false;
      for (size_t i = 0; i < gaps.size(); ++i) {
        if (done[i] || (quick_pass && !quick[i])) {
          continue;
        }
        const bool ready = std::all_of(dependencies[i].begin(), dependencies[i].end(),
                                       [&](size_t d) { return done[d]; });
        if (ready) {
          done[i] = true;
          sequence.push_back(i);
          progress = true;
          break;
        }
      }
    }
  }

  const double hours_per_day = options.hours_per_week / 7.0;
  double elapsed = 0;
  Answers projected = answers;
  const auto close = [&](const Gap& gap) {
    Answer& answer = projected[gap.control->id];
    answer.design = AnswerValue::yes;
    if (asks_operating(*gap.control, scope, answer.design)) {
      answer.operating = AnswerValue::yes;
    }
  };
  const auto add_projection = [&](Phase& phase) {
    for (const Framework* framework : frameworks) {
      phase.projected.push_back(
        score_framework(*framework, questionnaire, projected, scope).sum.score());
    }
  };

  Phase current;
  size_t bucket = 0;
  bool in_quick_wins = true;
  for (const size_t index : sequence) {
    const Gap& gap = gaps[index];
    RoadmapAction action;
    action.gap = index;
    action.hours = gap.remaining_hours;
    action.start_day = static_cast<int>(std::floor(elapsed / hours_per_day)) + 1;
    elapsed += gap.remaining_hours;
    action.end_day =
      std::max(action.start_day, static_cast<int>(std::ceil(elapsed / hours_per_day)));

    const bool quick_win = quick[index];
    if (in_quick_wins && !quick_win) {
      if (!current.actions.empty()) {
        current.name = "Quick wins";
        add_projection(current);
        roadmap.phases.push_back(std::move(current));
        current = Phase{};
      }
      in_quick_wins = false;
    }
    if (!in_quick_wins) {
      size_t target = bucket;
      while (action.end_day > phase_end(target)) {
        ++target;
      }
      if (target != bucket && !current.actions.empty()) {
        current.name = phase_name(bucket);
        add_projection(current);
        roadmap.phases.push_back(std::move(current));
        current = Phase{};
      }
      bucket = target;
    }
    if (current.actions.empty()) {
      current.start_day = action.start_day;
    }
    current.end_day = action.end_day;
    current.hours += action.hours;
    current.cost += action.hours * options.hourly_rate + gap.tooling_cost;
    current.actions.push_back(action);
    close(gap);
  }
  if (!current.actions.empty()) {
    current.name = in_quick_wins ? "Quick wins" : phase_name(bucket);
    add_projection(current);
    roadmap.phases.push_back(std::move(current));
  }

  roadmap.work_days = roadmap.phases.empty() ? 0 : roadmap.phases.back().end_day;
  bool operating = false;
  for (const Framework* framework : frameworks) {
    operating = operating || (scope.type2() && framework->find_variant(scope.variant) != nullptr);
  }
  roadmap.observation_days = operating && !gaps.empty() ? options.observation_days : 0;
  roadmap.completion =
    options.start + std::chrono::days(roadmap.work_days + roadmap.observation_days);

  roadmap.assumptions.push_back(fmt::format(
    "{} hours of remediation work per week (--hours-per-week), one action at a time: quick wins "
    "(at most {} hours each) first, then by priority, never before what an action depends on",
    format_decimal(options.hours_per_week), format_decimal(options.quick_win_hours)));
  roadmap.assumptions.push_back(fmt::format("work starts on {} (--start); days count from then",
                                            time::to_iso8601(options.start).substr(0, 10)));
  if (roadmap.observation_days > 0) {
    roadmap.assumptions.push_back(
      fmt::format("Type II: the controls must then operate for an observation period of {} days "
                  "(--observation-days) before the audit",
                  roadmap.observation_days));
  }
  return roadmap;
}

Evaluation evaluate(const Questionnaire& questionnaire,
                    const std::vector<const Framework*>& frameworks, const Scope& scope,
                    const Answers& answers, const PlanOptions& options) {
  Evaluation evaluation;
  evaluation.scope = scope;
  for (const Framework* framework : frameworks) {
    evaluation.frameworks.push_back(score_framework(*framework, questionnaire, answers, scope));
  }
  for (const CommonControl* control : questions_for(questionnaire, scope.frameworks)) {
    ++evaluation.questions;
    const auto found = answers.find(control->id);
    if (found != answers.end() && found->second.design) {
      ++evaluation.answered;
      evaluation.not_applicable += *found->second.design == AnswerValue::not_applicable ? 1 : 0;
    }
  }
  evaluation.gaps = find_gaps(questionnaire, scope, frameworks, answers);
  evaluation.cost = estimate_cost(evaluation.gaps, frameworks, scope, options);
  evaluation.roadmap =
    plan_roadmap(evaluation.gaps, questionnaire, frameworks, scope, answers, options);
  if (evaluation.answered < evaluation.questions) {
    evaluation.roadmap.assumptions.push_back(
      fmt::format("{} unanswered questions are not in the plan; answer them for a complete one",
                  evaluation.questions - evaluation.answered));
  }
  return evaluation;
}

} // namespace velocity::compliance
