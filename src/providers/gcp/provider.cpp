#include "api.hpp"

#include <velocity/core/error.hpp>
#include <velocity/crypto/jwt.hpp>
#include <velocity/crypto/rsa.hpp>
#include <velocity/providers/gcp/provider.hpp>
#include <velocity/providers/session.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <regex>

namespace velocity::providers::gcp {

namespace {

constexpr int64_t k_jwt_lifetime_seconds = 3600;
constexpr std::string_view k_scope = "https://www.googleapis.com/auth/cloud-platform.read-only";
constexpr std::string_view k_resource_manager = "https://cloudresourcemanager.googleapis.com";
constexpr std::string_view k_service_usage = "https://serviceusage.googleapis.com";

std::string form_encode(std::string_view text) {
  return net::uri_encode(text, net::SlashEncoding::encode);
}

class GcpProvider final : public Provider {
public:
  GcpProvider(IntegrationConfig config, ProviderOptions options)
    : m_config(std::move(config)),
      m_settings(Settings::from_json(m_config.settings)),
      m_project(m_settings.project_id),
      m_session(SessionRules{.platform = "Google Cloud", .integration = m_config.name}, options),
      m_token(TokenGrant{.url = m_settings.token_uri, .form = [this] { return grant_form(); }}) {}

  ConnectionTest test() override {
    ConnectionTest test;
    test.account_id = m_settings.project_id;
    test.identity = m_settings.client_email;
    const auto started = std::chrono::steady_clock::now();
    const net::Response token = m_token.fetch(m_session);
    if (!token.ok()) {
      return failed_test(std::move(test), token, rejected_message(token));
    }
    const net::Response project = call("GET", project_url(), "");
    test.response_time_ms = elapsed_ms(started);
    if (!project.ok()) {
      return failed_test(
        std::move(test), project,
        fmt::format("projects.get {}: {}", m_settings.project_id, error_text(project)));
    }
    test.status = health_after(test.response_time_ms);
    return test;
  }

  std::vector<PlannedCall> plan(std::span<const std::string> types) const override {
    std::vector<PlannedCall> calls;
    auto add = [&calls](std::string type, const char* service, const char* operation,
                        std::string endpoint, const char* note) {
      calls.push_back(PlannedCall{.evidence_type = std::move(type),
                                  .service = service,
                                  .operation = operation,
                                  .region = "",
                                  .endpoint = std::move(endpoint),
                                  .note = note});
    };
    add("", "oauth2", "token (JWT bearer)", m_settings.token_uri,
        "once, cached until shortly before expiry");
    if (m_settings.all_projects) {
      add("", "cloudresourcemanager", "projects.list", projects_url(),
          "each page; every call below is then made for each ACTIVE project");
    }
    for (const std::string& type : types) {
      if (type == "policies") {
        add(type, "cloudresourcemanager", "projects.getIamPolicy", project_url() + ":getIamPolicy",
            "");
      } else if (type == "configurations") {
        add(type, "cloudresourcemanager", "projects.get", project_url(), "");
        add(type, "serviceusage", "services.list", services_url(), "each page");
      } else {
        for (PlannedCall& call : planned_calls(api_for_plan(), type)) {
          calls.push_back(std::move(call));
        }
      }
    }
    return calls;
  }

