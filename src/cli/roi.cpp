#include "option_values.hpp"

#include <velocity/cli/commands.hpp>
#include <velocity/compliance/library.hpp>
#include <velocity/compliance/pathway.hpp>
#include <velocity/compliance/roi.hpp>
#include <velocity/compliance/text.hpp>
#include <velocity/core/error.hpp>

#include <fmt/format.h>

#include <cmath>
#include <map>

namespace velocity::cli {

namespace {

using compliance::Assumption;
using compliance::Origin;
using compliance::RoiInputs;
using compliance::RoiResult;

struct RoiOptions {
  std::optional<std::string> size;
  std::vector<std::string> frameworks;
  bool from_state = false;
  // Every numeric assumption, by its flag, as typed (checked by parse_roi_number).
  std::map<std::string, std::optional<std::string>, std::less<>> numbers;
};

// The numeric flags: flag, value name, help, and whether the value is a percentage.
struct NumericFlag {
  const char* flag;
  const char* value_name;
  const char* help;
  bool percent;
};

constexpr NumericFlag k_numeric_flags[] = {
  {"--manual-hours", "HOURS", "manual compliance hours a month (default by --size: 80 / 160 / 320)",
   false},
  {"--automation-share", "PERCENT", "percentage of the manual hours automated (default 90)", true},
  {"--hourly-rate", "USD", "cost of one hour of compliance work (default 150)", false},
  {"--audit-cost", "USD", "external audit cost per framework (default 50000)", false},
  {"--audit-reduction", "PERCENT", "percentage of the audit cost saved (default 60)", true},
  {"--breach-cost", "USD", "cost of one breach (default 4450000)", false},
  {"--risk-reduction", "PERCENT", "percentage of breach risk removed (default 70)", true},
  {"--breach-probability", "PERCENT", "percentage chance of a breach in a year (default 1)", true},
  {"--annual-cost", "USD", "annual cost of the compliance programme (needed for ROI and payback)",
   false},
};

// The config file's and the environment's values, marked with where each was set (the keys of
// other commands are ignored).
void apply_settings(RoiInputs& inputs, Context& ctx) {
  for (const compliance::SettingKey& key : compliance::setting_keys()) {
    if (const auto value = ctx.settings().find(key.key)) {
      compliance::apply_roi_setting(
        inputs, key.key, value->value,
        value->source == SettingSource::env ? Origin::env : Origin::config, value->where);
    }
  }
}

std::string money(double amount) {
  if (std::fabs(amount - std::round(amount)) < 0.005) {
    return compliance::format_usd(amount);
  }
  const double cents = std::round(std::fabs(amount) * 100.0);
  const double whole = std::floor(cents / 100.0);
  return fmt::format("{}{}.{:02}", amount < 0 ? "-" : "", compliance::format_usd(whole),
                     static_cast<int>(cents - whole * 100.0));
}

std::string percent(double value) {
  return compliance::format_decimal(std::round(value * 10) / 10) + " %";
}

std::string assumption_value_text(const compliance::AssumptionInfo& info, double value) {
  if (info.percent) {
    return compliance::format_decimal(value) + " %";
  }
  if (info.money) {
    return money(value);
  }
  return compliance::format_decimal(value) + " h";
}

std::string origin_text(const Assumption& value) {
  std::string text(compliance::to_string(value.origin));
  if (!value.note.empty()) {
    text += ": " + value.note;
  }
  return text;
}

void apply_flags(RoiInputs& inputs, const RoiOptions& options) {
  if (options.size) {
    const auto size = compliance::parse_org_size(*options.size);
    if (!size) {
      throw UsageError(fmt::format("unknown organisation size '{}' for --size", *options.size),
                       "use small, medium or large");
    }
    inputs.size = *size;
    inputs.size_origin = Origin::flag;
  }
  if (!options.frameworks.empty()) {
    inputs.frameworks = options.frameworks;
    inputs.frameworks_origin = Origin::flag;
    inputs.frameworks_note.clear();
  }
  for (const NumericFlag& flag : k_numeric_flags) {
    const auto& text = options.numbers.find(flag.flag)->second;
    if (!text) {
      continue;
    }
    const auto value = compliance::parse_roi_number(*text, flag.percent);
    if (!value) {
      throw UsageError(fmt::format("{}: '{}' is not a number", flag.flag, *text),
                       flag.percent ? "give a percentage such as 90 or 90%"
                                    : "give a number such as 150 or 1500.50");
    }
    const std::string_view name = flag.flag;
    Assumption assumption{*value, Origin::flag, {}};
    if (name == "--manual-hours") {
      inputs.manual_hours = assumption;
    } else if (name == "--annual-cost") {
      inputs.annual_cost = assumption;
    } else if (name == "--automation-share") {
      inputs.automation_share = assumption;
    } else if (name == "--hourly-rate") {
      inputs.hourly_rate = assumption;
    } else if (name == "--audit-cost") {
      inputs.audit_cost = assumption;
    } else if (name == "--audit-reduction") {
      inputs.audit_reduction = assumption;
    } else if (name == "--breach-cost") {
      inputs.breach_cost = assumption;
    } else if (name == "--risk-reduction") {
      inputs.risk_reduction = assumption;
    } else if (name == "--breach-probability") {
      inputs.breach_probability = assumption;
    }
  }
}

// The result lines: label, value, how it was computed.
std::vector<std::array<std::string, 3>> result_lines(const RoiInputs& inputs,
                                                     const RoiResult& result) {
  std::vector<std::array<std::string, 3>> lines = {
    {"hours saved a month",
     compliance::format_decimal(std::round(result.hours_saved_per_month * 10) / 10) + " h",
     fmt::format("{} h x {}", compliance::format_decimal(result.manual_hours_per_month),
                 percent(inputs.automation_share.value))},
    {"monthly time savings", money(result.monthly_time_savings),
     fmt::format("hours saved x {}", money(inputs.hourly_rate.value))},
    {"annual time savings", money(result.annual_time_savings), "monthly x 12"},
    {"annual audit savings", money(result.annual_audit_savings),
     fmt::format("{} x {} framework{} x {}", money(inputs.audit_cost.value),
                 inputs.frameworks.size(), inputs.frameworks.size() == 1 ? "" : "s",
                 percent(inputs.audit_reduction.value))},
    {"risk-reduction value", money(result.risk_reduction_value),
     fmt::format("{} x {} x {}", money(inputs.breach_cost.value),
                 percent(inputs.risk_reduction.value), percent(inputs.breach_probability.value))},
    {"total annual value", money(result.total_annual_value), "time + audit + risk"},
  };
  if (result.annual_cost) {
    lines.push_back({"annual cost of the programme", money(*result.annual_cost),
                     origin_text(*inputs.annual_cost)});
    lines.push_back({"net annual value", money(*result.net_annual_value), "value - cost"});
    lines.push_back({"ROI", percent(*result.roi_percent), "(value - cost) / cost"});
    lines.push_back(
      {"payback",
       result.payback_months
         ? compliance::format_decimal(std::round(*result.payback_months * 10) / 10) + " months"
         : std::string("never (the programme saves nothing)"),
       "cost / (value / 12)"});
  } else {
    lines.push_back({"ROI", "n/a", "needs --annual-cost"});
    lines.push_back({"payback", "n/a", "needs --annual-cost"});
  }
  return lines;
}

std::string headline(const RoiInputs& inputs) {
  std::string ids;
  for (const std::string& id : inputs.frameworks) {
    ids += (ids.empty() ? "" : ", ") + id;
  }
  return fmt::format("ROI estimate: {} organisation, {} framework{} ({})",
                     compliance::to_string(inputs.size), inputs.frameworks.size(),
                     inputs.frameworks.size() == 1 ? "" : "s", ids);
}

std::string render_table(const RoiInputs& inputs, const RoiResult& result) {
  Table assumptions({"ASSUMPTION", "VALUE", "FROM", "SET WITH"});
  for (const auto& [info, value] : compliance::list_assumptions(inputs)) {
    assumptions.add_row({info.label, assumption_value_text(info, value->value), origin_text(*value),
                         fmt::format("{} / {}", info.flag, info.key)});
  }
  Table results({"RESULT", "VALUE", "COMPUTED AS"});
  for (const auto& line : result_lines(inputs, result)) {
    results.add_row({line[0], line[1], line[2]});
  }
  std::string frameworks_from(compliance::to_string(inputs.frameworks_origin));
  if (!inputs.frameworks_note.empty()) {
    frameworks_from += ": " + inputs.frameworks_note;
  }
  return fmt::format("{}\n(size from {}, frameworks from {})\n\n{}\n{}", headline(inputs),
                     compliance::to_string(inputs.size_origin), frameworks_from,
                     assumptions.render(), results.render());
}

std::string escape_pipes(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '|') {
      out += "\\|";
    } else {
      out += c;
    }
  }
  return out;
}

