#include <velocity/core/error.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/net/curl_client.hpp>
#include <velocity/providers/azure/provider.hpp>

#include <fmt/format.h>

#include <chrono>
#include <map>

namespace velocity::providers::azure {

namespace {

constexpr int64_t k_degraded_after_ms = 3000;
constexpr int64_t k_token_margin_seconds = 300;
constexpr std::string_view k_scope = "https://management.azure.com/.default";

int64_t now_epoch() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::string form_encode(std::string_view text) {
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

// "invalid_client: AADSTS7000215: Invalid client secret provided. ..." (the first line of the
// description), or the ARM "AuthorizationFailed: ..." of an API error.
std::string error_message(const net::Response& response) {
  const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_object() && body.contains("error")) {
    const nlohmann::json& error = body["error"];
    if (error.is_string()) {
      std::string description = body.value("error_description", "");
      description = description.substr(0, description.find_first_of("\r\n"));
      return fmt::format("{}: {}", error.get<std::string>(), description);
    }
    if (error.is_object()) {
      return fmt::format("{}: {}", error.value("code", std::to_string(response.status)),
                         error.value("message", ""));
    }
  }
  return fmt::format("HTTP {}: {}", response.status, response.body.substr(0, 200));
}

class AzureProvider final : public Provider {
public:
  AzureProvider(IntegrationConfig config, ProviderOptions options)
    : m_config(std::move(config)),
      m_options(std::move(options)),
      m_settings(Settings::from_json(m_config.settings)) {}

  ConnectionTest test() override {
    ConnectionTest test;
    test.account_id = m_settings.subscription_id;
    test.identity = m_settings.client_id;
    const auto start = std::chrono::steady_clock::now();
    const net::Response token = fetch_token();
    if (!token.ok()) {
      test.status = Health::unhealthy;
      test.failure = token.status == 400 || token.status == 401 ? TestFailure::rejected_credentials
                                                                : TestFailure::other;
      test.error_code = std::to_string(token.status);
      test.message = rejected_message(token);
      return test;
    }
    const net::Response subscription = call(subscription_url("", "2022-12-01"));
    test.response_time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - start)
                              .count();
    if (!subscription.ok()) {
      test.status = Health::unhealthy;
      test.failure = subscription.status == 401   ? TestFailure::rejected_credentials
                     : subscription.status == 403 ? TestFailure::denied
                                                  : TestFailure::other;
      test.error_code = std::to_string(subscription.status);
      test.message = fmt::format("GET subscription {}: {}", m_settings.subscription_id,
                                 error_message(subscription));
      return test;
    }
    const nlohmann::json body = nlohmann::json::parse(subscription.body, nullptr, false);
    if (body.is_object()) {
      test.region = body.value("displayName", "");
    }
    test.status = test.response_time_ms > k_degraded_after_ms ? Health::degraded : Health::healthy;
    return test;
  }

  std::vector<PlannedCall> plan(std::span<const std::string> types) const override {
    std::vector<PlannedCall> calls;
    calls.push_back(PlannedCall{.evidence_type = "",
                                .service = "login",
                                .operation = "token (client credentials)",
                                .region = "",
                                .endpoint = token_url(),
                                .note = "once, cached until shortly before expiry"});
    auto add = [&](const std::string& type, const char* operation, const std::string& url) {
      calls.push_back(PlannedCall{.evidence_type = type,
                                  .service = "arm",
                                  .operation = operation,
                                  .region = "",
                                  .endpoint = url,
                                  .note = "each page (nextLink)"});
    };
    for (const std::string& type : types) {
      if (type == "configurations") {
        add(type, "resourceGroups.list", subscription_url("/resourcegroups", "2021-04-01"));
        add(type, "storageAccounts.list",
            subscription_url("/providers/Microsoft.Storage/storageAccounts", "2023-01-01"));
        add(type, "networkSecurityGroups.list",
            subscription_url("/providers/Microsoft.Network/networkSecurityGroups", "2023-04-01"));
      } else if (type == "policies") {
        add(type, "roleDefinitions.list",
            subscription_url("/providers/Microsoft.Authorization/roleDefinitions", "2022-04-01"));
        add(type, "roleAssignments.list", assignments_url());
      }
    }
    return calls;
  }

