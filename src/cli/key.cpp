#include <velocity/cli/commands.hpp>
#include <velocity/crypto/keys.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace velocity::cli {

namespace {

struct KeyOptions {
  bool reencrypt = false;
  std::optional<std::string> key_file;
};

} // namespace

void setup_key(CLI::App& command, Context& ctx) {
  auto options = std::make_shared<KeyOptions>();
  command.require_subcommand(1);
  CLI::App* rotate = command.add_subcommand(
    "rotate", "replace the master key: rewrap every organisation's data key under a new one");
  rotate->add_flag("--reencrypt", options->reencrypt,
                   "also replace every data key and re-encrypt every value (one transaction)");
  rotate
    ->add_option("--key-file", options->key_file,
                 "where to write the new master key (default VELOCITY_KEY_FILE or "
                 "$XDG_CONFIG_HOME/velocity/master.key)")
    ->option_text("FILE");
  ctx.examples.add(*rotate,
                   {{"velocity key rotate", "a new master key; the data keys are rewrapped"},
                    {"velocity key rotate --reencrypt", "also new data keys, every value "
                                                        "re-encrypted"}});
  ctx.examples.add(command, {{"velocity key rotate", "replace the master key"}});
  rotate->callback([&ctx, options] {
    const std::string format = ctx.format({"table", "json"});
    store::State& state = ctx.state();
    const audit::EventInput event{
      audit::Category::system_security,   "key.rotate", "master_key", "", audit::Outcome::success,
      {{"reencrypt", options->reencrypt}}};
    ctx.audit_intent(event);
    const crypto::KeyOrigin old_origin = state.master_key().origin;
    const std::filesystem::path target =
      options->key_file ? std::filesystem::path(*options->key_file) : crypto::configured_key_file();
    // The events commit with the rotation: a new master key concerns every organisation, so each
    // log records it (but one that cannot be read, which the rotation left as it was).
    const store::RotateResult result = state.rotate_master_key(
      target, options->reencrypt ? store::Reencrypt::yes : store::Reencrypt::no,
      [&ctx, &state, &event](const store::RotateResult& rotated) {
        audit::EventInput done = event;
        done.details["organizations"] = rotated.organizations;
        done.details["values_reencrypted"] = rotated.values_reencrypted;
        for (const store::OrgInfo& org : state.list_orgs()) {
          const bool unreadable = std::any_of(
            rotated.problems.begin(), rotated.problems.end(),
            [&org](const store::RotateProblem& problem) { return problem.org == org.name; });
          if (!unreadable) {
            ctx.audit(org.name, done);
          }
        }
      });
    for (const store::RotateProblem& problem : result.problems) {
      ctx.out().warn(problem.message);
    }
    if (format == "json") {
      nlohmann::json problems = nlohmann::json::array();
      for (const store::RotateProblem& problem : result.problems) {
        problems.push_back({{"organization", problem.org}, {"message", problem.message}});
      }
      ctx.out().json({{"key_file", result.key_file.string()},
                      {"organizations", result.organizations},
                      {"values_reencrypted", result.values_reencrypted},
                      {"problems", problems}});
    } else {
      ctx.out().info(fmt::format("new master key written to {}", result.key_file.string()));
      ctx.out().info(
        fmt::format("rewrapped the data keys of {} organisation(s)", result.organizations));
      if (options->reencrypt) {
        ctx.out().info(
          fmt::format("re-encrypted {} value(s) under new data keys", result.values_reencrypted));
      }
    }
    if (old_origin == crypto::KeyOrigin::environment) {
      ctx.out().warn("VELOCITY_MASTER_KEY still holds the old key: unset it so velocity reads the "
                     "new key file, or set it to the new key");
    }
    if (old_origin == crypto::KeyOrigin::passphrase) {
      ctx.out().warn("the state no longer uses a passphrase: it now opens with the new key file "
                     "(VELOCITY_PASSPHRASE is ignored from now on)");
    }
    if (options->key_file && *options->key_file != crypto::configured_key_file().string()) {
      ctx.out().warn(
        fmt::format("set VELOCITY_KEY_FILE={} so velocity finds the new key", *options->key_file));
    }
  });
}

} // namespace velocity::cli
