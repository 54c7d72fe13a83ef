#include <velocity/core/error.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/net/curl_client.hpp>
#include <velocity/net/retry.hpp>
#include <velocity/providers/github/provider.hpp>

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <regex>
#include <thread>

namespace velocity::providers::github {

namespace {

constexpr int64_t k_degraded_after_ms = 3000;
// A wait at least this long is announced on stderr, so a quiet collection is not mistaken
// for a hung one.
constexpr int64_t k_announce_wait_seconds = 10;

int64_t now_epoch() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

// Percent-encodes a path segment; `/` is kept (branch names such as release/1.x).
std::string encode_path(std::string_view text) {
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

// The "message" of a GitHub error body, or the start of the body.
std::string error_message(const net::Response& response) {
  const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_object() && body.contains("message") && body["message"].is_string()) {
    return body["message"].get<std::string>();
  }
  return response.body.substr(0, 200);
}

std::string describe(const std::string& what, const net::Response& response) {
  return fmt::format("{}: {} {}", what, response.status, error_message(response));
}

// Only server errors are retried by the client: rate limits are handled here, where the wait
// can be bounded by --max-wait and announced.
std::optional<std::chrono::milliseconds> retry_server_errors(const net::Response& response) {
  if (response.status == 500 || response.status == 502 || response.status == 503 ||
      response.status == 504) {
    return std::chrono::milliseconds(0);
  }
  return std::nullopt;
}

// A call's answer, or why it has none usable.
struct Answer {
  net::Response response;
  std::string problem; // "" when the call succeeded (or answered an expected status)
};

class GithubProvider final : public Provider {
public:
  GithubProvider(IntegrationConfig config, ProviderOptions options)
    : m_config(std::move(config)),
      m_options(std::move(options)),
      m_settings(Settings::from_json(m_config.settings)) {}

  ConnectionTest test() override {
    ConnectionTest test;
    const auto start = std::chrono::steady_clock::now();
    const net::Response response = get(m_settings.api_url + "/user");
    test.response_time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - start)
                              .count();
    test.account_id = m_settings.org;
    if (response.status == 401) {
      test.status = Health::unhealthy;
      test.failure = TestFailure::rejected_credentials;
      test.error_code = "401";
      test.message = rejected_message(response);
      return test;
    }
    if (!response.ok()) {
      test.status = Health::unhealthy;
      test.failure = response.status == 403 ? TestFailure::denied : TestFailure::other;
      test.error_code = std::to_string(response.status);
      test.message = describe("GET /user", response);
      return test;
    }
    const nlohmann::json user = nlohmann::json::parse(response.body, nullptr, false);
    const std::string login = user.is_object() ? user.value("login", "") : "";
    const std::string scopes = response.header("x-oauth-scopes").value_or("");
    test.identity = scopes.empty() ? login : fmt::format("{} (scopes: {})", login, scopes);
    test.status = test.response_time_ms > k_degraded_after_ms ? Health::degraded : Health::healthy;
    return test;
  }

  std::vector<PlannedCall> plan(std::span<const std::string> types) const override {
    std::vector<PlannedCall> calls;
    const std::string org = m_settings.org;
    const std::string& api = m_settings.api_url;
    auto call = [&](const std::string& type, const std::string& operation, std::string path,
                    std::string note) {
      calls.push_back(PlannedCall{.evidence_type = type,
                                  .service = "github",
                                  .operation = operation,
                                  .region = "",
                                  .endpoint = api + path,
                                  .note = std::move(note)});
    };
    for (const std::string& type : types) {
      if (type == "configurations") {
        call(type, "GET /orgs/{org}", "/orgs/" + org, "");
        call(type, "GET /orgs/{org}/repos", "/orgs/" + org + "/repos?per_page=100",
             "each page (Link rel=next)");
        call(type, "GET /repos/{owner}/{repo}/vulnerability-alerts",
             "/repos/" + org + "/{repo}/vulnerability-alerts", "per repository");
      } else if (type == "security_groups") {
        call(type, "GET /orgs/{org}/repos", "/orgs/" + org + "/repos?per_page=100",
             "each page (Link rel=next)");
        call(type, "GET /repos/{owner}/{repo}/branches/{branch}/protection",
             "/repos/" + org + "/{repo}/branches/{default_branch}/protection",
             "per unarchived repository");
        call(type, "GET /orgs/{org}/members?filter=2fa_disabled",
             "/orgs/" + org + "/members?filter=2fa_disabled&per_page=100", "each page");
      }
    }
    return calls;
  }

