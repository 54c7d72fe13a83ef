// `velocity connect`: store a platform's credentials (sealed), test the connection, list,
// remove, and show what a platform can collect.

#include "platforms.hpp"

#include <velocity/cli/commands.hpp>
#include <velocity/core/env.hpp>
#include <velocity/core/error.hpp>
#include <velocity/providers/aws/credentials.hpp>
#include <velocity/providers/aws/provider.hpp>
#include <velocity/providers/azure/provider.hpp>
#include <velocity/providers/gcp/provider.hpp>
#include <velocity/providers/github/provider.hpp>
#include <velocity/store/evidence.hpp>
#include <velocity/store/integrations.hpp>
#include <velocity/core/fs.hpp>

#include <fmt/format.h>

#include <map>

namespace velocity::cli {

namespace {

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

nlohmann::json test_json(const std::string& name, const std::string& platform,
                         const providers::ConnectionTest& test) {
  nlohmann::json json = {{"name", name},
                         {"platform", platform},
                         {"status", std::string(providers::to_string(test.status))},
                         {"response_time_ms", test.response_time_ms},
                         {"account_id", test.account_id},
                         {"arn", test.identity},
                         {"region", test.region}};
  if (!test.message.empty()) {
    json["message"] = test.message;
  }
  if (!test.error_code.empty()) {
    json["error_code"] = test.error_code;
  }
  return json;
}

void print_test(Context& ctx, const std::string& format, const nlohmann::json& json) {
  if (format == "json") {
    ctx.out().json(json);
    return;
  }
  Table table({"NAME", "STATUS", "ACCOUNT", "IDENTITY", "REGION", "TIME"});
  table.add_row({json["name"], json["status"], json["account_id"], json["arn"], json["region"],
                 fmt::format("{} ms", json["response_time_ms"].get<int64_t>())});
  ctx.out().data(table.render());
  if (json.contains("message")) {
    ctx.out().info(json["message"].get<std::string>());
  }
}

// Turns an unhealthy test into the error of its kind: rejected keys exit 3, denied 4, no
// answer 6.
void throw_if_unhealthy(const providers::ConnectionTest& test, const std::string& name,
                        const std::string& platform = "aws") {
  if (test.status == providers::Health::healthy || test.status == providers::Health::degraded) {
    return;
  }
  switch (test.failure) {
  case providers::TestFailure::rejected_credentials:
    if (platform == "github") {
      throw StateError(test.message, "check the token; velocity reads GITHUB_TOKEN, GH_TOKEN "
                                     "or --token-file");
    }
    if (platform != "aws") {
      throw StateError(test.message, fmt::format("check the {} credentials and store them "
                                                 "again with --replace",
                                                 platform));
    }
    throw StateError(test.message,
                     "check the keys; velocity reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, "
                     "AWS_PROFILE or --credentials-file");
  case providers::TestFailure::denied:
    throw PermissionError(test.message, "grant the permission to the integration's identity");
  case providers::TestFailure::unreachable:
    throw RemoteError(fmt::format("cannot reach the platform for integration {}: {}", name,
                                  test.message),
                      "check the endpoint URL, the network and proxy variables");
  case providers::TestFailure::none:
  case providers::TestFailure::other:
    break;
  }
  throw RemoteError(fmt::format("the connection test of integration {} failed: {}", name,
                                test.message));
}

void connect_aws(Context& ctx, const ConnectOptions& options) {
  if (options.argv_secret) {
    throw UsageError("AWS keys are never taken from the command line",
                     "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, use AWS_PROFILE, or pass "
                     "--credentials-file FILE");
  }
  const std::string format = ctx.format({"table", "json"});
  store::check_integration_name(options.name);
  providers::aws::ChainOptions chain;
  if (options.credentials_file) {
    chain.credentials_file = *options.credentials_file;
  }
  chain.profile = options.profile;
  const providers::aws::ResolvedCredentials resolved =
    providers::aws::resolve_credentials(chain, [](const char* name) { return env::get(name); });

  providers::aws::Settings settings;
  for (const std::string& list : options.regions) {
    // --region a,b and --region a --region b both work.
    size_t start = 0;
    while (start <= list.size()) {
      const size_t comma = list.find(',', start);
      const std::string region =
        list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!region.empty()) {
        settings.regions.push_back(region);
      }
      if (comma == std::string::npos) {
        break;
      }
      start = comma + 1;
    }
  }
  settings.home_region = !settings.regions.empty() ? settings.regions.front()
                                                   : resolved.region.value_or("us-east-1");
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

