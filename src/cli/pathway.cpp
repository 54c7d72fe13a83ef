#include "option_values.hpp"

#include <velocity/cli/commands.hpp>
#include <velocity/compliance/library.hpp>
#include <velocity/compliance/pathway.hpp>
#include <velocity/compliance/text.hpp>
#include <velocity/core/error.hpp>

#include <fmt/format.h>

namespace velocity::cli {

namespace {

struct PathwayOptions {
  std::optional<std::string> size;
  std::optional<double> manual_hours;
};

constexpr compliance::Stage k_stages[] = {compliance::Stage::discovery, compliance::Stage::pilot,
                                          compliance::Stage::rollout,
                                          compliance::Stage::production};

std::string stage_line(const Output& out, compliance::Stage current) {
  std::string line;
  for (const compliance::Stage stage : k_stages) {
    if (!line.empty()) {
      line += " -> ";
    }
    const std::string name(compliance::to_string(stage));
    line += stage == current ? out.paint("[" + name + "]", Color::bold) : name;
  }
  return line;
}

std::string score(const std::optional<double>& value) {
  return value ? compliance::format_decimal(std::round(*value * 10) / 10) : std::string("n/a");
}

std::vector<std::array<std::string, 2>> metric_rows(const compliance::PathwayFacts& facts,
                                                    const compliance::Pathway& pathway) {
  std::vector<std::array<std::string, 2>> rows;
  rows.push_back({"evidence automated",
                  fmt::format("{:.0f} % of {} controls in scope ({} of {} automatable: {:.0f} %)",
                              pathway.automated_share_of_scope, facts.controls_in_scope,
                              facts.controls_automated, facts.controls_automatable,
                              pathway.automated_share_of_automatable)});
  rows.push_back(
    {"hours saved a month",
     fmt::format("{} h ({} manual h x {} automated of {} answered)",
                 compliance::format_decimal(std::round(pathway.hours_saved_per_month * 10) / 10),
                 compliance::format_decimal(pathway.manual_hours_per_month),
                 facts.controls_automated, facts.controls_answered)});
  for (const auto& change : pathway.score_changes) {
    std::string delta;
    if (change.first && change.latest) {
      delta = fmt::format(" ({:+.1f})", *change.latest - *change.first);
    }
    rows.push_back(
      {"score " + change.framework, fmt::format("{} -> {}{} since the first assessment",
                                                score(change.first), score(change.latest), delta)});
  }
  rows.push_back(
    {"collection",
     fmt::format("{} runs ({} failed) on {} days, {} in a row{}", facts.collection_runs,
                 facts.collection_runs_failed, facts.collection_days, facts.collection_streak,
                 facts.last_collection_day.empty() ? "" : ", last " + facts.last_collection_day)});
  rows.push_back({"findings", fmt::format("{} failing ({} critical), {} remediated, {} in all",
                                          facts.findings_failing, facts.findings_failing_critical,
                                          facts.findings_remediated, facts.findings)});
  rows.push_back({"integrations", fmt::format("{} connected, {} verified", facts.integrations,
                                              facts.integrations_verified)});
  return rows;
}

std::string render_table(const Output& out, const std::string& org,
                         const compliance::PathwayFacts& facts,
                         const compliance::Pathway& pathway) {
  std::string text =
    fmt::format("Trust pathway of '{}': {}\n{}\n\n", org,
                out.paint(std::string(compliance::to_string(pathway.stage)), Color::bold),
                stage_line(out, pathway.stage));
  Table milestones({"STAGE", "MET", "MILESTONE", "MEASURED"});
  for (const compliance::Milestone& milestone : pathway.milestones) {
    milestones.add_row(
      {std::string(compliance::to_string(milestone.stage)),
       milestone.met ? out.paint("yes", Color::green) : out.paint("no", Color::red),
       milestone.title, milestone.measured});
  }
  text += milestones.render() + "\n";
  if (pathway.next) {
    text += fmt::format("Next, for {}:\n", compliance::to_string(*pathway.next));
    for (const compliance::Milestone& milestone : pathway.milestones) {
      if (milestone.stage == *pathway.next && !milestone.met) {
        text += fmt::format("  - {} (now: {})\n", milestone.title, milestone.measured);
      }
    }
  } else {
    text += "Every milestone is met: keep collecting and re-assessing.\n";
  }
  Table metrics({"METRIC", "MEASURED"});
  for (const auto& row : metric_rows(facts, pathway)) {
    metrics.add_row({row[0], row[1]});
  }
  return text + "\n" + metrics.render();
}

std::string render_markdown(const std::string& org, const compliance::PathwayFacts& facts,
                            const compliance::Pathway& pathway) {
  std::string text = fmt::format(
    "# Trust pathway of {}\n\nStage: **{}** (discovery -> pilot -> rollout -> production)\n\n"
    "## Milestones\n\n| stage | met | milestone | measured |\n| --- | --- | --- | --- |\n",
    org, compliance::to_string(pathway.stage));
  for (const compliance::Milestone& milestone : pathway.milestones) {
    text += fmt::format("| {} | {} | {} | {} |\n", compliance::to_string(milestone.stage),
                        milestone.met ? "yes" : "no", milestone.title, milestone.measured);
  }
  text += "\n## Success metrics\n\n| metric | measured |\n| --- | --- |\n";
  for (const auto& row : metric_rows(facts, pathway)) {
    text += fmt::format("| {} | {} |\n", row[0], row[1]);
  }
  return text;
}

} // namespace

void setup_pathway(CLI::App& command, Context& ctx) {
  auto options = std::make_shared<PathwayOptions>();
  CLI::Option* size_option =
    command
      .add_option("--size", options->size,
                  "organisation size the hours saved are measured against: small, medium "
                  "(default) or large")
      ->option_text("SIZE");
  CLI::Option* manual_hours_option =
    command
      .add_option("--manual-hours", options->manual_hours,
                  "manual compliance hours a month, instead of --size")
      ->check(non_negative())
      ->option_text("HOURS");
  command.footer(
    "Stages: discovery (start) -> pilot (an assessment, a verified integration) -> rollout (half "
    "the "
    "automatable controls with automated evidence, 7 days of collection) -> production (80 %, 30 "
    "days, "
    "re-assessed, no failing critical finding). Everything is measured from the state.");
  ctx.examples.add(command, {{"velocity pathway", "the stage of the --org organisation"},
                             {"velocity --org demo-startup-soc2 pathway --format md",
                              "the demo organisation's stage, in Markdown"}});
  command.callback([&ctx, options, size_option, manual_hours_option] {
    const std::string format = ctx.format({"table", "json", "md"});
    if (const auto configured = ctx.setting_for(size_option, "size")) {
      options->size = configured->value;
    }
    if (const auto configured = ctx.setting_for(manual_hours_option, "manual_hours")) {
      options->manual_hours = compliance::setting_number(configured->value);
    }
    compliance::RoiInputs roi;
    if (options->size) {
      const auto size = compliance::parse_org_size(*options->size);
      if (!size) {
        throw UsageError(fmt::format("unknown organisation size '{}' for --size", *options->size),
                         "use small, medium or large");
      }
      roi.size = *size;
    }
    if (options->manual_hours) {
      roi.manual_hours =
        compliance::Assumption{*options->manual_hours, compliance::Origin::flag, {}};
    }
    compliance::Library library = compliance::Library::open(std::nullopt);
    const store::Org org = ctx.org();
    const compliance::PathwayFacts facts =
      compliance::gather_pathway_facts(ctx.state().db(), org, library);
    const compliance::Pathway pathway = compliance::evaluate_pathway(facts, {}, roi);
    if (format == "json") {
      nlohmann::json json = compliance::pathway_to_json(facts, pathway);
      json["org"] = org.name();
      ctx.out().json(json);
    } else if (format == "md") {
      ctx.out().data(render_markdown(org.name(), facts, pathway));
    } else {
      ctx.out().data(render_table(ctx.out(), org.name(), facts, pathway));
    }
  });
}

} // namespace velocity::cli
