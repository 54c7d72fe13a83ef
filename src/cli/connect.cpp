// `velocity connect`: store a platform's credentials (sealed), test the connection, list,
// remove, and show what a platform can collect.

#include "connect.hpp"

#include "option_values.hpp"
#include "platforms.hpp"

#include <velocity/cli/commands.hpp>
#include <velocity/core/env.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/providers/aws/credentials.hpp>
#include <velocity/providers/aws/provider.hpp>
#include <velocity/providers/azure/provider.hpp>
#include <velocity/providers/gcp/provider.hpp>
#include <velocity/providers/github/provider.hpp>
#include <velocity/store/evidence.hpp>
#include <velocity/store/integrations.hpp>

#include <fmt/format.h>

#include <map>

namespace velocity::cli {

namespace connect {

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

void throw_if_unhealthy(const providers::ConnectionTest& test, const std::string& name,
                        const std::string& platform) {
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
    throw RemoteError(
      fmt::format("cannot reach the platform for integration {}: {}", name, test.message),
      "check the endpoint URL, the network and proxy variables");
  case providers::TestFailure::none:
  case providers::TestFailure::other:
    break;
  }
  throw RemoteError(
    fmt::format("the connection test of integration {} failed: {}", name, test.message));
}

} // namespace connect

namespace {

using connect::ConnectOptions;

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
                                      .secret =
                                        store::open_integration_secret(state.db(), org, record)};
  ctx.audit_intent(integration_event(audit::Category::authentication, "integration.test",
                                     record.name, {{"platform", record.platform}}));
  const providers::ConnectionTest test =
    platform.open_integration(config, provider_options(http))->test();
  store::record_integration_test(state.db(), record.id, time::now(),
                                 providers::to_string(test.status));
  const bool usable =
    test.status == providers::Health::healthy || test.status == providers::Health::degraded;
  ctx.audit(integration_event(audit::Category::authentication, "integration.test", record.name,
                              {{"platform", record.platform},
                               {"status", std::string(providers::to_string(test.status))},
                               {"error_code", test.error_code}},
                              usable ? audit::Outcome::success : audit::Outcome::failure));
  connect::print_test(ctx, format, connect::test_json(record.name, record.platform, test));
  connect::throw_if_unhealthy(test, record.name, record.platform);
}

void remove_integration(Context& ctx, const std::string& name, bool yes) {
  ctx.format({"table", "json"});
  store::State& state = ctx.state();
  const store::Org org = ctx.org();
  const store::IntegrationRecord record = store::require_integration(state.db(), org, name);
  const size_t evidence = store::list_evidence(state.db(), org, record.id).size();
  ctx.audit_intent(integration_event(audit::Category::system_security, "integration.remove", name,
                                     {{"platform", record.platform}}));
  ctx.confirm_destruction(
    fmt::format("removing integration '{}' deletes its credentials and {} evidence record{} "
                "with their findings",
                name, evidence, evidence == 1 ? "" : "s"),
    name, yes, fmt::format("velocity connect remove {} --yes", name));
  // The removal and its event commit together.
  store::Transaction tx(state.db());
  store::remove_integration(state.db(), org, name);
  ctx.audit(integration_event(audit::Category::system_security, "integration.remove", name,
                              {{"platform", record.platform}, {"evidence_removed", evidence}}));
  tx.commit();
  ctx.out().info(fmt::format("removed integration '{}', its credentials and {} evidence record{}",
                             name, evidence, evidence == 1 ? "" : "s"));
}

