#include <velocity/core/error.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/crypto/jwt.hpp>
#include <velocity/crypto/rsa.hpp>
#include <velocity/net/curl_client.hpp>
#include <velocity/providers/gcp/provider.hpp>

#include <fmt/format.h>

#include <chrono>
#include <regex>

namespace velocity::providers::gcp {

namespace {

constexpr int64_t k_degraded_after_ms = 3000;
constexpr int64_t k_jwt_lifetime_seconds = 3600;
// A cached token is renewed this long before it expires, so no call carries a dying token.
constexpr int64_t k_token_margin_seconds = 300;
constexpr std::string_view k_scope = "https://www.googleapis.com/auth/cloud-platform.read-only";
constexpr std::string_view k_resource_manager = "https://cloudresourcemanager.googleapis.com";
constexpr std::string_view k_service_usage = "https://serviceusage.googleapis.com";

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

// "invalid_grant: Invalid JWT Signature." from an OAuth error body, or the google.rpc.Status
// "PERMISSION_DENIED: ..." of an API error, or the start of the body.
std::string error_message(const net::Response& response) {
  const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_object() && body.contains("error")) {
    const nlohmann::json& error = body["error"];
    if (error.is_string()) {
      return fmt::format("{}: {}", error.get<std::string>(), body.value("error_description", ""));
    }
    if (error.is_object()) {
      return fmt::format("{}: {}", error.value("status", std::to_string(response.status)),
                         error.value("message", ""));
    }
  }
  return fmt::format("HTTP {}: {}", response.status, response.body.substr(0, 200));
}

// Why a call could not be used; the caller decides what the whole collection does.
struct CallError {
  bool rejected = false; // the credentials, not the call: ends the collection
  std::string message;
};

class GcpProvider final : public Provider {
public:
  GcpProvider(IntegrationConfig config, ProviderOptions options)
    : m_config(std::move(config)),
      m_options(std::move(options)),
      m_settings(Settings::from_json(m_config.settings)) {}

  ConnectionTest test() override {
    ConnectionTest test;
    test.account_id = m_settings.project_id;
    test.identity = m_settings.client_email;
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
    const net::Response project = call("GET", project_url(), "");
    test.response_time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - start)
                              .count();
    if (!project.ok()) {
      test.status = Health::unhealthy;
      test.failure = project.status == 401   ? TestFailure::rejected_credentials
                     : project.status == 403 ? TestFailure::denied
                                             : TestFailure::other;
      test.error_code = std::to_string(project.status);
      test.message =
        fmt::format("projects.get {}: {}", m_settings.project_id, error_message(project));
      return test;
    }
    test.status = test.response_time_ms > k_degraded_after_ms ? Health::degraded : Health::healthy;
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
    for (const std::string& type : types) {
      if (type == "policies") {
        add(type, "cloudresourcemanager", "projects.getIamPolicy", project_url() + ":getIamPolicy",
            "");
      } else if (type == "configurations") {
        add(type, "cloudresourcemanager", "projects.get", project_url(), "");
        add(type, "serviceusage", "services.list", services_url(), "each page");
      }
    }
    return calls;
  }