  CollectResult collect(std::span<const std::string> types, CollectionSink& sink) override {
    m_result = CollectResult{};
    m_result.accounts.push_back(m_settings.org);
    for (const std::string& type : types) {
      Batch batch;
      batch.type = type;
      batch.account_id = m_settings.org;
      if (type == "configurations") {
        collect_configurations(batch);
      } else if (type == "security_groups") {
        collect_access_rules(batch);
      }
      run_checks(batch);
      sink.on_batch(std::move(batch));
    }
    return m_result;
  }

private:
  net::HttpClient& http() {
    if (!m_http) {
      if (m_options.http) {
        m_http = m_options.http;
      } else {
        net::ClientOptions client = m_options.client;
        client.retry_classifier = retry_server_errors;
        m_http = std::make_shared<net::CurlHttpClient>(client);
      }
    }
    return *m_http;
  }

  std::string rejected_message(const net::Response& response) const {
    return fmt::format("GitHub rejected the token of integration {} (401 {})", m_config.name,
                       error_message(response));
  }

  // One GET, waiting out rate limits within the --max-wait of the collection or integration.
  net::Response get(const std::string& url) {
    const net::Request request{.method = "GET",
                               .url = url,
                               .headers = {{"Accept", "application/vnd.github+json"},
                                           {"Authorization", "Bearer " + m_config.secret},
                                           {"X-GitHub-Api-Version", "2022-11-28"}}};
    while (true) {
      net::Response response = http().perform(request);
      ++m_result.api_calls;
      const auto wait = rate_limit_wait(response, now_epoch());
      if (!wait) {
        if (!response.ok()) {
          ++m_result.api_errors;
        }
        return response;
      }
      const int64_t max_wait =
        m_options.max_wait ? m_options.max_wait->count() : m_settings.max_wait_seconds;
      if (m_waited.count() + wait->count() > max_wait) {
        ++m_result.api_errors;
        response.body =
          nlohmann::json{
            {"message",
             fmt::format("rate limited; GitHub asks to wait {} s, beyond the {} s "
                         "--max-wait of this {} ({})",
                         wait->count(), max_wait, m_options.max_wait ? "collection" : "integration",
                         error_message(response))}}
            .dump();
        return response;
      }
      if (wait->count() >= k_announce_wait_seconds) {
        std::fprintf(stderr, "velocity: GitHub rate limit for integration %s: waiting %lld s\n",
                     m_config.name.c_str(), static_cast<long long>(wait->count()));
      }
      if (m_options.on_progress) {
        m_options.on_progress(fmt::format("rate limited, waiting {} s", wait->count()));
      }
      m_waited += *wait;
      std::this_thread::sleep_for(*wait);
    }
  }

  // Throws for answers that end the whole collection: rejected token.
  void fail_on_rejection(const net::Response& response) const {
    if (response.status == 401) {
      throw StateError(rejected_message(response),
                       fmt::format("store a valid token with `velocity connect github --name {} "
                                   "--org {} --replace`",
                                   m_config.name, m_settings.org));
    }
  }

  // GET `url` and every following page; items are appended to `items`. "" or the problem.
  std::string get_all(std::string url, const std::string& what, nlohmann::json& items,
                      std::string& raw) {
    while (true) {
      const net::Response response = get(url);
      fail_on_rejection(response);
      if (!response.ok()) {
        return describe(what, response);
      }
      raw += response.body;
      const nlohmann::json page = nlohmann::json::parse(response.body, nullptr, false);
      if (!page.is_array()) {
        return what + ": the answer is not a JSON array";
      }
      for (const nlohmann::json& item : page) {
        items.push_back(item);
      }
      const auto next = next_link(response.header("link").value_or(""));
      if (!next) {
        return "";
      }
      url = *next;
    }
  }

  // The organisation's repositories, listed once per collection.
  const nlohmann::json& repositories(Batch& batch) {
    if (!m_repos_listed) {
      m_repos_listed = true;
      m_repos = nlohmann::json::array();
      m_repos_problem = get_all(fmt::format("{}/orgs/{}/repos?type=all&per_page=100",
                                            m_settings.api_url, encode_path(m_settings.org)),
                                "GET /orgs/" + m_settings.org + "/repos", m_repos, m_repos_raw);
    }
    if (!m_repos_problem.empty()) {
      batch.problems.push_back(m_repos_problem);
    }
    return m_repos;
  }

  void add_evidence(Batch& batch, std::string resource_id, nlohmann::json data,
                    std::string_view raw) {
    batch.evidence.push_back(Evidence{.type = batch.type,
                                      .resource_id = std::move(resource_id),
                                      .account_id = m_settings.org,
                                      .region = "",
                                      .data = std::move(data),
                                      .raw_sha256 = crypto::to_hex(crypto::sha256(raw))});
  }

