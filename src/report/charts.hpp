#pragma once

#include <nlohmann/json.hpp>

#include <string>

// Inline SVG charts for the HTML report: no script, no external resource, readable when printed.
namespace velocity::report::charts {

// A half-circle gauge of `score` (0-100, or null: "not scored").
std::string score_gauge(const nlohmann::json& score);
// One horizontal bar per category of the report (`categories`: [{name, score}]).
std::string category_bars(const nlohmann::json& categories);
// Failing findings per severity (`findings.fail_by_severity`).
std::string severity_bars(const nlohmann::json& fail_by_severity);
// Scores of the completed assessments over time (`history`: [{completed_at, score}]).
std::string score_history(const nlohmann::json& history);

// `text` escaped for XML character data and attributes.
std::string xml_escape(std::string_view text);

} // namespace velocity::report::charts
