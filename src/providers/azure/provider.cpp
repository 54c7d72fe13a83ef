#include "open.hpp"

#include <velocity/core/error.hpp>
#include <velocity/providers/azure/provider.hpp>
#include <velocity/providers/session.hpp>

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <map>
#include <tuple>

namespace velocity::providers::azure {

namespace {

constexpr std::string_view k_scope = "https://management.azure.com/.default";

// The ARM paths (under the subscription) of the lists beyond resource groups, storage, network
// security groups and roles.
constexpr const char* k_vaults = "/providers/Microsoft.KeyVault/vaults";
constexpr const char* k_virtual_machines = "/providers/Microsoft.Compute/virtualMachines";
constexpr const char* k_pricings = "/providers/Microsoft.Security/pricings";
constexpr const char* k_diagnostic_settings = "/providers/Microsoft.Insights/diagnosticSettings";
constexpr const char* k_activity_log_alerts = "/providers/Microsoft.Insights/activityLogAlerts";
constexpr const char* k_sql_servers = "/providers/Microsoft.Sql/servers";
constexpr const char* k_sql_api = "2021-11-01";
constexpr const char* k_web_sites = "/providers/Microsoft.Web/sites";
constexpr const char* k_web_api = "2023-12-01";

// A read below each listed resource that its checks need: the path under the resource, the
// operation, and the member of the evidence's data that holds the answer: the items of a paged
// list, or the properties of a single resource.
struct Child {
  const char* path;
  const char* api_version;
  const char* operation;
  const char* key;
  bool paged;
};
constexpr std::array k_storage_children{Child{"/blobServices/default", "2023-01-01",
                                              "blobServices.getServiceProperties", "blob_service",
                                              false}};
constexpr std::array k_vault_children{
  Child{"/keys", "2023-07-01", "keys.list", "keys", true},
  Child{"/secrets", "2023-07-01", "secrets.list", "secrets", true}};

// The child lists of a SQL server its checks read: path under the server, operation, and the
// member of the evidence's data that holds the items.
struct SqlChild {
  const char* path;
  const char* operation;
  const char* key;
};
constexpr std::array k_sql_children{
  SqlChild{"/firewallRules", "firewallRules.listByServer", "firewall_rules"},
  SqlChild{"/auditingSettings", "serverBlobAuditingPolicies.listByServer", "auditing"},
  SqlChild{"/administrators", "serverAzureADAdministrators.listByServer", "administrators"},
  SqlChild{"/databases", "databases.listByServer", "databases"}};

// ARM's answer to a call on a resource provider the subscription has not registered.
bool is_unregistered(const net::Response& response) {
  if (response.status != 409) {
    return false;
  }
  const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  return body.is_object() && body.contains("error") && body["error"].is_object() &&
         body["error"].value("code", "") == "MissingSubscriptionRegistration";
}

std::string form_encode(std::string_view text) {
  return net::uri_encode(text, net::SlashEncoding::encode);
}

// ARM list pages: the items under "value", the next page's URL in "nextLink".
const Paging k_paging{
  .items = "value",
  .next = [](const net::Response&, const nlohmann::json& body) -> std::optional<std::string> {
    const auto next = body.find("nextLink");
    if (next == body.end() || !next->is_string() || next->get<std::string>().empty()) {
      return std::nullopt;
    }
    return next->get<std::string>();
  }};

class AzureProvider final : public Provider {
public:
  AzureProvider(IntegrationConfig config, ProviderOptions options)
    : m_config(std::move(config)),
      m_settings(Settings::from_json(m_config.settings)),
      m_session(SessionRules{.platform = "Azure", .integration = m_config.name}, options),
      m_token(TokenGrant{.url = token_url(), .form = [this] { return grant_form(); }}),
      m_subscription(m_settings.subscription_id.empty() ? "{subscriptionId}"
                                                        : m_settings.subscription_id) {}

