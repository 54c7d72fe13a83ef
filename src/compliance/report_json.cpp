#include <velocity/compliance/report_json.hpp>

#include <fmt/format.h>

#include <cmath>

namespace velocity::compliance {

namespace {

double round_to(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

std::string date_after(time::TimePoint start, int days) {
  return time::to_iso8601(start + std::chrono::days(days)).substr(0, 10);
}

nlohmann::json optional_answer(const std::optional<AnswerValue>& value) {
  return value ? nlohmann::json(to_string(*value)) : nlohmann::json(nullptr);
}

nlohmann::json framework_json(const FrameworkResult& result) {
  const Framework& framework = *result.framework;
  nlohmann::json json = {
    {"id", framework.id},
    {"name", framework.name},
    {"version", framework.version},
    {"variant", result.variant != nullptr
                  ? nlohmann::json{{"id", result.variant->id}, {"name", result.variant->name}}
                  : nlohmann::json(nullptr)},
    {"operating_effectiveness", result.operating},
    {"score", score_json(result.sum.score())},
    {"questions", result.questions},
    {"answered", result.answered},
    {"not_applicable", result.not_applicable},
    {"not_assessed", result.not_assessed},
  };
  nlohmann::json counts = {{"total", framework.control_count()}};
  for (const ControlStatus status :
       {ControlStatus::met, ControlStatus::partially_met, ControlStatus::not_met,
        ControlStatus::not_applicable, ControlStatus::not_assessed}) {
    counts[std::string(to_string(status))] = result.count(status);
  }
  json["controls"] = counts;
  nlohmann::json groups = nlohmann::json::array();
  for (const GroupResult& group : result.groups) {
    groups.push_back({{"id", group.group->id},
                      {"name", group.group->name},
                      {"score", score_json(group.sum.score())}});
  }
  json["groups"] = groups;
  nlohmann::json sources = {{"answers", 0}, {"failing_checks", 0}, {"passing_checks", 0}};
  nlohmann::json categories = nlohmann::json::array();
  for (const CategoryResult& category : result.categories) {
    nlohmann::json controls = nlohmann::json::array();
    for (const ControlResult& control : category.controls) {
      nlohmann::json& source = sources[std::string(to_string(control.source))];
      source = source.get<int64_t>() + 1;
      nlohmann::json checks = nlohmann::json::array();
      for (const CheckResults* check : control.checks) {
        checks.push_back(check_results_json(*check));
      }
      controls.push_back({{"id", control.control->id},
                          {"title", control.control->title},
                          {"status", to_string(control.status)},
                          {"answered_status", to_string(control.answered)},
                          {"status_source", to_string(control.source)},
                          {"checks", checks}});
    }
    categories.push_back(
      {{"id", category.category->id},
       {"name", category.category->name},
       {"group", category.category->group.empty() ? nlohmann::json(nullptr)
                                                  : nlohmann::json(category.category->group)},
       {"score", score_json(category.sum.score())},
       {"controls", controls}});
  }
  json["categories"] = categories;
  json["status_sources"] = sources;
  return json;
}

} // namespace

nlohmann::json check_results_json(const CheckResults& check) {
  nlohmann::json resources = nlohmann::json::array();
  for (const FailingResource& resource : check.failing_resources) {
    resources.push_back({{"resource_id", resource.resource_id}, {"failing_since", resource.since}});
  }
  nlohmann::json acceptances = nlohmann::json::array();
  for (const store::Acceptance& acceptance : check.acceptances) {
    acceptances.push_back(
      {{"id", acceptance.id},
       {"owner", acceptance.owner},
       {"reason", acceptance.reason},
       {"expires_at", acceptance.expires_at.empty() ? nlohmann::json(nullptr)
                                                    : nlohmann::json(acceptance.expires_at)}});
  }
  return {{"id", check.id},
          {"severity", store::to_string(check.severity)},
          {"pass", check.passing},
          {"fail", check.failing},
          {"accepted", check.accepted},
          {"acceptances", acceptances},
          {"failing_since",
           check.failing_since ? nlohmann::json(*check.failing_since) : nlohmann::json(nullptr)},
          {"failing_resources", resources},
          {"failing_resources_omitted", check.failing_resources_omitted()}};
}

std::string check_results_text(const nlohmann::json& check) {
  const int64_t failing = check["fail"].get<int64_t>();
  const int64_t passing = check["pass"].get<int64_t>();
  if (failing == 0) {
    return fmt::format("{}: {} passing", check["id"].get<std::string>(), passing);
  }
  std::string resources;
  for (const nlohmann::json& resource : check["failing_resources"]) {
    resources += resources.empty() ? "" : ", ";
    resources += resource["resource_id"].get<std::string>();
  }
  const int64_t omitted = check["failing_resources_omitted"].get<int64_t>();
  if (omitted > 0) {
    resources += fmt::format(" and {} more", omitted);
  }
  return fmt::format("{}: {} failing since {} ({}){}", check["id"].get<std::string>(), failing,
                     check["failing_since"].get<std::string>().substr(0, 10), resources,
                     passing > 0 ? fmt::format(", {} passing", passing) : std::string());
}

nlohmann::json score_json(const std::optional<double>& score) {
  return score ? nlohmann::json(round_to(*score, 1)) : nlohmann::json(nullptr);
}

nlohmann::json evaluation_to_json(const Evaluation& evaluation, const Questionnaire& questionnaire,
                                  const Answers& answers) {
  const Scope& scope = evaluation.scope;
  nlohmann::json json = {{"schema", k_assessment_schema}};
  json["scope"] = {
    {"frameworks", scope.frameworks},
    {"variant", scope.variant.empty() ? nlohmann::json(nullptr) : nlohmann::json(scope.variant)}};
  json["summary"] = {{"questions", evaluation.questions},
                     {"answered", evaluation.answered},
                     {"not_applicable", evaluation.not_applicable},
                     {"unanswered", evaluation.questions - evaluation.answered},
                     {"gaps", evaluation.gaps.size()}};
  nlohmann::json frameworks = nlohmann::json::array();
  for (const FrameworkResult& result : evaluation.frameworks) {
    frameworks.push_back(framework_json(result));
  }
  json["frameworks"] = frameworks;

  nlohmann::json answer_list = nlohmann::json::array();
  for (const CommonControl* control : questions_for(questionnaire, scope.frameworks)) {
    const auto found = answers.find(control->id);
    const Answer empty;
    const Answer& answer = found == answers.end() ? empty : found->second;
    answer_list.push_back({{"id", control->id},
                           {"domain", control->domain},
                           {"title", control->title},
                           {"answer", optional_answer(answer.design)},
                           {"operating", optional_answer(answer.operating)},
                           {"note", answer.note},
                           {"evidence", answer.evidence}});
  }
  json["answers"] = answer_list;

  nlohmann::json gaps = nlohmann::json::array();
  for (size_t i = 0; i < evaluation.gaps.size(); ++i) {
    const Gap& gap = evaluation.gaps[i];
    const CommonControl& control = *gap.control;
    nlohmann::json mapped = nlohmann::json::object();
    for (const std::string& framework : gap.frameworks) {
      mapped[framework] = control.controls_in(framework);
    }
    gaps.push_back({{"rank", i + 1},
                    {"id", control.id},
                    {"title", control.title},
                    {"domain", control.domain},
                    {"kind", to_string(gap.kind)},
                    {"answer", optional_answer(gap.answer.design)},
                    {"operating", optional_answer(gap.answer.operating)},
                    {"risk", to_string(control.risk)},
                    {"weight", control.weight},
                    {"priority", round_to(gap.priority, 3)},
                    {"effort_hours", control.effort_hours},
                    {"remaining_hours", round_to(gap.remaining_hours, 1)},
                    {"tooling_cost", round_to(gap.tooling_cost, 2)},
                    {"remediation", control.remediation},
                    {"depends_on", control.depends_on},
                    {"frameworks", mapped}});
  }
  json["gaps"] = gaps;

  const Cost& cost = evaluation.cost;
  nlohmann::json audits = nlohmann::json::array();
  for (const AuditEstimate& audit : cost.audits) {
    audits.push_back({{"framework", audit.framework},
                      {"what", audit.what},
                      {"amount", audit.amount},
                      {"range", audit.range}});
  }
  json["cost"] = {{"currency", "USD"},
                  {"hours", round_to(cost.hours, 1)},
                  {"hourly_rate", cost.hourly_rate},
                  {"labour", round_to(cost.labour, 2)},
                  {"tooling", round_to(cost.tooling, 2)},
                  {"audit", round_to(cost.audit, 2)},
                  {"total", round_to(cost.total, 2)},
                  {"audits", audits},
                  {"assumptions", cost.assumptions}};

  const Roadmap& roadmap = evaluation.roadmap;
  nlohmann::json phases = nlohmann::json::array();
  for (const Phase& phase : roadmap.phases) {
    nlohmann::json actions = nlohmann::json::array();
    for (const RoadmapAction& action : phase.actions) {
      const Gap& gap = evaluation.gaps[action.gap];
      actions.push_back({{"id", gap.control->id},
                         {"title", gap.control->title},
                         {"kind", to_string(gap.kind)},
                         {"hours", round_to(action.hours, 1)},
                         {"start_day", action.start_day},
                         {"end_day", action.end_day}});
    }
    nlohmann::json projected = nlohmann::json::object();
    for (size_t i = 0; i < phase.projected.size() && i < evaluation.frameworks.size(); ++i) {
      projected[evaluation.frameworks[i].framework->id] = score_json(phase.projected[i]);
    }
    phases.push_back({{"name", phase.name},
                      {"start_day", phase.start_day},
                      {"end_day", phase.end_day},
                      {"end_date", date_after(roadmap.start, phase.end_day)},
                      {"hours", round_to(phase.hours, 1)},
                      {"cost", round_to(phase.cost, 2)},
                      {"projected_scores", projected},
                      {"actions", actions}});
  }
  json["roadmap"] = {
    {"start_date", date_after(roadmap.start, 0)},
    {"work_days", roadmap.work_days},
    {"observation_days", roadmap.observation_days},
    {"completion_date", date_after(roadmap.start, roadmap.work_days + roadmap.observation_days)},
    {"phases", phases},
    {"assumptions", roadmap.assumptions}};
  return json;
}

} // namespace velocity::compliance