  providers::IntegrationConfig config{.name = options.name,
                                      .platform = "aws",
                                      .settings = settings.to_json(),
                                      .secret = providers::aws::serialise_credentials(
                                        resolved.credentials)};
  std::optional<providers::ConnectionTest> test;
  if (!options.no_test) {
    auto provider = providers::aws::platform().open(config, provider_options(options.http));
    test = provider->test();
    throw_if_unhealthy(*test, options.name);
    config.settings["account_id"] = test->account_id;
    config.settings["identity"] = test->identity;
  }

  store::State& state = ctx.state();
  const store::Org org = ctx.org();
  ctx.audit_intent(integration_event(audit::Category::authentication, "integration.connect",
                                     options.name, {{"platform", "aws"}}));
  const store::IntegrationRecord record = store::add_integration(
    state.db(), org,
    store::NewIntegration{.name = options.name,
                          .platform = "aws",
                          .settings = config.settings.dump(),
                          .secret = config.secret},
    options.replace ? store::OnExisting::replace : store::OnExisting::fail);
  if (test) {
    store::record_integration_test(state.db(), record.id, time::now(),
                                   providers::to_string(test->status));
  }

  nlohmann::json json = test ? test_json(options.name, "aws", *test)
                             : nlohmann::json{{"name", options.name},
                                              {"platform", "aws"},
                                              {"status", "unknown"}};
  json["credential_source"] = settings.credential_source;
  json["regions"] = settings.regions;
  if (settings.role_arn) {
    json["role_arn"] = *settings.role_arn;
  }
  if (settings.organization_role) {
    json["organization_role"] = *settings.organization_role;
  }
  ctx.audit(integration_event(audit::Category::authentication, "integration.connect",
                              options.name,
                              {{"platform", "aws"},
                               {"credential_source", settings.credential_source},
                               {"account_id", test ? test->account_id : ""},
                               {"replace", options.replace}}));
  if (format == "json") {
    ctx.out().json(json);
    return;
  }
  ctx.out().info(fmt::format("connected aws integration '{}' (keys from {}, stored encrypted)",
                             options.name, settings.credential_source));
  if (test) {
    print_test(ctx, format, json);
  }
}

// Tests (unless --no-test), stores the integration with its sealed secret and reports it;
// for every platform but AWS, whose report says more.
void store_integration(Context& ctx, const ConnectOptions& options,
                       const providers::Platform& platform, providers::IntegrationConfig config,
                       const std::string& source) {
  const std::string format = ctx.format({"table", "json"});
  std::optional<providers::ConnectionTest> test;
  if (!options.no_test) {
    test = platform.open(config, provider_options(options.http))->test();
    throw_if_unhealthy(*test, options.name, platform.name);
    config.settings["account_id"] = test->account_id;
    config.settings["identity"] = test->identity;
  }
  store::State& state = ctx.state();
  ctx.audit_intent(integration_event(audit::Category::authentication, "integration.connect",
                                     options.name, {{"platform", platform.name}}));
  const store::IntegrationRecord record = store::add_integration(
    state.db(), ctx.org(),
    store::NewIntegration{.name = options.name,
                          .platform = platform.name,
                          .settings = config.settings.dump(),
                          .secret = config.secret},
    options.replace ? store::OnExisting::replace : store::OnExisting::fail);
  if (test) {
    store::record_integration_test(state.db(), record.id, time::now(),
                                   providers::to_string(test->status));
  }
  nlohmann::json json = test ? test_json(options.name, platform.name, *test)
                             : nlohmann::json{{"name", options.name},
                                              {"platform", platform.name},
                                              {"status", "unknown"}};
  json["credential_source"] = source;
  ctx.audit(integration_event(audit::Category::authentication, "integration.connect",
                              options.name,
                              {{"platform", platform.name},
                               {"credential_source", source},
                               {"account_id", test ? test->account_id : ""},
                               {"replace", options.replace}}));
  if (format == "json") {
    ctx.out().json(json);
    return;
  }
  ctx.out().info(fmt::format("connected {} integration '{}' (credentials from {}, stored "
                             "encrypted)",
                             platform.name, options.name, source));
  if (test) {
    print_test(ctx, format, json);
  }
}

// The trimmed content of a secret file; throws UsageError naming the option when it is empty.
std::string read_secret_file(const std::string& path, const char* option) {
  std::string text = fs::read_file(path);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  if (text.empty()) {
    throw UsageError(fmt::format("{} {} is empty", option, path), "put the secret in the file");
  }
  return text;
}

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
  store_integration(ctx, options, providers::github::platform(),
                    providers::IntegrationConfig{.name = options.name,
                                                 .platform = "github",
                                                 .settings = settings.to_json(),
                                                 .secret = token},
                    settings.credential_source);
}

