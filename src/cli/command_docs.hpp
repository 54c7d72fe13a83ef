#pragma once

// Internal to the cli module: the command tree as the CLI11 apps define it, in the form --help,
// the man pages and the completion scripts are written from, so that none of them can drift from
// what velocity parses.

#include "value_kinds.hpp"

#include <velocity/cli/examples.hpp>

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace velocity::cli {

struct OptionDoc {
  std::vector<std::string> names; // "-f", "--framework"; a positional's name, "ID"
  std::string value;              // what the value looks like, "ID[,ID]"; empty for a flag
  std::string help;
  std::string default_value;
  std::string env;
  bool positional = false;
  bool required = false;
  bool repeats = false; // takes more than one value
  ValueKind kind = ValueKind::none;
};

struct CommandDoc {
  std::vector<std::string> path; // {"assess", "list"}; empty for velocity itself
  std::string summary;
  std::string note; // what the command's own footer says
  std::vector<OptionDoc> options;
  std::vector<OptionDoc> positionals;
  std::vector<Example> examples;
  std::vector<CommandDoc> subcommands;
  bool needs_subcommand = false; // it does nothing without one

  // "velocity assess list"
  std::string invocation() const;
};

// The group velocity's global options are listed under, in every command's help.
inline constexpr const char* k_global_group = "Global options";

// `command` and its visible subcommands, with the examples given for each. Hidden options and
// commands (group "") are left out, and so are --help and --version.
CommandDoc describe(const CLI::App& command, const Examples& examples);

// The global options: those of the root app in k_global_group.
std::vector<OptionDoc> global_options(const CLI::App& any_command);

// The footer `command` was given itself; subcommands inherit their parent's, which is not theirs.
std::string own_note(const CLI::App& command);

// The root of the app tree `command` belongs to.
const CLI::App& root_of(const CLI::App& command);

// The command line of an example split into words; quotes group words, as a shell does.
std::vector<std::string> example_words(const std::string& command);

// What is wrong with `example` as a command line of `root` (an unknown command or option), or
// empty when every word is known.
std::string check_example(const CLI::App& root, const Example& example);

} // namespace velocity::cli