  CollectResult collect(std::span<const std::string> types, CollectionSink& sink) override {
    m_result = CollectResult{};
    m_result.accounts.push_back(m_settings.subscription_id);
    for (const std::string& type : types) {
      Batch batch;
      batch.type = type;
      batch.account_id = m_settings.subscription_id;
      if (type == "configurations") {
        collect_configurations(batch);
      } else if (type == "policies") {
        collect_policies(batch);
      }
      run_checks(batch, m_settings.subscription_id);
      sink.on_batch(std::move(batch));
    }
    return m_result;
  }

private:
  net::HttpClient& http() {
    if (!m_http) {
      m_http =
        m_options.http ? m_options.http : std::make_shared<net::CurlHttpClient>(m_options.client);
    }
    return *m_http;
  }

  std::string token_url() const {
    return fmt::format("{}/{}/oauth2/v2.0/token", m_settings.authority_host, m_settings.tenant_id);
  }
  std::string subscription_url(const std::string& path, const char* api_version) const {
    return fmt::format("{}/subscriptions/{}{}?api-version={}", m_settings.arm_endpoint,
                       m_settings.subscription_id, path, api_version);
  }
  std::string assignments_url() const {
    return subscription_url("/providers/Microsoft.Authorization/roleAssignments", "2022-04-01") +
           "&%24filter=atScope%28%29";
  }

  std::string rejected_message(const net::Response& response) const {
    return fmt::format("Microsoft Entra ID rejected the client credentials of integration {} ({})",
                       m_config.name, error_message(response));
  }

  net::Response fetch_token() {
    const net::Request request{.method = "POST",
                               .url = token_url(),
                               .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
                               .body = "client_id=" + form_encode(m_settings.client_id) +
                                       "&client_secret=" + form_encode(m_config.secret) +
                                       "&scope=" + form_encode(k_scope) +
                                       "&grant_type=client_credentials"};
    net::Response response = http().perform(request);
    ++m_result.api_calls;
    if (!response.ok()) {
      ++m_result.api_errors;
      return response;
    }
    const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
    if (!body.is_object() || !body.contains("access_token") || !body["access_token"].is_string()) {
      throw RemoteError(
        fmt::format("the token endpoint {} answered without an access_token", token_url()));
    }
    m_token = body["access_token"].get<std::string>();
    const nlohmann::json expires = body.value("expires_in", nlohmann::json(3599));
    m_token_expiry =
      now_epoch() + (expires.is_number()
                       ? expires.get<int64_t>()
                       : std::strtoll(expires.get<std::string>().c_str(), nullptr, 10));
    return response;
  }

  const std::string& token() {
    if (m_token.empty() || now_epoch() >= m_token_expiry - k_token_margin_seconds) {
      const net::Response response = fetch_token();
      if (!response.ok()) {
        throw StateError(rejected_message(response),
                         fmt::format("check AZURE_CLIENT_ID / AZURE_CLIENT_SECRET; store new ones "
                                     "with `velocity connect azure --name {} --replace`",
                                     m_config.name));
      }
    }
    return m_token;
  }

  net::Response call(const std::string& url) {
    const net::Request request{
      .method = "GET", .url = url, .headers = {{"Authorization", "Bearer " + token()}}};
    net::Response response = http().perform(request);
    ++m_result.api_calls;
    if (!response.ok()) {
      ++m_result.api_errors;
    }
    if (response.status == 401) {
      throw StateError(fmt::format("Azure Resource Manager rejected the token of integration {} "
                                   "({})",
                                   m_config.name, error_message(response)),
                       "check the service principal and its tenant");
    }
    return response;
  }

