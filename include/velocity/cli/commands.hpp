#pragma once

#include <velocity/cli/context.hpp>

// One function per command, each in src/cli/<command>.cpp: adds the command's options and
// subcommands to `command` and sets what it runs.
namespace velocity::cli {

void setup_init(CLI::App& command, Context& ctx);
void setup_status(CLI::App& command, Context& ctx);
void setup_org(CLI::App& command, Context& ctx);
void setup_key(CLI::App& command, Context& ctx);
void setup_report(CLI::App& command, Context& ctx);
void setup_audit(CLI::App& command, Context& ctx);
void setup_frameworks(CLI::App& command, Context& ctx);
void setup_checks(CLI::App& command, Context& ctx);
void setup_assess(CLI::App& command, Context& ctx);
void setup_connect(CLI::App& command, Context& ctx);
void setup_collect(CLI::App& command, Context& ctx);
void setup_evidence(CLI::App& command, Context& ctx);
void setup_accept(CLI::App& command, Context& ctx);
void setup_roi(CLI::App& command, Context& ctx);
void setup_pathway(CLI::App& command, Context& ctx);
void setup_demo(CLI::App& command, Context& ctx);
void setup_config(CLI::App& command, Context& ctx);
void setup_backup(CLI::App& command, Context& ctx);
void setup_restore(CLI::App& command, Context& ctx);

} // namespace velocity::cli