std::string without_trailing_slash(std::string url) {
  while (url.ends_with('/')) {
    url.pop_back();
  }
  return url;
}

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
  const std::string text = fs::read_file(path);
  const providers::gcp::ServiceAccountKey key = providers::gcp::parse_key(text, path);
  settings.project_id = options.project.value_or(key.project_id);
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
  store_integration(ctx, options, providers::gcp::platform(),
                    providers::IntegrationConfig{.name = options.name,
                                                 .platform = "gcp",
                                                 .settings = settings.to_json(),
                                                 .secret = text},
                    settings.credential_source);
}

// AZURE_* variables, as azure-identity's EnvironmentCredential reads them, or the same names
// as KEY=VALUE lines of --credentials-file.
void connect_azure(Context& ctx, const ConnectOptions& options) {
  ctx.format({"table", "json"});
  store::check_integration_name(options.name);
  std::map<std::string, std::string> values;
  providers::azure::Settings settings;
  if (options.credentials_file) {
    const std::string text = fs::read_file(*options.credentials_file);
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      std::string line = text.substr(start, end == std::string::npos ? std::string::npos
                                                                     : end - start);
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
                     "set AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and "
                     "AZURE_SUBSCRIPTION_ID (or pass --credentials-file)");
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
  store_integration(ctx, options, providers::azure::platform(),
                    providers::IntegrationConfig{.name = options.name,
                                                 .platform = "azure",
                                                 .settings = settings.to_json(),
                                                 .secret = secret},
                    settings.credential_source);
}

nlohmann::json integration_json(const store::IntegrationRecord& record) {
  nlohmann::json settings = nlohmann::json::parse(record.settings, nullptr, false);
  if (!settings.is_object()) {
    settings = nlohmann::json::object();
  }
  return {{"name", record.name},
          {"platform", record.platform},
          {"created_at", record.created_at},
          {"settings", settings},
          {"last_tested_at",
           record.last_tested_at ? nlohmann::json(*record.last_tested_at) : nlohmann::json()},
          {"status", record.last_test_status.value_or("unknown")}};
}

void list_integrations(Context& ctx) {
  const std::string format = ctx.format({"table", "json"});
  store::State& state = ctx.state();
  const auto records = store::list_integrations(state.db(), ctx.org());
  if (format == "json") {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& record : records) {
      rows.push_back(integration_json(record));
    }
    ctx.out().json(rows);
    return;
  }
  if (records.empty()) {
    ctx.out().info("no integrations; connect one with `velocity connect aws --name NAME`");
    return;
  }
  Table table({"NAME", "PLATFORM", "ACCOUNT", "REGIONS", "CREDENTIALS", "STATUS", "TESTED"});
  for (const auto& record : records) {
    const nlohmann::json json = integration_json(record);
    const nlohmann::json& settings = json["settings"];
    std::string regions;
    for (const auto& region : settings.value("regions", nlohmann::json::array())) {
      regions += (regions.empty() ? "" : ",") + region.get<std::string>();
    }
    std::string account = settings.value("account_id", "");
    if (settings.contains("organization_role")) {
      account += " (organisation)";
    }
    table.add_row({record.name, record.platform, account, regions.empty() ? "all enabled" : regions,
                   settings.value("credential_source", ""), json["status"],
                   record.last_tested_at.value_or("-")});
  }
  ctx.out().data(table.render());
}

void test_integration(Context& ctx, const std::string& name, const HttpOptions& http) {
  const std::string format = ctx.format({"table", "json"});
  store::State& state = ctx.state();
  const store::Org org = ctx.org();
  const store::IntegrationRecord record = store::require_integration(state.db(), org, name);
  const providers::Platform& platform = find_platform(record.platform);
  providers::IntegrationConfig config{.name = record.name,
                                      .platform = record.platform,
                                      .settings = nlohmann::json::parse(record.settings),
                                      .secret = store::open_integration_secret(state.db(), org,
                                                                               record)};
  ctx.audit_intent(integration_event(audit::Category::authentication, "integration.test",
                                     record.name, {{"platform", record.platform}}));
  const providers::ConnectionTest test = platform.open(config, provider_options(http))->test();
  store::record_integration_test(state.db(), record.id, time::now(),
                                 providers::to_string(test.status));
  const bool usable = test.status == providers::Health::healthy ||
                      test.status == providers::Health::degraded;
  ctx.audit(integration_event(audit::Category::authentication, "integration.test", record.name,
                              {{"platform", record.platform},
                               {"status", std::string(providers::to_string(test.status))},
                               {"error_code", test.error_code}},
                              usable ? audit::Outcome::success : audit::Outcome::failure));
  print_test(ctx, format, test_json(record.name, record.platform, test));
  throw_if_unhealthy(test, record.name, record.platform);
}

