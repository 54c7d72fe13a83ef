#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The return-on-investment model of `velocity roi`: what automating compliance saves a year, and
// what that means against the stated cost of the programme. Every number the model uses is an
// assumption the user can see and change (a flag, a config file value, or a value measured from
// the state), so the result is never a fixed claim.
namespace velocity::compliance {

enum class OrgSize { small, medium, large };

// "small", "medium" or "large"; nothing for anything else.
std::optional<OrgSize> parse_org_size(std::string_view text);
std::string_view to_string(OrgSize size) noexcept;

// Where an assumption's value came from, printed beside it.
enum class Origin { built_in, config, env, flag, state };
std::string_view to_string(Origin origin) noexcept;

// One number of the model with its origin and, for measured values, how it was measured.
struct Assumption {
  double value = 0;
  Origin origin = Origin::built_in;
  std::string note;

  // Replaces the value and records where it came from.
  void set(double new_value, Origin new_origin, std::string new_note = {});
};

// Every input of the model. Percentages are stored as percentages (90 means 90 %), as they are
// typed, so what is printed is exactly what was given.
struct RoiInputs {
  OrgSize size = OrgSize::medium;
  Origin size_origin = Origin::built_in;
  std::vector<std::string> frameworks;
  Origin frameworks_origin = Origin::built_in;
  std::string frameworks_note;

  // Manual compliance hours a month for each size; `manual_hours`, when set, replaces the
  // figure for `size` (a measured or known number of hours).
  std::array<Assumption, 3> manual_hours_by_size = {
    {{80, Origin::built_in, {}}, {160, Origin::built_in, {}}, {320, Origin::built_in, {}}}};
  std::optional<Assumption> manual_hours;
  Assumption automation_share{90, Origin::built_in, {}};   // % of the manual hours automated
  Assumption hourly_rate{150, Origin::built_in, {}};       // cost of one hour of staff time
  Assumption audit_cost{50'000, Origin::built_in, {}};     // external audit, per framework
  Assumption audit_reduction{60, Origin::built_in, {}};    // % of audit cost saved
  Assumption breach_cost{4'450'000, Origin::built_in, {}}; // cost of one breach
  Assumption risk_reduction{70, Origin::built_in, {}};     // % of breach risk removed
  Assumption breach_probability{1, Origin::built_in, {}};  // % chance of a breach in a year
  std::optional<Assumption> annual_cost;                   // cost of the programme a year

  // The manual hours a month the model uses: `manual_hours` or the figure for `size`.
  const Assumption& effective_manual_hours() const;
};

// What the model gives. ROI and payback exist only when an annual cost was stated; payback is
// nothing too when the programme saves nothing (it never pays back).
struct RoiResult {
  double manual_hours_per_month = 0;
  double hours_saved_per_month = 0;
  double monthly_time_savings = 0;
  double annual_time_savings = 0;
  double annual_audit_savings = 0;
  double risk_reduction_value = 0;
  double total_annual_value = 0;
  std::optional<double> annual_cost;
  std::optional<double> net_annual_value;
  std::optional<double> roi_percent;
  std::optional<double> payback_months;
};

// Throws UsageError listing every value out of range (negative amounts, percentages outside
// 0-100, an annual cost of 0), each named by its flag and config key, and every framework that
// is not one of `known_frameworks` (or is listed twice, or none at all).
void validate(const RoiInputs& inputs, const std::vector<std::string>& known_frameworks);

// The model: hours saved = manual hours x automation share; time savings = hours saved x hourly
// rate (x 12 a year); audit savings = audit cost x frameworks x audit reduction; risk value =
// breach cost x risk reduction x breach probability; ROI = (value - cost) / cost; payback =
// cost / (value / 12). Call validate() first.
RoiResult compute_roi(const RoiInputs& inputs);

// Sets what config key `key` (config.hpp: size, frameworks or an assumption) names to `value`,
// which check_setting() accepted, marked with `origin` and `note` (where it was set: a file and
// line, an environment variable). Keys the model does not use are ignored.
void apply_roi_setting(RoiInputs& inputs, std::string_view key, std::string_view value,
                       Origin origin, const std::string& note);

// Reads "150", "4450000", "0.5", "90%" (the % only when `percent`); nothing for anything else,
// including inf and nan.
std::optional<double> parse_roi_number(std::string_view text, bool percent);

// A description of each assumption, in the order they are printed: label, config key, flag.
struct AssumptionInfo {
  std::string label;
  std::string_view key;
  std::string_view flag;
  bool percent;
  bool money;
};

// The assumptions as printed: label, key and flag, with a pointer to their value in `inputs`
// (the manual hours are the effective figure).
std::vector<std::pair<AssumptionInfo, const Assumption*>> list_assumptions(const RoiInputs& inputs);

// The inputs and the result as one JSON document (amounts rounded to cents, percentages and
// months to two decimals).
nlohmann::json roi_to_json(const RoiInputs& inputs, const RoiResult& result);

} // namespace velocity::compliance
