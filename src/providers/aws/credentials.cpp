#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/providers/aws/credentials.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace velocity::providers::aws {

namespace {

std::string trim(std::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin])) != 0) {
    ++begin;
  }
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1])) != 0) {
    --end;
  }
  return std::string(text.substr(begin, end - begin));
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::optional<IniFile> read_ini(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_ini(text.str());
}

std::optional<std::string> value_of(const std::map<std::string, std::string>& section,
                                    const char* key) {
  const auto found = section.find(key);
  if (found == section.end() || found->second.empty()) {
    return std::nullopt;
  }
  return found->second;
}

std::filesystem::path home_file(const EnvLookup& env, const char* override_name,
                                const char* file_name) {
  if (auto path = env(override_name)) {
    return *path;
  }
  const std::filesystem::path home = env("HOME").value_or("");
  return home / ".aws" / file_name;
}

// One profile's sections: [name] in the credentials file, [profile name] (or [default]) in the
// config file.
struct ProfileFiles {
  std::optional<IniFile> credentials;
  std::optional<IniFile> config;
  std::filesystem::path credentials_path;
  std::filesystem::path config_path;

  const std::map<std::string, std::string>* credentials_section(const std::string& name) const {
    if (!credentials) {
      return nullptr;
    }
    const auto found = credentials->find(name);
    return found == credentials->end() ? nullptr : &found->second;
  }

  const std::map<std::string, std::string>* config_section(const std::string& name) const {
    if (!config) {
      return nullptr;
    }
    auto found = config->find(name == "default" ? name : "profile " + name);
    if (found == config->end() && name == "default") {
      found = config->find("profile default");
    }
    return found == config->end() ? nullptr : &found->second;
  }
};

// The static keys of profile `name`, looking in the credentials file then the config file.
std::optional<Credentials> profile_keys(const ProfileFiles& files, const std::string& name) {
  for (const auto* section : {files.credentials_section(name), files.config_section(name)}) {
    if (section == nullptr) {
      continue;
    }
    auto id = value_of(*section, "aws_access_key_id");
    auto secret = value_of(*section, "aws_secret_access_key");
    if (id && secret) {
      return Credentials{*id, *secret, value_of(*section, "aws_session_token").value_or("")};
    }
  }
  return std::nullopt;
}

ResolvedCredentials from_profile(const ProfileFiles& files, const std::string& name,
                                 bool explicit_file) {
  const auto* config = files.config_section(name);
  const auto* credentials = files.credentials_section(name);
  if (config == nullptr && credentials == nullptr) {
    throw UsageError(
      fmt::format("AWS profile '{}' is not in {}{}", name, files.credentials_path.string(),
                  explicit_file ? "" : " nor in " + files.config_path.string()),
      "name an existing profile with --profile or AWS_PROFILE, or set AWS_ACCESS_KEY_ID and "
      "AWS_SECRET_ACCESS_KEY");
  }
  ResolvedCredentials resolved;
  if (config != nullptr) {
    resolved.region = value_of(*config, "region");
    resolved.endpoint_url = value_of(*config, "endpoint_url");
    resolved.role_arn = value_of(*config, "role_arn");
    resolved.external_id = value_of(*config, "external_id");
  }
  std::string keys_from = name;
  std::optional<Credentials> keys = profile_keys(files, name);
  if (!keys && resolved.role_arn && config != nullptr) {
    if (auto source = value_of(*config, "source_profile")) {
      keys = profile_keys(files, *source);
      keys_from = *source;
    }
  }
  if (!keys) {
    throw UsageError(
      fmt::format("AWS profile '{}' has no aws_access_key_id and aws_secret_access_key", name),
      "velocity reads static keys (optionally with role_arn and source_profile); SSO and "
      "credential_process profiles are not supported");
  }
  resolved.credentials = *keys;
  resolved.source = fmt::format("profile {} of {}", keys_from,
                                explicit_file || files.credentials_section(keys_from) != nullptr
                                  ? files.credentials_path.string()
                                  : files.config_path.string());
  return resolved;
}

} // namespace

