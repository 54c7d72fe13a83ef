#pragma once

#include <velocity/compliance/answers.hpp>
#include <velocity/compliance/catalog.hpp>
#include <velocity/compliance/scoring.hpp>
#include <velocity/core/time.hpp>

#include <optional>
#include <string>
#include <vector>

// From answers to work: the gaps, what closing them costs and when it can be done
// (frameworks/README.md, "Gaps", "Cost" and "Roadmap").
namespace velocity::compliance {

// A gap in the control itself (answered no or partially), or, for SOC 2 Type II, a control in
// place that did not operate throughout the audit period.
enum class GapKind { design, operating };

std::string_view to_string(GapKind kind) noexcept;

struct Gap {
  const CommonControl* control = nullptr;
  Answer answer;
  GapKind kind = GapKind::design;
  double priority = 0;                 // risk factor × weight ÷ effort_hours
  double remaining_hours = 0;          // effort left to close it
  double tooling_cost = 0;             // one-off purchases left to make
  std::vector<std::string> frameworks; // in-scope frameworks whose score it lowers
};

// Share of a control's effort that a Type II operating gap needs: the control exists and has to
// be run and recorded consistently.
constexpr double k_operating_effort_share = 0.25;

// Every common control of the scope answered no or partially (or, under Type II, in place but
// not operating), ordered by priority, highest first; ties by risk, weight, then questionnaire
// order.
std::vector<Gap> find_gaps(const Questionnaire& questionnaire, const Scope& scope,
                           const std::vector<const Framework*>& frameworks, const Answers& answers);

struct PlanOptions {
  double hourly_rate = 150;                  // USD per hour of internal or contractor effort
  std::optional<double> audit_cost;          // replaces the per-framework audit estimates
  double hours_per_week = 40;                // effort available for remediation
  time::TimePoint start = time::TimePoint{}; // roadmap day 0
  int observation_days = 90;                 // Type II observation period before the audit
  double quick_win_hours = 8;                // at most this much effort makes a quick win
};

struct AuditEstimate {
  std::string framework;
  std::string what;  // "SOC 2 Type II examination by a CPA firm"
  double amount = 0; // USD
  std::string range; // "$20,000-$60,000", or empty
};

struct Cost {
  double hourly_rate = 0;
  double hours = 0;
  double labour = 0;
  double tooling = 0;
  double audit = 0;
  double total = 0;
  std::vector<AuditEstimate> audits;
  std::vector<std::string> assumptions;
};

// Effort × hourly rate, plus tooling, plus the external audit of each framework.
Cost estimate_cost(const std::vector<Gap>& gaps, const std::vector<const Framework*>& frameworks,
                   const Scope& scope, const PlanOptions& options);

struct RoadmapAction {
  size_t gap = 0; // index into the gaps
  double hours = 0;
  int start_day = 0;
  int end_day = 0;
};

struct Phase {
  std::string name;
  int start_day = 0;
  int end_day = 0;
  std::vector<RoadmapAction> actions;
  double hours = 0;
  double cost = 0; // labour and tooling
  // Score of each framework (in the order given) once this phase and those before it are done.
  std::vector<std::optional<double>> projected;
};

struct Roadmap {
  std::vector<Phase> phases;
  int work_days = 0;        // until the last action is done
  int observation_days = 0; // Type II period after that, 0 otherwise
  time::TimePoint start;
  time::TimePoint completion; // start + work_days + observation_days
  std::vector<std::string> assumptions;
};

// Schedules the gaps one after another at options.hours_per_week: quick wins first, then by
// priority, never before a gap it depends on; groups them in phases (quick wins, 30, 60, 90
// days, then 6, 9, 12 months and every 6 months) with the projected score after each.
Roadmap plan_roadmap(const std::vector<Gap>& gaps, const Questionnaire& questionnaire,
                     const std::vector<const Framework*>& frameworks, const Scope& scope,
                     const Answers& answers, const PlanOptions& options);

// Everything an assessment reports.
struct Evaluation {
  Scope scope;
  std::vector<FrameworkResult> frameworks;
  std::vector<Gap> gaps;
  Cost cost;
  Roadmap roadmap;
  int questions = 0; // in the scope
  int answered = 0;  // with a design answer (n/a included)
  int not_applicable = 0;
};

Evaluation evaluate(const Questionnaire& questionnaire,
                    const std::vector<const Framework*>& frameworks, const Scope& scope,
                    const Answers& answers, const PlanOptions& options);

} // namespace velocity::compliance
