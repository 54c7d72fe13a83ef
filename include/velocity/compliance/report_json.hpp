#pragma once

#include <velocity/compliance/answers.hpp>
#include <velocity/compliance/plan.hpp>
#include <velocity/compliance/verdict.hpp>

#include <nlohmann/json.hpp>

// The JSON form of an evaluated assessment; docs/assess-json.md documents it and it only grows
// (new fields), never changes meaning, while "schema" stays "velocity.assessment.v1".
namespace velocity::compliance {

constexpr std::string_view k_assessment_schema = "velocity.assessment.v1";

// The whole evaluation: scope, summary, frameworks (scores, categories, control statuses),
// answers, gaps, cost and roadmap. The caller adds the "assessment" object (id, times).
nlohmann::json evaluation_to_json(const Evaluation& evaluation, const Questionnaire& questionnaire,
                                  const Answers& answers);

// One check's results on a control: {id, severity, pass, fail, failing_since, failing_resources:
// [{resource_id, failing_since}], failing_resources_omitted} (docs/report-json.md).
nlohmann::json check_results_json(const CheckResults& check);

// That object in one line: "aws_iam_user_mfa_enabled_console_access: 2 failing since 2025-03-29
// (user/a, user/b), 5 passing", or "...: 5 passing".
std::string check_results_text(const nlohmann::json& check);

// A score rounded to one decimal, or null.
nlohmann::json score_json(const std::optional<double>& score);

} // namespace velocity::compliance
