// `velocity accept`: record, list, show and revoke accepted risks. An accepted FAIL is still
// collected and shown, marked accepted; --fail-on ignores it until the acceptance expires.

#include "finding_view.hpp"
#include "option_values.hpp"
#include "platforms.hpp"

#include <velocity/cli/commands.hpp>
#include <velocity/compliance/acceptance.hpp>
#include <velocity/core/error.hpp>
#include <velocity/store/acceptances.hpp>
#include <velocity/store/findings.hpp>

#include <fmt/format.h>

#include <chrono>

namespace velocity::cli {

namespace {

struct AcceptOptions {
  std::string check;
  std::string resource = "*";
  std::string reason;
  std::string owner;
  std::string expires;
  std::string integration = "*";
  std::string account = "*";
  std::string region = "*";
  int64_t id = 0;
};

audit::EventInput acceptance_event(const char* action, int64_t id, nlohmann::json details) {
  return {audit::Category::authorization,
          action,
          "acceptance",
          std::to_string(id),
          audit::Outcome::success,
          std::move(details)};
}

void require_one_line(std::string_view option, const std::string& text) {
  if (text.empty() || text.find_first_of("\r\n") != std::string::npos) {
    throw UsageError(fmt::format("{} must be one non-empty line", option),
                     "say who owns the risk and why it is accepted, in one line each");
  }
}

// The expiry of a new acceptance: a date after today and within the maximum lifetime.
time::TimePoint expiry_value(Context& ctx, const std::string& text, time::TimePoint now) {
  const auto when = time::parse_iso8601(text);
  if (!when) {
    throw UsageError(fmt::format("--expires {} is not a date", text), "write it as 2027-03-31");
  }
  if (*when <= now) {
    throw UsageError(fmt::format("--expires {} is in the past", text),
                     "an acceptance ends on a future date; give one within the maximum lifetime");
  }
  const int max_days = max_acceptance_days(ctx);
  if (*when > now + std::chrono::days(max_days)) {
    throw UsageError(
      fmt::format("--expires {} is more than {} days away, the longest an acceptance may last",
                  text, max_days),
      "accept it for a shorter time and renew it when it expires; no risk is accepted forever");
  }
  return *when;
}

std::string state_of(const store::AcceptanceRecord& record, time::TimePoint now) {
  if (record.revoked_at) {
    return "revoked";
  }
  const auto expires = time::parse_iso8601(record.expires_at);
  if (expires && *expires <= now) {
    return "expired";
  }
  if (expires && *expires <= now + std::chrono::days(14)) {
    return "expires soon";
  }
  return "active";
}

nlohmann::json record_json(const store::AcceptanceRecord& record, time::TimePoint now) {
  const auto optional = [](const std::optional<std::string>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
  };
  return {{"id", record.id},
          {"check_id", record.check_id},
          {"resource", record.resource_pattern},
          {"integration", record.integration_pattern},
          {"account", record.account_pattern},
          {"region", record.region_pattern},
          {"owner", record.owner},
          {"reason", record.reason},
          {"created_at", record.created_at},
          {"created_by", record.created_by},
          {"expires_at", record.expires_at.substr(0, 10)},
          {"revoked_at", optional(record.revoked_at)},
          {"revoked_by", optional(record.revoked_by)},
          {"state", state_of(record, now)}};
}

// The stored findings of the acceptance's check that it covers.
int64_t covered_findings(Context& ctx, const store::AcceptanceRecord& record) {
  const compliance::AcceptRule rule = compliance::rule_of(record);
  int64_t covered = 0;
  store::FindingFilter filter;
  filter.check_id = record.check_id;
  store::for_each_finding(ctx.state().db(), ctx.org(), filter,
                          [&](const store::FindingRecord& finding) {
                            if (rule.covers(finding)) {
                              ++covered;
                            }
                          });
  return covered;
}

store::AcceptanceRecord require_acceptance(Context& ctx, int64_t id) {
  if (auto record = store::find_acceptance(ctx.state().db(), ctx.org(), id)) {
    return *record;
  }
  throw UsageError(fmt::format("no acceptance {} in organisation '{}'", id, ctx.org().name()),
                   "`velocity accept list` shows the acceptance ids");
}

void add(Context& ctx, const AcceptOptions& options) {
  const std::string format = ctx.format({"table", "json"});
  compliance::Library library = compliance::Library::open(std::nullopt);
  const compliance::CheckCatalogue& catalogue = validated_checks(library);
  std::vector<std::string> ids;
  for (const compliance::Check& check : catalogue.checks) {
    ids.push_back(check.id);
  }
  require_one_of("CHECK", "id", options.check, ids);
  require_one_line("--reason", options.reason);
  require_one_line("--owner", options.owner);
  const time::TimePoint now = time::now();
  const time::TimePoint expires = expiry_value(ctx, options.expires, now);
  store::State& state = ctx.state();
  const store::Org org = ctx.org();
  const store::NewAcceptance acceptance{.check_id = options.check,
                                        .resource_pattern = options.resource,
                                        .integration_pattern = options.integration,
                                        .account_pattern = options.account,
                                        .region_pattern = options.region,
                                        .owner = options.owner,
                                        .reason = options.reason,
                                        .expires_at = time::to_iso8601(expires),
                                        .created_by = ctx.identity().actor};
  const nlohmann::json details = {
    {"check_id", options.check},          {"resource", options.resource},
    {"integration", options.integration}, {"account", options.account},
    {"region", options.region},           {"owner", options.owner},
    {"reason", options.reason},           {"expires_at", compliance::expiry_text(expires)}};
  ctx.audit_intent(acceptance_event("risk.accept", 0, details));
  // The acceptance and its event commit together.
  store::Transaction tx(state.db());
  const store::AcceptanceRecord record = store::add_acceptance(state.db(), org, acceptance, now);
  ctx.audit(acceptance_event("risk.accept", record.id, details));
  tx.commit();
  const int64_t covered = covered_findings(ctx, record);
  if (covered == 0) {
    ctx.out().warn(fmt::format("acceptance {} matches no stored finding of {} yet (resource "
                               "'{}'); it is stored and applies once one is collected",
                               record.id, record.check_id, record.resource_pattern));
  }
  if (format == "json") {
    nlohmann::json json = record_json(record, now);
    json["covered_findings"] = covered;
    ctx.out().json(json);
    return;
  }
  ctx.out().info(fmt::format("accepted {} on '{}' as acceptance {}, owned by {} until {} ({} "
                             "finding{} covered now)",
                             record.check_id, record.resource_pattern, record.id, record.owner,
                             compliance::expiry_text(expires), covered, covered == 1 ? "" : "s"));
}

void list_acceptances(Context& ctx) {
  const std::string format = ctx.format({"table", "json"});
  const time::TimePoint now = time::now();
  const auto records = store::list_acceptances(ctx.state().db(), ctx.org());
  if (format == "json") {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& record : records) {
      rows.push_back(record_json(record, now));
    }
    ctx.out().json(rows);
    return;
  }
  if (records.empty()) {
    ctx.out().info("no accepted risks; record one with `velocity accept CHECK ...`");
    return;
  }
  Table table({"ID", "CHECK", "RESOURCE", "OWNER", "EXPIRES", "STATE", "REASON"});
  for (const auto& record : records) {
    table.add_row({std::to_string(record.id), record.check_id, record.resource_pattern,
                   record.owner, record.expires_at.substr(0, 10), state_of(record, now),
                   record.reason});
  }
  ctx.out().data(table.render());
}

void show_acceptance(Context& ctx, int64_t id) {
  const std::string format = ctx.format({"table", "json"});
  const store::AcceptanceRecord record = require_acceptance(ctx, id);
  nlohmann::json json = record_json(record, time::now());
  json["covered_findings"] = covered_findings(ctx, record);
  if (format == "json") {
    ctx.out().json(json);
    return;
  }
  std::string text;
  for (const char* key : {"id", "check_id", "resource", "integration", "account", "region", "owner",
                          "reason", "created_at", "created_by", "expires_at", "revoked_at",
                          "revoked_by", "state", "covered_findings"}) {
    const nlohmann::json& value = json[key];
    text += fmt::format("{:<18}{}\n", std::string(key) + ":",
                        value.is_string() ? value.get<std::string>()
                                          : (value.is_null() ? "-" : value.dump()));
  }
  ctx.out().data(text);
}

void revoke(Context& ctx, int64_t id) {
  const store::AcceptanceRecord record = require_acceptance(ctx, id);
  if (record.revoked_at) {
    throw UsageError(fmt::format("acceptance {} was revoked already, on {} by {}", id,
                                 record.revoked_at->substr(0, 19), record.revoked_by.value_or("?")),
                     "`velocity accept list` shows which acceptances are in force");
  }
  const nlohmann::json details = {{"check_id", record.check_id},
                                  {"resource", record.resource_pattern}};
  ctx.audit_intent(acceptance_event("risk.revoke", id, details));
  store::Transaction tx(ctx.state().db());
  store::revoke_acceptance(ctx.state().db(), ctx.org(), id, ctx.identity().actor, time::now());
  ctx.audit(acceptance_event("risk.revoke", id, details));
  tx.commit();
  ctx.out().info(fmt::format("revoked acceptance {}: {} on '{}' fails again", id, record.check_id,
                             record.resource_pattern));
}

} // namespace

