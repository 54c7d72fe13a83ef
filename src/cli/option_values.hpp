#pragma once

// Internal to the cli module: reading option values, and old option spellings. The number checks
// replace CLI11's NonNegativeNumber and PositiveNumber, which name the largest double as their
// bound, a 300-digit error message.

#include <velocity/cli/context.hpp>
#include <velocity/store/verdict.hpp>

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace velocity::cli {

// Accepts a number >= 0: "--audit-cost: must be 0 or more, not -1".
CLI::Validator non_negative();

// Accepts a number > 0: "--hourly-rate: must be more than 0, not 0".
CLI::Validator positive();

// Accepts a number from `min` to `max`: "--jobs: must be from 1 to 256, not 0", where CLI11's
// Range says "Value 0.05 not in range 0.100000 to 3600.000000".
CLI::Validator within(double min, double max);

// The value of `option` when it is one of `known` (any order, duplicates allowed), so that a typo
// is not an empty list: "--service s4: no check has this service (did you mean s3?)", exit 2;
// `what` is the noun ("service", "id").
std::string require_one_of(std::string_view option, std::string_view what, const std::string& value,
                           std::vector<std::string> known);

// The severity `text` given to `option` (any case): "--fail-on urgent is not a severity" (exit 2)
// when it is none.
store::Severity severity_value(std::string_view option, const std::string& text);

// The items of repeated comma-separated values: {"a,b", "c"} is {"a", "b", "c"}; empty items
// are dropped.
std::vector<std::string> split_comma_lists(const std::vector<std::string>& values);

// Adds --sarif-anchor FILE (`report` and `evidence list`): the repository file the results of
// --format sarif-github are anchored to.
void add_sarif_anchor_option(CLI::App& command, std::string& anchor);

// Adds `old_name`, an earlier spelling of option `new_name`, storing into the same `target`:
// hidden from --help, and noted on stderr when used (Context::note_old_spelling), so that cron
// lines written with the old spelling keep working while they are updated.
template <typename T>
CLI::Option* add_old_spelling(CLI::App& command, Context& ctx, const std::string& old_name,
                              const std::string& new_name, T& target) {
  return command.add_option(old_name, target)
    ->group("")
    ->each([&ctx, old_name, new_name](const std::string&) {
      ctx.note_old_spelling(old_name, new_name);
    });
}

} // namespace velocity::cli
