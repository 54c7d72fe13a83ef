#pragma once

#include <velocity/compliance/catalog.hpp>

#include <string>
#include <string_view>
#include <vector>

// Parsing and validating the catalogues (frameworks/README.md is the specification). Every
// function throws UsageError listing each problem as "file:line:column: entry: field: rule".
namespace velocity::compliance {

// Parses frameworks/<id>.yaml. `source` names the file in messages; `expected_id` is the file
// name without .yaml, which the `id` field must equal.
Framework parse_framework(std::string_view text, const std::string& source,
                          std::string_view expected_id);

// Parses common-controls.yaml. `framework_ids` are the catalogues that exist: every key of a
// `maps` entry must be one of them. Also checks ids, depends_on (existing, acyclic) and values.
Questionnaire parse_questionnaire(std::string_view text, const std::string& source,
                                  const std::vector<std::string>& framework_ids);

// Checks the questionnaire against one catalogue: every control id mapped to `framework` exists
// in it, and every control of `framework` is reached by at least one common control, except a
// benchmark recommendation marked `assessment: automated`, which its checks answer.
void check_mappings(const Questionnaire& questionnaire, const Framework& framework);

} // namespace velocity::compliance
