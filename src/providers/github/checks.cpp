#include "checks.hpp"

#include <velocity/providers/findings.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace velocity::providers::github {

namespace {

// More owners than this and the organisation's most powerful role is no longer a small group.
constexpr size_t k_max_owners = 3;

const nlohmann::json k_null;

// The member `key` of `object`, or null when `object` is not an object or lacks it.
const nlohmann::json& member(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) {
    return k_null;
  }
  const auto found = object.find(key);
  return found == object.end() ? k_null : *found;
}

std::string first_logins(const nlohmann::json& logins) {
  std::string out;
  for (size_t i = 0; i < logins.size() && i < 5; ++i) {
    out += (i == 0 ? "" : ", ") + logins[i].get<std::string>();
  }
  return logins.size() > 5 ? out + ", ..." : out;
}

// A boolean organisation setting, judged only when the token could see it.
void org_flag(Batch& batch, size_t index, const nlohmann::json& org, const char* field,
              std::string_view check, bool wanted, const std::string& pass,
              const std::string& fail) {
  const nlohmann::json& value = member(org, field);
  if (!value.is_boolean()) {
    return;
  }
  const bool ok = value.get<bool>() == wanted;
  add_finding(batch, index, check, status_of(ok), ok ? pass : fail);
}

void check_actions(Batch& batch, size_t index, const nlohmann::json& actions) {
  const nlohmann::json& permissions = member(actions, "permissions");
  if (permissions.is_object()) {
    const std::string enabled = permissions.value("enabled_repositories", "");
    const std::string allowed = permissions.value("allowed_actions", "");
    const bool ok = enabled == "none" || allowed == "local_only" || allowed == "selected";
    add_finding(batch, index, "github_organization_actions_allowed_actions_restricted",
                status_of(ok),
                enabled == "none" ? "GitHub Actions is disabled for every repository"
                : ok              ? fmt::format("only {} actions may run",
                                   allowed == "selected" ? "selected" : "the organisation's own")
                                  : "any action or reusable workflow from any repository may run");
  }
  const nlohmann::json& workflow = member(actions, "workflow");
  if (workflow.is_object()) {
    const std::string token = workflow.value("default_workflow_permissions", "");
    add_finding(batch, index, "github_organization_actions_default_token_read_only",
                status_of(token == "read"),
                fmt::format("workflows' GITHUB_TOKEN is {} by default",
                            token == "read" ? "read-only" : "read-write"));
    const bool approve = workflow.value("can_approve_pull_request_reviews", true);
    add_finding(batch, index, "github_organization_actions_cannot_approve_pull_requests",
                status_of(!approve),
                approve ? "workflows may create and approve pull requests"
                        : "workflows may not approve pull requests");
  }
  const nlohmann::json& fork = member(actions, "fork_pr_approval");
  if (fork.is_object()) {
    const std::string policy = fork.value("approval_policy", "");
    add_finding(batch, index, "github_organization_actions_fork_pr_approval_required",
                status_of(policy == "all_external_contributors"),
                policy == "all_external_contributors"
                  ? "workflows from every outside contributor's fork wait for approval"
                  : fmt::format("approval policy {}: some outside contributors' fork "
                                "workflows run without approval",
                                policy.empty() ? "(none)" : policy));
  }
}

void check_organization(Batch& batch, size_t index) {
  const nlohmann::json& data = batch.evidence[index].data;
  const nlohmann::json& org = data["organization"];
  org_flag(batch, index, org, "two_factor_requirement_enabled",
           "github_organization_members_mfa_required", true,
           "the organisation requires two-factor authentication",
           "two-factor authentication is not required for members");
  const nlohmann::json& base = member(org, "default_repository_permission");
  if (base.is_string()) {
    const std::string permission = base.get<std::string>();
    add_finding(batch, index, "github_organization_default_repository_permission_strict",
                status_of(permission == "read" || permission == "none"),
                fmt::format("members' base permission on every repository is {}", permission));
  }
  org_flag(batch, index, org, "members_can_create_repositories",
           "github_organization_repository_creation_limited", false,
           "only owners can create repositories", "every member can create repositories");
  org_flag(batch, index, org, "members_can_create_public_repositories",
           "github_organization_public_repository_creation_limited", false,
           "members cannot create public repositories",
           "every member can create public "
           "repositories");
  org_flag(batch, index, org, "is_verified", "github_organization_verified_badge", true,
           "the organisation's domains are verified", "no domain of the organisation is verified");
  check_actions(batch, index, member(data, "actions"));
  check_webhooks(batch, index, member(data, "hooks"));
}