  // Every item of a paged ARM list (following nextLink); "" or the problem.
  std::string list(std::string url, const std::string& what, nlohmann::json& items,
                   std::string& raw) {
    while (true) {
      const net::Response response = call(url);
      if (!response.ok()) {
        return fmt::format("{} {}: {}", what, m_settings.subscription_id, error_message(response));
      }
      raw += response.body;
      const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
      if (!body.is_object()) {
        return what + ": the answer is not a JSON object";
      }
      for (const nlohmann::json& item : body.value("value", nlohmann::json::array())) {
        items.push_back(item);
      }
      const nlohmann::json next = body.value("nextLink", nlohmann::json());
      if (!next.is_string() || next.get<std::string>().empty()) {
        return "";
      }
      url = next.get<std::string>();
    }
  }

  void add_evidence(Batch& batch, std::string resource_id, std::string region, nlohmann::json data,
                    std::string_view raw) {
    batch.evidence.push_back(Evidence{.type = batch.type,
                                      .resource_id = std::move(resource_id),
                                      .account_id = m_settings.subscription_id,
                                      .region = std::move(region),
                                      .data = std::move(data),
                                      .raw_sha256 = crypto::to_hex(crypto::sha256(raw))});
  }

  // Lists `url` and adds one evidence of `kind` per item (under `key` in its data).
  void collect_list(Batch& batch, const std::string& url, const char* what, const char* kind,
                    const char* key) {
    nlohmann::json items = nlohmann::json::array();
    std::string raw;
    const std::string problem = list(url, what, items, raw);
    if (!problem.empty()) {
      batch.problems.push_back(problem);
    }
    for (nlohmann::json& item : items) {
      const std::string id = item.value("id", item.value("name", ""));
      const std::string location = item.value("location", "");
      const std::string item_raw = item.dump();
      add_evidence(batch, id, location, {{"kind", kind}, {key, std::move(item)}}, item_raw);
    }
  }

  void collect_configurations(Batch& batch) {
    collect_list(batch, subscription_url("/resourcegroups", "2021-04-01"), "resourceGroups.list",
                 "resource_group", "group");
    collect_list(batch,
                 subscription_url("/providers/Microsoft.Storage/storageAccounts", "2023-01-01"),
                 "storageAccounts.list", "storage_account", "account");
    collect_list(
      batch, subscription_url("/providers/Microsoft.Network/networkSecurityGroups", "2023-04-01"),
      "networkSecurityGroups.list", "network_security_group", "group");
  }

