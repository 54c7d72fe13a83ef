#include <velocity/cli/commands.hpp>
#include <velocity/core/error.hpp>

#include <fmt/format.h>

namespace velocity::cli {

namespace {

struct OrgOptions {
  std::string name;
  bool demo = false;
  bool yes = false;
};

nlohmann::json to_json(const store::OrgInfo& org) {
  return {{"id", org.id},
          {"name", org.name},
          {"created_at", org.created_at},
          {"demo", org.kind == store::OrgKind::demo},
          {"key_version", org.key_version}};
}

// Organisations are created and deleted by whoever runs velocity: system_security events, kept
// in the log of the --org organisation (of the default one when that is the one deleted).
audit::EventInput org_event(const char* action, const std::string& name,
                            nlohmann::json details = nlohmann::json::object()) {
  return {audit::Category::system_security,
          action,
          "organization",
          name,
          audit::Outcome::success,
          std::move(details)};
}

} // namespace

void setup_org(CLI::App& command, Context& ctx) {
  auto options = std::make_shared<OrgOptions>();
  command.require_subcommand(1);

  CLI::App* create =
    command.add_subcommand("create", "create an organisation with its own data key");
  create->add_option("NAME", options->name, "organisation name")->required()->type_name("");
  ctx.examples.add(*create, {{"velocity org create acme", "an organisation called acme"}});
  create->callback([&ctx, options] {
    const std::string format = ctx.format({"table", "json"});
    ctx.audit_intent(org_event("org.create", options->name));
    // The organisation and its event commit together.
    store::Transaction tx(ctx.state().db());
    const auto org = ctx.state().create_org(options->name, store::OrgKind::regular);
    ctx.audit(org_event("org.create", options->name));
    tx.commit();
    if (format == "json") {
      ctx.out().json(to_json(org));
    } else {
      ctx.out().info(fmt::format("created organisation '{}'", org.name));
    }
  });

  CLI::App* list = command.add_subcommand("list", "list the organisations");
  ctx.examples.add(*list, {{"velocity org list --format json", "every organisation, as JSON"}});
  list->callback([&ctx] {
    const std::string format = ctx.format({"table", "json"});
    const auto orgs = ctx.state().list_orgs();
    if (format == "json") {
      nlohmann::json rows = nlohmann::json::array();
      for (const auto& org : orgs) {
        rows.push_back(to_json(org));
      }
      ctx.out().json(rows);
      return;
    }
    Table table({"NAME", "CREATED", "DEMO", "KEY VERSION"});
    for (const auto& org : orgs) {
      table.add_row({org.name, org.created_at, org.kind == store::OrgKind::demo ? "yes" : "no",
                     std::to_string(org.key_version)});
    }
    ctx.out().data(table.render());
  });

  CLI::App* remove = command.add_subcommand(
    "delete", "delete an organisation: its data key and every row it owns (crypto-erase)");
  remove->add_option("NAME", options->name, "organisation name")->required()->type_name("");
  remove->add_flag("-y,--yes", options->yes, "do not ask for confirmation");
  ctx.examples.add(*remove, {{"velocity org delete acme --yes",
                              "delete acme and everything it owns, without asking"}});
  ctx.examples.add(command, {{"velocity org create acme", "an organisation called acme"},
                             {"velocity --org acme status", "work on acme"}});
  remove->callback([&ctx, options] {
    ctx.format({"table", "json"});
    store::State& state = ctx.state();
    ctx.audit_intent(org_event("org.delete", options->name));
    if (!state.find_org(options->name)) {
      throw UsageError(fmt::format("no organisation named '{}'", options->name),
                       "`velocity org list` shows them");
    }
    ctx.confirm_destruction(fmt::format("deleting organisation '{}' destroys its data key and "
                                        "every row it owns",
                                        options->name),
                            options->name, options->yes,
                            fmt::format("velocity org delete {} --yes", options->name));
    // The deletion and its event commit together.
    store::Transaction tx(state.db());
    state.delete_org(options->name);
    ctx.audit_deleted(options->name);
    ctx.audit(org_event("org.delete", options->name, {{"data_key_destroyed", true}}));
    tx.commit();
    ctx.out().info(fmt::format("deleted organisation '{}' and its data key", options->name));
  });
}

} // namespace velocity::cli