void setup_accept(CLI::App& command, Context& ctx) {
  auto options = std::make_shared<AcceptOptions>();
  command.add_option("CHECK", options->check, "check id the risk is accepted for")->type_name("");
  command
    .add_option("RESOURCE-PATTERN", options->resource,
                "resources it covers: a shell-style pattern (* ? [...]), default every one")
    ->type_name("");
  command.add_option("-r,--reason", options->reason, "why the risk is accepted, one line")
    ->option_text("TEXT");
  command.add_option("--owner", options->owner, "who owns the risk")->option_text("WHO");
  command
    .add_option("-e,--expires", options->expires,
                "the date it ends (00:00 UTC), within a year (accept_max_days)")
    ->option_text("DATE");
  command.add_option("-i,--integration", options->integration, "only this integration (a pattern)")
    ->option_text("NAME");
  command.add_option("--account", options->account, "only this account (a pattern)")
    ->option_text("ID");
  command.add_option("--region", options->region, "only this region (a pattern)")
    ->option_text("REGION");
  command.footer("Recorded in the state and the audit log. An accepted FAIL is still collected and "
                 "shown as ACCEPTED with its owner, reason and expiry; --fail-on ignores it until "
                 "it expires, and collect warns during the 14 days before.");
  ctx.examples.add(command,
                   {{"velocity accept github_org_2fa_required --owner ann -r SSO -e 2027-03-01",
                     "accept until March 2027: the SSO provider enforces 2FA"}});
  command.callback([&ctx, options, &command] {
    if (command.get_subcommands().empty()) {
      if (options->check.empty() || options->reason.empty() || options->owner.empty() ||
          options->expires.empty()) {
        throw UsageError("accept needs CHECK, --reason, --owner and --expires",
                         "e.g. `velocity accept CHECK 'RESOURCE-PATTERN' --reason TEXT --owner WHO "
                         "--expires 2027-03-31`; `velocity accept list` lists them");
      }
      add(ctx, *options);
    }
  });

  CLI::App* list_command = command.add_subcommand("list", "list accepted risks and their state");
  ctx.examples.add(*list_command, {{"velocity accept list --format json", "every acceptance"}});
  list_command->callback([&ctx] { list_acceptances(ctx); });
  CLI::App* show_command =
    command.add_subcommand("show", "show one acceptance and how many findings it covers");
  show_command->add_option("ID", options->id, "acceptance id")->required()->type_name("");
  ctx.examples.add(*show_command, {{"velocity accept show 3", "acceptance 3"}});
  show_command->callback([&ctx, options] { show_acceptance(ctx, options->id); });
  CLI::App* revoke_command =
    command.add_subcommand("revoke", "revoke an acceptance: its findings fail again");
  revoke_command->add_option("ID", options->id, "acceptance id")->required()->type_name("");
  ctx.examples.add(*revoke_command, {{"velocity accept revoke 3", "end acceptance 3 now"}});
  revoke_command->callback([&ctx, options] { revoke(ctx, options->id); });
}

} // namespace velocity::cli
