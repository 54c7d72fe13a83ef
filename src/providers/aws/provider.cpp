#include "collect.hpp"

#include <velocity/core/error.hpp>
#include <velocity/providers/aws/checks.hpp>
#include <velocity/providers/aws/credentials.hpp>
#include <velocity/providers/aws/parse.hpp>
#include <velocity/providers/aws/provider.hpp>
#include <velocity/providers/session.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <regex>

namespace velocity::providers::aws {

namespace {

constexpr std::string_view k_organizations_target = "AWSOrganizationsV20161128";
constexpr int64_t k_degraded_after_ms = 3000;

std::optional<std::string> optional_string(const nlohmann::json& json, const char* key) {
  if (json.contains(key) && json[key].is_string() && !json[key].get<std::string>().empty()) {
    return json[key].get<std::string>();
  }
  return std::nullopt;
}

// The services with one endpoint for the partition (signed for us-east-1 in `aws`).
bool is_global(std::string_view service) {
  return service == "iam" || service == "account";
}

std::string account_of_arn(const std::string& arn) {
  // arn:partition:service:region:account:resource
  size_t pos = 0;
  for (int field = 0; field < 4; ++field) {
    pos = arn.find(':', pos);
    if (pos == std::string::npos) {
      return "";
    }
    ++pos;
  }
  const size_t end = arn.find(':', pos);
  return end == std::string::npos ? "" : arn.substr(pos, end - pos);
}

class AwsProvider final : public Provider {
public:
  AwsProvider(IntegrationConfig config, ProviderOptions options)
    : m_config(std::move(config)),
      m_options(std::move(options)),
      m_settings(Settings::from_json(m_config.settings)),
      m_credentials(std::make_shared<const Credentials>(parse_credentials(m_config.secret))) {
    if (m_settings.endpoint_url) {
      m_endpoints.override_url = *m_settings.endpoint_url;
    }
  }

  ConnectionTest test() override;
  std::vector<PlannedCall> plan(std::span<const std::string> types) const override;
  CollectResult collect(std::span<const std::string> types, CollectionSink& sink) override;

private:
  std::shared_ptr<Account> new_account(std::string id,
                                       std::shared_ptr<const Credentials> credentials) const {
    auto account = std::make_shared<Account>();
    account->id = std::move(id);
    account->home_region = m_settings.home_region;
    account->partition = partition_of(m_settings.home_region);
    account->credentials = std::move(credentials);
    return account;
  }

  ApiCall assume_role_call(const std::string& role_arn) const {
    std::vector<std::pair<std::string, std::string>> params = {
      {"RoleArn", role_arn},
      {"RoleSessionName", "velocity-" + m_config.name},
      {"DurationSeconds", "3600"}};
    if (m_settings.external_id) {
      params.emplace_back("ExternalId", *m_settings.external_id);
    }
    return sts_call("AssumeRole", m_settings.home_region, std::move(params));
  }

  // Throws the error for an identity or discovery call that failed before collection began.
  [[noreturn]] void fail_setup(const CallResult& result, const std::string& what) const {
    if (result.transport_failure) {
      throw RemoteError(
        fmt::format("cannot reach AWS for integration {}: {}", m_config.name,
                    result.error->message),
        m_settings.endpoint_url
          ? fmt::format("check that {} is up and reachable", *m_settings.endpoint_url)
          : "check the network, proxy variables and --ca-bundle");
    }
    if (is_credential_rejection(result.error->code)) {
      throw StateError(rejected_message(m_config.name, result.error->code),
                       fmt::format("check the keys ({}); store new ones with `velocity connect "
                                   "aws --name {} --replace`",
                                   m_settings.credential_source, m_config.name));
    }
    if (is_access_denied(result.error->code)) {
      throw PermissionError(fmt::format("AWS denied {} for integration {}: {}", what, m_config.name,
                                        result.describe_error()),
                            "grant the permission to the integration's IAM identity");
    }
    throw RemoteError(fmt::format("AWS {} failed for integration {}: {}", what, m_config.name,
                                  result.describe_error()));
  }

