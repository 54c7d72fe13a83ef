// `velocity connect`: what the command's parts share (src/cli/connect.cpp sets up the command and
// its list/test/remove subcommands, src/cli/connect_platforms.cpp connects each platform).

#pragma once

#include "platforms.hpp"

#include <velocity/cli/context.hpp>
#include <velocity/providers/provider.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace velocity::cli::connect {

struct ConnectOptions {
  std::string name;
  std::vector<std::string> regions;
  std::optional<std::string> endpoint_url;
  std::optional<std::string> role_arn;
  std::optional<std::string> external_id;
  std::optional<std::string> organization_role;
  std::optional<std::string> profile;
  std::optional<std::string> credentials_file;
  std::optional<std::string> argv_secret;
  bool replace = false;
  bool no_test = false;
  bool allow_insecure_http = false;
  bool yes = false;
  HttpOptions http;
  std::string platform;
  // github
  std::string org;
  std::optional<std::string> api_url;
  std::optional<std::string> token_file;
  int64_t max_wait = 900;
  // gcp
  std::optional<std::string> key_file;
  std::optional<std::string> project;
  std::optional<std::string> token_uri;
  std::optional<std::string> api_endpoint;
  // azure
  std::optional<std::string> authority_host;
  std::optional<std::string> arm_endpoint;
};

// A connection test as `connect` and `connect test` print it.
nlohmann::json test_json(const std::string& name, const std::string& platform,
                         const providers::ConnectionTest& test);
void print_test(Context& ctx, const std::string& format, const nlohmann::json& json);

// Turns an unhealthy test into the error of its kind: rejected keys exit 3, denied 4, no
// answer 6.
void throw_if_unhealthy(const providers::ConnectionTest& test, const std::string& name,
                        const std::string& platform = "aws");

// Each reads its platform's credentials (never from argv), tests them unless --no-test, and
// stores the integration sealed.
void connect_aws(Context& ctx, const ConnectOptions& options);
void connect_github(Context& ctx, const ConnectOptions& options);
void connect_gcp(Context& ctx, const ConnectOptions& options);
void connect_azure(Context& ctx, const ConnectOptions& options);

} // namespace velocity::cli::connect
