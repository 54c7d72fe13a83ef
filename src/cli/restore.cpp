#include <velocity/cli/commands.hpp>
#include <velocity/core/error.hpp>
#include <velocity/store/audit_store.hpp>
#include <velocity/store/backup.hpp>

#include <fmt/format.h>

namespace velocity::cli {

namespace {

struct RestoreOptions {
  std::string file;
  bool yes = false;
  bool accept_rollback = false;
};

nlohmann::json rollbacks_json(const std::vector<audit::RestoreRollback>& rollbacks) {
  nlohmann::json rows = nlohmann::json::array();
  for (const audit::RestoreRollback& rollback : rollbacks) {
    rows.push_back({{"log", rollback.log},
                    {"witnessed_size", rollback.seen.head.size},
                    {"witnessed_root", crypto::to_hex(rollback.seen.head.root)},
                    {"witnessed_time", rollback.seen.head.time},
                    {"restored_size", rollback.restored_size}});
  }
  return rows;
}

} // namespace

void setup_restore(CLI::App& command, Context& ctx) {
  auto options = std::make_shared<RestoreOptions>();
  command.add_option("FILE", options->file, "a backup written by `velocity backup`")
    ->required()
    ->type_name("");
  command.add_flag("-y,--yes", options->yes, "do not ask before replacing the state");
  command.add_flag("--accept-rollback", options->accept_rollback,
                   "restore even when the audit witness saw logs further than the backup holds "
                   "them; the rollback is recorded in each log and the witness");
  command.footer(
    "The backup is checked before anything changes: a velocity state, intact, not from a newer "
    "velocity, opening with the master key (the usual sources; a backup made before a `key "
    "rotate` needs the key of that time). An existing state is replaced in one transaction, so "
    "that a command running meanwhile sees it before or after. A backup older than what the "
    "audit witness saw is a rollback of the audit log, which `audit verify` would report: it is "
    "refused unless --accept-rollback, and then recorded in every log (`state.restore`, with "
    "the heads given up) and in the witness.");
  ctx.examples.add(command, {{"velocity restore /mnt/backup/velocity-2026-12-01.db",
                              "replace the state with a backup (asks first on a terminal)"},
                             {"velocity restore velocity-2026-12-01.db --yes --accept-rollback",
                              "from a script, accepting that events since the backup are lost"}});
  command.callback([&ctx, options] {
    const std::string format = ctx.format({"table", "json"});
    const std::filesystem::path backup = std::filesystem::absolute(options->file);
    const std::filesystem::path state_path = ctx.state_path();
    const auto prompt = [&ctx](const std::string& question) { return ctx.prompt_secret(question); };
    store::StagedRestore staged(backup, state_path, prompt);
    const std::filesystem::path witness = audit::witness_location(state_path, staged.master_key());
    const auto rollbacks = audit::restore_rollbacks(witness, staged);
    if (!rollbacks.empty() && !options->accept_rollback) {
      std::string lost;
      for (const audit::RestoreRollback& rollback : rollbacks) {
        lost += "\n  " + rollback.message;
      }
      throw UsageError(
        fmt::format("restoring {} would roll back audit logs the witness {} saw further; nothing "
                    "was changed:{}",
                    backup.string(), witness.string(), lost),
        fmt::format("`audit verify` would report this as a rollback; to restore anyway, and record "
                    "the rollback in each log and the witness, run `velocity restore {} "
                    "--accept-rollback`",
                    options->file));
    }
    const bool replaces = staged.replaces_state();
    if (replaces) {
      ctx.confirm_destruction(
        fmt::format("restoring {} replaces state {}: what was written to it since the backup is "
                    "lost",
                    backup.string(), state_path.string()),
        state_path.filename().string(), options->yes,
        fmt::format("velocity restore {} --yes{}", options->file,
                    options->accept_rollback ? " --accept-rollback" : ""));
    }
    const auto state_id = store::AuditStore(staged.copy()).state_id();
    const int schema_version = staged.schema_version();
    staged.install();
    const std::vector<audit::RestoreRollback> accepted =
      options->accept_rollback ? rollbacks : std::vector<audit::RestoreRollback>{};
    if (audit::record_restore(witness, state_id, state_path, accepted) > 0) {
      ctx.out().warn(fmt::format("the audit witness {} knew another state at {}: its records are "
                                 "kept there, marked replaced",
                                 witness.string(), state_path.string()));
    }
    // The restored state, opened as every command opens it: pending migrations are applied.
    store::State& state = ctx.state();
    const nlohmann::json rolled_back = rollbacks_json(accepted);
    for (const store::OrgInfo& org : state.list_orgs()) {
      ctx.audit(org.name, {audit::Category::system_security,
                           "state.restore",
                           "state",
                           state_path.string(),
                           audit::Outcome::success,
                           {{"file", backup.string()},
                            {"schema_version", schema_version},
                            {"replaced_state", replaces},
                            {"rolled_back", rolled_back}}});
    }
    if (format == "json") {
      ctx.out().json({{"state", state_path.string()},
                      {"file", backup.string()},
                      {"schema_version", schema_version},
                      {"replaced_state", replaces},
                      {"rolled_back", rolled_back}});
      return;
    }
    ctx.out().info(fmt::format("restored state {} from {} (schema version {})", state_path.string(),
                               backup.string(), schema_version));
    for (const audit::RestoreRollback& rollback : accepted) {
      ctx.out().warn(fmt::format("the audit log of '{}' was rolled back from {} to {} events: "
                                 "recorded in its log and in the witness",
                                 rollback.log, rollback.seen.head.size, rollback.restored_size));
    }
  });
}

} // namespace velocity::cli
