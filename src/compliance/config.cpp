#include "yaml_reader.hpp"

#include <velocity/compliance/config.hpp>
#include <velocity/compliance/roi.hpp>
#include <velocity/core/suggest.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace velocity::compliance {

namespace {

constexpr std::string_view k_formats[] = {"table", "json", "jsonl", "md", "html", "csv"};

std::string trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') {
    text.remove_prefix(1);
  }
  while (!text.empty() && text.back() == ' ') {
    text.remove_suffix(1);
  }
  return std::string(text);
}

std::optional<std::string> check_number(SettingKind kind, std::string_view value) {
  const auto number = parse_roi_number(value, kind == SettingKind::percent);
  if (!number) {
    return fmt::format("must be a number, not '{}'", value);
  }
  switch (kind) {
  case SettingKind::positive:
    return *number > 0 ? std::nullopt
                       : std::optional(fmt::format("must be more than 0, not {}", value));
  case SettingKind::percent:
    return *number >= 0 && *number <= 100
             ? std::nullopt
             : std::optional(fmt::format("must be a percentage from 0 to 100, not {}", value));
  case SettingKind::days:
    return *number >= 0 && std::floor(*number) == *number && *number <= 3660
             ? std::nullopt
             : std::optional(fmt::format("must be a whole number of days, not {}", value));
  default:
    return *number >= 0 ? std::nullopt
                        : std::optional(fmt::format("must be 0 or more, not {}", value));
  }
}

std::optional<std::string> check_frameworks(std::string_view value,
                                            const std::vector<std::string>& known) {
  const std::vector<std::string> ids = setting_list(value);
  if (ids.empty()) {
    return std::string("must name at least one framework");
  }
  for (const std::string& id : ids) {
    if (std::find(known.begin(), known.end(), id) == known.end()) {
      const std::string guess = suggest::closest(id, known);
      return fmt::format("unknown framework '{}'{}; known: {}", id,
                         guess.empty() ? "" : fmt::format(" (did you mean '{}'?)", guess),
                         fmt::join(known, ", "));
    }
  }
  return std::nullopt;
}

std::vector<std::string> key_names() {
  std::vector<std::string> names;
  for (const SettingKey& key : setting_keys()) {
    names.emplace_back(key.key);
  }
  return names;
}

std::string unknown_key_message(const std::string& key) {
  const std::string guess = suggest::closest(key, key_names());
  return guess.empty() ? fmt::format("unknown key '{}'", key)
                       : fmt::format("unknown key '{}' (did you mean '{}'?)", key, guess);
}

// The value of `node` as the command line takes it, or nothing (reported) when it has none.
std::optional<std::string> value_text(const YAML::Node& node, const SettingKey& key,
                                      detail::Diagnostics& diagnostics) {
  if (node.IsScalar() && !node.Scalar().empty()) {
    return node.Scalar();
  }
  if (node.IsSequence() && key.kind == SettingKind::frameworks) {
    std::string joined;
    for (const auto& item : node) {
      if (!item.IsScalar()) {
        diagnostics.error(item.Mark(),
                          fmt::format("key '{}': each item must be a framework id", key.key));
        return std::nullopt;
      }
      joined += (joined.empty() ? "" : ",") + item.Scalar();
    }
    return joined;
  }
  diagnostics.error(node.Mark(), fmt::format("key '{}': must be {}", key.key,
                                             key.kind == SettingKind::frameworks
                                               ? "a list of framework ids"
                                               : "one value, not a list or mapping"));
  return std::nullopt;
}

void read_entry(const std::string& name, const YAML::Node& key_node, const YAML::Node& value,
                std::vector<ConfigEntry>& entries, detail::Diagnostics& diagnostics,
                const std::vector<std::string>& known_frameworks) {
  const SettingKey* key = find_setting_key(name);
  if (key == nullptr && value.IsMap()) {
    // A group of dotted keys, as manual_hours_by_size: {small: 40}.
    for (const auto& child : value) {
      if (child.first.IsScalar()) {
        read_entry(name + "." + child.first.Scalar(), child.first, child.second, entries,
                   diagnostics, known_frameworks);
      }
    }
    return;
  }
  if (key == nullptr) {
    diagnostics.error(key_node.Mark(), unknown_key_message(name));
    return;
  }
  const auto text = value_text(value, *key, diagnostics);
  if (!text) {
    return;
  }
  if (const auto problem = check_setting(*key, *text, known_frameworks)) {
    diagnostics.error(value.Mark(), fmt::format("key '{}': {}", name, *problem));
    return;
  }
  const auto duplicate = std::find_if(entries.begin(), entries.end(),
                                      [&](const ConfigEntry& entry) { return entry.key == name; });
  if (duplicate != entries.end()) {
    diagnostics.error(key_node.Mark(),
                      fmt::format("key '{}' is already set on line {}", name, duplicate->line));
    return;
  }
  entries.push_back({name, *text, static_cast<int>(key_node.Mark().line) + 1});
}

} // namespace

