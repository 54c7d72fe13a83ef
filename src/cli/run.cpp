#include "command_docs.hpp"
#include "help_format.hpp"
#include "meta_commands.hpp"
#include "nearest.hpp"
#include "version.hpp"

#include <velocity/cli/context.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/suggest.hpp>

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace velocity::cli {

namespace {

int report(const Error& error) {
  // Messages quote what servers and files said: shown, never obeyed by the terminal.
  std::fprintf(stderr, "velocity: error: %s\n", terminal_safe(error.what()).c_str());
  if (!error.help().empty()) {
    std::fprintf(stderr, "help: %s\n", terminal_safe(error.help()).c_str());
  }
  return static_cast<int>(error.code());
}

// The options the command line gave for --org and --format, which otherwise come from the
// environment or the config file.
struct GlobalOptionFlags {
  CLI::Option* org = nullptr;
  CLI::Option* format = nullptr;
};

GlobalOptionFlags add_global_options(CLI::App& app, GlobalOptions& options) {
  GlobalOptionFlags flags;
  app
    .add_option("--state", options.state_path,
                "state file (env VELOCITY_STATE, default $XDG_DATA_HOME/velocity/velocity.db)")
    ->option_text("PATH")
    ->group(k_global_group);
  app
    .add_option("--config", options.config_path,
                "config file of team defaults (env VELOCITY_CONFIG, default "
                "$XDG_CONFIG_HOME/velocity/config.yaml; `velocity config list`)")
    ->option_text("FILE")
    ->group(k_global_group);
  flags.org = app
                .add_option("--org", options.org,
                            "organisation to work on (env VELOCITY_ORG, config org, default "
                            "'default')")
                ->option_text("NAME")
                ->group(k_global_group);
  flags.format =
    app
      .add_option("--format", options.format,
                  "output format: table (default), json, and per command md, html, csv, jsonl ... "
                  "(env VELOCITY_FORMAT, config format)")
      ->option_text("FORMAT")
      ->group(k_global_group);
  app.add_flag("-q,--quiet", options.quiet, "print only data and errors")->group(k_global_group);
  app
    .add_flag("-v,--verbose", options.verbose, "say more on stderr (which key was used, each step)")
    ->group(k_global_group);
  app.add_flag("--no-color", options.no_color, "no colour (also when NO_COLOR is set)")
    ->group(k_global_group);
  return flags;
}

// The first word that is not an option (nor an option's value), where the command should be.
std::optional<std::string_view> command_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--state" || arg == "--config" || arg == "--org" || arg == "--format") {
      ++i;
    } else if (arg.empty() || arg.front() != '-') {
      return arg;
    }
  }
  return std::nullopt;
}

// True when the command line says --format json (or --format=json). CLI11 answers --version as
// soon as it meets it, before the options after it are read.
bool asks_for_json(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--format=json" ||
        (arg == "--format" && i + 1 < argc && argv[i + 1] == std::string_view("json"))) {
      return true;
    }
  }
  return false;
}

// An unknown command gets a clear error and the closest known name, as ninja's tools do.
void check_command_word(int argc, char** argv, const CLI::App& app) {
  const auto word = command_word(argc, argv);
  if (!word) {
    return;
  }
  for (const CLI::App* command : app.get_subcommands({})) {
    if (*word == command->get_name()) {
      return;
    }
  }
  const auto closest = nearest_name(*word, visible_subcommand_names(app));
  throw UsageError(fmt::format("unknown command '{}'", *word),
                   closest ? fmt::format("did you mean `velocity {}`?", *closest)
                           : "`velocity --help` lists the commands");
}

// The command that was selected: the deepest subcommand parsed.
const CLI::App* selected_command(const CLI::App* app) {
  for (;;) {
    const auto selected = app->get_subcommands();
    if (selected.empty()) {
      return app;
    }
    app = selected.front();
  }
}

// An option the command line gave that no command knows: the error names it, and the help the
// closest option of the selected command or of the commands above it (whose options it takes).
std::optional<std::string> unknown_option_message(const CLI::App* app, const std::string& path) {
  std::string unknown;
  for (const std::string& arg : app->remaining(true)) {
    if (!arg.empty() && arg.front() == '-' && arg.find_first_not_of('-') != std::string::npos) {
      unknown = arg.substr(0, arg.find('='));
      break;
    }
  }
  if (unknown.empty()) {
    return std::nullopt;
  }
  std::vector<std::string> names;
  for (const CLI::App* command = selected_command(app); command != nullptr;
       command = command->get_parent()) {
    for (const CLI::Option* option : command->get_options()) {
      if (option->get_group().empty()) {
        continue; // hidden: an old spelling, or a secret that is refused
      }
      for (const std::string& name : option->get_lnames()) {
        names.push_back("--" + name);
      }
      for (const std::string& name : option->get_snames()) {
        names.push_back("-" + name);
      }
    }
  }
  // Fewer edits than the name has letters: any short option is one edit from -x.
  const size_t letters = unknown.size() - unknown.find_first_not_of('-');
  const auto closest = nearest_name(unknown, names);
  const std::string help = closest && suggest::edit_distance(unknown, *closest) < letters
                             ? fmt::format("did you mean '{}'?", *closest)
                             : fmt::format("run `{} --help`", path);
  return fmt::format("velocity: error: unknown option '{}'\nhelp: {}\n", unknown, help);
}

