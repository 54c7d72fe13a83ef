#pragma once

// Internal to the cli module: the man pages, written from the command tree: velocity(1) and one
// page per command, its subcommands documented inside it.

#include "command_docs.hpp"

#include <map>
#include <string>
#include <vector>

namespace velocity::cli {

// File name ("velocity-assess.1") to roff source, for `root` (describe() of the root app).
std::map<std::string, std::string> man_pages(const CommandDoc& root,
                                             const std::vector<OptionDoc>& globals);

// `text` as roff text: backslashes, non-ASCII characters and option dashes escaped, and a line
// that would start with . or ' guarded.
std::string roff_escape(std::string_view text);

} // namespace velocity::cli