  // Collects every project the key can list (projects.list, ACTIVE ones), or only the
  // settings' project when connect named one. A failed listing still collects that project and
  // says why the others are missing.
  CollectResult collect(std::span<const std::string> types, CollectionSink& sink) override {
    std::vector<std::string> projects = {m_settings.project_id};
    std::optional<AccountFailure> listing_failure;
    CallCounts listing;
    if (m_settings.all_projects) {
      m_session.reset_counts();
      Api api = api_for(m_settings.project_id);
      const Fetched listed = api.list(projects_url(), "projects", "projects.list");
      listing = m_session.counts();
      if (listed.failed()) {
        listing_failure = AccountFailure{
          .account_id = m_settings.project_id,
          .message = listed.listing.problem +
                     "; only this project was collected (grant resourcemanager.projects.get on "
                     "the others, e.g. roles/browser)"};
      } else if (!listed.listing.items.empty()) {
        projects.clear();
        for (const nlohmann::json& project : listed.listing.items) {
          projects.push_back(project.value("projectId", ""));
        }
        std::ranges::sort(projects);
      }
    }
    CollectResult total{.api_calls = listing.calls, .api_errors = listing.errors};
    for (const std::string& project : projects) {
      m_project = project;
      const CollectResult one = collect_project(types, sink);
      total.api_calls += one.api_calls;
      total.api_errors += one.api_errors;
      total.accounts.insert(total.accounts.end(), one.accounts.begin(), one.accounts.end());
    }
    m_project = m_settings.project_id;
    if (listing_failure) {
      total.failed_accounts.push_back(*listing_failure);
    }
    return total;
  }

private:
  CollectResult collect_project(std::span<const std::string> types, CollectionSink& sink) {
    return collect_by_type(m_session, m_project, types, sink, [this](Batch& batch) {
      static const std::map<std::string, void (*)(Api&, Batch&), std::less<>> collectors = {
        {"service_accounts", collect_service_accounts},
        {"kms_keys", collect_kms_keys},
        {"storage_buckets", collect_storage_buckets},
        {"logging", collect_logging},
        {"networks", collect_networks},
        {"instances", collect_instances},
        {"sql_instances", collect_sql_instances}};
      if (batch.type == "policies") {
        collect_policies(batch);
      } else if (batch.type == "configurations") {
        collect_configurations(batch);
      } else if (const auto collector = collectors.find(batch.type);
                 collector != collectors.end()) {
        Api api = api_for(m_project);
        collector->second(api, batch);
      }
      run_checks(batch);
    });
  }

  Api api_for(const std::string& project) {
    return Api(project, m_settings.api_endpoint,
               [this](const std::string& method, const std::string& url, const std::string& body) {
                 return call(method, url, body);
               });
  }

  std::string projects_url() const {
    return resource_manager() + "/v1/projects?filter=lifecycleState%3AACTIVE&pageSize=500";
  }

  // An Api that only names URLs: planning sends nothing.
  Api api_for_plan() const {
    return Api(
      m_settings.project_id, m_settings.api_endpoint,
      [](const std::string&, const std::string&, const std::string&) { return net::Response{}; });
  }

  std::string resource_manager() const {
    return m_settings.api_endpoint ? *m_settings.api_endpoint : std::string(k_resource_manager);
  }
  std::string project_url() const { return resource_manager() + "/v1/projects/" + m_project; }
  std::string services_url() const {
    const std::string base =
      m_settings.api_endpoint ? *m_settings.api_endpoint : std::string(k_service_usage);
    return base + "/v1/projects/" + m_project + "/services?filter=state:ENABLED&pageSize=200";
  }

  std::string rejected_message(const net::Response& response) const {
    return fmt::format("Google rejected the service-account key of integration {} ({})",
                       m_config.name, error_text(response));
  }

  // A JWT-bearer grant: an assertion signed with the stored key, fresh for each request.
  std::string grant_form() const {
    const ServiceAccountKey key = parse_key(m_config.secret, "the stored key");
    const crypto::RsaPrivateKey private_key =
      crypto::RsaPrivateKey::from_pem(key.private_key, "the stored service-account key");
    const int64_t now = epoch_seconds();
    const std::string assertion = crypto::JwtBuilder(key.private_key_id)
                                    .claim("iss", key.client_email)
                                    .claim("scope", k_scope)
                                    .claim("aud", m_settings.token_uri)
                                    .claim("iat", now)
                                    .claim("exp", now + k_jwt_lifetime_seconds)
                                    .sign(private_key);
    return "grant_type=" + form_encode("urn:ietf:params:oauth:grant-type:jwt-bearer") +
           "&assertion=" + assertion;
  }

  // A live access token; throws StateError when Google rejects the key.
  const std::string& token() {
    return m_token.get(m_session, [this](const net::Response& response) {
      return StateError(rejected_message(response),
                        fmt::format("check the key file; store a new one with `velocity connect "
                                    "gcp --name {} --key-file FILE --replace`",
                                    m_config.name));
    });
  }