const std::vector<SettingKey>& setting_keys() {
  static const std::vector<SettingKey> keys = {
    {"org", SettingKind::name, "organisation to work on (--org)", "default"},
    {"format", SettingKind::format,
     "output format, where the command offers it: table, json, jsonl, md, html, csv (--format)",
     "table"},
    {"frameworks", SettingKind::frameworks,
     "frameworks in scope (assess, roi: -f/--framework; an answers file's own win in assess)", ""},
    {"size", SettingKind::size, "organisation size: small, medium or large (roi, pathway)",
     "medium"},
    {"hourly_rate", SettingKind::positive,
     "USD per hour of compliance work (assess, report, roi: --hourly-rate)", "150"},
    {"hours_per_week", SettingKind::positive,
     "remediation hours a week, for the roadmap (assess --hours-per-week)", "40"},
    {"audit_cost", SettingKind::non_negative,
     "external audit cost in USD per framework (roi; assess: times the frameworks assessed)", ""},
    {"observation_days", SettingKind::days,
     "SOC 2 Type II observation period in days (assess --observation-days)", "90"},
    {"accept_max_days", SettingKind::days,
     "longest lifetime of an accepted risk in days, at most 365 (accept, --accept-file)", "365"},
    {"manual_hours", SettingKind::non_negative,
     "manual compliance hours a month, instead of the size's (roi, pathway --manual-hours)", ""},
    {"manual_hours_by_size.small", SettingKind::non_negative,
     "manual compliance hours a month of a small organisation (roi)", "80"},
    {"manual_hours_by_size.medium", SettingKind::non_negative,
     "manual compliance hours a month of a medium organisation (roi)", "160"},
    {"manual_hours_by_size.large", SettingKind::non_negative,
     "manual compliance hours a month of a large organisation (roi)", "320"},
    {"automation_share", SettingKind::percent,
     "percentage of the manual hours automated (roi --automation-share)", "90"},
    {"audit_reduction", SettingKind::percent,
     "percentage of the audit cost saved (roi --audit-reduction)", "60"},
    {"breach_cost", SettingKind::non_negative, "cost of one breach in USD (roi --breach-cost)",
     "4450000"},
    {"risk_reduction", SettingKind::percent,
     "percentage of breach risk removed (roi --risk-reduction)", "70"},
    {"breach_probability", SettingKind::percent,
     "percentage chance of a breach in a year (roi --breach-probability)", "1"},
    {"annual_cost", SettingKind::positive,
     "annual cost of the compliance programme in USD (roi --annual-cost)", ""},
  };
  return keys;
}

const SettingKey* find_setting_key(std::string_view key) {
  const auto& keys = setting_keys();
  const auto found = std::find_if(keys.begin(), keys.end(),
                                  [key](const SettingKey& known) { return known.key == key; });
  return found == keys.end() ? nullptr : &*found;
}

std::optional<std::string> check_setting(const SettingKey& key, std::string_view value,
                                         const std::vector<std::string>& known_frameworks) {
  switch (key.kind) {
  case SettingKind::name:
    return value.empty() ? std::optional<std::string>("must not be empty") : std::nullopt;
  case SettingKind::format:
    if (std::find(std::begin(k_formats), std::end(k_formats), value) != std::end(k_formats)) {
      return std::nullopt;
    }
    return fmt::format("must be one of {}, not '{}'", fmt::join(k_formats, ", "), value);
  case SettingKind::frameworks:
    return check_frameworks(value, known_frameworks);
  case SettingKind::size:
    return parse_org_size(value)
             ? std::nullopt
             : std::optional(fmt::format("must be small, medium or large, not '{}'", value));
  default:
    return check_number(key.kind, value);
  }
}

double setting_number(std::string_view value) {
  return parse_roi_number(value, true).value_or(0);
}

std::vector<std::string> setting_list(std::string_view value) {
  std::vector<std::string> items;
  while (!value.empty()) {
    const size_t comma = value.find(',');
    std::string item = trim(value.substr(0, comma));
    if (!item.empty()) {
      items.push_back(std::move(item));
    }
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
  }
  return items;
}

std::vector<ConfigEntry> read_config(std::string_view text, const std::string& path,
                                     const std::vector<std::string>& known_frameworks) {
  detail::Diagnostics diagnostics(path);
  const YAML::Node root = detail::parse_yaml(text, diagnostics);
  std::vector<ConfigEntry> entries;
  if (diagnostics.empty() && !root.IsNull()) {
    if (!root.IsMap()) {
      diagnostics.error(root.Mark(), "expected a mapping of keys such as `org: acme`");
    } else {
      for (const auto& entry : root) {
        if (!entry.first.IsScalar()) {
          diagnostics.error(entry.first.Mark(), "keys must be plain words");
          continue;
        }
        read_entry(entry.first.Scalar(), entry.first, entry.second, entries, diagnostics,
                   known_frameworks);
      }
    }
  }
  diagnostics.throw_if_any("configuration",
                           "README.md, section \"Configuration\", lists the keys; `velocity "
                           "config list` shows what is in effect");
  return entries;
}

} // namespace velocity::compliance
