#include "findings_summary.hpp"

#include <velocity/compliance/answers.hpp>
#include <velocity/compliance/report_json.hpp>
#include <velocity/compliance/scoring.hpp>
#include <velocity/compliance/verdict.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/time.hpp>
#include <velocity/report/model.hpp>
#include <velocity/store/assessment.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <sstream>

namespace velocity::report {

namespace {

using nlohmann::json;

constexpr std::array<compliance::ControlStatus, 5> k_statuses = {
  compliance::ControlStatus::met, compliance::ControlStatus::partially_met,
  compliance::ControlStatus::not_met, compliance::ControlStatus::not_applicable,
  compliance::ControlStatus::not_assessed};

std::vector<std::string> split_commas(std::string_view text) {
  std::vector<std::string> parts;
  std::stringstream stream{std::string(text)};
  std::string part;
  while (std::getline(stream, part, ',')) {
    if (!part.empty()) {
      parts.push_back(part);
    }
  }
  return parts;
}

json optional_json(const std::optional<std::string>& text) {
  return text ? json(*text) : json(nullptr);
}

// A stored, completed assessment that covers the framework, with its score for it.
struct Assessed {
  store::AssessmentRecord record;
  json score; // number or null
};

// The completed assessments covering `framework` and completed by the end of `period`, oldest
// first.
std::vector<Assessed> assessments_of(store::Database& db, const store::Org& org,
                                     const std::string& framework,
                                     const store::TimeWindow& period) {
  std::vector<Assessed> found;
  for (auto& record : store::list_assessments(db, org)) {
    if (record.status != store::AssessmentStatus::completed || !record.completed_at) {
      continue;
    }
    const auto frameworks = split_commas(record.frameworks);
    if (std::find(frameworks.begin(), frameworks.end(), framework) == frameworks.end()) {
      continue;
    }
    if (period.to && *record.completed_at > *period.to) {
      continue;
    }
    const auto scores = json::parse(record.scores, nullptr, false);
    json score = nullptr;
    if (scores.is_object() && scores.contains(framework) && scores[framework].is_number()) {
      score = scores[framework];
    }
    found.push_back({std::move(record), std::move(score)});
  }
  return found;
}

compliance::Answers answers_of(store::Database& db, const store::Org& org, int64_t id,
                               const compliance::Questionnaire& questionnaire) {
  const auto record = store::find_assessment(db, org, id);
  compliance::Answers answers;
  if (!record) {
    return answers;
  }
  const auto parsed = json::parse(record->answers, nullptr, false);
  for (auto& [control, answer] : compliance::answers_from_json(parsed)) {
    // A question dropped from the questionnaire since: its answer no longer counts anywhere.
    if (questionnaire.find(control) != nullptr) {
      answers.emplace(control, std::move(answer));
    }
  }
  return answers;
}

json answer_value(const std::optional<compliance::AnswerValue>& value) {
  return value ? json(compliance::to_string(*value)) : json(nullptr);
}

json status_counts(const std::array<int, 5>& counts) {
  json object = json::object();
  for (size_t i = 0; i < k_statuses.size(); ++i) {
    object[std::string(compliance::to_string(k_statuses[i]))] = counts[i];
  }
  return object;
}

json gap_json(size_t rank, const compliance::Gap& gap,
              const compliance::Questionnaire& questionnaire, const std::string& framework,
              double hourly_rate) {
  const compliance::CommonControl& control = *gap.control;
  const compliance::Domain* domain = questionnaire.find_domain(control.domain);
  return {{"rank", rank},
          {"common_control", control.id},
          {"title", control.title},
          {"domain", domain != nullptr ? domain->name : control.domain},
          {"kind", compliance::to_string(gap.kind)},
          {"answer", answer_value(gap.answer.design)},
          {"risk", compliance::to_string(control.risk)},
          {"weight", control.weight},
          {"priority", std::round(gap.priority * 100) / 100},
          {"hours", gap.remaining_hours},
          {"cost", std::round(gap.remaining_hours * hourly_rate + gap.tooling_cost)},
          {"remediation", control.remediation},
          {"controls", control.controls_in(framework)}};
}

json cost_json(const compliance::Cost& cost, double hourly_rate) {
  json audits = json::array();
  for (const auto& audit : cost.audits) {
    audits.push_back({{"framework", audit.framework},
                      {"what", audit.what},
                      {"amount", audit.amount},
                      {"range", audit.range}});
  }
  return {{"hours", cost.hours},   {"hourly_rate", hourly_rate},
          {"labour", cost.labour}, {"tooling", cost.tooling},
          {"audit", cost.audit},   {"total", cost.total},
          {"audits", audits},      {"assumptions", cost.assumptions}};
}

json roadmap_json(const compliance::Roadmap& roadmap, const std::vector<compliance::Gap>& gaps) {
  json phases = json::array();
  for (const auto& phase : roadmap.phases) {
    json actions = json::array();
    for (const auto& action : phase.actions) {
      const compliance::CommonControl& control = *gaps[action.gap].control;
      actions.push_back({{"common_control", control.id},
                         {"title", control.title},
                         {"hours", action.hours},
                         {"start_day", action.start_day},
                         {"end_day", action.end_day}});
    }
    phases.push_back(
      {{"name", phase.name},
       {"start_day", phase.start_day},
       {"end_day", phase.end_day},
       {"hours", phase.hours},
       {"cost", std::round(phase.cost)},
       {"projected_score",
        phase.projected.empty() ? json(nullptr) : compliance::score_json(phase.projected[0])},
       {"actions", actions}});
  }
  return {{"phases", phases},
          {"work_days", roadmap.work_days},
          {"observation_days", roadmap.observation_days},
          {"start", time::to_iso8601(roadmap.start).substr(0, 10)},
          {"completion", time::to_iso8601(roadmap.completion).substr(0, 10)},
          {"assumptions", roadmap.assumptions}};
}

// A benchmark recommendation's result as a benchmark report reads it: passed or failed, not
// applicable, or not assessed yet — waiting for a person's answer (manual) or for an automated
// result (automated: no check has evidence on it in the period).
std::string_view benchmark_result(const compliance::ControlResult& control) {
  switch (control.status) {
  case compliance::ControlStatus::met:
    return "pass";
  case compliance::ControlStatus::partially_met:
  case compliance::ControlStatus::not_met:
    return "fail";
  case compliance::ControlStatus::not_applicable:
    return "not_applicable";
  case compliance::ControlStatus::not_assessed:
    break;
  }
  return control.control->assessment == compliance::Assessment::manual ? "manual" : "no_result";
}

// Failing automated checks decide the control, and an accepted risk covers each of their
// failures.
bool rests_on_accepted_risk(const json& control) {
  int64_t failing = 0;
  int64_t accepted = 0;
  for (const json& check : control["checks"]) {
    failing += check["fail"].get<int64_t>();
    accepted += check["accepted"].get<int64_t>();
  }
  return failing > 0 && accepted == failing;
}

// Every control of the framework with its status (answers and automated verdicts), the answers
// behind it and the findings.
json controls_json(const compliance::FrameworkResult& result,
                   const compliance::Questionnaire& questionnaire,
                   const compliance::Answers& answers, const FindingsSummary& findings) {
  const std::string& framework = result.framework->id;
  std::map<std::string, std::vector<const compliance::CommonControl*>, std::less<>> behind;
  for (const auto& common : questionnaire.controls) {
    for (const std::string& id : common.controls_in(framework)) {
      behind[id].push_back(&common);
    }
  }
  json controls = json::array();
  for (const auto& category : result.categories) {
    for (const auto& control : category.controls) {
      json answered = json::array();
      if (const auto it = behind.find(control.control->id); it != behind.end()) {
        for (const compliance::CommonControl* common : it->second) {
          const auto answer = answers.find(common->id);
          answered.push_back(
            {{"common_control", common->id},
             {"question", common->question},
             {"answer",
              answer != answers.end() ? answer_value(answer->second.design) : json(nullptr)},
             {"operating",
              answer != answers.end() ? answer_value(answer->second.operating) : json(nullptr)},
             {"note", answer != answers.end() ? answer->second.note : std::string()},
             {"evidence", answer != answers.end() ? answer->second.evidence : std::string()}});
        }
      }
      const Tally* tally = findings.control(control.control->id);
      json checks = json::array();
      for (const compliance::CheckResults* check : control.checks) {
        checks.push_back(compliance::check_results_json(*check));
      }
      // Answered as met while automated checks fail on it: the auditor should look here first.
      const bool conflict = control.answered == compliance::ControlStatus::met &&
                            control.source == compliance::StatusSource::failing_checks;
      const bool benchmark = control.control->assessment != compliance::Assessment::none;
      controls.push_back(
        {{"id", control.control->id},
         {"title", control.control->title},
         {"category", category.category->id},
         {"category_name", category.category->name},
         {"profile",
          benchmark ? json(compliance::to_string(control.control->profile)) : json(nullptr)},
         {"assessment",
          benchmark ? json(compliance::to_string(control.control->assessment)) : json(nullptr)},
         {"benchmark_result", benchmark ? json(benchmark_result(control)) : json(nullptr)},
         {"status", compliance::to_string(control.status)},
         {"answered_status", compliance::to_string(control.answered)},
         {"status_source", compliance::to_string(control.source)},
         {"answers", answered},
         {"findings", tally != nullptr ? tally->to_json() : Tally{}.to_json()},
         {"checks", checks},
         {"contradicted", conflict}});
    }
  }
  return controls;
}

// For a CIS Benchmark, the recommendations counted by profile, assessment and result; null for
// other frameworks.
json benchmark_json(const json& controls) {
  json counts = {
    {"recommendations", 0}, {"level1", 0}, {"level2", 0}, {"automated", 0}, {"manual", 0}};
  json results = {{"pass", 0}, {"fail", 0}, {"manual", 0}, {"no_result", 0}, {"not_applicable", 0}};
  const auto bump = [](json& count) { count = count.get<int64_t>() + 1; };
  for (const json& control : controls) {
    if (control["benchmark_result"].is_null()) {
      continue;
    }
    bump(counts["recommendations"]);
    if (const std::string profile = control["profile"].get<std::string>(); !profile.empty()) {
      bump(counts[profile]);
    }
    bump(counts[control["assessment"].get<std::string>()]);
    bump(results[control["benchmark_result"].get<std::string>()]);
  }
  if (counts["recommendations"].get<int64_t>() == 0) {
    return nullptr;
  }
  counts["results"] = std::move(results);
  return counts;
}

} // namespace

json build_report(store::Database& db, const store::Org& org, compliance::Library& library,
                  const ReportRequest& request) {
  library.require_framework(request.framework);
  const compliance::Framework& framework = library.framework(request.framework);
  const compliance::Questionnaire& questionnaire = library.questionnaire();

  const auto assessed = assessments_of(db, org, framework.id, request.period);
  const Assessed* latest = assessed.empty() ? nullptr : &assessed.back();
  const Assessed* previous = assessed.size() < 2 ? nullptr : &assessed[assessed.size() - 2];

  compliance::Scope scope;
  scope.frameworks = {framework.id};
  compliance::Answers answers;
  if (latest != nullptr) {
    scope.variant = latest->record.variant;
    answers = answers_of(db, org, latest->record.id, questionnaire);
  }
  compliance::PlanOptions plan = request.plan;
  if (plan.start == time::TimePoint{}) {
    plan.start = time::parse_iso8601(request.generated_at).value_or(time::now());
  }
  const std::vector<const compliance::Framework*> frameworks = {&framework};
  compliance::Evaluation evaluation =
    compliance::evaluate(questionnaire, frameworks, scope, answers, plan);
  compliance::FrameworkResult& result = evaluation.frameworks.at(0);

  FindingsSummary findings(library, framework.id, request.top_findings, request.period.to);
  store::for_each_finding_in(db, org, request.period, [&](const store::FindingRecord& stored) {
    store::FindingRecord finding = stored;
    if (through_lens(request.lens, finding)) {
      findings.add(finding);
    }
  });
  compliance::apply_verdicts(result, findings.automated());

  json doc;
  doc["schema"] = k_report_schema;
  doc["generated_at"] = request.generated_at;
  doc["tool"] = request.tool;
  doc["organization"] = org.name();
  doc["period"] = {{"from", optional_json(request.period.from)},
                   {"to", optional_json(request.period.to)}};
  doc["framework"] = {{"id", framework.id},
                      {"name", framework.name},
                      {"version", framework.version},
                      {"publisher", framework.publisher},
                      {"variant", result.variant != nullptr ? json{{"id", result.variant->id},
                                                                   {"name", result.variant->name}}
                                                            : json(nullptr)},
                      {"controls", framework.control_count()}};
  doc["assessment"] =
    latest == nullptr
      ? json(nullptr)
      : json{{"id", latest->record.id},
             {"completed_at", optional_json(latest->record.completed_at)},
             {"questions", result.questions},
             {"answered", result.answered},
             {"not_applicable", result.not_applicable},
             {"not_assessed", result.not_assessed},
             {"catalogs_changed", library.digest(split_commas(latest->record.frameworks)) !=
                                    latest->record.catalog_sha256}};
  doc["previous_assessment"] =
    previous == nullptr ? json(nullptr)
                        : json{{"id", previous->record.id},
                               {"completed_at", optional_json(previous->record.completed_at)},
                               {"score", previous->score}};

  json controls = controls_json(result, questionnaire, answers, findings);
  int64_t contradicted = 0;
  int64_t on_accepted_risk = 0;
  json status_sources = {{"answers", 0}, {"failing_checks", 0}, {"passing_checks", 0}};
  for (const json& control : controls) {
    contradicted += control["contradicted"].get<bool>() ? 1 : 0;
    on_accepted_risk += rests_on_accepted_risk(control) ? 1 : 0;
    json& count = status_sources[control["status_source"].get<std::string>()];
    count = count.get<int64_t>() + 1;
  }

  const json score = compliance::score_json(result.sum.score());
  json change = nullptr;
  if (score.is_number() && previous != nullptr && previous->score.is_number()) {
    change = std::round((score.get<double>() - previous->score.get<double>()) * 10) / 10;
  }
  json gaps = json::array();
  for (size_t i = 0; i < evaluation.gaps.size(); ++i) {
    gaps.push_back(
      gap_json(i + 1, evaluation.gaps[i], questionnaire, framework.id, plan.hourly_rate));
  }
  json top_gaps = json::array();
  for (size_t i = 0; i < gaps.size() && i < 5; ++i) {
    top_gaps.push_back(gaps[i]);
  }
  doc["summary"] = {{"score", score},
                    {"previous_score", previous != nullptr ? previous->score : json(nullptr)},
                    {"change", change},
                    {"status_counts", status_counts(result.status_counts)},
                    {"gaps", evaluation.gaps.size()},
                    {"top_gaps", top_gaps},
                    {"findings", findings.total().to_json()},
                    {"contradicted_controls", contradicted},
                    {"accepted_risk_controls", on_accepted_risk},
                    {"status_sources", status_sources},
                    {"cost_total", std::round(evaluation.cost.total)},
                    {"completion", time::to_iso8601(evaluation.roadmap.completion).substr(0, 10)}};

  json categories = json::array();
  for (const auto& category : result.categories) {
    std::array<int, 5> counts{};
    for (const auto& control : category.controls) {
      counts[static_cast<size_t>(control.status)] += 1;
    }
    categories.push_back({{"id", category.category->id},
                          {"name", category.category->name},
                          {"group", category.category->group},
                          {"score", compliance::score_json(category.sum.score())},
                          {"controls", category.controls.size()},
                          {"status_counts", status_counts(counts)}});
  }
  doc["categories"] = std::move(categories);
  doc["benchmark"] = benchmark_json(controls);
  doc["controls"] = std::move(controls);
  doc["gaps"] = std::move(gaps);
  doc["cost"] = cost_json(evaluation.cost, plan.hourly_rate);
  doc["roadmap"] = roadmap_json(evaluation.roadmap, evaluation.gaps);
  json history = json::array();
  for (const Assessed& item : assessed) {
    if (!request.period.from || *item.record.completed_at >= *request.period.from) {
      history.push_back({{"assessment", item.record.id},
                         {"completed_at", *item.record.completed_at},
                         {"score", item.score}});
    }
  }
  doc["history"] = std::move(history);
  doc["findings"] = findings.to_json();
  doc["evidence"] = {{"items", store::count_evidence_in(db, org, request.period)}};
  return doc;
}

} // namespace velocity::report
