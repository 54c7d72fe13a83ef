#include <velocity/audit/event.hpp>
#include <velocity/cli/commands.hpp>
#include <velocity/compliance/demo.hpp>
#include <velocity/compliance/demo_writer.hpp>
#include <velocity/compliance/library.hpp>
#include <velocity/compliance/text.hpp>
#include <velocity/core/error.hpp>

#include <fmt/format.h>

namespace velocity::cli {

namespace {

struct DemoCommandOptions {
  std::string scenario;
  int days = 30;
  uint64_t seed = 1;
  std::optional<std::string> end;
  bool reset = false;
  bool list = false;
};

constexpr int64_t k_hour_ms = 3'600'000;

// The last day of the history: --end, else today (UTC), or yesterday before 03:00 so that no
// collection of the last day lies in the future.
time::TimePoint end_day(const std::optional<std::string>& end) {
  if (end) {
    const auto parsed = time::parse_iso8601(*end);
    if (!parsed || end->size() != 10) {
      throw UsageError(fmt::format("--end {} is not a date", *end),
                       "use YYYY-MM-DD, e.g. --end 2025-06-30");
    }
    // The whole of that day: the history may use every hour of it.
    return time::from_unix_ms(time::to_unix_ms(*parsed) + 24 * k_hour_ms - 1);
  }
  return time::from_unix_ms(time::to_unix_ms(time::now()) - 3 * k_hour_ms);
}

std::string scenario_list() {
  std::string names;
  for (const compliance::ScenarioInfo& info : compliance::scenarios()) {
    names += (names.empty() ? "" : ", ") + std::string(info.name);
  }
  return names;
}

// The organisation to write into: created as a demo organisation, or rebuilt with --reset. An
// organisation that is not a demo is never written into, with --reset or without.
store::Org prepare_org(Context& ctx, const std::string& name, bool reset, bool& was_reset) {
  store::State& state = ctx.state();
  const auto existing = state.find_org(name);
  was_reset = false;
  if (existing && existing->kind != store::OrgKind::demo) {
    throw UsageError(
      fmt::format("organisation '{}' is not a demo organisation; `velocity demo` never "
                  "writes into a real organisation's data",
                  name),
      "drop --org to use demo-<scenario>, or give the name of a demo organisation");
  }
  if (existing && !reset) {
    throw UsageError(fmt::format("demo organisation '{}' exists already", name),
                     "`velocity demo --reset ...` rebuilds it; `velocity org delete " + name +
                       " --yes` removes it");
  }
  if (existing) {
    // Deleting destroys its data key and every row it owns, audit log included.
    state.delete_org(name);
    ctx.audit_deleted(name);
    was_reset = true;
  }
  state.create_org(name, store::OrgKind::demo);
  return state.org(name);
}

audit::EventInput to_event(const compliance::DemoAuditEvent& event) {
  audit::EventInput input;
  input.category = audit::parse_category(event.category).value_or(audit::Category::system_security);
  input.action = event.action;
  input.resource_type = event.resource_type;
  input.resource_id = event.resource_id;
  input.outcome = audit::parse_outcome(event.outcome).value_or(audit::Outcome::success);
  input.details = event.details;
  input.details["simulated_at"] = time::to_iso8601(event.simulated_at);
  input.details["demo"] = true;
  return input;
}

std::string score_text(const std::optional<double>& score) {
  return score ? compliance::format_decimal(*score) : std::string("n/a");
}

std::string render_summary(const compliance::DemoSummary& summary) {
  Table table({"WHAT", "WRITTEN"});
  std::string frameworks;
  for (const std::string& id : summary.frameworks) {
    frameworks += (frameworks.empty() ? "" : ", ") + id;
  }
  table.add_row({"organisation", summary.org + " (marked demo)"});
  table.add_row({"scenario", summary.scenario + ": " + summary.title});
  table.add_row({"history", fmt::format("{} to {} ({} days, seed {})", summary.first_day,
                                        summary.last_day, summary.days, summary.seed)});
  table.add_row({"frameworks", frameworks});
  table.add_row({"integrations", std::to_string(summary.integrations)});
  table.add_row({"collection runs", fmt::format("{} ({} incomplete, {} failed)", summary.runs,
                                                summary.runs_incomplete, summary.runs_failed)});
  table.add_row({"evidence", fmt::format("{} resources", summary.evidence)});
  table.add_row({"findings", fmt::format("{} ({} failing, {} passing)", summary.findings,
                                         summary.findings_failing,
                                         summary.findings - summary.findings_failing)});
  table.add_row(
    {"changes", fmt::format("{} drifted, {} remediated, {} new resources", summary.drifts,
                            summary.remediations, summary.new_resources)});
  for (const compliance::DemoAssessmentSummary& assessment : summary.assessments) {
    std::string scores;
    for (const auto& [framework, score] : assessment.scores) {
      scores += fmt::format("{}{} {}", scores.empty() ? "" : ", ", framework, score_text(score));
    }
    table.add_row({fmt::format("assessment {}", assessment.id),
                   fmt::format("{} (day {}): {}", assessment.completed_at.substr(0, 10),
                               assessment.day + 1, scores)});
  }
  table.add_row({"audit events", fmt::format("{} (dated now; simulated_at in their details)",
                                             summary.audit_events.size())});
  return table.render();
}

} // namespace

void setup_demo(CLI::App& command, Context& ctx) {
  auto options = std::make_shared<DemoCommandOptions>();
  command
    .add_option("--scenario", options->scenario,
                "startup-soc2, healthcare-hipaa, fintech-pci or enterprise-iso27001")
    ->option_text("NAME");
  command.add_option("--days", options->days, "days of history to generate (1-366, default 30)")
    ->option_text("N");
  command
    .add_option("--seed", options->seed,
                "seed of the history: the same seed gives the same history (default 1)")
    ->option_text("N");
  command
    .add_option("--end", options->end,
                "date of the last day of history, YYYY-MM-DD (default today, UTC)")
    ->option_text("DATE");
  command.add_flag("--reset", options->reset, "delete the demo organisation first and rebuild it");
  command.add_flag("--list", options->list, "list the scenarios");
  command.footer(
    "The demo organisation (demo-<scenario>, or --org NAME) is marked demo; velocity demo never "
    "writes "
    "into an organisation that is not. Its accounts are made up: evidence, report, audit, roi and "
    "pathway work on it without any cloud account; connect test and collect do not.");
  ctx.examples.add(command, {{"velocity demo --list", "the scenarios"},
                             {"velocity demo --scenario healthcare-hipaa --days 90 --reset",
                              "rebuild the HIPAA demo with 90 days of history"}});
  command.callback([&ctx, options] {
    const std::string format = ctx.format({"table", "json"});
    if (options->list) {
      if (format == "json") {
        nlohmann::json list = nlohmann::json::array();
        for (const compliance::ScenarioInfo& info : compliance::scenarios()) {
          list.push_back({{"name", info.name},
                          {"title", info.title},
                          {"frameworks", info.frameworks},
                          {"org", compliance::demo_org_name(info.id)}});
        }
        ctx.out().json(list);
        return;
      }
      Table table({"SCENARIO", "FRAMEWORKS", "ORGANISATION"});
      for (const compliance::ScenarioInfo& info : compliance::scenarios()) {
        std::string frameworks;
        for (const std::string& id : info.frameworks) {
          frameworks += (frameworks.empty() ? "" : ",") + id;
        }
        table.add_row({std::string(info.name), frameworks, std::string(info.title)});
      }
      ctx.out().data(table.render());
      return;
    }
    if (options->scenario.empty()) {
      throw UsageError("--scenario is required",
                       "one of: " + scenario_list() + " (`velocity demo --list`)");
    }
    const auto scenario = compliance::parse_scenario(options->scenario);
    if (!scenario) {
      throw UsageError(fmt::format("unknown scenario '{}'", options->scenario),
                       "one of: " + scenario_list());
    }
    compliance::DemoOptions demo{*scenario, options->days, options->seed, end_day(options->end)};
    compliance::validate(demo);
    compliance::Library library = compliance::Library::open(std::nullopt);

    const std::string name = ctx.options.org != store::State::k_default_org
                               ? ctx.options.org
                               : compliance::demo_org_name(*scenario);
    ctx.audit_intent({audit::Category::system_security,
                      "demo.generate",
                      "organization",
                      name,
                      audit::Outcome::success,
                      {{"scenario", options->scenario}}});
    bool was_reset = false;
    // One transaction: the old organisation's deletion, the new history and its events commit
    // together or not at all.
    store::Transaction tx(ctx.state().db());
    const store::Org org = prepare_org(ctx, name, options->reset, was_reset);
    ctx.out().info(fmt::format("{} demo organisation '{}': {} days of {}",
                               was_reset ? "rebuilding" : "writing", name, demo.days,
                               options->scenario));
    const compliance::DemoSummary summary =
      compliance::write_demo_history(ctx.state().db(), org, library, demo);

    std::vector<audit::EventInput> events;
    events.push_back({audit::Category::system_security,
                      "org.create",
                      "organization",
                      name,
                      audit::Outcome::success,
                      {{"demo", true}, {"reset", was_reset}}});
    for (const compliance::DemoAuditEvent& event : summary.audit_events) {
      events.push_back(to_event(event));
    }
    events.push_back({audit::Category::system_security,
                      "demo.generate",
                      "organization",
                      name,
                      audit::Outcome::success,
                      {{"scenario", summary.scenario},
                       {"days", summary.days},
                       {"seed", summary.seed},
                       {"from", summary.first_day},
                       {"to", summary.last_day}}});
    ctx.audit_log(name).record_all(events);
    tx.commit();

    if (format == "json") {
      ctx.out().json(compliance::demo_summary_to_json(summary));
    } else {
      ctx.out().data(render_summary(summary));
    }
    ctx.out().info(fmt::format(
      "next: velocity --org {0} evidence list | report | audit verify | roi --from-state | "
      "pathway",
      name));
  });
}

} // namespace velocity::cli
