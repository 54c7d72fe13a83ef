#pragma once

#include <velocity/compliance/catalog.hpp>
#include <velocity/compliance/check_catalogue.hpp>

#include <functional>
#include <span>
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

// Parses checks/<platform>.yaml or checks/<platform>-<service>.yaml (frameworks/README.md, "Check
// catalogue"): every field of every entry, ids unique in the file. `stem` is the file name without
// .yaml; every entry's `platform` must be the part before the first '-', its id must start with
// it, and in a service file its `service` must be the part after.
std::vector<Check> parse_checks(std::string_view text, const std::string& source,
                                std::string_view stem);

// The entries of every file, in the order given; an id used in two files is an error naming both.
CheckCatalogue build_check_catalogue(std::vector<std::vector<Check>> files,
                                     std::vector<std::string> sources);

// Checks every mapping of `catalogue`: the framework is one of `framework_ids` and the control
// one of its controls (`framework` returns the parsed catalogue of an id).
void check_check_mappings(const CheckCatalogue& catalogue,
                          const std::vector<std::string>& framework_ids,
                          const std::function<const Framework&(std::string_view)>& framework);

// Checks `catalogue` against the checks the providers evaluate: every entry has an evaluator
// (same platform and id) reading the same evidence type, and every evaluator has an entry.
// `directory` is where the entries belong ("frameworks/checks"), for messages.
void check_evaluators(const CheckCatalogue& catalogue, std::span<const Evaluator> evaluators,
                      const std::string& directory);

} // namespace velocity::compliance
