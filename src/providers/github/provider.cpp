#include "api.hpp"

#include <velocity/core/error.hpp>
#include <velocity/net/retry.hpp>
#include <velocity/providers/github/provider.hpp>
#include <velocity/providers/session.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <regex>

namespace velocity::providers::github {

namespace {

std::string describe(const std::string& what, const net::Response& response) {
  return fmt::format("{}: {}", what, error_text(response));
}

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
        options),
      m_api(m_session, m_settings, m_config.secret, m_config.name) {}

  ConnectionTest test() override {
    ConnectionTest test;
    const auto started = std::chrono::steady_clock::now();
    const net::Response response = m_api.get("/user");
    test.response_time_ms = elapsed_ms(started);
    test.account_id = m_settings.org;
    if (!response.ok()) {
      return failed_test(std::move(test), response,
                         response.status == 401 ? m_api.rejected_message(response)
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
    auto call = [&](const std::string& type, const std::string& operation, std::string note) {
      // --dry-run names the organisation; per-repository parts ({repo}, {branch}) stay as
      // written, since which repositories there are is only known once they are listed.
      std::string path = operation.substr(operation.find(' ') + 1);
      if (const size_t at = path.find("{org}"); at != std::string::npos) {
        path.replace(at, 5, org);
      }
      if (const size_t at = path.find("{owner}"); at != std::string::npos) {
        path.replace(at, 7, org);
      }
      calls.push_back(PlannedCall{.evidence_type = type,
                                  .service = "github",
                                  .operation = operation,
                                  .region = "",
                                  .endpoint = api + path,
                                  .note = std::move(note)});
    };
    for (const EvidenceTypeInfo& info : platform().evidence_types) {
      if (std::find(types.begin(), types.end(), info.id) == types.end()) {
        continue;
      }
      for (const std::string& operation : info.calls) {
        const bool per_repo = operation.find("{repo}") != std::string::npos;
        const bool listed = !per_repo && operation.find("/actions/") == std::string::npos &&
                            operation != "GET /orgs/{org}";
        call(info.id, operation,
             per_repo ? "per unarchived repository"
             : listed ? "each page (Link rel=next)"
                      : "");
      }
    }
    return calls;
  }

  CollectResult collect(std::span<const std::string> types, CollectionSink& sink) override {
    return collect_by_type(m_session, m_settings.org, types, sink, [this](Batch& batch) {
      Refusals refusals;
      if (batch.type == "configurations") {
        collect_organization(m_api, batch, refusals);
        collect_repositories(m_api, repositories(batch), batch, refusals);
      } else if (batch.type == "security_groups") {
        collect_branches(m_api, repositories(batch), batch, refusals);
        collect_people(m_api, batch, refusals);
      }
      refusals.report(batch);
      run_checks(batch);
    });
  }

private:
  // The organisation's repositories, listed once per collection.
  const nlohmann::json& repositories(Batch& batch) {
    if (!m_repos) {
      m_repos = m_api.get_all(
        fmt::format("/orgs/{}/repos?type=all&per_page=100", encode_path(m_settings.org)),
        "GET /orgs/" + m_settings.org + "/repos");
    }
    if (!m_repos->problem.empty()) {
      batch.problems.push_back(m_repos->problem);
    }
    return m_repos->items;
  }

  IntegrationConfig m_config;
  Settings m_settings;
  Session m_session;
  Api m_api;
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
      {EvidenceTypeInfo{
         .id = "configurations",
         .description = "organisation settings, webhooks and Actions policies; repositories "
                        "(secret scanning, Dependabot, code scanning, CODEOWNERS, SECURITY.md, "
                        "webhooks, deploy keys)",
         .calls = {"GET /orgs/{org}", "GET /orgs/{org}/hooks",
                   "GET /orgs/{org}/actions/permissions",
                   "GET /orgs/{org}/actions/permissions/workflow",
                   "GET /orgs/{org}/actions/permissions/fork-pr-contributor-approval",
                   "GET /orgs/{org}/repos", "GET /repos/{owner}/{repo}/vulnerability-alerts",
                   "GET /repos/{owner}/{repo}/contents/{path}",
                   "GET /repos/{owner}/{repo}/code-scanning/analyses",
                   "GET /repos/{owner}/{repo}/hooks", "GET /repos/{owner}/{repo}/keys"}},
       EvidenceTypeInfo{.id = "security_groups",
                        .description =
                          "access rules around code: default-branch protection and rulesets, "
                          "owners, members and outside collaborators without 2FA",
                        .calls = {"GET /orgs/{org}/repos",
                                  "GET /repos/{owner}/{repo}/branches/{branch}/protection",
                                  "GET /repos/{owner}/{repo}/rules/branches/{branch}",
                                  "GET /repos/{owner}/{repo}/rulesets/{id}",
                                  "GET /orgs/{org}/members?filter=2fa_disabled",
                                  "GET /orgs/{org}/members?role=admin",
                                  "GET /orgs/{org}/outside_collaborators?filter=2fa_disabled"}}},
    .checks =
      {
        CheckInfo{.id = "github_organization_members_mfa_required",
                  .evidence_type = "configurations"},
        CheckInfo{.id = "github_organization_default_repository_permission_strict",
                  .evidence_type = "configurations"},
        CheckInfo{.id = "github_organization_repository_creation_limited",
                  .evidence_type = "configurations"},
        CheckInfo{.id = "github_organization_public_repository_creation_limited",
                  .evidence_type = "configurations"},
        CheckInfo{.id = "github_organization_verified_badge", .evidence_type = "configurations"},
        CheckInfo{.id = "github_organization_actions_default_token_read_only",
                  .evidence_type = "configurations"},
        CheckInfo{.id = "github_organization_actions_allowed_actions_restricted",
                  .evidence_type = "configurations"},
        CheckInfo{.id = "github_organization_actions_fork_pr_approval_required",
                  .evidence_type = "configurations"},
        CheckInfo{.id = "github_organization_actions_cannot_approve_pull_requests",
                  .evidence_type = "configurations"},
        CheckInfo{.id = "github_webhook_url_https", .evidence_type = "configurations"},
        CheckInfo{.id = "github_webhook_ssl_verification_enabled",
                  .evidence_type = "configurations"},
        CheckInfo{.id = "github_repository_secret_scanning_enabled",
                  .evidence_type = "configurations"},
        CheckInfo{.id = "github_repository_secret_scanning_push_protection_enabled",
                  .evidence_type = "configurations"},
        CheckInfo{.id = "github_repository_dependency_scanning_enabled",
                  .evidence_type = "configurations"},
        CheckInfo{.id = "github_repository_dependabot_security_updates_enabled",
                  .evidence_type = "configurations"},
        CheckInfo{.id = "github_repository_code_scanning_enabled",
                  .evidence_type = "configurations"},
        CheckInfo{.id = "github_repository_has_codeowners_file", .evidence_type = "configurations"},
        CheckInfo{.id = "github_repository_public_has_securitymd_file",
                  .evidence_type = "configurations"},
        CheckInfo{.id = "github_repository_deploy_keys_read_only",
                  .evidence_type = "configurations"},
        CheckInfo{.id = "github_organization_members_2fa_enabled",
                  .evidence_type = "security_groups"},
        CheckInfo{.id = "github_organization_outside_collaborators_2fa_enabled",
                  .evidence_type = "security_groups"},
        CheckInfo{.id = "github_organization_owners_limited", .evidence_type = "security_groups"},
        CheckInfo{.id = "github_repository_default_branch_protection_enabled",
                  .evidence_type = "security_groups"},
        CheckInfo{.id = "github_repository_default_branch_push_restricted",
                  .evidence_type = "security_groups"},
        CheckInfo{.id = "github_repository_default_branch_review_dismissal_restricted",
                  .evidence_type = "security_groups"},
        CheckInfo{.id = "github_repository_default_branch_requires_multiple_approvals",
                  .evidence_type = "security_groups"},
        CheckInfo{.id = "github_repository_default_branch_dismisses_stale_reviews",
                  .evidence_type = "security_groups"},
        CheckInfo{.id = "github_repository_default_branch_requires_codeowners_review",
                  .evidence_type = "security_groups"},
        CheckInfo{.id = "github_repository_default_branch_status_checks_required",
                  .evidence_type = "security_groups"},
        CheckInfo{.id = "github_repository_default_branch_requires_up_to_date_branch",
                  .evidence_type = "security_groups"},
        CheckInfo{.id = "github_repository_default_branch_requires_conversation_resolution",
                  .evidence_type = "security_groups"},
        CheckInfo{.id = "github_repository_default_branch_requires_signed_commits",
                  .evidence_type = "security_groups"},
        CheckInfo{.id = "github_repository_default_branch_requires_linear_history",
                  .evidence_type = "security_groups"},
        CheckInfo{.id = "github_repository_default_branch_protection_applies_to_admins",
                  .evidence_type = "security_groups"},
        CheckInfo{.id = "github_repository_default_branch_disallows_force_push",
                  .evidence_type = "security_groups"},
        CheckInfo{.id = "github_repository_default_branch_deletion_disabled",
                  .evidence_type = "security_groups"},
      },
    .open = [](const IntegrationConfig& config, const ProviderOptions& options)
      -> std::unique_ptr<Provider> { return std::make_unique<GithubProvider>(config, options); }};
  return github;
}

} // namespace velocity::providers::github
