#include <velocity/core/error.hpp>
#include <velocity/net/retry.hpp>
#include <velocity/providers/github/provider.hpp>
#include <velocity/providers/session.hpp>

#include <fmt/format.h>

#include <chrono>
#include <regex>

namespace velocity::providers::github {

namespace {

std::string encode_path(std::string_view text) {
  // Branch names such as release/1.x keep their slash.
  return net::uri_encode(text, net::SlashEncoding::keep);
}

std::string describe(const std::string& what, const net::Response& response) {
  return fmt::format("{}: {}", what, error_text(response));
}

// GitHub's list pages: a JSON array, the next one named by the Link header.
const Paging k_paging{.items = "",
                      .next = [](const net::Response& response, const nlohmann::json&) {
                        return next_link(response.header("link").value_or(""));
                      }};

class GithubProvider final : public Provider {
public:
  GithubProvider(IntegrationConfig config, ProviderOptions options)
    : m_config(std::move(config)),
      m_settings(Settings::from_json(m_config.settings)),
      m_session(
        SessionRules{.platform = "GitHub",
                     .integration = m_config.name,
                     .rate_limit =
                       [](const net::Response& response) {
                         return rate_limit_wait(response, epoch_seconds());
                       },
                     .integration_max_wait = std::chrono::seconds(m_settings.max_wait_seconds)},
        options) {}

  ConnectionTest test() override {
    ConnectionTest test;
    const auto started = std::chrono::steady_clock::now();
    const net::Response response = get(m_settings.api_url + "/user");
    test.response_time_ms = elapsed_ms(started);
    test.account_id = m_settings.org;
    if (!response.ok()) {
      return failed_test(std::move(test), response,
                         response.status == 401 ? rejected_message(response)
                                                : describe("GET /user", response));
    }
    const nlohmann::json user = nlohmann::json::parse(response.body, nullptr, false);
    const std::string login = user.is_object() ? user.value("login", "") : "";
    const std::string scopes = response.header("x-oauth-scopes").value_or("");
    test.identity = scopes.empty() ? login : fmt::format("{} (scopes: {})", login, scopes);
    test.status = health_after(test.response_time_ms);
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
    return collect_by_type(m_session, m_settings.org, types, sink, [this](Batch& batch) {
      if (batch.type == "configurations") {
        collect_configurations(batch);
      } else if (batch.type == "security_groups") {
        collect_access_rules(batch);
      }
      run_checks(batch);
    });
  }

private:
  std::string rejected_message(const net::Response& response) const {
    return fmt::format("GitHub rejected the token of integration {} ({})", m_config.name,
                       error_text(response));
  }

  // One GET; the session waits out rate limits within --max-wait.
  net::Response get(const std::string& url) {
    return m_session.send(net::Request{.method = "GET",
                                       .url = url,
                                       .headers = {{"Accept", "application/vnd.github+json"},
                                                   {"Authorization", "Bearer " + m_config.secret},
                                                   {"X-GitHub-Api-Version", "2022-11-28"}}});
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

  // Every page of the list at `url`.
  Listing get_all(const std::string& url, const std::string& what) {
    return list_pages(url, what, k_paging, [this](const std::string& page) {
      net::Response response = get(page);
      fail_on_rejection(response);
      return response;
    });
  }

  // The organisation's repositories, listed once per collection.
  const nlohmann::json& repositories(Batch& batch) {
    if (!m_repos) {
      m_repos = get_all(fmt::format("{}/orgs/{}/repos?type=all&per_page=100", m_settings.api_url,
                                    encode_path(m_settings.org)),
                        "GET /orgs/" + m_settings.org + "/repos");
    }
    if (!m_repos->problem.empty()) {
      batch.problems.push_back(m_repos->problem);
    }
    return m_repos->items;
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
      add_evidence(batch, m_settings.org, "", {{"kind", "organization"}, {"organization", json}},
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
      add_evidence(batch, full_name, "", std::move(data), raw);
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
                 error_text(response).find("not protected") != std::string::npos) {
        data["protected"] = false;
        data["protection"] = nullptr;
      } else {
        batch.problems.push_back(describe(what, response));
        continue;
      }
      add_evidence(batch, full_name + ":" + branch, "", std::move(data), response.body);
    }

    const Listing members =
      get_all(fmt::format("{}/orgs/{}/members?filter=2fa_disabled&per_page=100", m_settings.api_url,
                          encode_path(m_settings.org)),
              "GET /orgs/" + m_settings.org + "/members?filter=2fa_disabled");
    if (!members.problem.empty()) {
      batch.problems.push_back(members.problem);
      return;
    }
    nlohmann::json logins = nlohmann::json::array();
    for (const nlohmann::json& member : members.items) {
      logins.push_back(member.value("login", ""));
    }
    add_evidence(batch, m_settings.org + ":members-without-2fa", "",
                 {{"kind", "members_without_2fa"}, {"count", logins.size()}, {"logins", logins}},
                 members.raw);
  }

  IntegrationConfig m_config;
  Settings m_settings;
  Session m_session;
  // The organisation's repositories, once listed.
  std::optional<Listing> m_repos;
};

} // namespace

void Settings::validate() const {
  static const std::regex org_pattern("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$");
  if (!std::regex_match(org, org_pattern)) {
    throw UsageError(fmt::format("'{}' is not a GitHub organisation name", org),
                     "pass the organisation's login, e.g. --org acme-corp");
  }
  if (!net::is_http_url(api_url)) {
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
