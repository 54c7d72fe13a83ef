#pragma once

// Internal to the cli module: the facts every command shares that --help and the man pages print
// (exit statuses, environment, files), kept in one table each.

#include <string_view>
#include <vector>

namespace velocity::cli {

struct ExitStatus {
  int code;
  std::string_view meaning;
};

// Every exit status of velocity, in order (include/velocity/core/error.hpp maps errors to them).
const std::vector<ExitStatus>& exit_statuses();

// One line naming every exit status, for the end of each --help.
std::string_view exit_status_line();

struct EnvironmentVariable {
  std::string_view name;
  std::string_view meaning;
  // The commands it concerns; empty for every command.
  std::vector<std::string_view> commands;
};

// Every environment variable velocity reads.
const std::vector<EnvironmentVariable>& environment();

struct FileEntry {
  std::string_view path;
  std::string_view meaning;
};

// The files velocity reads and writes by default.
const std::vector<FileEntry>& files();

} // namespace velocity::cli