  void start_types(Engine& engine, const std::shared_ptr<Account>& account,
                   const std::vector<std::string>& types, CollectionSink& sink,
                   const std::string& regions_problem) {
    const time::TimePoint now = time::now();
    for (const std::string& type : types) {
      auto run = std::make_shared<TypeRun>(engine, account, type, make_collector(type), sink, now);
      const std::vector<CallSketch> sketches = sketch_calls(type);
      const bool regional = std::any_of(sketches.begin(), sketches.end(),
                                        [](const CallSketch& sketch) { return sketch.regional; });
      if (regional && !regions_problem.empty()) {
        run->problem(regions_problem);
      }
      run->start();
    }
  }

  // Finds the account's regions (unless configured), then starts every type.
  void start_account(Engine& engine, const std::shared_ptr<Account>& account,
                     const std::vector<std::string>& types, CollectionSink& sink) {
    if (!m_settings.regions.empty()) {
      account->regions = m_settings.regions;
      start_types(engine, account, types, sink, "");
      return;
    }
    engine.submit(account->credentials, ec2_call("DescribeRegions", account->home_region, {}),
                  [this, &engine, account, types, &sink](CallResult& result) {
                    std::string problem;
                    if (result.ok()) {
                      for (std::string& region : parse_regions(result.body)) {
                        // Other partitions' regions (GovCloud, China) need other accounts.
                        if (partition_of(region) == account->partition) {
                          account->regions.push_back(std::move(region));
                        }
                      }
                    }
                    if (!result.ok() || account->regions.empty()) {
                      problem = fmt::format("{}; only {} was collected",
                                            result.ok() ? "ec2:DescribeRegions listed no region"
                                                        : result.describe_error(),
                                            account->home_region);
                      account->regions = {account->home_region};
                    }
                    start_types(engine, account, types, sink, problem);
                  });
  }

  void collect_organization(Engine& engine, const std::vector<std::string>& types,
                            CollectionSink& sink, CollectResult& outcome,
                            const std::string& management_account);

