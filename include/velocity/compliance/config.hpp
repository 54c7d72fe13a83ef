#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The configuration file a team writes once (README.md, "Configuration"): defaults for the
// organisation, the output format, the frameworks in scope and the cost and ROI assumptions. It
// is read here because only this module reads YAML; the cli decides what wins over what.
namespace velocity::compliance {

// What a key's value must be.
enum class SettingKind {
  name,         // any non-empty text
  format,       // table, json, jsonl, md, html or csv
  frameworks,   // comma-separated framework ids (a YAML list in the file)
  size,         // small, medium or large
  positive,     // a number > 0
  non_negative, // a number >= 0
  percent,      // a number 0-100, "90%" too
  days          // a whole number >= 0
};

// One key of the file. Nested keys are written with a dot: manual_hours_by_size.small.
struct SettingKey {
  std::string_view key;
  SettingKind kind;
  std::string_view help;
  // The value the commands use when nothing sets the key, as `velocity config list` prints it;
  // empty when there is none (a command asks, or works without it).
  std::string_view built_in;
};

// Every key, in the order `velocity config list` prints them.
const std::vector<SettingKey>& setting_keys();

// The key named `key`, or nothing.
const SettingKey* find_setting_key(std::string_view key);

// The problem with `value` for `key` ("must be more than 0, not -5"), or nothing when it is
// valid. Framework ids are checked against `known_frameworks`.
std::optional<std::string> check_setting(const SettingKey& key, std::string_view value,
                                         const std::vector<std::string>& known_frameworks);

// A valid value of a positive, non_negative, percent or days key as a number.
double setting_number(std::string_view value);

// The items of a frameworks value: "soc2, iso27001" is {"soc2", "iso27001"}.
std::vector<std::string> setting_list(std::string_view value);

// One value of a config file, as the command line would take it (a list joined with ","), and
// the 1-based line it is written on.
struct ConfigEntry {
  std::string key;
  std::string value;
  int line = 0;
};

// Reads a config file: a YAML (or JSON) mapping of setting_keys(). Throws UsageError listing
// every problem as path:line:column with the key: an unknown key (with the nearest known one),
// a list where one value belongs, a value check_setting() refuses.
std::vector<ConfigEntry> read_config(std::string_view text, const std::string& path,
                                     const std::vector<std::string>& known_frameworks);

} // namespace velocity::compliance
