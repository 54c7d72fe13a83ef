#pragma once

#include <velocity/cli/output.hpp>
#include <velocity/store/state.hpp>

#include <CLI/CLI.hpp>

#include <filesystem>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace velocity::cli {

// The options every command takes (velocity --help lists them).
struct GlobalOptions {
  std::optional<std::string> state_path;
  std::string org = std::string(store::State::k_default_org);
  std::string format = "table";
  bool quiet = false;
  bool verbose = false;
  bool no_color = false;
};

// What travels through a command run: options, output, and the state, opened on first use.
class Context {
public:
  Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  GlobalOptions options;

  // Output as the parsed options ask; made on first use, after parsing.
  const Output& out() const;
  std::filesystem::path state_path() const;
  // The state, opened (and its master key checked) on first use.
  store::State& state();
  // The organisation named by --org, with its data key.
  store::Org org();
  // The --format value, checked against what the command can print. Throws UsageError.
  std::string format(std::initializer_list<std::string_view> allowed) const;
  // True when velocity may ask questions: stdin and stderr are terminals.
  bool interactive() const;
  // Asks for a secret on the terminal without echo; nothing when there is no terminal.
  std::optional<std::string> prompt_secret(const std::string& question) const;

private:
  mutable std::unique_ptr<Output> m_output;
  std::unique_ptr<store::State> m_state;
};

// One subcommand: its name, one line of help, and the function that adds it to the app.
struct Command {
  const char* name;
  const char* summary;
  std::function<void(CLI::App& command, Context& ctx)> setup;
};

// Parses the command line, runs the chosen command and maps every error to its exit code.
int run(int argc, char** argv, const std::vector<Command>& commands);

} // namespace velocity::cli
