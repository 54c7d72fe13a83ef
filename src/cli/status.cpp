#include <velocity/cli/commands.hpp>
#include <velocity/store/schema.hpp>

#include <fmt/format.h>

namespace velocity::cli {

void setup_status(CLI::App& command, Context& ctx) {
  ctx.examples.add(command, {{"velocity status", "where the state is and what it holds"},
                             {"velocity -v status --format json", "the same as JSON, and which key "
                                                                  "opened the state"}});
  command.callback([&ctx] {
    const std::string format = ctx.format({"table", "json"});
    store::State& state = ctx.state();
    const int schema = state.db().user_version();
    const auto orgs = state.list_orgs();
    nlohmann::json org_rows = nlohmann::json::array();
    for (const auto& org : orgs) {
      const store::OrgCounts counts = state.org_counts(org.id);
      org_rows.push_back({{"name", org.name},
                          {"demo", org.kind == store::OrgKind::demo},
                          {"created_at", org.created_at},
                          {"key_version", org.key_version},
                          {"integrations", counts.integrations},
                          {"evidence", counts.evidence}});
    }
    if (format == "json") {
      ctx.out().json({{"state", state.path().string()},
                      {"schema_version", schema},
                      {"key_source", state.master_key().description},
                      {"organizations", org_rows}});
      return;
    }
    ctx.out().data(fmt::format("state:       {}\nschema:      version {}\nmaster key:  {}\n\n",
                               state.path().string(), schema, state.master_key().description));
    Table table({"ORGANISATION", "CREATED", "KEY VERSION", "INTEGRATIONS", "EVIDENCE"});
    for (const auto& row : org_rows) {
      table.add_row({row["name"].get<std::string>() + (row["demo"].get<bool>() ? " (demo)" : ""),
                     row["created_at"].get<std::string>(),
                     std::to_string(row["key_version"].get<int>()),
                     std::to_string(row["integrations"].get<int64_t>()),
                     std::to_string(row["evidence"].get<int64_t>())});
    }
    ctx.out().data(table.render());
  });
}

} // namespace velocity::cli