  ConnectionTest test() override {
    ConnectionTest test;
    test.account_id = m_settings.subscription_id;
    test.identity = m_settings.client_id;
    const auto started = std::chrono::steady_clock::now();
    const net::Response token = m_token.fetch(m_session);
    if (!token.ok()) {
      return failed_test(std::move(test), token, rejected_message(token));
    }
    if (m_settings.subscription_id.empty()) {
      return test_every_subscription(std::move(test), started);
    }
    m_subscription = m_settings.subscription_id;
    const net::Response subscription = call(subscription_url("", "2022-12-01"));
    test.response_time_ms = elapsed_ms(started);
    if (!subscription.ok()) {
      return failed_test(std::move(test), subscription,
                         fmt::format("GET subscription {}: {}", m_settings.subscription_id,
                                     error_text(subscription)));
    }
    const nlohmann::json body = nlohmann::json::parse(subscription.body, nullptr, false);
    if (body.is_object()) {
      test.region = body.value("displayName", "");
    }
    test.status = health_after(test.response_time_ms);
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
    if (m_settings.subscription_id.empty()) {
      calls.push_back(PlannedCall{
        .evidence_type = "",
        .service = "arm",
        .operation = "subscriptions.list",
        .region = "",
        .endpoint = fmt::format("{}/subscriptions?api-version=2022-12-01", m_settings.arm_endpoint),
        .note = "each page; then every call below once per enabled subscription"});
    }
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
        add(type, "vaults.listBySubscription", subscription_url(k_vaults, "2023-07-01"));
        for (const auto& [children, parent] :
             {std::pair{std::span<const Child>(k_storage_children), "per storage account"},
              std::pair{std::span<const Child>(k_vault_children), "per key vault"}}) {
          for (const Child& child : children) {
            calls.push_back(PlannedCall{.evidence_type = type,
                                        .service = "arm",
                                        .operation = child.operation,
                                        .region = "",
                                        .endpoint = fmt::format(".../RESOURCE{}?api-version={}",
                                                                child.path, child.api_version),
                                        .note = parent});
          }
        }
        add(type, "virtualMachines.listAll", subscription_url(k_virtual_machines, "2024-03-01"));
      } else if (type == "defender") {
        add(type, "pricings.list", subscription_url(k_pricings, "2024-01-01"));
      } else if (type == "monitoring") {
        add(type, "subscriptionDiagnosticSettings.list",
            subscription_url(k_diagnostic_settings, "2021-05-01-preview"));
        add(type, "activityLogAlerts.listBySubscriptionId",
            subscription_url(k_activity_log_alerts, "2020-10-01"));
      } else if (type == "databases") {
        add(type, "servers.list", subscription_url(k_sql_servers, k_sql_api));
        for (const SqlChild& child : k_sql_children) {
          calls.push_back(PlannedCall{
            .evidence_type = type,
            .service = "arm",
            .operation = child.operation,
            .region = "",
            .endpoint = fmt::format("{}/subscriptions/{}/resourceGroups/"
                                    "GROUP/providers/Microsoft.Sql/"
                                    "servers/SERVER{}?api-version={}",
                                    m_settings.arm_endpoint, m_subscription, child.path, k_sql_api),
            .note = "per server, each page (nextLink)"});
        }
        calls.push_back(PlannedCall{.evidence_type = type,
                                    .service = "arm",
                                    .operation = "transparentDataEncryptions.get",
                                    .region = "",
                                    .endpoint = ".../servers/SERVER/databases/DATABASE/"
                                                "transparentDataEncryption/current",
                                    .note = "per user database"});
      } else if (type == "app_services") {
        add(type, "webApps.list", subscription_url(k_web_sites, k_web_api));
        calls.push_back(PlannedCall{.evidence_type = type,
                                    .service = "arm",
                                    .operation = "webApps.getConfiguration",
                                    .region = "",
                                    .endpoint = ".../providers/Microsoft.Web/sites/SITE/config/web",
                                    .note = "per app"});
      } else if (type == "policies") {
        add(type, "roleDefinitions.list",
            subscription_url("/providers/Microsoft.Authorization/roleDefinitions", "2022-04-01"));
        add(type, "roleAssignments.list", assignments_url());
      }
    }
    return calls;
  }

  // Collects every subscription in turn: the one connect narrowed to, else each the
  // credentials can list.
  CollectResult collect(std::span<const std::string> types, CollectionSink& sink) override {
    CollectResult result;
    for (const std::string& subscription : subscriptions(result)) {
      m_subscription = subscription;
      CollectResult one = collect_subscription(types, sink);
      result.api_calls += one.api_calls;
      result.api_errors += one.api_errors;
      result.accounts.insert(result.accounts.end(), one.accounts.begin(), one.accounts.end());
    }
    return result;
  }

private:
  // The subscriptions to collect. Listing them counts toward `result`'s calls; a list that
  // fails is a failed account named after the tenant, and collection goes on with none.
  std::vector<std::string> subscriptions(CollectResult& result) {
    if (!m_settings.subscription_id.empty()) {
      return {m_settings.subscription_id};
    }
    m_session.reset_counts();
    const Listing listing = list_subscriptions();
    result.api_calls += m_session.counts().calls;
    result.api_errors += m_session.counts().errors;
    if (!listing.problem.empty()) {
      result.failed_accounts.push_back(
        AccountFailure{.account_id = m_settings.tenant_id, .message = listing.problem});
    }
    std::vector<std::string> ids;
    for (const nlohmann::json& subscription : listing.items) {
      // Disabled and deleted subscriptions answer reads with errors; they hold nothing to judge.
      const std::string state = subscription.value("state", "");
      if (state != "Disabled" && state != "Deleted") {
        ids.push_back(subscription.value("subscriptionId", ""));
      }
    }
    return ids;
  }