void check_people(Batch& batch, size_t index, std::string_view kind) {
  const nlohmann::json& data = batch.evidence[index].data;
  const size_t count = data.value("count", size_t{0});
  const nlohmann::json& logins = data["logins"];
  if (kind == "members-without-2fa") {
    add_finding(batch, index, "github_organization_members_2fa_enabled", status_of(count == 0),
                count == 0 ? "every member has two-factor authentication"
                           : fmt::format("{} member{} without two-factor authentication: {}", count,
                                         count == 1 ? "" : "s", first_logins(logins)));
  } else if (kind == "outside-collaborators-without-2fa") {
    add_finding(
      batch, index, "github_organization_outside_collaborators_2fa_enabled", status_of(count == 0),
      count == 0 ? "every outside collaborator has two-factor authentication"
                 : fmt::format("{} outside collaborator{} without two-factor authentication: {}",
                               count, count == 1 ? "" : "s", first_logins(logins)));
  } else if (kind == "owners") {
    add_finding(
      batch, index, "github_organization_owners_limited",
      status_of(count >= 1 && count <= k_max_owners),
      fmt::format("{} owner{} ({}){}", count, count == 1 ? "" : "s", first_logins(logins),
                  count > k_max_owners ? fmt::format(", more than {}", k_max_owners) : ""));
  }
}

void check_security_feature(Batch& batch, size_t index, const nlohmann::json& analysis,
                            const char* feature, std::string_view check, std::string_view name) {
  const nlohmann::json& setting = member(analysis, feature);
  if (!setting.is_object()) {
    return;
  }
  const std::string status = setting.value("status", "");
  add_finding(batch, index, check, status_of(status == "enabled"),
              fmt::format("{}: {}", name, status.empty() ? "off" : status));
}

void check_file(Batch& batch, size_t index, const nlohmann::json& found, std::string_view check,
                std::string_view name) {
  if (!found.is_string()) {
    return;
  }
  const std::string path = found.get<std::string>();
  add_finding(batch, index, check, status_of(!path.empty()),
              path.empty() ? fmt::format("no {} file in .github/, the root or docs/", name)
                           : fmt::format("{} is at {}", name, path));
}

void check_code_scanning(Batch& batch, size_t index, const nlohmann::json& scanning) {
  if (!scanning.is_object()) {
    return;
  }
  if (!scanning.value("available", false)) {
    add_finding(batch, index, "github_repository_code_scanning_enabled", Status::fail,
                fmt::format("code scanning is not available: GitHub says \"{}\"",
                            scanning.value("detail", "")));
    return;
  }
  const bool analysed = scanning.value("analysed", false);
  add_finding(batch, index, "github_repository_code_scanning_enabled", status_of(analysed),
              analysed ? fmt::format("code scanning analyses the code ({}, last {})",
                                     scanning.value("tool", ""), scanning.value("created_at", ""))
                       : "code scanning has never analysed this repository");
}

void check_deploy_keys(Batch& batch, size_t index, const nlohmann::json& keys) {
  if (!keys.is_array()) {
    return;
  }
  std::vector<std::string> writable;
  for (const nlohmann::json& key : keys) {
    if (!key.value("read_only", true)) {
      writable.push_back(key.value("title", std::to_string(key.value("id", int64_t{0}))));
    }
  }
  add_finding(batch, index, "github_repository_deploy_keys_read_only", status_of(writable.empty()),
              writable.empty()
                ? fmt::format("{} deploy key{}, none with write access", keys.size(),
                              keys.size() == 1 ? "" : "s")
                : fmt::format("deploy keys with write access: {}", fmt::join(writable, ", ")));
}

