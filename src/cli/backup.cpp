#include <velocity/cli/commands.hpp>
#include <velocity/core/error.hpp>
#include <velocity/store/backup.hpp>

#include <fmt/format.h>

#include <optional>

namespace velocity::cli {

void setup_backup(CLI::App& command, Context& ctx) {
  auto file = std::make_shared<std::string>();
  command.add_option("FILE", *file, "where to write the backup (mode 0600)")
    ->required()
    ->type_name("");
  command.footer(
    "The copy is taken with SQLite's online backup API: commands that run meanwhile (a collect "
    "from cron) go on and are either in the copy or not, never half. It is checked (SQLite's "
    "integrity check, and every organisation's data key opens under the master key), synced and "
    "only then renamed to FILE. The master key is not in it: keep the key file apart. The "
    "`state.backup` audit event is recorded before the copy is taken, so that the backup holds "
    "it.");
  ctx.examples.add(command,
                   {{"velocity backup /mnt/backup/velocity-$(date +%F).db",
                     "a verified copy of the state, while collect goes on"},
                    {"velocity backup state.db --format json", "the same, saying what it wrote"}});
  command.callback([&ctx, file] {
    const std::string format = ctx.format({"table", "json"});
    const std::filesystem::path target = std::filesystem::absolute(*file);
    const audit::EventInput event{
      audit::Category::data_access, "state.backup",          "state",
      ctx.state_path().string(),    audit::Outcome::success, {{"file", target.string()}}};
    ctx.audit_intent(event);
    store::State& state = ctx.state();
    store::StateBackup backup(state, target);
    // Recorded and signed before the copy is taken: the backup holds its own event, so that
    // restoring the latest backup rolls no audit log back. A copy that then fails is logged as
    // a failure of the same action.
    ctx.audit(event);
    ctx.audit_checkpoint();
    std::optional<store::BackupResult> written;
    try {
      written = backup.write();
    } catch (const StateError& error) {
      // run() leaves state errors out of the log (the state may be what is broken); this one is
      // about the copy (a full disk where it goes), and the event above must not stand alone.
      audit::EventInput failure = event;
      failure.outcome = audit::Outcome::failure;
      failure.details["error"] = error.what();
      try {
        ctx.audit(failure);
      } catch (const Error& unlogged) {
        ctx.out().warn(
          fmt::format("could not record the failure in the audit log: {}", unlogged.what()));
      }
      throw;
    }
    const store::BackupResult& result = *written;
    if (format == "json") {
      ctx.out().json({{"state", state.path().string()},
                      {"file", result.file.string()},
                      {"bytes", result.bytes},
                      {"schema_version", result.schema_version},
                      {"organizations", result.organizations},
                      {"verified", true}});
      return;
    }
    ctx.out().info(fmt::format("backed up state {} to {} ({} bytes, schema version {}, {} "
                               "organisation{})",
                               state.path().string(), result.file.string(), result.bytes,
                               result.schema_version, result.organizations,
                               result.organizations == 1 ? "" : "s"));
    ctx.out().info("verified: SQLite's integrity check passed and every data key opens under the "
                   "master key");
  });
}

} // namespace velocity::cli
