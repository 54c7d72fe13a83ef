#pragma once

// Internal to the cli module: the bash, zsh and fish completion scripts, written from the command
// tree. They offer commands, subcommands, options and option values: fixed lists (framework ids,
// formats ...) are written into the script; names that live in the state (organisations,
// integrations, assessments) come from `velocity __complete KIND PREFIX` when Tab is pressed.

#include "command_docs.hpp"

#include <map>
#include <string>
#include <vector>

namespace velocity::cli {

// File name ("velocity.bash", "_velocity", "velocity.fish") to script.
std::map<std::string, std::string> completion_scripts(const CommandDoc& root,
                                                      const std::vector<OptionDoc>& globals);

} // namespace velocity::cli
