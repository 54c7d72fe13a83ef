#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace velocity::env {

// The value of environment variable `name`, or nothing when it is unset or empty.
std::optional<std::string> get(const char* name);

// $XDG_DATA_HOME, else ~/.local/share.
std::filesystem::path data_home();

// $XDG_CONFIG_HOME, else ~/.config.
std::filesystem::path config_home();

// The name of the user running velocity, for audit events.
std::string user_name();

} // namespace velocity::env