  void collect_configurations(Batch& batch) {
    const net::Response org =
      get(fmt::format("{}/orgs/{}", m_settings.api_url, encode_path(m_settings.org)));
    fail_on_rejection(org);
    if (!org.ok()) {
      batch.problems.push_back(describe("GET /orgs/" + m_settings.org, org));
    } else {
      nlohmann::json json = nlohmann::json::parse(org.body, nullptr, false);
      if (!json.is_object()) {
        json = nlohmann::json::object();
      }
      if (!json.contains("two_factor_requirement_enabled")) {
        batch.problems.push_back(fmt::format(
          "GET /orgs/{}: two_factor_requirement_enabled is not visible (the token is not an "
          "organisation owner's)",
          m_settings.org));
      }
      add_evidence(batch, m_settings.org, {{"kind", "organization"}, {"organization", json}},
                   org.body);
    }

    const nlohmann::json& repos = repositories(batch);
    bool analysis_hidden = false;
    for (const nlohmann::json& repo : repos) {
      const std::string full_name = repo.value("full_name", "");
      if (full_name.empty()) {
        continue;
      }
      nlohmann::json data = {{"kind", "repository"}, {"repository", repo}};
      analysis_hidden = analysis_hidden || !repo.contains("security_and_analysis");
      const net::Response alerts = get(fmt::format("{}/repos/{}/vulnerability-alerts",
                                                   m_settings.api_url, encode_path(full_name)));
      fail_on_rejection(alerts);
      std::string raw = repo.dump();
      if (alerts.status == 204) {
        data["dependabot_alerts"] = true;
      } else if (alerts.status == 404) {
        data["dependabot_alerts"] = false;
      } else {
        data["dependabot_alerts"] = nullptr;
        batch.problems.push_back(
          describe(fmt::format("GET /repos/{}/vulnerability-alerts", full_name), alerts));
      }
      raw += alerts.body;
      add_evidence(batch, full_name, std::move(data), raw);
    }
    if (analysis_hidden) {
      batch.problems.push_back(
        fmt::format("GET /orgs/{}/repos: security_and_analysis is not visible (the token is not an "
                    "organisation owner's), so secret scanning was not checked",
                    m_settings.org));
    }
  }

  void collect_access_rules(Batch& batch) {
    const nlohmann::json& repos = repositories(batch);
    for (const nlohmann::json& repo : repos) {
      const std::string full_name = repo.value("full_name", "");
      const std::string branch = repo.value("default_branch", "");
      if (full_name.empty() || branch.empty() || repo.value("archived", false)) {
        continue;
      }
      const std::string what =
        fmt::format("GET /repos/{}/branches/{}/protection", full_name, branch);
      const net::Response response =
        get(fmt::format("{}/repos/{}/branches/{}/protection", m_settings.api_url,
                        encode_path(full_name), encode_path(branch)));
      fail_on_rejection(response);
      nlohmann::json data = {
        {"kind", "branch_protection"}, {"repository", full_name}, {"branch", branch}};
      if (response.ok()) {
        data["protected"] = true;
        data["protection"] = nlohmann::json::parse(response.body, nullptr, false);
      } else if (response.status == 404 &&
                 error_message(response).find("not protected") != std::string::npos) {
        data["protected"] = false;
        data["protection"] = nullptr;
      } else {
        batch.problems.push_back(describe(what, response));
        continue;
      }
      add_evidence(batch, full_name + ":" + branch, std::move(data), response.body);
    }

    nlohmann::json members = nlohmann::json::array();
    std::string raw;
    const std::string problem =
      get_all(fmt::format("{}/orgs/{}/members?filter=2fa_disabled&per_page=100", m_settings.api_url,
                          encode_path(m_settings.org)),
              "GET /orgs/" + m_settings.org + "/members?filter=2fa_disabled", members, raw);
    if (!problem.empty()) {
      batch.problems.push_back(problem);
      return;
    }
    nlohmann::json logins = nlohmann::json::array();
    for (const nlohmann::json& member : members) {
      logins.push_back(member.value("login", ""));
    }
    add_evidence(batch, m_settings.org + ":members-without-2fa",
                 {{"kind", "members_without_2fa"}, {"count", logins.size()}, {"logins", logins}},
                 raw);
  }

  IntegrationConfig m_config;
  ProviderOptions m_options;
  Settings m_settings;
  std::shared_ptr<net::HttpClient> m_http;
  CollectResult m_result;
  std::chrono::seconds m_waited{0};
  bool m_repos_listed = false;
  nlohmann::json m_repos;
  std::string m_repos_problem;
  std::string m_repos_raw;
};

} // namespace