  net::Response call(const std::string& method, const std::string& url, const std::string& body) {
    net::Request request{.method = method,
                         .url = url,
                         .headers = {{"Authorization", "Bearer " + token()}},
                         .body = body};
    if (method == "POST") {
      request.headers.emplace_back("Content-Type", "application/json");
    }
    net::Response response = m_session.send(request);
    if (response.status == 401) {
      throw StateError(fmt::format("Google rejected the access token of integration {} ({})",
                                   m_config.name, error_text(response)),
                       "check that the service account and its key are still enabled");
    }
    return response;
  }

  void collect_policies(Batch& batch) {
    const net::Response response =
      call("POST", project_url() + ":getIamPolicy", R"({"options":{"requestedPolicyVersion":3}})");
    if (!response.ok()) {
      batch.problems.push_back(
        fmt::format("projects.getIamPolicy {}: {}", m_project, error_text(response)));
      return;
    }
    nlohmann::json policy = nlohmann::json::parse(response.body, nullptr, false);
    if (!policy.is_object()) {
      batch.problems.push_back("projects.getIamPolicy: the answer is not a JSON object");
      return;
    }
    add_evidence(batch, "projects/" + m_project + "/iamPolicy", "",
                 {{"kind", "iam_policy"}, {"policy", std::move(policy)}}, response.body);
  }

  void collect_configurations(Batch& batch) {
    const net::Response project = call("GET", project_url(), "");
    if (!project.ok()) {
      batch.problems.push_back(fmt::format("projects.get {}: {}", m_project, error_text(project)));
      return;
    }
    const Paging paging{
      .items = "services",
      .next = [this](const net::Response&,
                     const nlohmann::json& body) -> std::optional<std::string> {
        const auto token = body.find("nextPageToken");
        if (token == body.end() || !token->is_string() || token->get<std::string>().empty()) {
          return std::nullopt;
        }
        return services_url() + "&pageToken=" + form_encode(token->get<std::string>());
      }};
    const Listing services =
      list_pages(services_url(), "services.list " + m_project, paging,
                 [this](const std::string& url) { return call("GET", url, ""); });
    if (!services.problem.empty()) {
      batch.problems.push_back(services.problem);
    }
    nlohmann::json enabled = nlohmann::json::array();
    for (const nlohmann::json& service : services.items) {
      enabled.push_back(service.contains("config") ? service["config"].value("name", "")
                                                   : service.value("name", ""));
    }
    add_evidence(batch, "projects/" + m_project, "",
                 {{"kind", "project"},
                  {"project", nlohmann::json::parse(project.body, nullptr, false)},
                  {"enabled_services", services.problem.empty() ? enabled : nullptr}},
                 project.body + services.raw);
  }

