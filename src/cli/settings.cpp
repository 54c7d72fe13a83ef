#include <velocity/cli/settings.hpp>
#include <velocity/compliance/library.hpp>
#include <velocity/core/env.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/core/input_limits.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace velocity::cli {

namespace {

// The framework ids a frameworks value may name: the catalogues in use, built-in or
// $VELOCITY_FRAMEWORKS_DIR.
std::vector<std::string> known_frameworks() {
  return compliance::Library::open(std::nullopt).framework_ids();
}

std::string read_config_text(const std::filesystem::path& path, const std::string& named_by) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    throw UsageError(fmt::format("config file {} ({}) is a directory", path.string(), named_by),
                     "give a YAML file such as ~/.config/velocity/config.yaml");
  }
  try {
    return fs::read_file(path, limits::config_file);
  } catch (const StateError& unreadable) {
    // An input file, not the state: a usage error (exit 2).
    throw UsageError(unreadable.what(), "check the path and the file's permissions");
  }
}

} // namespace

std::string_view to_string(SettingSource source) noexcept {
  switch (source) {
  case SettingSource::option:
    return "option";
  case SettingSource::env:
    return "env";
  case SettingSource::config:
    return "config";
  case SettingSource::built_in:
    return "default";
  }
  return "default";
}

Settings Settings::load(const std::optional<std::string>& config_option) {
  Settings settings;
  if (config_option) {
    settings.m_path = *config_option;
    settings.m_path_source = "--config";
  } else if (const auto from_env = env::get("VELOCITY_CONFIG")) {
    settings.m_path = *from_env;
    settings.m_path_source = "VELOCITY_CONFIG";
  } else {
    settings.m_path = env::config_home() / "velocity" / "config.yaml";
    settings.m_path_source = "default";
  }
  std::error_code error;
  settings.m_file_exists = std::filesystem::exists(settings.m_path, error);
  if (!settings.m_file_exists) {
    if (settings.m_path_source != "default") {
      throw UsageError(fmt::format("config file {} (from {}) does not exist",
                                   settings.m_path.string(), settings.m_path_source),
                       "check the path; without --config and VELOCITY_CONFIG velocity reads "
                       "$XDG_CONFIG_HOME/velocity/config.yaml when it exists");
    }
    return settings;
  }
  const std::string text = read_config_text(settings.m_path, settings.m_path_source);
  const bool names_frameworks = text.find("frameworks") != std::string::npos;
  settings.m_entries =
    compliance::read_config(text, settings.m_path.string(),
                            names_frameworks ? known_frameworks() : std::vector<std::string>{});
  return settings;
}

std::optional<SettingValue> Settings::find(std::string_view key) const {
  const compliance::SettingKey* known = compliance::find_setting_key(key);
  if (known == nullptr) {
    return std::nullopt;
  }
  const std::string variable = env_name(key);
  if (const auto value = env::get(variable.c_str())) {
    const auto problem = compliance::check_setting(
      *known, *value,
      known->kind == compliance::SettingKind::frameworks ? known_frameworks()
                                                         : std::vector<std::string>{});
    if (problem) {
      throw UsageError(fmt::format("environment variable {}: {}", variable, *problem),
                       fmt::format("fix or unset {}; `velocity config list` shows what is in "
                                   "effect and where it comes from",
                                   variable));
    }
    return SettingValue{*value, SettingSource::env, variable};
  }
  const auto entry = std::find_if(m_entries.begin(), m_entries.end(),
                                  [key](const auto& candidate) { return candidate.key == key; });
  if (entry == m_entries.end()) {
    return std::nullopt;
  }
  return SettingValue{entry->value, SettingSource::config,
                      fmt::format("{}:{}", m_path.string(), entry->line)};
}

std::string Settings::env_name(std::string_view key) {
  std::string name = "VELOCITY_";
  for (const char c : key) {
    name += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

} // namespace velocity::cli
