#include "yaml_reader.hpp"

#include <velocity/compliance/config.hpp>
#include <velocity/compliance/roi.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/suggest.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace velocity::compliance {

namespace {

constexpr std::array<std::string_view, 3> k_size_names = {"small", "medium", "large"};

size_t size_index(OrgSize size) {
  return static_cast<size_t>(size);
}

// Rounds for output: cents for money, hundredths for percentages, months and hours.
double round2(double value) {
  return std::round(value * 100.0) / 100.0;
}

nlohmann::json optional_number(const std::optional<double>& value) {
  return value ? nlohmann::json(round2(*value)) : nlohmann::json(nullptr);
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) {
      out += separator;
    }
    out += item;
  }
  return out;
}

// Named by flag and config key so the user finds the value wherever they set it.
std::string describe(const AssumptionInfo& info, const Assumption& value) {
  return fmt::format("{} is {} (from {}; flag {}, config key '{}')", info.label, value.value,
                     to_string(value.origin), info.flag, info.key);
}

} // namespace

std::optional<OrgSize> parse_org_size(std::string_view text) {
  for (size_t i = 0; i < k_size_names.size(); ++i) {
    if (text == k_size_names[i]) {
      return static_cast<OrgSize>(i);
    }
  }
  return std::nullopt;
}

std::string_view to_string(OrgSize size) noexcept {
  return k_size_names[size_index(size)];
}

std::string_view to_string(Origin origin) noexcept {
  switch (origin) {
  case Origin::built_in:
    return "built-in";
  case Origin::config:
    return "config";
  case Origin::env:
    return "env";
  case Origin::flag:
    return "flag";
  case Origin::state:
    return "state";
  }
  return "built-in";
}

void Assumption::set(double new_value, Origin new_origin, std::string new_note) {
  value = new_value;
  origin = new_origin;
  note = std::move(new_note);
}

const Assumption& RoiInputs::effective_manual_hours() const {
  return manual_hours ? *manual_hours : manual_hours_by_size[size_index(size)];
}

std::vector<std::pair<AssumptionInfo, const Assumption*>>
list_assumptions(const RoiInputs& inputs) {
  const std::string hours_label =
    inputs.manual_hours
      ? std::string("manual compliance hours a month")
      : fmt::format("manual compliance hours a month ({})", to_string(inputs.size));
  return {
    {{hours_label, "manual_hours", "--manual-hours", false, false},
     &inputs.effective_manual_hours()},
    {{"automation share", "automation_share", "--automation-share", true, false},
     &inputs.automation_share},
    {{"hourly rate", "hourly_rate", "--hourly-rate", false, true}, &inputs.hourly_rate},
    {{"audit cost per framework", "audit_cost", "--audit-cost", false, true}, &inputs.audit_cost},
    {{"audit cost reduction", "audit_reduction", "--audit-reduction", true, false},
     &inputs.audit_reduction},
    {{"cost of a breach", "breach_cost", "--breach-cost", false, true}, &inputs.breach_cost},
    {{"breach risk reduction", "risk_reduction", "--risk-reduction", true, false},
     &inputs.risk_reduction},
    {{"annual breach probability", "breach_probability", "--breach-probability", true, false},
     &inputs.breach_probability},
  };
}

void validate(const RoiInputs& inputs, const std::vector<std::string>& known_frameworks) {
  std::vector<std::string> problems;
  for (const auto& [info, value] : list_assumptions(inputs)) {
    if (!std::isfinite(value->value) || value->value < 0) {
      problems.push_back(describe(info, *value) + ": must be 0 or more");
    } else if (info.percent && value->value > 100) {
      problems.push_back(describe(info, *value) + ": a percentage must be 0 to 100");
    }
  }
  if (inputs.annual_cost &&
      (!std::isfinite(inputs.annual_cost->value) || inputs.annual_cost->value <= 0)) {
    problems.push_back(
      describe({"annual cost of the programme", "annual_cost", "--annual-cost", false, true},
               *inputs.annual_cost) +
      ": must be more than 0 (ROI and payback divide by it)");
  }
  if (inputs.frameworks.empty()) {
    problems.push_back("no frameworks: give --framework soc2,iso27001 (or `frameworks:` in the "
                       "config file)");
  }
  for (size_t i = 0; i < inputs.frameworks.size(); ++i) {
    const std::string& id = inputs.frameworks[i];
    if (std::find(inputs.frameworks.begin(), inputs.frameworks.begin() + static_cast<long>(i),
                  id) != inputs.frameworks.begin() + static_cast<long>(i)) {
      problems.push_back(fmt::format("framework '{}' is listed twice (its audit would be counted "
                                     "twice)",
                                     id));
      continue;
    }
    if (std::find(known_frameworks.begin(), known_frameworks.end(), id) == known_frameworks.end()) {
      const std::string guess = suggest::closest(id, known_frameworks);
      problems.push_back(
        fmt::format("unknown framework '{}'{}; known: {}", id,
                    guess.empty() ? "" : fmt::format(" (did you mean '{}'?)", guess),
                    join(known_frameworks, ", ")));
    }
  }
  if (problems.empty()) {
    return;
  }
  std::string message = problems.size() == 1
                          ? "invalid ROI input: " + problems.front()
                          : fmt::format("invalid ROI input ({} problems):", problems.size());
  if (problems.size() > 1) {
    for (const std::string& problem : problems) {
      message += "\n  " + problem;
    }
  }
  throw UsageError(message, "`velocity roi --help` lists every assumption and its range");
}

