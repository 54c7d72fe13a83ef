#include <velocity/cli/context.hpp>
#include <velocity/core/error.hpp>

#include <fmt/format.h>

#include <cstdio>

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
  app.add_option("--state", options.state_path,
                 "state file (env VELOCITY_STATE, default $XDG_DATA_HOME/velocity/velocity.db)")
    ->option_text("PATH");
  app.add_option("--org", options.org, "organisation to work on")
    ->envname("VELOCITY_ORG")
    ->capture_default_str()
    ->option_text("NAME");
  app.add_option("--format", options.format, "output format: table, json, and per command md, html, csv, jsonl ...")
    ->capture_default_str()
    ->option_text("FORMAT");
  app.add_flag("-q,--quiet", options.quiet, "print only data and errors");
  app.add_flag("-v,--verbose", options.verbose, "say more on stderr (which key was used, each step)");
  app.add_flag("--no-color", options.no_color, "no colour (also when NO_COLOR is set)");
}

} // namespace

int run(int argc, char** argv, const std::vector<Command>& commands) {
  Context ctx;
  CLI::App app{"velocity — compliance assessments, cloud evidence, tamper-evident audit trail "
               "and signed reports, from the command line"};
  app.name("velocity");
  app.set_version_flag("-V,--version", "velocity " VELOCITY_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  add_global_options(app, ctx.options);
  app.footer("Exit codes: 0 success, 1 a check failed, 2 usage error, 3 state or key error, "
             "4 permission denied, 5 integrity violation, 6 remote API error.\n"
             "Run `velocity COMMAND --help` for a command's options.");
  for (const Command& command : commands) {
    CLI::App* sub = app.add_subcommand(command.name, command.summary);
    sub->fallthrough();
    command.setup(*sub, ctx);
  }

  try {
    app.parse(argc, argv);
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
    return report(e);
  } catch (const std::bad_alloc&) {
    std::fputs("velocity: error: out of memory\n", stderr);
    return static_cast<int>(ExitCode::state);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "velocity: internal error: %s\nhelp: this is a bug in velocity; please "
                         "report it with the command you ran\n",
                 e.what());
    return 70;
  }
  return 0;
}

} // namespace velocity::cli