std::string render_markdown(const RoiInputs& inputs, const RoiResult& result) {
  std::string out =
    fmt::format("# {}\n\n## Assumptions\n\n| assumption | value | from | flag / config key |\n"
                "| --- | ---: | --- | --- |\n",
                headline(inputs));
  for (const auto& [info, value] : compliance::list_assumptions(inputs)) {
    out += fmt::format("| {} | {} | {} | `{}` / `{}` |\n", escape_pipes(info.label),
                       escape_pipes(assumption_value_text(info, value->value)),
                       escape_pipes(origin_text(*value)), info.flag, info.key);
  }
  out += "\n## Result\n\n| result | value | computed as |\n| --- | ---: | --- |\n";
  for (const auto& line : result_lines(inputs, result)) {
    out += fmt::format("| {} | {} | {} |\n", escape_pipes(line[0]), escape_pipes(line[1]),
                       escape_pipes(line[2]));
  }
  return out;
}

} // namespace

void setup_roi(CLI::App& command, Context& ctx) {
  auto options = std::make_shared<RoiOptions>();
  command
    .add_option("--size", options->size,
                "organisation size: small, medium or large (default medium)")
    ->option_text("SIZE");
  command
    .add_option("-f,--framework", options->frameworks,
                "frameworks to be audited, e.g. soc2,iso27001 (`velocity frameworks list`)")
    ->delimiter(',')
    ->option_text("ID[,ID]");
  add_old_spelling(command, ctx, "--frameworks", "--framework", options->frameworks)
    ->delimiter(',');
  command.add_flag(
    "--from-state", options->from_state,
    "use what the organisation's state measured: automation share, hours, frameworks");
  for (const NumericFlag& flag : k_numeric_flags) {
    command.add_option(flag.flag, options->numbers[flag.flag], flag.help)
      ->option_text(flag.value_name);
  }
  command.footer(
    "Every assumption is printed with the result and where it came from (built-in, config, env, "
    "state, flag). ROI and payback are computed only from --annual-cost (or annual_cost in the "
    "config). The config file (--config, `velocity config list`) and VELOCITY_<KEY> variables set "
    "any assumption; --from-state measurements replace them, and flags have the last word.");
  ctx.examples.add(command, {{"velocity roi --size large --annual-cost 120000",
                              "what a large organisation saves, with ROI and payback"},
                             {"velocity roi --from-state --format md",
                              "from what the state measured, in Markdown"}});
  command.callback([&ctx, options] {
    const std::string format = ctx.format({"table", "json", "md"});
    RoiInputs inputs;
    apply_settings(inputs, ctx);
    compliance::Library library = compliance::Library::open(std::nullopt);
    if (options->from_state) {
      // Measured values replace the config's and the environment's; flags still have the last
      // word.
      const store::Org org = ctx.org();
      const compliance::PathwayFacts facts =
        compliance::gather_pathway_facts(ctx.state().db(), org, library);
      if (facts.assessments.empty()) {
        ctx.out().warn(
          fmt::format("--from-state: organisation '{}' has no completed assessment; the automation "
                      "share, hours and frameworks stay as given",
                      org.name()));
      }
      compliance::apply_state_measurements(inputs, facts);
    }
    apply_flags(inputs, *options);
    compliance::validate(inputs, library.framework_ids());
    const RoiResult result = compliance::compute_roi(inputs);
    if (format == "json") {
      ctx.out().json(compliance::roi_to_json(inputs, result));
    } else if (format == "md") {
      ctx.out().data(render_markdown(inputs, result));
    } else {
      ctx.out().data(render_table(inputs, result));
    }
    if (!result.annual_cost) {
      ctx.out().info("ROI and payback need the programme's annual cost: add --annual-cost USD");
    }
  });
}

} // namespace velocity::cli
