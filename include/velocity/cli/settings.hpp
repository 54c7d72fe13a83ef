#pragma once

#include <velocity/compliance/config.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace velocity::cli {

// Where an effective value came from, as `velocity config list` shows it.
enum class SettingSource { option, env, config, built_in };
std::string_view to_string(SettingSource source) noexcept;

// A value with where it came from: "--org", "VELOCITY_ORG", "/home/me/.config/velocity/
// config.yaml:3", or nothing for a built-in one.
struct SettingValue {
  std::string value;
  SettingSource source = SettingSource::built_in;
  std::string where;
};

// The defaults a team sets once (README.md, "Configuration"): the config file and the
// VELOCITY_<KEY> environment variables, the environment winning. A command-line option beats
// both; the commands ask here only for the options they were not given.
class Settings {
public:
  // Reads the config file: `config_option` (--config), else $VELOCITY_CONFIG, else
  // $XDG_CONFIG_HOME/velocity/config.yaml. Only the default file may be missing. A named file
  // that is missing, and any bad key or value, throw UsageError naming the file and line.
  static Settings load(const std::optional<std::string>& config_option);

  // The config file looked at, and what named it: "--config", "VELOCITY_CONFIG" or "default".
  const std::filesystem::path& path() const noexcept { return m_path; }
  const std::string& path_source() const noexcept { return m_path_source; }
  bool file_exists() const noexcept { return m_file_exists; }

  // The value of `key` (compliance::setting_keys()) from the environment, else the file;
  // nothing when neither sets it. A bad environment value throws UsageError naming the variable.
  std::optional<SettingValue> find(std::string_view key) const;

  // VELOCITY_HOURLY_RATE for hourly_rate, VELOCITY_MANUAL_HOURS_BY_SIZE_SMALL for
  // manual_hours_by_size.small.
  static std::string env_name(std::string_view key);

private:
  std::filesystem::path m_path;
  std::string m_path_source;
  bool m_file_exists = false;
  std::vector<compliance::ConfigEntry> m_entries;
};

} // namespace velocity::cli
