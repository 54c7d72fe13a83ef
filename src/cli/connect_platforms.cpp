// `velocity connect aws|github|gcp|azure`: each platform's credentials read (never from argv),
// tested, and stored sealed.

#include "connect.hpp"
#include "option_values.hpp"

#include <velocity/cli/commands.hpp>
#include <velocity/core/env.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/core/input_limits.hpp>
#include <velocity/providers/aws/credentials.hpp>
#include <velocity/providers/aws/provider.hpp>
#include <velocity/providers/azure/provider.hpp>
#include <velocity/providers/gcp/provider.hpp>
#include <velocity/providers/github/provider.hpp>
#include <velocity/store/evidence.hpp>
#include <velocity/store/integrations.hpp>

#include <fmt/format.h>

#include <map>

namespace velocity::cli::connect {

namespace {

// Tests (unless --no-test), stores the integration with its sealed secret and reports it.
// `source` says where the `secret_kind` ("keys", "credentials") came from; `details` are
// platform settings the report shows besides.
void store_integration(Context& ctx, const ConnectOptions& options,
                       const providers::Platform& platform, providers::IntegrationConfig config,
                       const std::string& source, std::string_view secret_kind,
                       const nlohmann::json& details = nlohmann::json::object()) {
  const std::string format = ctx.format({"table", "json"});
  if (options.allow_insecure_http) {
    config.settings[providers::k_allow_insecure_http] = true;
    ctx.out().warn(fmt::format("integration '{}' may send its credentials over plain http:// to "
                               "other machines (--allow-insecure-http)",
                               options.name));
  }
  std::optional<providers::ConnectionTest> test;
  if (!options.no_test) {
    test = platform.open_integration(config, provider_options(options.http))->test();
    throw_if_unhealthy(*test, options.name, platform.name);
    config.settings["account_id"] = test->account_id;
    config.settings["identity"] = test->identity;
  }
  store::State& state = ctx.state();
  ctx.audit_intent(integration_event(audit::Category::authentication, "integration.connect",
                                     options.name, {{"platform", platform.name}}));
  // The integration and its event commit together.
  store::Transaction tx(state.db());
  const store::IntegrationRecord record =
    store::add_integration(state.db(), ctx.org(),
                           store::NewIntegration{.name = options.name,
                                                 .platform = platform.name,
                                                 .settings = config.settings.dump(),
                                                 .secret = config.secret},
                           options.replace ? store::OnExisting::replace : store::OnExisting::fail);
  if (test) {
    store::record_integration_test(state.db(), record.id, time::now(),
                                   providers::to_string(test->status));
  }
  nlohmann::json json =
    test
      ? test_json(options.name, platform.name, *test)
      : nlohmann::json{{"name", options.name}, {"platform", platform.name}, {"status", "unknown"}};
  json.update(details);
  json["credential_source"] = source;
  ctx.audit(integration_event(audit::Category::authentication, "integration.connect", options.name,
                              {{"platform", platform.name},
                               {"credential_source", source},
                               {"account_id", test ? test->account_id : ""},
                               {"replace", options.replace}}));
  tx.commit();
  if (format == "json") {
    ctx.out().json(json);
    return;
  }
  ctx.out().info(fmt::format("connected {} integration '{}' ({} from {}, stored encrypted)",
                             platform.name, options.name, secret_kind, source));
  if (test) {
    print_test(ctx, format, json);
  }
}

} // namespace

void connect_aws(Context& ctx, const ConnectOptions& options) {
  if (options.argv_secret) {
    throw UsageError("AWS keys are never taken from the command line",
                     "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, use AWS_PROFILE, or pass "
                     "--credentials-file FILE");
  }
  ctx.format({"table", "json"});
  store::check_integration_name(options.name);
  providers::aws::ChainOptions chain;
  if (options.credentials_file) {
    chain.credentials_file = *options.credentials_file;
  }
  chain.profile = options.profile;
  const providers::aws::ResolvedCredentials resolved =
    providers::aws::resolve_credentials(chain, [](const char* name) { return env::get(name); });

  providers::aws::Settings settings;
  settings.regions = split_comma_lists(options.regions); // --region a,b or --region a --region b
  settings.home_region =
    !settings.regions.empty() ? settings.regions.front() : resolved.region.value_or("us-east-1");
  settings.endpoint_url = options.endpoint_url ? options.endpoint_url : resolved.endpoint_url;
  if (settings.endpoint_url && settings.endpoint_url->ends_with('/')) {
    settings.endpoint_url->pop_back();
  }
  settings.role_arn = options.role_arn ? options.role_arn : resolved.role_arn;
  settings.external_id = options.external_id ? options.external_id : resolved.external_id;
  settings.organization_role = options.organization_role;
  settings.credential_source = resolved.source;
  const std::string& key_id = resolved.credentials.access_key_id;
  settings.access_key_hint = key_id.size() > 4 ? key_id.substr(key_id.size() - 4) : "";
  settings.validate();

  providers::IntegrationConfig config{
    .name = options.name,
    .platform = "aws",
    .settings = settings.to_json(),
    .secret = providers::aws::serialise_credentials(resolved.credentials)};
  nlohmann::json details = {{"regions", settings.regions}};
  if (settings.role_arn) {
    details["role_arn"] = *settings.role_arn;
  }
  if (settings.organization_role) {
    details["organization_role"] = *settings.organization_role;
  }
  store_integration(ctx, options, providers::aws::platform(), std::move(config),
                    settings.credential_source, "keys", details);
}

namespace {

// The trimmed content of a secret file; throws UsageError naming the option when it is empty.
std::string read_secret_file(const std::string& path, const char* option) {
  std::string text = fs::read_file(path, limits::credentials_file);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  if (text.empty()) {
    throw UsageError(fmt::format("{} {} is empty", option, path), "put the secret in the file");
  }
  return text;
}

} // namespace

void connect_github(Context& ctx, const ConnectOptions& options) {
  ctx.format({"table", "json"});
  store::check_integration_name(options.name);
  providers::github::Settings settings;
  settings.org = options.org;
  if (options.api_url) {
    settings.api_url = *options.api_url;
    while (settings.api_url.ends_with('/')) {
      settings.api_url.pop_back();
    }
  }
  settings.max_wait_seconds = options.max_wait;
  std::string token;
  if (options.token_file) {
    token = read_secret_file(*options.token_file, "--token-file");
    settings.credential_source = "--token-file";
  } else if (auto value = env::get("GITHUB_TOKEN"); value && !value->empty()) {
    token = *value;
    settings.credential_source = "GITHUB_TOKEN";
  } else if (auto gh = env::get("GH_TOKEN"); gh && !gh->empty()) {
    token = *gh;
    settings.credential_source = "GH_TOKEN";
  } else {
    throw UsageError("no GitHub token: GITHUB_TOKEN and GH_TOKEN are unset and no --token-file "
                     "was given",
                     "export GITHUB_TOKEN=... or pass --token-file FILE (never the token itself)");
  }
  settings.validate();
  store_integration(
    ctx, options, providers::github::platform(),
    providers::IntegrationConfig{
      .name = options.name, .platform = "github", .settings = settings.to_json(), .secret = token},
    settings.credential_source, "credentials");
}

namespace {

std::string without_trailing_slash(std::string url) {
  while (url.ends_with('/')) {
    url.pop_back();
  }
  return url;
}

} // namespace

void connect_gcp(Context& ctx, const ConnectOptions& options) {
  ctx.format({"table", "json"});
  store::check_integration_name(options.name);
  std::string path;
  providers::gcp::Settings settings;
  if (options.key_file) {
    path = *options.key_file;
    settings.credential_source = "--key-file";
  } else if (auto value = env::get("GOOGLE_APPLICATION_CREDENTIALS"); value && !value->empty()) {
    path = *value;
    settings.credential_source = "GOOGLE_APPLICATION_CREDENTIALS";
  } else {
    throw UsageError("no service-account key: pass --key-file or set "
                     "GOOGLE_APPLICATION_CREDENTIALS",
                     "download a JSON key for the service account and pass --key-file sa.json");
  }
  const std::string text = fs::read_file(path, limits::credentials_file);
  const providers::gcp::ServiceAccountKey key = providers::gcp::parse_key(text, path);
  settings.project_id = options.project.value_or(key.project_id);
  settings.all_projects = !options.project.has_value();
  settings.client_email = key.client_email;
  if (options.token_uri) {
    settings.token_uri = *options.token_uri;
  } else if (!key.token_uri.empty()) {
    settings.token_uri = key.token_uri;
  }
  if (options.api_endpoint) {
    settings.api_endpoint = without_trailing_slash(*options.api_endpoint);
  }
  settings.validate();
  store_integration(
    ctx, options, providers::gcp::platform(),
    providers::IntegrationConfig{
      .name = options.name, .platform = "gcp", .settings = settings.to_json(), .secret = text},
    settings.credential_source, "credentials");
}

// AZURE_* variables, as azure-identity's EnvironmentCredential reads them, or the same names
// as KEY=VALUE lines of --credentials-file.
void connect_azure(Context& ctx, const ConnectOptions& options) {
  ctx.format({"table", "json"});
  store::check_integration_name(options.name);
  std::map<std::string, std::string> values;
  providers::azure::Settings settings;
  if (options.credentials_file) {
    const std::string text = fs::read_file(*options.credentials_file, limits::credentials_file);
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      std::string line =
        text.substr(start, end == std::string::npos ? std::string::npos : end - start);
      start = end == std::string::npos ? text.size() : end + 1;
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
        line.pop_back();
      }
      if (line.starts_with("export ")) {
        line = line.substr(7);
      }
      const size_t equals = line.find('=');
      if (line.empty() || line.front() == '#' || equals == std::string::npos) {
        continue;
      }
      std::string value = line.substr(equals + 1);
      if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
          value.back() == value.front()) {
        value = value.substr(1, value.size() - 2);
      }
      values[line.substr(0, equals)] = value;
    }
    settings.credential_source = "--credentials-file";
  } else {
    for (const char* name : {"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET",
                             "AZURE_SUBSCRIPTION_ID", "AZURE_AUTHORITY_HOST"}) {
      if (auto value = env::get(name)) {
        values[name] = *value;
      }
    }
    settings.credential_source = "AZURE_* environment";
  }
  settings.tenant_id = values["AZURE_TENANT_ID"];
  settings.client_id = values["AZURE_CLIENT_ID"];
  settings.subscription_id = values["AZURE_SUBSCRIPTION_ID"];
  const std::string secret = values["AZURE_CLIENT_SECRET"];
  if (secret.empty()) {
    throw UsageError("AZURE_CLIENT_SECRET is missing",
                     "set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, and "
                     "AZURE_SUBSCRIPTION_ID to collect one subscription only (or pass "
                     "--credentials-file)");
  }
  if (options.authority_host) {
    settings.authority_host = without_trailing_slash(*options.authority_host);
  } else if (!values["AZURE_AUTHORITY_HOST"].empty()) {
    settings.authority_host = without_trailing_slash(values["AZURE_AUTHORITY_HOST"]);
  }
  if (options.arm_endpoint) {
    settings.arm_endpoint = without_trailing_slash(*options.arm_endpoint);
  }
  settings.validate();
  store_integration(
    ctx, options, providers::azure::platform(),
    providers::IntegrationConfig{
      .name = options.name, .platform = "azure", .settings = settings.to_json(), .secret = secret},
    settings.credential_source, "credentials");
}

} // namespace velocity::cli::connect