void check_repository(Batch& batch, size_t index) {
  const nlohmann::json& data = batch.evidence[index].data;
  const nlohmann::json& repo = data["repository"];
  // Archived repositories are read-only: nothing new can be pushed, no key or hook acts on them.
  if (repo.value("archived", false)) {
    return;
  }
  const nlohmann::json& analysis = member(repo, "security_and_analysis");
  check_security_feature(batch, index, analysis, "secret_scanning",
                         "github_repository_secret_scanning_enabled", "secret scanning");
  check_security_feature(batch, index, analysis, "secret_scanning_push_protection",
                         "github_repository_secret_scanning_push_protection_enabled",
                         "secret scanning push protection");
  check_security_feature(batch, index, analysis, "dependabot_security_updates",
                         "github_repository_dependabot_security_updates_enabled",
                         "Dependabot security updates");
  const nlohmann::json& alerts = member(data, "dependabot_alerts");
  if (alerts.is_boolean()) {
    add_finding(
      batch, index, "github_repository_dependency_scanning_enabled", status_of(alerts.get<bool>()),
      alerts.get<bool>() ? "Dependabot alerts are enabled" : "Dependabot alerts are disabled");
  }
  // An empty repository has no files to own, document or scan until its first push.
  if (!data.value("empty", false)) {
    check_file(batch, index, member(data, "codeowners"), "github_repository_has_codeowners_file",
               "CODEOWNERS");
    check_file(batch, index, member(data, "security_policy"),
               "github_repository_public_has_securitymd_file", "SECURITY.md");
    check_code_scanning(batch, index, member(data, "code_scanning"));
  }
  check_webhooks(batch, index, member(data, "hooks"));
  check_deploy_keys(batch, index, member(data, "deploy_keys"));
}

} // namespace

Status status_of(bool ok) {
  return ok ? Status::pass : Status::fail;
}

void check_webhooks(Batch& batch, size_t index, const nlohmann::json& hooks) {
  if (!hooks.is_array()) {
    return;
  }
  std::vector<std::string> plain;
  std::vector<std::string> unverified;
  size_t active = 0;
  for (const nlohmann::json& hook : hooks) {
    // An inactive webhook delivers nothing.
    if (!hook.value("active", true)) {
      continue;
    }
    ++active;
    const nlohmann::json& config = member(hook, "config");
    const std::string url =
      member(config, "url").is_string() ? config["url"].get<std::string>() : hook.value("url", "");
    const std::string name = fmt::format("hook {}", hook.value("id", int64_t{0}));
    if (!url.starts_with("https://")) {
      plain.push_back(name);
    }
    const nlohmann::json& insecure = member(config, "insecure_ssl");
    if ((insecure.is_string() && insecure.get<std::string>() != "0") ||
        (insecure.is_number() && insecure.get<int64_t>() != 0)) {
      unverified.push_back(name);
    }
  }
  const std::string counted = fmt::format("{} active webhook{}", active, active == 1 ? "" : "s");
  add_finding(batch, index, "github_webhook_url_https", status_of(plain.empty()),
              plain.empty() ? counted + ", all to https:// URLs"
                            : fmt::format("webhooks to plain http: {}", fmt::join(plain, ", ")));
  add_finding(
    batch, index, "github_webhook_ssl_verification_enabled", status_of(unverified.empty()),
    unverified.empty() ? counted + ", all verifying TLS certificates"
                       : fmt::format("webhooks with TLS verification off (insecure_ssl): {}",
                                     fmt::join(unverified, ", ")));
}

void run_checks(Batch& batch) {
  for (size_t index = 0; index < batch.evidence.size(); ++index) {
    const std::string kind = batch.evidence[index].data.value("kind", "");
    if (kind == "organization") {
      check_organization(batch, index);
    } else if (kind == "repository") {
      check_repository(batch, index);
    } else if (kind == "branch_protection") {
      check_branch(batch, index);
    } else {
      check_people(batch, index, kind);
    }
  }
}

} // namespace velocity::providers::github