  Listing list_subscriptions() {
    return list_pages(
      fmt::format("{}/subscriptions?api-version=2022-12-01", m_settings.arm_endpoint),
      "subscriptions.list", k_paging, [this](const std::string& page) { return call(page); });
  }

  ConnectionTest test_every_subscription(ConnectionTest test,
                                         std::chrono::steady_clock::time_point started) {
    const Listing listing = list_subscriptions();
    test.response_time_ms = elapsed_ms(started);
    test.account_id = m_settings.tenant_id;
    if (!listing.problem.empty()) {
      test.status = Health::unhealthy;
      test.failure = TestFailure::other;
      test.message = listing.problem;
      return test;
    }
    if (listing.items.empty()) {
      test.status = Health::unhealthy;
      test.failure = TestFailure::denied;
      test.message = fmt::format("service principal {} can read no subscription of tenant {}; "
                                 "assign it the Reader role on the subscriptions to collect",
                                 m_settings.client_id, m_settings.tenant_id);
      return test;
    }
    test.region =
      fmt::format("{} subscription{}", listing.items.size(), listing.items.size() == 1 ? "" : "s");
    test.status = health_after(test.response_time_ms);
    return test;
  }

  CollectResult collect_subscription(std::span<const std::string> types, CollectionSink& sink) {
    return collect_by_type(m_session, m_subscription, types, sink, [this](Batch& batch) {
      if (batch.type == "configurations") {
        collect_configurations(batch);
      } else if (batch.type == "policies") {
        collect_policies(batch);
      } else if (batch.type == "defender") {
        collect_list(batch, subscription_url(k_pricings, "2024-01-01"), "pricings.list",
                     "defender_plan", "plan");
      } else if (batch.type == "monitoring") {
        collect_monitoring(batch);
      } else if (batch.type == "databases") {
        collect_sql_servers(batch);
      } else if (batch.type == "app_services") {
        collect_web_apps(batch);
      }
      run_checks(batch, m_subscription);
    });
  }

  std::string token_url() const {
    return fmt::format("{}/{}/oauth2/v2.0/token", m_settings.authority_host, m_settings.tenant_id);
  }
  std::string subscription_url(const std::string& path, const char* api_version) const {
    return fmt::format("{}/subscriptions/{}{}?api-version={}", m_settings.arm_endpoint,
                       m_subscription, path, api_version);
  }
  std::string assignments_url() const {
    return subscription_url("/providers/Microsoft.Authorization/roleAssignments", "2022-04-01") +
           "&%24filter=atScope%28%29";
  }

  std::string rejected_message(const net::Response& response) const {
    return fmt::format("Microsoft Entra ID rejected the client credentials of integration {} ({})",
                       m_config.name, error_text(response));
  }

  // A client-credentials grant with the stored client secret.
  std::string grant_form() const {
    return "client_id=" + form_encode(m_settings.client_id) +
           "&client_secret=" + form_encode(m_config.secret) + "&scope=" + form_encode(k_scope) +
           "&grant_type=client_credentials";
  }

  const std::string& token() {
    return m_token.get(m_session, [this](const net::Response& response) {
      return StateError(rejected_message(response),
                        fmt::format("check AZURE_CLIENT_ID / AZURE_CLIENT_SECRET; store new ones "
                                    "with `velocity connect azure --name {} --replace`",
                                    m_config.name));
    });
  }

  net::Response call(const std::string& url) {
    net::Response response = m_session.send(net::Request{
      .method = "GET", .url = url, .headers = {{"Authorization", "Bearer " + token()}}});
    if (response.status == 401) {
      throw StateError(fmt::format("Azure Resource Manager rejected the token of integration {} "
                                   "({})",
                                   m_config.name, error_text(response)),
                       "check the service principal and its tenant");
    }
    return response;
  }

  // Every item of a paged ARM list.
  Listing list(const std::string& url, const std::string& what) {
    return list_pages(url, fmt::format("{} {}", what, m_subscription), k_paging,
                      [this](const std::string& page) { return call(page); });
  }