  IntegrationConfig m_config;
  Settings m_settings;
  // The project being collected: the settings' own, or each project the key can list in turn.
  std::string m_project;
  Session m_session;
  BearerToken m_token;
};

} // namespace

ServiceAccountKey parse_key(const std::string& json_text, const std::string& origin) {
  const nlohmann::json json = nlohmann::json::parse(json_text, nullptr, false);
  const std::string help = "download a JSON key for the service account (IAM > Service "
                           "accounts > Keys) and pass it with --key-file";
  if (!json.is_object()) {
    throw UsageError(fmt::format("{} is not JSON", origin), help);
  }
  if (json.value("type", "") != "service_account") {
    throw UsageError(
      fmt::format("{} is not a service-account key (type is '{}')", origin, json.value("type", "")),
      help);
  }
  ServiceAccountKey key;
  key.client_email = json.value("client_email", "");
  key.private_key_id = json.value("private_key_id", "");
  key.private_key = json.value("private_key", "");
  key.project_id = json.value("project_id", "");
  key.token_uri = json.value("token_uri", "");
  if (key.client_email.empty() || key.private_key.empty()) {
    throw UsageError(fmt::format("{} lacks client_email or private_key", origin), help);
  }
  // Fails now, naming the file, rather than at the first collection.
  (void)crypto::RsaPrivateKey::from_pem(key.private_key, origin);
  return key;
}

void Settings::validate() const {
  static const std::regex project_pattern("^[a-z][a-z0-9-]{4,28}[a-z0-9]$|^[a-z0-9.:-]+$");
  if (project_id.empty() || !std::regex_match(project_id, project_pattern)) {
    throw UsageError(fmt::format("'{}' is not a GCP project id", project_id),
                     "pass --project PROJECT_ID (e.g. my-project-123)");
  }
  if (!net::is_http_url(token_uri)) {
    throw UsageError(fmt::format("token URI '{}' is not an http(s) URL", token_uri));
  }
  if (api_endpoint && !net::is_http_url(*api_endpoint)) {
    throw UsageError(fmt::format("API endpoint '{}' is not an http(s) URL", *api_endpoint));
  }
}

nlohmann::json Settings::to_json() const {
  nlohmann::json json = {{"project_id", project_id},
                         {"account_id", project_id},
                         {"client_email", client_email},
                         {"token_uri", token_uri},
                         {"credential_source", credential_source},
                         {"all_projects", all_projects}};
  if (api_endpoint) {
    json["api_endpoint"] = *api_endpoint;
  }
  return json;
}

Settings Settings::from_json(const nlohmann::json& json) {
  Settings settings;
  settings.project_id = json.value("project_id", "");
  settings.client_email = json.value("client_email", "");
  settings.token_uri = json.value("token_uri", settings.token_uri);
  if (json.contains("api_endpoint") && json["api_endpoint"].is_string()) {
    settings.api_endpoint = json["api_endpoint"].get<std::string>();
  }
  settings.credential_source = json.value("credential_source", "");
  settings.all_projects = json.value("all_projects", false);
  return settings;
}

namespace {

std::vector<CheckInfo> checks() {
  const std::vector<std::pair<const char*, std::vector<const char*>>> by_type = {
    {"policies",
     {"gcp_iam_no_primitive_roles_for_users", "gcp_iam_no_public_members",
      "gcp_iam_audit_logs_enabled", "gcp_iam_sa_no_administrative_privileges",
      "gcp_iam_no_service_roles_at_project_level", "gcp_iam_role_sa_enforce_separation_of_duties",
      "gcp_iam_role_kms_enforce_separation_of_duties"}},
    {"configurations", {"gcp_iam_cloud_asset_inventory_enabled"}},
    {"service_accounts",
     {"gcp_iam_sa_no_user_managed_keys", "gcp_iam_sa_user_managed_key_rotate_90_days"}},
    {"kms_keys", {"gcp_kms_key_rotation_max_90_days", "gcp_kms_key_not_publicly_accessible"}},
    {"storage_buckets",
     {"gcp_cloudstorage_bucket_public_access",
      "gcp_cloudstorage_bucket_uniform_bucket_level_access"}},
    {"logging",
     {"gcp_logging_sink_created", "gcp_cloudstorage_bucket_log_retention_policy_lock",
      "gcp_logging_log_metric_filter_and_alert_for_project_ownership_changes_enabled",
      "gcp_logging_log_metric_filter_and_alert_for_audit_configuration_changes_enabled",
      "gcp_logging_log_metric_filter_and_alert_for_custom_role_changes_enabled",
      "gcp_logging_log_metric_filter_and_alert_for_vpc_firewall_rule_changes_enabled",
      "gcp_logging_log_metric_filter_and_alert_for_vpc_network_route_changes_enabled",
      "gcp_logging_log_metric_filter_and_alert_for_vpc_network_changes_enabled",
      "gcp_logging_log_metric_filter_and_alert_for_bucket_permission_changes_enabled",
      "gcp_logging_log_metric_filter_and_alert_for_sql_instance_configuration_changes_enabled"}},
    {"networks",
     {"gcp_compute_network_default_in_use", "gcp_compute_network_not_legacy",
      "gcp_compute_network_dns_logging_enabled",
      "gcp_compute_firewall_ssh_access_from_the_internet_allowed",
      "gcp_compute_firewall_rdp_access_from_the_internet_allowed",
      "gcp_compute_subnet_flow_logs_enabled", "gcp_dns_dnssec_disabled",
      "gcp_dns_rsasha1_in_use_to_key_sign_in_dnssec",
      "gcp_dns_rsasha1_in_use_to_zone_sign_in_dnssec"}},
    {"instances",
     {"gcp_compute_project_os_login_enabled", "gcp_compute_instance_default_service_account_in_use",
      "gcp_compute_instance_default_service_account_in_use_with_full_api_access",
      "gcp_compute_instance_block_project_wide_ssh_keys_disabled",
      "gcp_compute_instance_serial_ports_in_use", "gcp_compute_instance_shielded_vm_enabled",
      "gcp_compute_instance_public_ip", "gcp_compute_instance_ip_forwarding_is_enabled"}},
    {"sql_instances",
     {"gcp_cloudsql_instance_public_ip", "gcp_cloudsql_instance_ssl_connections",
      "gcp_cloudsql_instance_public_access", "gcp_cloudsql_instance_automated_backups",
      "gcp_cloudsql_instance_mysql_local_infile_flag",
      "gcp_cloudsql_instance_mysql_skip_show_database_flag",
      "gcp_cloudsql_instance_postgres_log_connections_flag",
      "gcp_cloudsql_instance_postgres_log_disconnections_flag",
      "gcp_cloudsql_instance_postgres_enable_pgaudit_flag"}}};
  std::vector<CheckInfo> out;
  for (const auto& [type, ids] : by_type) {
    for (const char* id : ids) {
      out.push_back(CheckInfo{.id = id, .evidence_type = type});
    }
  }
  return out;
}

} // namespace

const Platform& platform() {
  static const Platform gcp{
    .name = "gcp",
    .title = "Google Cloud",
    .evidence_types =
      {EvidenceTypeInfo{.id = "policies",
                        .description = "the project's IAM policy with its audit configuration",
                        .calls = {"projects.getIamPolicy"}},
       EvidenceTypeInfo{.id = "configurations",
                        .description = "project metadata and enabled services",
                        .calls = {"projects.get", "services.list"}},
       EvidenceTypeInfo{.id = "service_accounts",
                        .description = "service accounts and their user-managed keys",
                        .calls = {"serviceAccounts.list", "serviceAccounts.keys.list"}},
       EvidenceTypeInfo{.id = "kms_keys",
                        .description = "Cloud KMS keys in every location, with their IAM policy",
                        .calls = {"locations.list", "keyRings.list", "cryptoKeys.list",
                                  "cryptoKeys.getIamPolicy"}},
       EvidenceTypeInfo{.id = "storage_buckets",
                        .description = "Cloud Storage buckets with their IAM policy",
                        .calls = {"buckets.list", "buckets.getIamPolicy"}},
       EvidenceTypeInfo{
         .id = "logging",
         .description = "log sinks and their buckets, log-based metrics and "
                        "alerting policies",
         .calls = {"sinks.list", "metrics.list", "alertPolicies.list", "buckets.get"}},
       EvidenceTypeInfo{.id = "networks",
                        .description = "VPC networks, firewall rules, subnets, Cloud DNS zones "
                                       "and DNS policies",
                        .calls = {"networks.list", "firewalls.list", "subnetworks.aggregatedList",
                                  "managedZones.list", "policies.list"}},
       EvidenceTypeInfo{.id = "instances",
                        .description = "Compute Engine instances and project metadata",
                        .calls = {"projects.get", "instances.aggregatedList"}},
       EvidenceTypeInfo{.id = "sql_instances",
                        .description = "Cloud SQL instances with their settings and flags",
                        .calls = {"instances.list"}}},
    .checks = checks(),
    .open = [](const IntegrationConfig& config, const ProviderOptions& options)
      -> std::unique_ptr<Provider> { return std::make_unique<GcpProvider>(config, options); }};
  return gcp;
}

} // namespace velocity::providers::gcp