RoiResult compute_roi(const RoiInputs& inputs) {
  RoiResult result;
  result.manual_hours_per_month = inputs.effective_manual_hours().value;
  result.hours_saved_per_month =
    result.manual_hours_per_month * inputs.automation_share.value / 100.0;
  result.monthly_time_savings = result.hours_saved_per_month * inputs.hourly_rate.value;
  result.annual_time_savings = result.monthly_time_savings * 12.0;
  result.annual_audit_savings = inputs.audit_cost.value *
                                static_cast<double>(inputs.frameworks.size()) *
                                inputs.audit_reduction.value / 100.0;
  result.risk_reduction_value = inputs.breach_cost.value * inputs.risk_reduction.value / 100.0 *
                                inputs.breach_probability.value / 100.0;
  result.total_annual_value =
    result.annual_time_savings + result.annual_audit_savings + result.risk_reduction_value;
  if (inputs.annual_cost) {
    const double cost = inputs.annual_cost->value;
    result.annual_cost = cost;
    result.net_annual_value = result.total_annual_value - cost;
    result.roi_percent = (result.total_annual_value - cost) / cost * 100.0;
    if (result.total_annual_value > 0) {
      result.payback_months = cost / (result.total_annual_value / 12.0);
    }
  }
  return result;
}

std::optional<double> parse_roi_number(std::string_view text, bool percent) {
  if (percent && !text.empty() && text.back() == '%') {
    text.remove_suffix(1);
  }
  if (text.empty() || text.front() == '+') {
    return std::nullopt;
  }
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

void apply_roi_setting(RoiInputs& inputs, std::string_view key, std::string_view value,
                       Origin origin, const std::string& note) {
  if (key == "size") {
    if (const auto size = parse_org_size(value)) {
      inputs.size = *size;
      inputs.size_origin = origin;
    }
    return;
  }
  if (key == "frameworks") {
    inputs.frameworks = setting_list(value);
    inputs.frameworks_origin = origin;
    inputs.frameworks_note = note;
    return;
  }
  const Assumption assumption{setting_number(value), origin, note};
  if (key == "manual_hours") {
    inputs.manual_hours = assumption;
  } else if (key == "annual_cost") {
    inputs.annual_cost = assumption;
  } else if (key == "automation_share") {
    inputs.automation_share = assumption;
  } else if (key == "hourly_rate") {
    inputs.hourly_rate = assumption;
  } else if (key == "audit_cost") {
    inputs.audit_cost = assumption;
  } else if (key == "audit_reduction") {
    inputs.audit_reduction = assumption;
  } else if (key == "breach_cost") {
    inputs.breach_cost = assumption;
  } else if (key == "risk_reduction") {
    inputs.risk_reduction = assumption;
  } else if (key == "breach_probability") {
    inputs.breach_probability = assumption;
  }
  for (size_t i = 0; i < k_size_names.size(); ++i) {
    if (key == fmt::format("manual_hours_by_size.{}", k_size_names[i])) {
      inputs.manual_hours_by_size[i] = assumption;
    }
  }
}

nlohmann::json roi_to_json(const RoiInputs& inputs, const RoiResult& result) {
  nlohmann::json assumptions = nlohmann::json::object();
  const auto entry = [](const Assumption& value, std::string_view unit) {
    nlohmann::json out = {
      {"value", value.value}, {"unit", unit}, {"origin", to_string(value.origin)}};
    if (!value.note.empty()) {
      out["note"] = value.note;
    }
    return out;
  };
  for (const auto& [info, value] : list_assumptions(inputs)) {
    const std::string_view unit = info.percent ? "percent" : info.money ? "USD" : "hours/month";
    assumptions[std::string(info.key)] = entry(*value, unit);
  }
  if (inputs.annual_cost) {
    assumptions["annual_cost"] = entry(*inputs.annual_cost, "USD/year");
  }
  nlohmann::json frameworks = {{"ids", inputs.frameworks},
                               {"origin", to_string(inputs.frameworks_origin)}};
  if (!inputs.frameworks_note.empty()) {
    frameworks["note"] = inputs.frameworks_note;
  }
  return {
    {"size", {{"value", to_string(inputs.size)}, {"origin", to_string(inputs.size_origin)}}},
    {"frameworks", frameworks},
    {"assumptions", assumptions},
    {"result",
     {{"manual_hours_per_month", round2(result.manual_hours_per_month)},
      {"hours_saved_per_month", round2(result.hours_saved_per_month)},
      {"monthly_time_savings", round2(result.monthly_time_savings)},
      {"annual_time_savings", round2(result.annual_time_savings)},
      {"annual_audit_savings", round2(result.annual_audit_savings)},
      {"risk_reduction_value", round2(result.risk_reduction_value)},
      {"total_annual_value", round2(result.total_annual_value)},
      {"annual_cost", optional_number(result.annual_cost)},
      {"net_annual_value", optional_number(result.net_annual_value)},
      {"roi_percent", optional_number(result.roi_percent)},
      {"payback_months", optional_number(result.payback_months)}}},
  };
}

} // namespace velocity::compliance
