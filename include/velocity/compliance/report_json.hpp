#pragma once

#include <velocity/compliance/answers.hpp>
#include <velocity/compliance/plan.hpp>

#include <nlohmann/json.hpp>

// The JSON form of an evaluated assessment; docs/assess-json.md documents it and it only grows
// (new fields), never changes meaning, while "schema" stays "velocity.assessment.v1".
namespace velocity::compliance {

constexpr std::string_view k_assessment_schema = "velocity.assessment.v1";

// The whole evaluation: scope, summary, frameworks (scores, categories, control statuses),
// answers, gaps, cost and roadmap. The caller adds the "assessment" object (id, times).
nlohmann::json evaluation_to_json(const Evaluation& evaluation, const Questionnaire& questionnaire,
                                  const Answers& answers);

// A score rounded to one decimal, or null.
nlohmann::json score_json(const std::optional<double>& score);

} // namespace velocity::compliance