void remove_integration(Context& ctx, const std::string& name) {
  ctx.format({"table", "json"});
  store::State& state = ctx.state();
  const store::Org org = ctx.org();
  const store::IntegrationRecord record = store::require_integration(state.db(), org, name);
  const size_t evidence = store::list_evidence(state.db(), org, record.id).size();
  ctx.audit_intent(integration_event(audit::Category::system_security, "integration.remove", name,
                                     {{"platform", record.platform}}));
  store::remove_integration(state.db(), org, name);
  ctx.audit(integration_event(audit::Category::system_security, "integration.remove", name,
                              {{"platform", record.platform}, {"evidence_removed", evidence}}));
  ctx.out().info(fmt::format("removed integration '{}', its credentials and {} evidence record{}",
                             name, evidence, evidence == 1 ? "" : "s"));
}

void evidence_types(Context& ctx, const std::string& platform_name) {
  const std::string format = ctx.format({"table", "json"});
  const providers::Platform& platform = find_platform(platform_name);
  if (format == "json") {
    nlohmann::json types = nlohmann::json::array();
    for (const auto& type : platform.evidence_types) {
      nlohmann::json checks = nlohmann::json::array();
      for (const auto& check : platform.checks) {
        if (check.evidence_type == type.id) {
          checks.push_back({{"id", check.id},
                            {"severity", std::string(providers::to_string(check.severity))},
                            {"title", check.title},
                            {"controls", controls_of(check.id)}});
        }
      }
      types.push_back({{"id", type.id},
                       {"description", type.description},
                       {"calls", type.calls},
                       {"checks", checks}});
    }
    ctx.out().json({{"platform", platform.name}, {"evidence_types", types}});
    return;
  }
  Table table({"TYPE", "CHECKS", "CALLS"});
  for (const auto& type : platform.evidence_types) {
    std::string calls;
    for (const auto& call : type.calls) {
      calls += (calls.empty() ? "" : " ") + call;
    }
    int checks = 0;
    for (const auto& check : platform.checks) {
      checks += check.evidence_type == type.id ? 1 : 0;
    }
    table.add_row({type.id, std::to_string(checks), calls});
  }
  ctx.out().data(table.render());
}

} // namespace

