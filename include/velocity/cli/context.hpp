#pragma once

#include <velocity/audit/recorder.hpp>
#include <velocity/audit/witness.hpp>
#include <velocity/cli/examples.hpp>
#include <velocity/cli/output.hpp>
#include <velocity/cli/settings.hpp>
#include <velocity/store/state.hpp>

#include <CLI/CLI.hpp>

#include <filesystem>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace velocity::cli {

// The options every command takes (velocity --help lists them). `org` and `format` hold the
// effective values once parsing is done: the option's, else the environment's or the config
// file's, else the built-in one.
struct GlobalOptions {
  std::optional<std::string> state_path;
  std::optional<std::string> config_path;
  std::string org = std::string(store::State::k_default_org);
  std::string format = "table";
  bool quiet = false;
  bool verbose = false;
  bool no_color = false;
};

// What travels through a command run: options, output, the state (opened on first use) and the
// audit sink: this run's actor and correlation id, and one recorder per organisation logged to.
class Context {
public:
  Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  GlobalOptions options;
  // Each command's examples, for its --help and man page.
  Examples examples;

  // Output as the parsed options ask; made on first use, after parsing.
  const Output& out() const;
  std::filesystem::path state_path() const;
  // The state, opened (and its master key checked) on first use.
  store::State& state();
  // The organisation named by --org, with its data key.
  store::Org org();
  // The --format value, checked against what the command can print. Throws UsageError for an
  // option; a format from the environment or the config file that the command does not print
  // gives way to the command's own default, the first of `allowed`.
  std::string format(std::initializer_list<std::string_view> allowed) const;

  // The config file and the environment's settings, read on first use (settings.hpp).
  const Settings& settings();
  // For a command option the command line did not give: its value from the environment or the
  // config file under `key`, else nothing (the option keeps its built-in default).
  std::optional<SettingValue> setting_for(const CLI::Option* option, std::string_view key);
  // Once the options are parsed, before the command runs: --org and --format from the settings
  // where the command line did not give them, and a note for each old option spelling used.
  void finish_parsing(bool org_given, bool format_given);
  // The effective --org and --format, with where each came from.
  const SettingValue& org_setting() const noexcept { return m_org; }
  const SettingValue& format_setting() const noexcept { return m_format; }
  // Records that the old spelling `old_name` of option `new_name` was used; finish_parsing()
  // prints a note on stderr so that scripts still work but get updated.
  void note_old_spelling(std::string old_name, std::string new_name);
  // True when velocity may ask questions: stdin and stderr are terminals.
  bool interactive() const;
  // Asks for a secret on the terminal without echo; nothing when there is no terminal.
  std::optional<std::string> prompt_secret(const std::string& question) const;
  // The confirmation of a command that destroys `name`: passes with `yes`; on a terminal the user
  // types the name; without one the command is refused, exit 2, naming `rerun` (the command with
  // --yes). `what` says what is destroyed: "deleting organisation 'acme' destroys its data key".
  void confirm_destruction(const std::string& what, const std::string& name, bool yes,
                           const std::string& rerun) const;

  // Appends `event` to the audit log of the --org organisation (of `org_name` when given; of the
  // default organisation when that one no longer exists), as this run's actor and correlation id.
  void audit(const audit::EventInput& event);
  void audit(const std::string& org_name, const audit::EventInput& event);
  // The recorder of an organisation's log: opened once per run (keys unsealed once), the log and
  // its key created on first use.
  audit::Recorder& audit_log(const std::string& org_name);
  // What this run is about to do, so that a failure is logged as that action.
  void audit_intent(audit::EventInput intent);
  // Logs the failure of this run (the intent, else the command) when a state is open. A StateError
  // is not logged: the state may be what is broken. Never throws; not logging is a warning.
  void audit_failure(const std::exception& error, const std::string& command) noexcept;
  // Signs a tree head over every log this run appended to (run() calls it after each command) and
  // records the heads, and the organisations deleted in this run, in the audit witness; what the
  // witness refuses to record is a warning.
  void audit_checkpoint();
  // Notes that this run deleted organisation `name` on purpose, for the audit witness.
  void audit_deleted(const std::string& name);
  // The audit witness file of the state (audit/witness.hpp).
  std::filesystem::path witness_file();
  bool state_open() const noexcept { return m_state != nullptr; }
  const audit::Identity& identity() const noexcept { return m_identity; }

private:
  mutable std::unique_ptr<Output> m_output;
  std::optional<Settings> m_settings;
  SettingValue m_org;
  SettingValue m_format;
  std::vector<std::pair<std::string, std::string>> m_old_spellings;
  std::unique_ptr<store::State> m_state;
  audit::Identity m_identity;
  std::optional<audit::EventInput> m_intent;
  std::vector<std::string> m_deleted;
  // Declared after m_state so that they are destroyed first: each holds a reference to it.
  std::map<std::string, std::unique_ptr<audit::Recorder>> m_recorders;
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