  // A list of resources of one resource provider. A subscription that has not registered the
  // provider can hold none of its resources, so its refusal is an empty list, not a problem.
  Listing list_resources(const std::string& url, const std::string& what) {
    bool unregistered = false;
    Listing listing = list_pages(url, fmt::format("{} {}", what, m_subscription), k_paging,
                                 [this, &unregistered](const std::string& page) {
                                   net::Response response = call(page);
                                   unregistered = is_unregistered(response);
                                   return response;
                                 });
    return unregistered ? Listing{} : listing;
  }

  // Lists `url` and adds one evidence of `kind` per item (under `key` in its data), with what
  // `children` read below it. A child read that fails is a problem of the batch and leaves its
  // member out, so only the checks reading it are not evaluated.
  void collect_list(Batch& batch, const std::string& url, const char* what, const char* kind,
                    const char* key, std::span<const Child> children = {}) {
    Listing listing = list_resources(url, what);
    if (!listing.problem.empty()) {
      batch.problems.push_back(listing.problem);
    }
    for (nlohmann::json& item : listing.items) {
      const std::string id = item.value("id", item.value("name", ""));
      const std::string location = item.value("location", "");
      std::string raw = item.dump();
      nlohmann::json data = {{"kind", kind}};
      for (const Child& child : children) {
        read_child(batch, id, item, child, data, raw);
      }
      data[key] = std::move(item);
      add_evidence(batch, id, location, std::move(data), raw);
    }
  }

  void read_child(Batch& batch, const std::string& id, const nlohmann::json& item,
                  const Child& child, nlohmann::json& data, std::string& raw) {
    // Premium file-share accounts have no blob service to ask about.
    if (std::string_view(child.key) == "blob_service" && item.value("kind", "") == "FileStorage") {
      return;
    }
    if (child.paged) {
      Listing listing = list(resource_url(id, child.path, child.api_version), child.operation);
      raw += listing.raw;
      if (listing.problem.empty()) {
        data[child.key] = std::move(listing.items);
      } else {
        batch.problems.push_back(listing.problem);
      }
      return;
    }
    const net::Response response = call(resource_url(id, child.path, child.api_version));
    raw += response.body;
    const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
    if (response.ok() && body.is_object()) {
      data[child.key] = body.value("properties", nlohmann::json::object());
    } else {
      batch.problems.push_back(fmt::format("{} {}: {}", child.operation, id, error_text(response)));
    }
  }

  void collect_configurations(Batch& batch) {
    collect_list(batch, subscription_url("/resourcegroups", "2021-04-01"), "resourceGroups.list",
                 "resource_group", "group");
    collect_list(batch,
                 subscription_url("/providers/Microsoft.Storage/storageAccounts", "2023-01-01"),
                 "storageAccounts.list", "storage_account", "account", k_storage_children);
    collect_list(
      batch, subscription_url("/providers/Microsoft.Network/networkSecurityGroups", "2023-04-01"),
      "networkSecurityGroups.list", "network_security_group", "group");
    collect_list(batch, subscription_url(k_vaults, "2023-07-01"), "vaults.listBySubscription",
                 "key_vault", "vault", k_vault_children);
    collect_list(batch, subscription_url(k_virtual_machines, "2024-03-01"),
                 "virtualMachines.listAll", "virtual_machine", "vm");
  }

  std::string resource_url(const std::string& id, const char* path, const char* api_version) const {
    return fmt::format("{}{}{}?api-version={}", m_settings.arm_endpoint, id, path, api_version);
  }

  // Each SQL server with its firewall rules, auditing settings, Entra administrators and the
  // TDE state of each user database. A child call that fails is a problem of the batch and
  // leaves its member out of the server's data, so only the checks reading it are not evaluated.
  void collect_sql_servers(Batch& batch) {
    Listing servers = list_resources(subscription_url(k_sql_servers, k_sql_api), "servers.list");
    if (!servers.problem.empty()) {
      batch.problems.push_back(servers.problem);
    }
    for (const nlohmann::json& server : servers.items) {
      const std::string id = server.value("id", "");
      std::string raw = server.dump();
      nlohmann::json data = {{"kind", "sql_server"}, {"server", server}};
      for (const SqlChild& child : k_sql_children) {
        Listing listing = list(resource_url(id, child.path, k_sql_api), child.operation);
        raw += listing.raw;
        if (!listing.problem.empty()) {
          batch.problems.push_back(listing.problem);
          continue;
        }
        data[child.key] = std::move(listing.items);
      }
      if (data.contains("databases") && !add_encryption_states(batch, data["databases"], raw)) {
        data.erase("databases");
      }
      add_evidence(batch, id, server.value("location", ""), std::move(data), raw);
    }
  }