IniFile parse_ini(std::string_view text) {
  IniFile ini;
  std::string section;
  bool in_section = false;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    if (!raw.empty() && raw.back() == '\r') {
      raw.remove_suffix(1);
    }
    const std::string line = trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') {
      continue;
    }
    if (line.front() == '[' && line.back() == ']') {
      section = trim(std::string_view(line).substr(1, line.size() - 2));
      ini[section];
      in_section = true;
      continue;
    }
    // An indented line belongs to a nested block (`s3 =` followed by sub-keys): skip it.
    if (!in_section || std::isspace(static_cast<unsigned char>(raw.front())) != 0) {
      continue;
    }
    const size_t equals = line.find('=');
    if (equals == std::string::npos) {
      continue;
    }
    ini[section][lower(trim(std::string_view(line).substr(0, equals)))] =
      trim(std::string_view(line).substr(equals + 1));
  }
  return ini;
}

ResolvedCredentials resolve_credentials(const ChainOptions& options, const EnvLookup& env) {
  ProfileFiles files;
  files.credentials_path = options.credentials_file
                             ? *options.credentials_file
                             : home_file(env, "AWS_SHARED_CREDENTIALS_FILE", "credentials");
  files.config_path = home_file(env, "AWS_CONFIG_FILE", "config");
  files.credentials = read_ini(files.credentials_path);
  files.config = options.credentials_file ? std::nullopt : read_ini(files.config_path);
  if (options.credentials_file && !files.credentials) {
    throw UsageError(
      fmt::format("cannot read the credentials file {}", options.credentials_file->string()),
      "pass a readable file in the ~/.aws/credentials format");
  }

  ResolvedCredentials resolved;
  const bool explicit_profile = options.profile.has_value() || options.credentials_file.has_value();
  auto id = env("AWS_ACCESS_KEY_ID");
  auto secret = env("AWS_SECRET_ACCESS_KEY");
  if (!explicit_profile && id && secret) {
    resolved.credentials = Credentials{*id, *secret, env("AWS_SESSION_TOKEN").value_or("")};
    resolved.source = "environment variables";
  } else if (!explicit_profile && (id || secret)) {
    throw UsageError(fmt::format("{} is set but {} is not",
                                 id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                                 id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID"),
                     "set both, or neither to use a profile");
  } else {
    const std::string profile = options.profile.value_or(
      env("AWS_PROFILE").value_or(env("AWS_DEFAULT_PROFILE").value_or("default")));
    if (!files.credentials && !files.config && (options.profile || env("AWS_PROFILE"))) {
      throw UsageError(fmt::format("AWS profile '{}' not found: there is no {} nor {}", profile,
                                   files.credentials_path.string(), files.config_path.string()),
                       "create the profile (`aws configure --profile NAME`), or set "
                       "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    }
    if (!files.credentials && !files.config) {
      throw UsageError(
        "no AWS credentials found: AWS_ACCESS_KEY_ID is not set and there is no " +
          files.credentials_path.string(),
        "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (AWS_SESSION_TOKEN for temporary "
        "keys), AWS_PROFILE, or pass --credentials-file; keys are never read from the command "
        "line");
    }
    resolved = from_profile(files, profile, options.credentials_file.has_value());
  }
  if (auto region = env("AWS_REGION")) {
    resolved.region = region;
  } else if (auto default_region = env("AWS_DEFAULT_REGION")) {
    resolved.region = default_region;
  }
  if (auto endpoint = env("AWS_ENDPOINT_URL")) {
    resolved.endpoint_url = endpoint;
  }
  return resolved;
}

std::string serialise_credentials(const Credentials& credentials) {
  nlohmann::json secret = {{"access_key_id", credentials.access_key_id},
                           {"secret_access_key", credentials.secret_access_key}};
  if (!credentials.session_token.empty()) {
    secret["session_token"] = credentials.session_token;
  }
  return secret.dump();
}

Credentials parse_credentials(std::string_view secret) {
  const auto json = nlohmann::json::parse(secret, nullptr, false);
  if (!json.is_object() || !json.contains("access_key_id") || !json.contains("secret_access_key")) {
    throw StateError("the stored AWS credentials are not readable",
                     "connect the integration again with --replace");
  }
  return Credentials{json.value("access_key_id", ""), json.value("secret_access_key", ""),
                     json.value("session_token", "")};
}

} // namespace velocity::providers::aws