// CLI11's parse errors, in velocity's words, pointing at the help of the command that was used.
std::string failure_message(const CLI::App* app, const CLI::Error& error) {
  std::string path = app->get_name();
  for (const CLI::App* sub = app; sub != nullptr;) {
    const auto selected = sub->get_subcommands();
    sub = selected.empty() ? nullptr : selected.front();
    if (sub != nullptr) {
      path += " " + sub->get_name();
    }
  }
  if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr) {
    if (auto message = unknown_option_message(app, path)) {
      return *message;
    }
  }
  std::string message = error.what();
  if (message == "A subcommand is required") {
    message = "a command is required";
  }
  // "Could not convert: --days = abc": only numbers fail to convert.
  constexpr std::string_view unconvertible = "Could not convert: ";
  if (const size_t equals = message.find(" = ");
      message.starts_with(unconvertible) && equals != std::string::npos) {
    message = fmt::format("{}: '{}' is not a number",
                          message.substr(unconvertible.size(), equals - unconvertible.size()),
                          message.substr(equals + 3));
  }
  return fmt::format("velocity: error: {}\nhelp: run `{} --help`\n", message, path);
}

// The command that ran, e.g. "org delete", for audit events of failed runs.
std::string command_that_ran(const CLI::App& app) {
  std::string path;
  for (const CLI::App* sub = &app;;) {
    const auto selected = sub->get_subcommands();
    if (selected.empty()) {
      return path;
    }
    sub = selected.front();
    path += path.empty() ? "" : " ";
    path += sub->get_name();
  }
}

} // namespace

int run(int argc, char** argv, const std::vector<Command>& commands) {
  Context ctx;
  CLI::App app{"compliance assessments, cloud evidence, tamper-evident audit trail and signed "
               "reports, from the command line"};
  app.name("velocity");
  const bool json = asks_for_json(argc, argv);
  app.set_version_flag(
    "-V,--version", [json] { return json ? version_json().dump(2) : version_text(); },
    "print the version, the commit it was built from and the versions of OpenSSL, libcurl and "
    "SQLite it runs with (as JSON with --format json)");
  app.require_subcommand(1);
  app.fallthrough();
  const GlobalOptionFlags given = add_global_options(app, ctx.options);
  // Runs once every option is parsed and before the command's own callback.
  app.parse_complete_callback(
    [&ctx, given] { ctx.finish_parsing(given.org->count() > 0, given.format->count() > 0); });
  // Set before the commands are added: each inherits it.
  app.formatter(std::make_shared<HelpFormatter>(ctx.examples));
  for (const Command& command : commands) {
    CLI::App* sub = app.add_subcommand(command.name, command.summary);
    sub->fallthrough();
    command.setup(*sub, ctx);
  }
  CLI::App* help = app.add_subcommand("help", "print the help of velocity or of a command");
  setup_help(*help, app);
  // For the shell completions and the generated man pages and completion scripts; not listed.
  CLI::App* complete = app.add_subcommand("__complete", "the values of KIND, one a line");
  complete->group("");
  setup_complete(*complete, ctx);
  CLI::App* generate = app.add_subcommand("__generate", "write the man pages or completions");
  generate->group("");
  setup_generate(*generate, ctx, app);
  ctx.examples.add(app, {{"velocity init", "create the state and its master key"},
                         {"velocity demo --scenario startup-soc2",
                          "fill a demo organisation with 30 days of history"},
                         {"velocity help assess", "the help of a command"}});
  ctx.examples.add(*help, {{"velocity help assess list", "the help of a subcommand"}});
  // Set after the commands are added, so that they do not inherit it.
  app.footer("Run `velocity help COMMAND` or `velocity COMMAND --help` for a command's options and "
             "examples, `man velocity` for the manual.");

  app.failure_message(failure_message);

  if (argc <= 1) {
    print_help(app);
    return 0;
  }
  try {
    check_command_word(argc, argv, app);
    app.parse(argc, argv);
    // Every run that appended audit events ends with a signed tree head over them.
    ctx.audit_checkpoint();
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return static_cast<int>(ExitCode::usage);
  } catch (const Error& e) {
    ctx.audit_failure(e, command_that_ran(app));
    return report(e);
  } catch (const std::bad_alloc&) {
    std::fputs("velocity: error: out of memory\n", stderr);
    return static_cast<int>(ExitCode::state);
  } catch (const std::exception& e) {
    ctx.audit_failure(e, command_that_ran(app));
    std::fprintf(stderr,
                 "velocity: internal error: %s\nhelp: this is a bug in velocity; please "
                 "report it with the command you ran\n",
                 terminal_safe(e.what()).c_str());
    return 70;
  }
  return 0;
}

} // namespace velocity::cli
