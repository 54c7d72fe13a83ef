#pragma once

// Internal to the cli module: what an option's value names (a framework id, an organisation, a
// file ...), so that shell completion can offer the candidates.

#include <CLI/CLI.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace velocity::cli {

enum class ValueKind {
  none,      // a flag: no value
  text,      // free text: nothing to offer
  file,      // a path
  directory, // a directory
  framework,
  format,
  evidence_type,
  check,
  service,
  platform,
  scenario,
  size,
  severity,
  status,
  category,
  outcome,
  organisation,
  integration,
  assessment,
  command, // a command of velocity, as `velocity help` takes: the scripts list the subcommands
};

// What the value of `option` (of `command`) names. Global options are those of the root app.
ValueKind value_kind(const CLI::App& command, const CLI::Option& option);

// The name `velocity __complete` takes for `kind` ("frameworks"); empty for none, text, file and
// directory, which have no list.
std::string_view kind_name(ValueKind kind);
std::optional<ValueKind> parse_kind(std::string_view name);
// Every kind that has a name, in declaration order.
std::vector<ValueKind> listed_kinds();

// True for the kinds whose values live in the state (organisations, integrations, assessments).
bool from_state(ValueKind kind);

// The fixed candidates of a kind that does not live in the state, sorted.
std::vector<std::string> static_values(ValueKind kind);

// The candidates of a kind that lives in the state: read from `state` without the master key and
// without writing anything; none when there is no state. Integrations and assessments are those of
// organisation `org`.
std::vector<std::string> state_values(ValueKind kind, const std::filesystem::path& state,
                                      const std::string& org);

// The rules of the table that no option of `root` matches, e.g. after an option was renamed; the
// generated files are refused while there are any.
std::vector<std::string> unmatched_kind_rules(const CLI::App& root);

} // namespace velocity::cli