  IntegrationConfig m_config;
  ProviderOptions m_options;
  Settings m_settings;
  std::shared_ptr<const Credentials> m_credentials;
  Endpoints m_endpoints;
  LazyClient m_http{m_options, retry_classifier};
};

namespace {

// Fills `test` from a failed identity or AssumeRole call.
void record_failure(ConnectionTest& test, const CallResult& result, const std::string& integration,
                    const std::string& what) {
  if (result.transport_failure) {
    test.status = Health::unknown;
    test.failure = TestFailure::unreachable;
    test.message = result.error->message;
    return;
  }
  test.status = Health::unhealthy;
  test.error_code = result.error->code;
  if (is_credential_rejection(result.error->code)) {
    test.failure = TestFailure::rejected_credentials;
    test.message = rejected_message(integration, result.error->code);
  } else if (is_access_denied(result.error->code)) {
    test.failure = TestFailure::denied;
    test.message = what + ": " + result.describe_error();
  } else {
    test.failure = TestFailure::other;
    test.message = what + ": " + result.describe_error();
  }
}

} // namespace

ConnectionTest AwsProvider::test() {
  ConnectionTest test;
  test.region = m_settings.home_region;
  Engine engine(m_http.get(), m_endpoints);
  const auto started = std::chrono::steady_clock::now();
  auto identity_with = [&](std::shared_ptr<const Credentials> credentials) {
    engine.submit(std::move(credentials), sts_call("GetCallerIdentity", m_settings.home_region, {}),
                  [&](CallResult& result) {
                    if (!result.ok()) {
                      record_failure(test, result, m_config.name, "sts:GetCallerIdentity");
                      return;
                    }
                    const nlohmann::json identity = parse_caller_identity(result.body);
                    test.status = Health::healthy;
                    test.account_id = identity.value("account", "");
                    test.identity = identity.value("arn", "");
                  });
  };
  if (m_settings.role_arn) {
    engine.submit(m_credentials, assume_role_call(*m_settings.role_arn), [&](CallResult& result) {
      if (!result.ok()) {
        record_failure(test, result, m_config.name, "cannot assume " + *m_settings.role_arn);
        return;
      }
      identity_with(std::make_shared<const Credentials>(parse_assume_role(result.body)));
    });
  } else {
    identity_with(m_credentials);
  }
  try {
    engine.run();
  } catch (const MalformedResponse& malformed) {
    test.status = Health::unhealthy;
    test.failure = TestFailure::other;
    test.message = std::string("malformed answer from STS: ") + malformed.what();
  }
  if (test.status == Health::healthy && m_settings.organization_role) {
    engine.submit(m_credentials,
                  json_call("organizations", "ListAccounts", "us-east-1", k_organizations_target,
                            nlohmann::json::object()),
                  [&](CallResult& result) {
                    if (!result.ok()) {
                      test.status = Health::degraded;
                      test.message =
                        "cannot list the organisation's accounts: " + result.describe_error();
                    }
                  });
    engine.run();
  }
  test.response_time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
  if (test.status == Health::healthy && test.response_time_ms > k_degraded_after_ms) {
    test.status = Health::degraded;
    test.message = fmt::format("STS answered in {} ms", test.response_time_ms);
  }
  return test;
}

std::vector<PlannedCall> AwsProvider::plan(std::span<const std::string> types) const {
  std::vector<PlannedCall> calls;
  const std::string home = m_settings.home_region;
  auto add = [&](std::string type, std::string service, std::string operation, std::string region,
                 std::string note) {
    const std::string endpoint_region = region.empty() || region.find(' ') != std::string::npos
                                          ? (is_global(service) ? "us-east-1" : home)
                                          : region;
    std::string endpoint = m_endpoints.base_url(service, endpoint_region);
    if (!m_endpoints.override_url && region.find(' ') != std::string::npos) {
      endpoint = fmt::format("https://{}.<region>.amazonaws.com", service);
    }
    calls.push_back(PlannedCall{std::move(type), std::move(service), std::move(operation),
                                std::move(region), std::move(endpoint), std::move(note)});
  };
  if (m_settings.role_arn) {
    add("", "sts", "AssumeRole", home, *m_settings.role_arn);
  }
  add("", "sts", "GetCallerIdentity", home, "who the keys belong to");
  if (m_settings.organization_role) {
    add("", "organizations", "ListAccounts", "us-east-1", "each page");
    add("", "sts", "AssumeRole", home,
        fmt::format("per member account, role {}", *m_settings.organization_role));
  }
  if (m_settings.regions.empty()) {
    add("", "ec2", "DescribeRegions", home,
        m_settings.organization_role ? "per account: the enabled regions" : "the enabled regions");
  }
  for (const std::string& type : types) {
    for (const CallSketch& sketch : sketch_calls(type)) {
      const std::string scope = m_settings.organization_role ? "per account" : "";
      std::string note = sketch.note;
      if (!scope.empty()) {
        note = note.empty() ? scope : scope + ", " + note;
      }
      if (!sketch.regional) {
        add(type, sketch.service, sketch.operation, is_global(sketch.service) ? "" : home, note);
      } else if (m_settings.regions.empty()) {
        add(type, sketch.service, sketch.operation, "each enabled region", note);
      } else {
        for (const std::string& region : m_settings.regions) {
          add(type, sketch.service, sketch.operation, region, note);
        }
      }
    }
  }
  return calls;
}

CollectResult AwsProvider::collect(std::span<const std::string> requested, CollectionSink& sink) {
  const std::vector<std::string> types(requested.begin(), requested.end());
  Engine engine(m_http.get(), m_endpoints);
  if (m_options.on_progress) {
    engine.on_round = [this](int64_t calls) {
      m_options.on_progress(fmt::format("{} API calls", calls));
    };
  }
  CollectResult outcome;

  auto identify = [&](std::shared_ptr<const Credentials> credentials, auto then) {
    engine.submit(credentials, sts_call("GetCallerIdentity", m_settings.home_region, {}),
                  [this, credentials, then](CallResult& result) {
                    if (!result.ok()) {
                      fail_setup(result, "sts:GetCallerIdentity");
                    }
                    then(parse_caller_identity(result.body).value("account", ""), credentials);
                  });
  };

  if (m_settings.organization_role) {
    identify(m_credentials, [&](const std::string& account_id, auto) {
      collect_organization(engine, types, sink, outcome, account_id);
    });
  } else if (m_settings.role_arn) {
    engine.submit(m_credentials, assume_role_call(*m_settings.role_arn), [&](CallResult& result) {
      if (!result.ok()) {
        fail_setup(result, "sts:AssumeRole of " + *m_settings.role_arn);
      }
      auto assumed = std::make_shared<const Credentials>(parse_assume_role(result.body));
      identify(assumed, [&](const std::string& account_id, auto credentials) {
        outcome.accounts.push_back(account_id);
        start_account(engine, new_account(account_id, credentials), types, sink);
      });
    });
  } else {
    identify(m_credentials, [&](const std::string& account_id, auto credentials) {
      outcome.accounts.push_back(account_id);
      start_account(engine, new_account(account_id, credentials), types, sink);
    });
  }
  engine.run();
  outcome.api_calls = engine.calls();
  outcome.api_errors = engine.errors();
  return outcome;
}

void AwsProvider::collect_organization(Engine& engine, const std::vector<std::string>& types,
                                       CollectionSink& sink, CollectResult& outcome,
                                       const std::string& management_account) {
  auto list_page = std::make_shared<std::function<void(std::optional<std::string>)>>();
  // The function holds itself weakly (a strong self-reference is a cycle, never freed); the
  // pending ListAccounts call holds it strongly until its answer asks for the next page.
  *list_page = [this, &engine, &types, &sink, &outcome, management_account,
                weak_self = std::weak_ptr(list_page)](std::optional<std::string> token) {
    auto self = weak_self.lock();
    nlohmann::json body = nlohmann::json::object();
    if (token) {
      body["NextToken"] = *token;
    }
    engine.submit(
      m_credentials,
      json_call("organizations", "ListAccounts",
                partition_of(m_settings.home_region) == "aws" ? "us-east-1"
                                                              : m_settings.home_region,
                k_organizations_target, body),
      [this, &engine, &types, &sink, &outcome, management_account, self](CallResult& result) {
        if (!result.ok()) {
          fail_setup(result, "organizations:ListAccounts");
        }
        const nlohmann::json answer = parse_json_object(result.body);
        for (const nlohmann::json& member : answer.value("Accounts", nlohmann::json::array())) {
          const std::string id = member.value("Id", "");
          if (member.value("Status", "ACTIVE") != "ACTIVE" || id.empty()) {
            continue;
          }
          outcome.accounts.push_back(id);
          if (id == management_account) {
            start_account(engine, new_account(id, m_credentials), types, sink);
            continue;
          }
          const std::string role =
            fmt::format("arn:{}:iam::{}:role/{}", partition_of(m_settings.home_region), id,
                        *m_settings.organization_role);
          engine.submit(
            m_credentials, assume_role_call(role),
            [this, &engine, &types, &sink, &outcome, id, role](CallResult& assumed) {
              if (!assumed.ok()) {
                outcome.failed_accounts.push_back(
                  {id, fmt::format("cannot assume {}: {}", role, assumed.describe_error())});
                return;
              }
              auto credentials =
                std::make_shared<const Credentials>(parse_assume_role(assumed.body));
              start_account(engine, new_account(id, credentials), types, sink);
            });
        }
        if (answer.contains("NextToken") && answer["NextToken"].is_string()) {
          (*self)(answer["NextToken"].get<std::string>());
        }
      });
  };
  (*list_page)(std::nullopt);
}

} // namespace

void Settings::validate() const {
  static const std::regex region_pattern("^[a-z]{2}(-[a-z]+)+-[0-9]+$");
  for (const std::string& region : regions) {
    if (!std::regex_match(region, region_pattern)) {
      throw UsageError(fmt::format("'{}' is not an AWS region name", region),
                       "regions look like us-east-1 or eu-west-2");
    }
  }
  if (!std::regex_match(home_region, region_pattern)) {
    throw UsageError(fmt::format("'{}' is not an AWS region name", home_region),
                     "regions look like us-east-1 or eu-west-2");
  }
  if (endpoint_url && !net::is_http_url(*endpoint_url)) {
    throw UsageError(fmt::format("endpoint URL '{}' is not an http(s) URL", *endpoint_url),
                     "pass e.g. --endpoint-url http://127.0.0.1:5000");
  }
  if (role_arn && (!role_arn->starts_with("arn:") || account_of_arn(*role_arn).empty() ||
                   role_arn->find(":role/") == std::string::npos)) {
    throw UsageError(fmt::format("'{}' is not an IAM role ARN", *role_arn),
                     "role ARNs look like arn:aws:iam::123456789012:role/NAME");
  }
  if (organization_role && (organization_role->empty() ||
                            organization_role->find_first_of(":/ ") != std::string::npos)) {
    throw UsageError(
      fmt::format("'{}' is not a role name", *organization_role),
      "pass the role's name, e.g. --organization-role OrganizationAccountAccessRole");
  }
  if (organization_role && role_arn) {
    throw UsageError("--role-arn and --organization-role cannot be combined",
                     "--organization-role assumes the named role in every member account");
  }
}

nlohmann::json Settings::to_json() const {
  nlohmann::json json = {{"regions", regions},
                         {"home_region", home_region},
                         {"credential_source", credential_source},
                         {"access_key_hint", access_key_hint}};
  if (endpoint_url) {
    json["endpoint_url"] = *endpoint_url;
  }
  if (role_arn) {
    json["role_arn"] = *role_arn;
  }
  if (external_id) {
    json["external_id"] = *external_id;
  }
  if (organization_role) {
    json["organization_role"] = *organization_role;
  }
  return json;
}

Settings Settings::from_json(const nlohmann::json& json) {
  Settings settings;
  if (json.contains("regions") && json["regions"].is_array()) {
    for (const auto& region : json["regions"]) {
      if (region.is_string()) {
        settings.regions.push_back(region.get<std::string>());
      }
    }
  }
  settings.home_region = optional_string(json, "home_region").value_or("us-east-1");
  settings.endpoint_url = optional_string(json, "endpoint_url");
  settings.role_arn = optional_string(json, "role_arn");
  settings.external_id = optional_string(json, "external_id");
  settings.organization_role = optional_string(json, "organization_role");
  settings.credential_source = optional_string(json, "credential_source").value_or("");
  settings.access_key_hint = optional_string(json, "access_key_hint").value_or("");
  return settings;
}

std::string rejected_message(const std::string& integration, const std::string& code) {
  return fmt::format("AWS rejected the credentials of integration {} ({})", integration, code);
}

const Platform& platform() {
  static const Platform aws{
    .name = "aws",
    .title = "Amazon Web Services",
    .evidence_types = evidence_type_catalogue(),
    .checks = evaluated_checks(),
    .open = [](const IntegrationConfig& config, const ProviderOptions& options)
      -> std::unique_ptr<Provider> { return std::make_unique<AwsProvider>(config, options); }};
  return aws;
}

} // namespace velocity::providers::aws