  // Adds "tde_state" to each user database (master is the server's own, not encrypted by TDE);
  // false when a TDE call failed.
  bool add_encryption_states(Batch& batch, nlohmann::json& databases, std::string& raw) {
    bool complete = true;
    for (nlohmann::json& database : databases) {
      if (database.value("name", "") == "master") {
        continue;
      }
      const std::string id = database.value("id", "");
      const net::Response response =
        call(resource_url(id, "/transparentDataEncryption/current", k_sql_api));
      raw += response.body;
      const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
      if (!response.ok() || !body.is_object()) {
        batch.problems.push_back(
          fmt::format("transparentDataEncryptions.get {}: {}", id, error_text(response)));
        complete = false;
        continue;
      }
      database["tde_state"] = body.value("properties", nlohmann::json::object()).value("state", "");
    }
    return complete;
  }

  // Each App Service app with its site configuration (TLS, FTP, HTTP/2), which the list leaves
  // out; an app whose configuration cannot be read is kept without it.
  void collect_web_apps(Batch& batch) {
    Listing sites = list_resources(subscription_url(k_web_sites, k_web_api), "webApps.list");
    if (!sites.problem.empty()) {
      batch.problems.push_back(sites.problem);
    }
    for (const nlohmann::json& site : sites.items) {
      const std::string id = site.value("id", "");
      nlohmann::json data = {{"kind", "web_app"}, {"site", site}};
      const net::Response response = call(resource_url(id, "/config/web", k_web_api));
      const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
      if (response.ok() && body.is_object()) {
        data["config"] = body.value("properties", nlohmann::json::object());
      } else {
        batch.problems.push_back(
          fmt::format("webApps.getConfiguration {}: {}", id, error_text(response)));
      }
      add_evidence(batch, id, site.value("location", ""), std::move(data),
                   site.dump() + response.body);
    }
  }

  // The subscription's activity log export and alerts, each one evidence for the whole
  // subscription; a list that fails adds none, so its checks are not evaluated.
  void collect_monitoring(Batch& batch) {
    const std::string subscription = "/subscriptions/" + m_subscription;
    for (const auto& [path, api_version, what, kind, key] :
         {std::tuple{k_diagnostic_settings, "2021-05-01-preview",
                     "subscriptionDiagnosticSettings.list", "activity_log_diagnostics", "settings"},
          std::tuple{k_activity_log_alerts, "2020-10-01", "activityLogAlerts.listBySubscriptionId",
                     "activity_log_alerts", "alerts"}}) {
      Listing listing = list(subscription_url(path, api_version), what);
      if (!listing.problem.empty()) {
        batch.problems.push_back(listing.problem);
        continue;
      }
      add_evidence(batch, subscription + path, "", {{"kind", kind}, {key, listing.items}},
                   listing.raw);
    }
  }

  void collect_policies(Batch& batch) {
    const Listing definitions =
      list(subscription_url("/providers/Microsoft.Authorization/roleDefinitions", "2022-04-01"),
           "roleDefinitions.list");
    if (!definitions.problem.empty()) {
      batch.problems.push_back(definitions.problem);
    }
    std::map<std::string, std::string> names; // GUID (lower case) -> role name
    for (const nlohmann::json& definition : definitions.items) {
      std::string guid = definition.value("name", "");
      std::transform(guid.begin(), guid.end(), guid.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      names[guid] = definition.value("properties", nlohmann::json::object()).value("roleName", "");
    }
    const Listing assignments = list(assignments_url(), "roleAssignments.list");
    if (!assignments.problem.empty()) {
      batch.problems.push_back(assignments.problem);
      return;
    }
    nlohmann::json rows = nlohmann::json::array();
    for (const nlohmann::json& assignment : assignments.items) {
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
    add_evidence(batch, fmt::format("/subscriptions/{}/roleAssignments", m_subscription), "",
                 {{"kind", "role_assignments"}, {"assignments", rows}},
                 definitions.raw + assignments.raw);
  }

  IntegrationConfig m_config;
  Settings m_settings;
  Session m_session;
  BearerToken m_token;
  // The subscription being tested or collected; "{subscriptionId}" in a plan for every one.
  std::string m_subscription;
};

} // namespace

std::unique_ptr<Provider> open_provider(const IntegrationConfig& config,
                                        const ProviderOptions& options) {
  return std::make_unique<AzureProvider>(config, options);
}

} // namespace velocity::providers::azure