void setup_connect(CLI::App& command, Context& ctx) {
  auto options = std::make_shared<ConnectOptions>();
  command.require_subcommand(1);

  CLI::App* aws = command.add_subcommand(
    "aws", "connect an AWS account (or organisation); keys come from AWS_ACCESS_KEY_ID / "
           "AWS_SECRET_ACCESS_KEY, AWS_PROFILE or --credentials-file, never from arguments");
  aws->add_option("--name", options->name, "name of the integration")->required();
  aws->add_option("--region", options->regions,
                  "regions to collect (repeat or comma-separate); default: every enabled region")
    ->option_text("REGION");
  aws->add_option("--endpoint-url", options->endpoint_url,
                  "send every call to this URL (an emulator); env AWS_ENDPOINT_URL")
    ->option_text("URL");
  aws->add_option("--role-arn", options->role_arn, "assume this role (STS AssumeRole) to collect")
    ->option_text("ARN");
  aws->add_option("--external-id", options->external_id, "external id for --role-arn")
    ->option_text("ID");
  aws->add_option("--organization-role", options->organization_role,
                  "collect every account of the organisation by assuming this role in each")
    ->option_text("NAME");
  aws->add_option("--profile", options->profile, "profile of ~/.aws/credentials and ~/.aws/config");
  aws->add_option("--credentials-file", options->credentials_file,
                  "read keys from this file (~/.aws/credentials format) instead")
    ->option_text("FILE");
  // Keys typed on a command line end up in shell history and `ps`: these options exist only to
  // refuse them without echoing the value.
  aws->add_option("--aws-access-key-id,--access-key-id,--aws-secret-access-key,"
                  "--secret-access-key,--aws-session-token,--session-token",
                  options->argv_secret)
    ->group("");
  aws->add_flag("--replace", options->replace, "replace an integration of the same name");
  aws->add_flag("--no-test", options->no_test, "store without calling STS GetCallerIdentity");
  add_http_options(*aws, options->http, false);
  aws->callback([&ctx, options] { connect_aws(ctx, *options); });

  CLI::App* github = command.add_subcommand(
    "github", "connect a GitHub organisation; the token comes from GITHUB_TOKEN / GH_TOKEN or "
              "--token-file, never from arguments");
  github->add_option("--name", options->name, "name of the integration")->required();
  github->add_option("--org", options->org, "the organisation's login")->required();
  github->add_option("--api-url", options->api_url,
                     "REST API root (GitHub Enterprise Server: https://HOST/api/v3)")
    ->option_text("URL");
  github->add_option("--token-file", options->token_file, "read the token from this file")
    ->option_text("FILE");
  github->add_option("--max-wait", options->max_wait,
                     "seconds a collection may wait in total for rate limits")
    ->capture_default_str()
    ->check(CLI::Range(int64_t{0}, int64_t{86400}));
  github->add_flag("--replace", options->replace, "replace an integration of the same name");
  github->add_flag("--no-test", options->no_test, "store without calling GET /user");
  add_http_options(*github, options->http, false);
  github->callback([&ctx, options] { connect_github(ctx, *options); });

  CLI::App* gcp = command.add_subcommand(
    "gcp", "connect a Google Cloud project with a service-account key file (--key-file or "
           "GOOGLE_APPLICATION_CREDENTIALS), never from arguments");
  gcp->add_option("--name", options->name, "name of the integration")->required();
  gcp->add_option("--key-file", options->key_file, "the service account's JSON key")
    ->option_text("FILE");
  gcp->add_option("--project", options->project, "project id (default: the key's project_id)");
  gcp->add_option("--token-uri", options->token_uri, "OAuth 2.0 token endpoint override")
    ->option_text("URL");
  gcp->add_option("--api-endpoint", options->api_endpoint,
                  "send every API call to this base URL (fakes, private endpoints)")
    ->option_text("URL");
  gcp->add_flag("--replace", options->replace, "replace an integration of the same name");
  gcp->add_flag("--no-test", options->no_test, "store without calling projects.get");
  add_http_options(*gcp, options->http, false);
  gcp->callback([&ctx, options] { connect_gcp(ctx, *options); });

  CLI::App* azure = command.add_subcommand(
    "azure", "connect an Azure subscription; AZURE_TENANT_ID, AZURE_CLIENT_ID, "
             "AZURE_CLIENT_SECRET, AZURE_SUBSCRIPTION_ID come from the environment or "
             "--credentials-file, never from arguments");
  azure->add_option("--name", options->name, "name of the integration")->required();
  azure->add_option("--credentials-file", options->credentials_file,
                    "read the AZURE_* values from this file (KEY=VALUE lines)")
    ->option_text("FILE");
  azure->add_option("--authority-host", options->authority_host,
                    "Microsoft identity platform host (env AZURE_AUTHORITY_HOST)")
    ->option_text("URL");
  azure->add_option("--arm-endpoint", options->arm_endpoint, "Azure Resource Manager base URL")
    ->option_text("URL");
  azure->add_flag("--replace", options->replace, "replace an integration of the same name");
  azure->add_flag("--no-test", options->no_test, "store without calling GET subscription");
  add_http_options(*azure, options->http, false);
  azure->callback([&ctx, options] { connect_azure(ctx, *options); });

  CLI::App* list = command.add_subcommand("list", "list the integrations");
  list->callback([&ctx] { list_integrations(ctx); });

  CLI::App* test = command.add_subcommand("test", "test an integration's connection");
  test->add_option("NAME", options->name, "integration name")->required();
  add_http_options(*test, options->http, false);
  test->callback([&ctx, options] { test_integration(ctx, options->name, options->http); });

  CLI::App* remove = command.add_subcommand(
    "remove", "remove an integration with its credentials and evidence");
  remove->add_option("NAME", options->name, "integration name")->required();
  remove->callback([&ctx, options] { remove_integration(ctx, options->name); });

  CLI::App* types = command.add_subcommand("evidence-types",
                                           "list what a platform collects and checks");
  types->add_option("PLATFORM", options->platform, "platform (aws)")->required();
  types->callback([&ctx, options] { evidence_types(ctx, options->platform); });
}

} // namespace velocity::cli
