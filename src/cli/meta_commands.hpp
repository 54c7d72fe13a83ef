#pragma once

// Internal to the cli module: the commands about velocity itself rather than compliance. run()
// adds them after the command table: `help`, and the hidden `__complete` and `__generate` that the
// shell completions and the committed man pages and completion scripts come from.

#include <velocity/cli/context.hpp>

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace velocity::cli {

// The names of `command`'s visible subcommands, for suggestions.
std::vector<std::string> visible_subcommand_names(const CLI::App& command);

// Prints the help of `command` as `velocity ... --help` does.
void print_help(const CLI::App& command);

void setup_help(CLI::App& command, const CLI::App& root);
void setup_complete(CLI::App& command, Context& ctx);
void setup_generate(CLI::App& command, Context& ctx, const CLI::App& root);

} // namespace velocity::cli
