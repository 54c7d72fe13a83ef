#include <velocity/cli/commands.hpp>
#include <velocity/core/env.hpp>

#include <fmt/format.h>

namespace velocity::cli {

void setup_init(CLI::App& command, Context& ctx) {
  auto passphrase = std::make_shared<bool>(false);
  command.add_flag("--passphrase", *passphrase,
                   "protect the state with a passphrase (VELOCITY_PASSPHRASE, or asked on the "
                   "terminal) instead of a key file");
  command.footer("The master key comes from, in this order: VELOCITY_MASTER_KEY (base64 of 32 "
                 "bytes), VELOCITY_PASSPHRASE or --passphrase, else the key file VELOCITY_KEY_FILE "
                 "or $XDG_CONFIG_HOME/velocity/master.key (created, mode 0600, when missing).");
  ctx.examples.add(command,
                   {{"velocity init", "create the state and a key file"},
                    {"velocity init --passphrase", "protect the state with a passphrase instead"}});
  command.callback([&ctx, passphrase] {
    const std::string format = ctx.format({"table", "json"});
    const auto path = ctx.state_path();
    const auto prompt = [&ctx](const std::string& q) { return ctx.prompt_secret(q); };
    const store::InitResult result = store::State::initialize(
      path, *passphrase ? store::NewKeySource::passphrase : store::NewKeySource::automatic, prompt);
    // The state's first audit event. Skipped when the passphrase was typed: opening the state to
    // record it would ask for the passphrase once more; the log then starts with the next command.
    const bool typed =
      *passphrase && !env::get("VELOCITY_PASSPHRASE") && !env::get("VELOCITY_MASTER_KEY");
    if (result.created) {
      // A state that was at this path before is gone: its witness records are kept, marked
      // replaced, and this state gets its own (docs/audit-format.md, "The witness").
      const auto witness = typed ? audit::witness_location(path, std::nullopt) : ctx.witness_file();
      if (audit::retire_witnessed_state(witness, path) > 0) {
        ctx.out().warn(fmt::format("the audit witness {} knew another state at {}: its records "
                                   "are kept there, marked replaced",
                                   witness.string(), path.string()));
      }
    }
    if (result.created && !typed) {
      ctx.audit({audit::Category::system_security,
                 "state.init",
                 "state",
                 path.string(),
                 audit::Outcome::success,
                 {{"key_source", result.key_source}}});
    }
    if (format == "json") {
      ctx.out().json({{"state", path.string()},
                      {"created", result.created},
                      {"key_source", result.key_source},
                      {"key_file_written", result.key_file_written}});
      return;
    }
    if (!result.created) {
      ctx.out().info(fmt::format("state {} already exists; nothing changed", path.string()));
      return;
    }
    ctx.out().info(fmt::format("created state {}", path.string()));
    ctx.out().info(fmt::format("master key: {}", result.key_source));
    if (result.key_file_written) {
      ctx.out().info(
        "keep a copy of the key file somewhere safe: without it the state cannot be read");
    }
  });
}

} // namespace velocity::cli