void Settings::validate() const {
  static const std::regex org_pattern("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$");
  if (!std::regex_match(org, org_pattern)) {
    throw UsageError(fmt::format("'{}' is not a GitHub organisation name", org),
                     "pass the organisation's login, e.g. --org acme-corp");
  }
  if (!(api_url.starts_with("https://") || api_url.starts_with("http://"))) {
    throw UsageError(fmt::format("API URL '{}' is not an http(s) URL", api_url),
                     "GitHub Enterprise Server: --api-url https://HOST/api/v3");
  }
  if (max_wait_seconds < 0) {
    throw UsageError("--max-wait cannot be negative", "pass a number of seconds, 0 to never wait");
  }
}

nlohmann::json Settings::to_json() const {
  return {{"org", org},
          {"account_id", org},
          {"api_url", api_url},
          {"max_wait_seconds", max_wait_seconds},
          {"credential_source", credential_source}};
}

Settings Settings::from_json(const nlohmann::json& json) {
  Settings settings;
  settings.org = json.value("org", "");
  settings.api_url = json.value("api_url", settings.api_url);
  settings.max_wait_seconds = json.value("max_wait_seconds", settings.max_wait_seconds);
  settings.credential_source = json.value("credential_source", "");
  return settings;
}

std::optional<std::string> next_link(std::string_view link_header) {
  // <url>; rel="next", <url>; rel="last"
  size_t pos = 0;
  while (pos < link_header.size()) {
    const size_t open = link_header.find('<', pos);
    if (open == std::string_view::npos) {
      break;
    }
    const size_t close = link_header.find('>', open);
    if (close == std::string_view::npos) {
      break;
    }
    const size_t end = link_header.find(",", close);
    const std::string_view params = link_header.substr(
      close + 1, end == std::string_view::npos ? std::string_view::npos : end - close - 1);
    if (params.find("rel=\"next\"") != std::string_view::npos ||
        params.find("rel=next") != std::string_view::npos) {
      return std::string(link_header.substr(open + 1, close - open - 1));
    }
    if (end == std::string_view::npos) {
      break;
    }
    pos = end + 1;
  }
  return std::nullopt;
}

std::optional<std::chrono::seconds> rate_limit_wait(const net::Response& response,
                                                    int64_t now_epoch) {
  if (response.status != 403 && response.status != 429) {
    return std::nullopt;
  }
  const auto retry_after = response.header("retry-after");
  const auto remaining = response.header("x-ratelimit-remaining");
  const bool secondary = response.body.find("secondary rate limit") != std::string::npos;
  const bool exhausted = remaining && *remaining == "0";
  if (response.status == 403 && !retry_after && !exhausted && !secondary) {
    return std::nullopt; // a permission error
  }
  if (retry_after) {
    if (auto wait = net::parse_retry_after(*retry_after, std::chrono::system_clock::now())) {
      return std::chrono::ceil<std::chrono::seconds>(*wait);
    }
  }
  if (exhausted) {
    if (const auto reset = response.header("x-ratelimit-reset")) {
      const int64_t at = std::strtoll(reset->c_str(), nullptr, 10);
      return std::chrono::seconds(std::max<int64_t>(at - now_epoch, 0) + 1);
    }
  }
  return std::chrono::seconds(60);
}

const Platform& platform() {
  static const Platform github{
    .name = "github",
    .title = "GitHub",
    .evidence_types =
      {EvidenceTypeInfo{.id = "configurations",
                        .description = "organisation settings and repositories (secret "
                                       "scanning, Dependabot alerts)",
                        .calls = {"GET /orgs/{org}", "GET /orgs/{org}/repos",
                                  "GET /repos/{owner}/{repo}/vulnerability-alerts"}},
       EvidenceTypeInfo{.id = "security_groups",
                        .description = "access rules around code: default-branch protection, "
                                       "members without 2FA",
                        .calls = {"GET /orgs/{org}/repos",
                                  "GET /repos/{owner}/{repo}/branches/{branch}/protection",
                                  "GET /orgs/{org}/members?filter=2fa_disabled"}}},
    .checks = {CheckInfo{.id = "github_org_2fa_required", .evidence_type = "configurations"},
               CheckInfo{.id = "github_repo_secret_scanning_enabled",
                         .evidence_type = "configurations"},
               CheckInfo{.id = "github_branch_protection_enabled",
                         .evidence_type = "security_groups"},
               CheckInfo{.id = "github_branch_protection_required_reviews",
                         .evidence_type = "security_groups"},
               CheckInfo{.id = "github_branch_protection_enforce_admins",
                         .evidence_type = "security_groups"}},
    .open = [](const IntegrationConfig& config, const ProviderOptions& options)
      -> std::unique_ptr<Provider> { return std::make_unique<GithubProvider>(config, options); }};
  return github;
}

} // namespace velocity::providers::github