void evidence_types(Context& ctx, const std::string& platform_name) {
  const std::string format = ctx.format({"table", "json"});
  const providers::Platform& platform = find_platform(platform_name);
  if (format == "json") {
    compliance::Library library = compliance::Library::open(std::nullopt);
    const compliance::CheckCatalogue& catalogue = validated_checks(library);
    nlohmann::json types = nlohmann::json::array();
    for (const auto& type : platform.evidence_types) {
      nlohmann::json checks = nlohmann::json::array();
      for (const auto& evaluated : platform.checks) {
        if (evaluated.evidence_type == type.id) {
          const compliance::Check& check = *catalogue.find(evaluated.id);
          checks.push_back({{"id", check.id},
                            {"severity", std::string(store::to_string(check.severity))},
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

void add_insecure_http_flag(CLI::App& platform, connect::ConnectOptions& options) {
  platform.add_flag("--allow-insecure-http", options.allow_insecure_http,
                    "allow plain http:// to other machines (credentials in cleartext); "
                    "loopback needs no flag");
}

} // namespace

void setup_connect(CLI::App& command, Context& ctx) {
  auto options = std::make_shared<ConnectOptions>();
  command.require_subcommand(1);

  CLI::App* aws = command.add_subcommand(
    "aws", "connect an AWS account (or organisation); keys come from AWS_ACCESS_KEY_ID / "
           "AWS_SECRET_ACCESS_KEY, AWS_PROFILE or --credentials-file, never from arguments");
  aws->add_option("--name", options->name, "name of the integration")
    ->required()
    ->option_text("NAME");
  aws
    ->add_option("--region", options->regions,
                 "regions to collect (repeat or comma-separate); default: every enabled region")
    ->option_text("REGION");
  aws
    ->add_option("--endpoint-url", options->endpoint_url,
                 "send every call to this URL (an emulator); env AWS_ENDPOINT_URL")
    ->option_text("URL");
  aws->add_option("--role-arn", options->role_arn, "assume this role (STS AssumeRole) to collect")
    ->option_text("ARN");
  aws->add_option("--external-id", options->external_id, "external id for --role-arn")
    ->option_text("ID");
  aws
    ->add_option("--organization-role", options->organization_role,
                 "collect every account of the organisation by assuming this role in each")
    ->option_text("NAME");
  aws->add_option("--profile", options->profile, "profile of ~/.aws/credentials and ~/.aws/config")
    ->option_text("PROFILE");
  aws
    ->add_option("--credentials-file", options->credentials_file,
                 "read keys from this file (~/.aws/credentials format) instead")
    ->option_text("FILE");
  // Keys typed on a command line end up in shell history and `ps`: these options exist only to
  // refuse them without echoing the value.
  aws
    ->add_option("--aws-access-key-id,--access-key-id,--aws-secret-access-key,"
                 "--secret-access-key,--aws-session-token,--session-token",
                 options->argv_secret)
    ->group("");
  aws->add_flag("--replace", options->replace, "replace an integration of the same name");
  aws->add_flag("--no-test", options->no_test, "store without calling STS GetCallerIdentity");
  add_http_options(*aws, options->http, false);
  add_insecure_http_flag(*aws, *options);
  ctx.examples.add(*aws, {{"AWS_PROFILE=audit velocity connect aws --name prod --region eu-west-1",
                           "an AWS account, with the keys of a profile"}});
  aws->callback([&ctx, options] { connect::connect_aws(ctx, *options); });

  CLI::App* github = command.add_subcommand(
    "github", "connect a GitHub organisation; the token comes from GITHUB_TOKEN / GH_TOKEN or "
              "--token-file, never from arguments");
  github->add_option("--name", options->name, "name of the integration")
    ->required()
    ->option_text("NAME");
  github->add_option("--org", options->org, "the organisation's login")
    ->required()
    ->option_text("LOGIN");
  github
    ->add_option("--api-url", options->api_url,
                 "REST API root (GitHub Enterprise Server: https://HOST/api/v3)")
    ->option_text("URL");
  github->add_option("--token-file", options->token_file, "read the token from this file")
    ->option_text("FILE");
  github
    ->add_option("--max-wait", options->max_wait,
                 "seconds a collection may wait in total for rate limits (0-86400, default "
                 "900)")
    ->option_text("SECONDS")
    ->check(within(0, 86400));
  github->add_flag("--replace", options->replace, "replace an integration of the same name");
  github->add_flag("--no-test", options->no_test, "store without calling GET /user");
  add_http_options(*github, options->http, false);
  add_insecure_http_flag(*github, *options);
  ctx.examples.add(*github, {{"velocity connect github --name gh --org acme-inc --token-file "
                              "token.txt",
                              "a GitHub organisation, the token read from a file"}});
  github->callback([&ctx, options] { connect::connect_github(ctx, *options); });

  CLI::App* gcp = command.add_subcommand(
    "gcp", "connect a Google Cloud project with a service-account key file (--key-file or "
           "GOOGLE_APPLICATION_CREDENTIALS), never from arguments");
  gcp->add_option("--name", options->name, "name of the integration")
    ->required()
    ->option_text("NAME");
  gcp->add_option("--key-file", options->key_file, "the service account's JSON key")
    ->option_text("FILE");
  gcp
    ->add_option("--project", options->project,
                 "collect only this project (default: every project the key can list; the key's "
                 "project_id is the one tested)")
    ->option_text("PROJECT");
  gcp->add_option("--token-uri", options->token_uri, "OAuth 2.0 token endpoint override")
    ->option_text("URL");
  gcp
    ->add_option("--api-endpoint", options->api_endpoint,
                 "send every API call to this base URL (fakes, private endpoints)")
    ->option_text("URL");
  gcp->add_flag("--replace", options->replace, "replace an integration of the same name");
  gcp->add_flag("--no-test", options->no_test, "store without calling projects.get");
  add_http_options(*gcp, options->http, false);
  add_insecure_http_flag(*gcp, *options);
  ctx.examples.add(*gcp, {{"velocity connect gcp --name prod-gcp --key-file sa.json",
                           "a Google Cloud project with a service-account key"}});
  gcp->callback([&ctx, options] { connect::connect_gcp(ctx, *options); });

  CLI::App* azure = command.add_subcommand(
    "azure", "connect Azure: every subscription the service principal can list, or only "
             "AZURE_SUBSCRIPTION_ID when set; AZURE_TENANT_ID, AZURE_CLIENT_ID, "
             "AZURE_CLIENT_SECRET, AZURE_SUBSCRIPTION_ID come from the environment or "
             "--credentials-file, never from arguments");
  azure->add_option("--name", options->name, "name of the integration")
    ->required()
    ->option_text("NAME");
  azure
    ->add_option("--credentials-file", options->credentials_file,
                 "read the AZURE_* values from this file (KEY=VALUE lines)")
    ->option_text("FILE");
  azure
    ->add_option("--authority-host", options->authority_host,
                 "Microsoft identity platform host (env AZURE_AUTHORITY_HOST)")
    ->option_text("URL");
  azure->add_option("--arm-endpoint", options->arm_endpoint, "Azure Resource Manager base URL")
    ->option_text("URL");
  azure->add_flag("--replace", options->replace, "replace an integration of the same name");
  azure->add_flag("--no-test", options->no_test, "store without calling GET subscription");
  add_http_options(*azure, options->http, false);
  add_insecure_http_flag(*azure, *options);
  ctx.examples.add(*azure, {{"velocity connect azure --name prod-azure --credentials-file "
                             "azure.env",
                             "an Azure subscription, the AZURE_* values read from a file"}});
  azure->callback([&ctx, options] { connect::connect_azure(ctx, *options); });

  CLI::App* list = command.add_subcommand("list", "list the integrations");
  ctx.examples.add(*list, {{"velocity connect list", "the integrations and their last test"}});
  list->callback([&ctx] { list_integrations(ctx); });

  CLI::App* test = command.add_subcommand("test", "test an integration's connection");
  test->add_option("NAME", options->name, "integration name")->required()->type_name("");
  add_http_options(*test, options->http, false);
  ctx.examples.add(*test, {{"velocity connect test prod", "test the integration called prod"}});
  test->callback([&ctx, options] { test_integration(ctx, options->name, options->http); });

  CLI::App* remove =
    command.add_subcommand("remove", "remove an integration with its credentials and evidence");
  remove->add_option("NAME", options->name, "integration name")->required()->type_name("");
  remove->add_flag("-y,--yes", options->yes, "do not ask for confirmation");
  ctx.examples.add(*remove, {{"velocity connect remove prod --yes",
                              "remove prod, its credentials and its evidence, without asking"}});
  remove->callback([&ctx, options] { remove_integration(ctx, options->name, options->yes); });

  CLI::App* types =
    command.add_subcommand("evidence-types", "list what a platform collects and checks");
  types->add_option("PLATFORM", options->platform, "platform (aws, github, gcp or azure)")
    ->required()
    ->type_name("");
  ctx.examples.add(*types, {{"velocity connect evidence-types aws",
                             "what velocity collects from AWS and checks"}});
  ctx.examples.add(command, {{"velocity connect aws --name prod", "an AWS account"},
                             {"velocity connect list", "the integrations"}});
  types->callback([&ctx, options] { evidence_types(ctx, options->platform); });
}

} // namespace velocity::cli
