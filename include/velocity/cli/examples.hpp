#pragma once

#include <CLI/CLI.hpp>

#include <map>
#include <string>
#include <vector>

namespace velocity::cli {

// One command line a user can copy, and what it does.
struct Example {
  std::string command;
  std::string purpose;
};

// The examples of each command and subcommand, given where the command is set up. --help, the man
// pages and the check that every example names real options all read them from here.
class Examples {
public:
  void add(const CLI::App& command, std::vector<Example> examples);
  // The examples of `command`; none when it has none.
  const std::vector<Example>& of(const CLI::App& command) const;

private:
  std::map<const CLI::App*, std::vector<Example>> m_examples;
};

} // namespace velocity::cli