  void collect_policies(Batch& batch) {
    nlohmann::json definitions = nlohmann::json::array();
    std::string raw;
    std::string problem =
      list(subscription_url("/providers/Microsoft.Authorization/roleDefinitions", "2022-04-01"),
           "roleDefinitions.list", definitions, raw);
    if (!problem.empty()) {
      batch.problems.push_back(problem);
    }
    std::map<std::string, std::string> names; // GUID (lower case) -> role name
    for (const nlohmann::json& definition : definitions) {
      std::string guid = definition.value("name", "");
      std::transform(guid.begin(), guid.end(), guid.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      names[guid] = definition.value("properties", nlohmann::json::object()).value("roleName", "");
    }
    nlohmann::json assignments = nlohmann::json::array();
    problem = list(assignments_url(), "roleAssignments.list", assignments, raw);
    if (!problem.empty()) {
      batch.problems.push_back(problem);
      return;
    }
    nlohmann::json rows = nlohmann::json::array();
    for (const nlohmann::json& assignment : assignments) {
      const nlohmann::json props = assignment.value("properties", nlohmann::json::object());
      const std::string definition_id = props.value("roleDefinitionId", "");
      std::string guid = definition_id.substr(definition_id.rfind('/') + 1);
      std::transform(guid.begin(), guid.end(), guid.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      const auto found = names.find(guid);
      rows.push_back({{"name", assignment.value("name", "")},
                      {"role_definition_id", definition_id},
                      {"role_name", found != names.end() ? found->second : ""},
                      {"principal_id", props.value("principalId", "")},
                      {"principal_type", props.value("principalType", "")},
                      {"scope", props.value("scope", "")}});
    }
    add_evidence(batch,
                 fmt::format("/subscriptions/{}/roleAssignments", m_settings.subscription_id), "",
                 {{"kind", "role_assignments"}, {"assignments", rows}}, raw);
  }

  IntegrationConfig m_config;
  ProviderOptions m_options;
  Settings m_settings;
  std::shared_ptr<net::HttpClient> m_http;
  CollectResult m_result;
  std::string m_token;
  int64_t m_token_expiry = 0;
};

bool is_http_url(const std::string& url) {
  return url.starts_with("https://") || url.starts_with("http://");
}

} // namespace

void Settings::validate() const {
  for (const auto& [value, name] :
       {std::pair{&tenant_id, "AZURE_TENANT_ID"}, std::pair{&client_id, "AZURE_CLIENT_ID"},
        std::pair{&subscription_id, "AZURE_SUBSCRIPTION_ID"}}) {
    if (value->empty() || value->find_first_of("/?# ") != std::string::npos) {
      throw UsageError(fmt::format("{} is missing or malformed", name),
                       "set AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and "
                       "AZURE_SUBSCRIPTION_ID (or pass --credentials-file)");
    }
  }
  if (!is_http_url(authority_host) || !is_http_url(arm_endpoint)) {
    throw UsageError("--authority-host and --arm-endpoint must be http(s) URLs");
  }
}

nlohmann::json Settings::to_json() const {
  return {{"tenant_id", tenant_id},
          {"client_id", client_id},
          {"subscription_id", subscription_id},
          {"account_id", subscription_id},
          {"authority_host", authority_host},
          {"arm_endpoint", arm_endpoint},
          {"credential_source", credential_source}};
}

Settings Settings::from_json(const nlohmann::json& json) {
  Settings settings;
  settings.tenant_id = json.value("tenant_id", "");
  settings.client_id = json.value("client_id", "");
  settings.subscription_id = json.value("subscription_id", "");
  settings.authority_host = json.value("authority_host", settings.authority_host);
  settings.arm_endpoint = json.value("arm_endpoint", settings.arm_endpoint);
  settings.credential_source = json.value("credential_source", "");
  return settings;
}

const Platform& platform() {
  static const Platform azure{
    .name = "azure",
    .title = "Microsoft Azure",
    .evidence_types = {EvidenceTypeInfo{.id = "configurations",
                                        .description =
                                          "resource groups, storage accounts, network security "
                                          "groups",
                                        .calls = {"resourceGroups.list", "storageAccounts.list",
                                                  "networkSecurityGroups.list"}},
                       EvidenceTypeInfo{.id = "policies",
                                        .description =
                                          "role assignments at the subscription with role names",
                                        .calls = {"roleDefinitions.list", "roleAssignments.list"}}},
    .checks = {CheckInfo{.id = "azure_storage_https_only", .evidence_type = "configurations"},
               CheckInfo{.id = "azure_storage_min_tls_12", .evidence_type = "configurations"},
               CheckInfo{.id = "azure_storage_no_public_blob", .evidence_type = "configurations"},
               CheckInfo{.id = "azure_nsg_no_ingress_world_ssh_rdp",
                         .evidence_type = "configurations"},
               CheckInfo{.id = "azure_rbac_owner_count_limited", .evidence_type = "policies"}},
    .open = [](const IntegrationConfig& config, const ProviderOptions& options)
      -> std::unique_ptr<Provider> { return std::make_unique<AzureProvider>(config, options); }};
  return azure;
}

} // namespace velocity::providers::azure