  CollectResult collect(std::span<const std::string> types, CollectionSink& sink) override {
    m_result = CollectResult{};
    m_result.accounts.push_back(m_settings.project_id);
    for (const std::string& type : types) {
      Batch batch;
      batch.type = type;
      batch.account_id = m_settings.project_id;
      if (type == "policies") {
        collect_policies(batch);
      } else if (type == "configurations") {
        collect_configurations(batch);
      }
      run_checks(batch);
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

  std::string resource_manager() const {
    return m_settings.api_endpoint ? *m_settings.api_endpoint : std::string(k_resource_manager);
  }
  std::string project_url() const {
    return resource_manager() + "/v1/projects/" + m_settings.project_id;
  }
  std::string services_url() const {
    const std::string base =
      m_settings.api_endpoint ? *m_settings.api_endpoint : std::string(k_service_usage);
    return base + "/v1/projects/" + m_settings.project_id +
           "/services?filter=state:ENABLED&pageSize=200";
  }

  std::string rejected_message(const net::Response& response) const {
    return fmt::format("Google rejected the service-account key of integration {} ({})",
                       m_config.name, error_message(response));
  }

  // Posts a fresh JWT-bearer grant; on success caches the token.
  net::Response fetch_token() {
    const ServiceAccountKey key = parse_key(m_config.secret, "the stored key");
    const crypto::RsaPrivateKey private_key =
      crypto::RsaPrivateKey::from_pem(key.private_key, "the stored service-account key");
    const int64_t now = now_epoch();
    const std::string assertion = crypto::JwtBuilder(key.private_key_id)
                                    .claim("iss", key.client_email)
                                    .claim("scope", k_scope)
                                    .claim("aud", m_settings.token_uri)
                                    .claim("iat", now)
                                    .claim("exp", now + k_jwt_lifetime_seconds)
                                    .sign(private_key);
    const net::Request request{
      .method = "POST",
      .url = m_settings.token_uri,
      .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
      .body = "grant_type=" + form_encode("urn:ietf:params:oauth:grant-type:jwt-bearer") +
              "&assertion=" + assertion};
    net::Response response = http().perform(request);
    ++m_result.api_calls;
    if (!response.ok()) {
      ++m_result.api_errors;
      return response;
    }
    const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
    if (!body.is_object() || !body.contains("access_token") || !body["access_token"].is_string()) {
      throw RemoteError(fmt::format("the token endpoint {} answered without an access_token",
                                    m_settings.token_uri));
    }
    m_token = body["access_token"].get<std::string>();
    m_token_expiry = now + body.value("expires_in", int64_t{3600});
    return response;
  }

  // A live access token; throws StateError when Google rejects the key.
  const std::string& token() {
    if (m_token.empty() || now_epoch() >= m_token_expiry - k_token_margin_seconds) {
      const net::Response response = fetch_token();
      if (!response.ok()) {
        throw StateError(rejected_message(response),
                         fmt::format("check the key file; store a new one with `velocity connect "
                                     "gcp --name {} --key-file FILE --replace`",
                                     m_config.name));
      }
    }
    return m_token;
  }

  net::Response call(const std::string& method, const std::string& url, const std::string& body) {
    net::Request request{.method = method,
                         .url = url,
                         .headers = {{"Authorization", "Bearer " + token()}},
                         .body = body};
    if (method == "POST") {
      request.headers.emplace_back("Content-Type", "application/json");
    }
    net::Response response = http().perform(request);
    ++m_result.api_calls;
    if (!response.ok()) {
      ++m_result.api_errors;
    }
    if (response.status == 401) {
      throw StateError(fmt::format("Google rejected the access token of integration {} ({})",
                                   m_config.name, error_message(response)),
                       "check that the service account and its key are still enabled");
    }
    return response;
  }

  void add_evidence(Batch& batch, std::string resource_id, nlohmann::json data,
                    std::string_view raw) {
    batch.evidence.push_back(Evidence{.type = batch.type,
                                      .resource_id = std::move(resource_id),
                                      .account_id = m_settings.project_id,
                                      .region = "",
                                      .data = std::move(data),
                                      .raw_sha256 = crypto::to_hex(crypto::sha256(raw))});
  }

  void collect_policies(Batch& batch) {
    const net::Response response =
      call("POST", project_url() + ":getIamPolicy", R"({"options":{"requestedPolicyVersion":3}})");
    if (!response.ok()) {
      batch.problems.push_back(fmt::format("projects.getIamPolicy {}: {}", m_settings.project_id,
                                           error_message(response)));
      return;
    }
    nlohmann::json policy = nlohmann::json::parse(response.body, nullptr, false);
    if (!policy.is_object()) {
      batch.problems.push_back("projects.getIamPolicy: the answer is not a JSON object");
      return;
    }
    add_evidence(batch, "projects/" + m_settings.project_id + "/iamPolicy",
                 {{"kind", "iam_policy"}, {"policy", std::move(policy)}}, response.body);
  }

  void collect_configurations(Batch& batch) {
    const net::Response project = call("GET", project_url(), "");
    if (!project.ok()) {
      batch.problems.push_back(
        fmt::format("projects.get {}: {}", m_settings.project_id, error_message(project)));
      return;
    }
    std::string raw = project.body;
    nlohmann::json data = {{"kind", "project"},
                           {"project", nlohmann::json::parse(project.body, nullptr, false)},
                           {"enabled_services", nlohmann::json::array()}};
    std::string url = services_url();
    while (true) {
      const net::Response page = call("GET", url, "");
      if (!page.ok()) {
        batch.problems.push_back(
          fmt::format("services.list {}: {}", m_settings.project_id, error_message(page)));
        data["enabled_services"] = nullptr;
        break;
      }
      raw += page.body;
      const nlohmann::json body = nlohmann::json::parse(page.body, nullptr, false);
      if (!body.is_object()) {
        batch.problems.push_back("services.list: the answer is not a JSON object");
        break;
      }
      for (const nlohmann::json& service : body.value("services", nlohmann::json::array())) {
        data["enabled_services"].push_back(service.contains("config")
                                             ? service["config"].value("name", "")
                                             : service.value("name", ""));
      }
      const std::string next = body.value("nextPageToken", "");
      if (next.empty()) {
        break;
      }
      url = services_url() + "&pageToken=" + form_encode(next);
    }
    add_evidence(batch, "projects/" + m_settings.project_id, std::move(data), raw);
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
  if (!is_http_url(token_uri)) {
    throw UsageError(fmt::format("token URI '{}' is not an http(s) URL", token_uri));
  }
  if (api_endpoint && !is_http_url(*api_endpoint)) {
    throw UsageError(fmt::format("API endpoint '{}' is not an http(s) URL", *api_endpoint));
  }
}

nlohmann::json Settings::to_json() const {
  nlohmann::json json = {{"project_id", project_id},
                         {"account_id", project_id},
                         {"client_email", client_email},
                         {"token_uri", token_uri},
                         {"credential_source", credential_source}};
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
  return settings;
}

const Platform& platform() {
  static const Platform gcp{
    .name = "gcp",
    .title = "Google Cloud",
    .evidence_types = {EvidenceTypeInfo{.id = "policies",
                                        .description = "the project's IAM policy with its "
                                                       "audit configuration",
                                        .calls = {"projects.getIamPolicy"}},
                       EvidenceTypeInfo{.id = "configurations",
                                        .description = "project metadata and enabled services",
                                        .calls = {"projects.get", "services.list"}}},
    .checks = {CheckInfo{.id = "gcp_iam_no_primitive_roles_for_users", .evidence_type = "policies"},
               CheckInfo{.id = "gcp_iam_no_public_members", .evidence_type = "policies"},
               CheckInfo{.id = "gcp_audit_logs_all_services", .evidence_type = "policies"},
               CheckInfo{.id = "gcp_iam_sa_no_admin_roles", .evidence_type = "policies"}},
    .open = [](const IntegrationConfig& config, const ProviderOptions& options)
      -> std::unique_ptr<Provider> { return std::make_unique<GcpProvider>(config, options); }};
  return gcp;
}

} // namespace velocity::providers::gcp
