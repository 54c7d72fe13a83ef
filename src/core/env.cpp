#include <velocity/core/env.hpp>

#include <cstdlib>

#include <pwd.h>
#include <unistd.h>

namespace velocity::env {

std::optional<std::string> get(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    return std::nullopt;
  }
  return std::string(value);
}

namespace {

std::filesystem::path home() {
  if (auto value = get("HOME")) {
    return *value;
  }
  if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr && pw->pw_dir != nullptr) {
    return pw->pw_dir;
  }
  return "/";
}

} // namespace

std::filesystem::path data_home() {
  if (auto value = get("XDG_DATA_HOME")) {
    return *value;
  }
  return home() / ".local" / "share";
}

std::filesystem::path config_home() {
  if (auto value = get("XDG_CONFIG_HOME")) {
    return *value;
  }
  return home() / ".config";
}

std::string user_name() {
  if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr && pw->pw_name != nullptr) {
    return pw->pw_name;
  }
  return get("USER").value_or("uid:" + std::to_string(::getuid()));
}

} // namespace velocity::env
