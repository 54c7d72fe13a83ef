#include "command_docs.hpp"
#include "help_format.hpp"
#include "meta_commands.hpp"
#include "nearest.hpp"

#include <velocity/cli/context.hpp>
#include <velocity/core/error.hpp>

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace velocity::cli {

namespace {

int report(const Error& error) {
  std::fprintf(stderr, "velocity: error: %s\n", error.what());
  if (!error.help().empty()) {
    std::fprintf(stderr, "help: %s\n", error.help().c_str());
  }
  return static_cast<int>(error.code());
}

void add_global_options(CLI::App& app, GlobalOptions& options) {
  app
    .add_option("--state", options.state_path,
                "state file (env VELOCITY_STATE, default $XDG_DATA_HOME/velocity/velocity.db)")
    ->option_text("PATH")
    ->group(k_global_group);
  app.add_option("--org", options.org, "organisation to work on")
    ->envname("VELOCITY_ORG")
    ->capture_default_str()
    ->option_text("NAME")
    ->group(k_global_group);
  app
    .add_option("--format", options.format,
                "output format: table, json, and per command md, html, csv, jsonl ...")
    ->capture_default_str()
    ->option_text("FORMAT")
    ->group(k_global_group);
  app.add_flag("-q,--quiet", options.quiet, "print only data and errors")->group(k_global_group);
  app
    .add_flag("-v,--verbose", options.verbose, "say more on stderr (which key was used, each step)")
    ->group(k_global_group);
  app.add_flag("--no-color", options.no_color, "no colour (also when NO_COLOR is set)")
    ->group(k_global_group);
}

// The first word that is not an option (nor an option's value), where the command should be.
std::optional<std::string_view> command_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--state" || arg == "--org" || arg == "--format") {
      ++i;
    } else if (arg.empty() || arg.front() != '-') {
      return arg;
    }
  }
  return std::nullopt;
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
  std::string message = error.what();
  if (message == "A subcommand is required") {
    message = "a command is required";
  }
  return fmt::format("velocity: error: {}\nhelp: run `{} --help`\n", message, path);
}

// The command that ran, e.g. "org delete", for audit events of failed runs.
std::string command_path(const CLI::App& app) {
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
  app.set_version_flag("-V,--version", "velocity " VELOCITY_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  add_global_options(app, ctx.options);
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
    ctx.audit_failure(e, command_path(app));
    return report(e);
  } catch (const std::bad_alloc&) {
    std::fputs("velocity: error: out of memory\n", stderr);
    return static_cast<int>(ExitCode::state);
  } catch (const std::exception& e) {
    ctx.audit_failure(e, command_path(app));
    std::fprintf(stderr,
                 "velocity: internal error: %s\nhelp: this is a bug in velocity; please "
                 "report it with the command you ran\n",
                 e.what());
    return 70;
  }
  return 0;
}

} // namespace velocity::cli
