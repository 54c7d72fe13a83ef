#include <velocity/core/error.hpp>
#include <velocity/providers/github/provider.hpp>

#include <doctest/doctest.h>

using namespace velocity;
using namespace velocity::providers;

namespace {

net::Response github_answer(int status, net::Headers headers, std::string body = "{}") {
  net::Response response;
  response.status = status;
  response.headers = std::move(headers);
  response.body = std::move(body);
  return response;
}

Evidence evidence(nlohmann::json data, std::string resource = "acme/api:main") {
  return Evidence{.type = "security_groups",
                  .resource_id = std::move(resource),
                  .account_id = "acme",
                  .data = std::move(data)};
}

std::map<std::string, Status> verdicts(const Batch& batch) {
  std::map<std::string, Status> out;
  for (const Finding& finding : batch.findings) {
    out[finding.check_id] = finding.status;
  }
  return out;
}

} // namespace

TEST_CASE("next_link") {
  SUBCASE("next among several relations") {
    const std::string header =
      R"(<https://api.github.com/organizations/1/repos?page=1>; rel="prev", )"
      R"(<https://api.github.com/organizations/1/repos?page=3>; rel="next", )"
      R"(<https://api.github.com/organizations/1/repos?page=5>; rel="last")";
    CHECK(github::next_link(header) == "https://api.github.com/organizations/1/repos?page=3");
  }
  SUBCASE("last page has no next") {
    CHECK_FALSE(github::next_link(R"(<https://x/repos?page=1>; rel="first")").has_value());
    CHECK_FALSE(github::next_link("").has_value());
  }
}

TEST_CASE("rate_limit_wait") {
  SUBCASE("a permission error is not a rate limit") {
    CHECK_FALSE(github::rate_limit_wait(
                  github_answer(403, {{"x-ratelimit-remaining", "4999"}},
                                R"({"message":"Must have admin rights to Repository."})"),
                  1000)
                  .has_value());
    CHECK_FALSE(github::rate_limit_wait(github_answer(404, {}), 1000).has_value());
  }
  SUBCASE("primary limit waits until the reset") {
    const auto wait = github::rate_limit_wait(
      github_answer(403, {{"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", "1060"}}), 1000);
    REQUIRE(wait.has_value());
    CHECK(wait->count() == 61);
  }
  SUBCASE("retry-after wins") {
    const auto wait = github::rate_limit_wait(github_answer(429, {{"retry-after", "7"}}), 1000);
    REQUIRE(wait.has_value());
    CHECK(wait->count() == 7);
  }
  SUBCASE("secondary limit without a header waits a minute") {
    const auto wait = github::rate_limit_wait(
      github_answer(403, {{"x-ratelimit-remaining", "10"}},
                    R"({"message":"You have exceeded a secondary rate limit."})"),
      1000);
    REQUIRE(wait.has_value());
    CHECK(wait->count() == 60);
  }
}

Batch checked(std::vector<Evidence> items) {
  Batch batch;
  batch.type = items.front().type;
  batch.account_id = "acme";
  batch.evidence = std::move(items);
  github::run_checks(batch);
  return batch;
}

const nlohmann::json k_full_protection = {
  {"enforce_admins", {{"enabled", true}}},
  {"required_pull_request_reviews",
   {{"required_approving_review_count", 2},
    {"dismiss_stale_reviews", true},
    {"require_code_owner_reviews", true},
    {"dismissal_restrictions",
     {{"users", nlohmann::json::array()}, {"teams", {{{"slug", "leads"}}}}}}}},
  {"restrictions", {{"users", nlohmann::json::array()}, {"teams", {{{"slug", "release"}}}}}},
  {"required_status_checks", {{"strict", true}, {"contexts", {"ci/build"}}}},
  {"required_signatures", {{"enabled", true}}},
  {"required_linear_history", {{"enabled", true}}},
  {"required_conversation_resolution", {{"enabled", true}}},
  {"allow_force_pushes", {{"enabled", false}}},
  {"allow_deletions", {{"enabled", false}}}};

constexpr size_t k_branch_checks = 14;

TEST_CASE("run_checks: default branch") {
  SUBCASE("classic protection with every setting passes every branch check") {
    const Batch batch = checked({evidence({{"kind", "branch_protection"},
                                           {"branch", "main"},
                                           {"protected", true},
                                           {"protection", k_full_protection},
                                           {"rules", nlohmann::json::array()}})});
    CHECK(batch.findings.size() == k_branch_checks);
    for (const Finding& finding : batch.findings) {
      INFO(finding.check_id << ": " << finding.reason);
      CHECK(finding.status == Status::pass);
    }
  }
  SUBCASE("rulesets alone protect; administrators are not judged") {
    const nlohmann::json rules = nlohmann::json::parse(R"([
      {"type": "deletion"}, {"type": "non_fast_forward"},
      {"type": "pull_request", "parameters": {"required_approving_review_count": 1,
        "dismiss_stale_reviews_on_push": true, "require_code_owner_review": false,
        "required_review_thread_resolution": true}},
      {"type": "required_status_checks", "parameters": {"strict_required_status_checks_policy":
        false, "required_status_checks": [{"context": "ci/build"}]}}])");
    const Batch batch = checked({evidence({{"kind", "branch_protection"},
                                           {"branch", "main"},
                                           {"protected", false},
                                           {"rules", rules}})});
    const auto got = verdicts(batch);
    CHECK(got.at("github_repository_default_branch_protection_enabled") == Status::pass);
    CHECK(got.at("github_repository_default_branch_deletion_disabled") == Status::pass);
    CHECK(got.at("github_repository_default_branch_disallows_force_push") == Status::pass);
    CHECK(got.at("github_repository_default_branch_dismisses_stale_reviews") == Status::pass);
    CHECK(got.at("github_repository_default_branch_requires_conversation_resolution") ==
          Status::pass);
    CHECK(got.at("github_repository_default_branch_status_checks_required") == Status::pass);
    CHECK(got.at("github_repository_default_branch_requires_multiple_approvals") == Status::fail);
    CHECK(got.at("github_repository_default_branch_requires_codeowners_review") == Status::fail);
    CHECK(got.at("github_repository_default_branch_requires_up_to_date_branch") == Status::fail);
    CHECK(got.at("github_repository_default_branch_requires_signed_commits") == Status::fail);
    CHECK(got.at("github_repository_default_branch_push_restricted") == Status::fail);
    CHECK(got.count("github_repository_default_branch_protection_applies_to_admins") == 0);
    CHECK(got.count("github_repository_default_branch_review_dismissal_restricted") == 0);
  }
  SUBCASE("a ruleset binds administrators unless its bypass list names them") {
    const nlohmann::json rules = {{{"type", "deletion"}, {"ruleset_id", 42}}};
    const nlohmann::json admin = {
      {{"actor_id", 5}, {"actor_type", "RepositoryRole"}, {"bypass_mode", "always"}}};
    const nlohmann::json team = {
      {{"actor_id", 9}, {"actor_type", "Team"}, {"bypass_mode", "pull_request"}}};
    for (const auto& [bypass, expected] :
         {std::pair{nlohmann::json{{"42", team}}, Status::pass},
          std::pair{nlohmann::json{{"42", admin}}, Status::fail}}) {
      const Batch batch = checked({evidence({{"kind", "branch_protection"},
                                             {"branch", "main"},
                                             {"protected", false},
                                             {"rules", rules},
                                             {"bypass", bypass}})});
      CHECK(verdicts(batch).at("github_repository_default_branch_protection_applies_to_admins") ==
            expected);
    }
  }
  SUBCASE("a ruleset adds to classic protection") {
    nlohmann::json classic = k_full_protection;
    classic["allow_force_pushes"]["enabled"] = true;
    classic["required_pull_request_reviews"]["required_approving_review_count"] = 1;
    const Batch batch = checked({evidence(
      {{"kind", "branch_protection"},
       {"branch", "main"},
       {"protected", true},
       {"protection", classic},
       {"rules",
        {{{"type", "pull_request"}, {"parameters", {{"required_approving_review_count", 2}}}}}}})});
    const auto got = verdicts(batch);
    CHECK(got.at("github_repository_default_branch_requires_multiple_approvals") == Status::pass);
    CHECK(got.at("github_repository_default_branch_disallows_force_push") == Status::fail);
  }
  SUBCASE("an unprotected branch fails every check, with GitHub's words when the plan lacks it") {
    const Batch batch =
      checked({evidence({{"kind", "branch_protection"},
                         {"branch", "main"},
                         {"protected", false},
                         {"unavailable", "Upgrade to GitHub Pro or make this repository public"},
                         {"rules", nlohmann::json::array()}})});
    CHECK(batch.findings.size() == k_branch_checks);
    for (const Finding& finding : batch.findings) {
      CHECK(finding.status == Status::fail);
      CHECK(finding.reason.find("Upgrade to GitHub Pro") != std::string::npos);
    }
  }
  SUBCASE("an empty repository's missing branch has no verdict") {
    const Batch batch =
      checked({evidence({{"kind", "branch_protection"}, {"branch", "main"}, {"empty", true}})});
    CHECK(batch.findings.empty());
  }
}

TEST_CASE("run_checks: organisation") {
  const nlohmann::json strict = {{"two_factor_requirement_enabled", true},
                                 {"default_repository_permission", "read"},
                                 {"members_can_create_repositories", false},
                                 {"members_can_create_public_repositories", false},
                                 {"is_verified", true}};
  const nlohmann::json actions = {
    {"permissions", {{"enabled_repositories", "all"}, {"allowed_actions", "selected"}}},
    {"workflow",
     {{"default_workflow_permissions", "read"}, {"can_approve_pull_request_reviews", false}}},
    {"fork_pr_approval", {{"approval_policy", "all_external_contributors"}}}};
  const nlohmann::json hooks = {
    {{"id", 1},
     {"active", true},
     {"config", {{"url", "https://hooks.example/x"}, {"insecure_ssl", "0"}}}},
    {{"id", 2}, {"active", false}, {"config", {{"url", "http://old.example"}}}}};
  SUBCASE("strict settings pass") {
    const Batch batch = checked({evidence(
      {{"kind", "organization"}, {"organization", strict}, {"actions", actions}, {"hooks", hooks}},
      "acme")});
    CHECK(batch.findings.size() == 11);
    for (const Finding& finding : batch.findings) {
      INFO(finding.check_id << ": " << finding.reason);
      CHECK(finding.status == Status::pass);
    }
  }
  SUBCASE("lax settings fail") {
    const nlohmann::json lax = {{"two_factor_requirement_enabled", false},
                                {"default_repository_permission", "write"},
                                {"members_can_create_repositories", true},
                                {"members_can_create_public_repositories", true},
                                {"is_verified", false}};
    const nlohmann::json open_actions = {
      {"permissions", {{"enabled_repositories", "all"}, {"allowed_actions", "all"}}},
      {"workflow",
       {{"default_workflow_permissions", "write"}, {"can_approve_pull_request_reviews", true}}},
      {"fork_pr_approval", {{"approval_policy", "first_time_contributors_new_to_github"}}}};
    const nlohmann::json plain = {
      {{"id", 7}, {"config", {{"url", "http://hooks.example/x"}, {"insecure_ssl", "1"}}}}};
    const Batch batch = checked({evidence({{"kind", "organization"},
                                           {"organization", lax},
                                           {"actions", open_actions},
                                           {"hooks", plain}},
                                          "acme")});
    CHECK(batch.findings.size() == 11);
    for (const Finding& finding : batch.findings) {
      INFO(finding.check_id << ": " << finding.reason);
      CHECK(finding.status == Status::fail);
    }
  }
  SUBCASE("what the token could not see has no verdict") {
    const Batch batch = checked({evidence({{"kind", "organization"},
                                           {"organization", {{"login", "acme"}}},
                                           {"actions", {{"permissions", nullptr}}},
                                           {"hooks", nullptr}},
                                          "acme")});
    CHECK(batch.findings.empty());
  }
  SUBCASE("people") {
    const Batch batch = checked(
      {evidence(
         {{"kind", "members-without-2fa"}, {"count", 0}, {"logins", nlohmann::json::array()}},
         "acme:members-without-2fa"),
       evidence({{"kind", "outside-collaborators-without-2fa"}, {"count", 1}, {"logins", {"eve"}}},
                "acme:outside-collaborators-without-2fa"),
       evidence({{"kind", "owners"}, {"count", 4}, {"logins", {"a", "b", "c", "d"}}},
                "acme:owners")});
    const auto got = verdicts(batch);
    CHECK(got.at("github_organization_members_2fa_enabled") == Status::pass);
    CHECK(got.at("github_organization_outside_collaborators_2fa_enabled") == Status::fail);
    CHECK(got.at("github_organization_owners_limited") == Status::fail);
  }
}

TEST_CASE("run_checks: repository") {
  const nlohmann::json analysis = {{"secret_scanning", {{"status", "enabled"}}},
                                   {"secret_scanning_push_protection", {{"status", "enabled"}}},
                                   {"dependabot_security_updates", {{"status", "disabled"}}}};
  SUBCASE("settings, files, scanning, hooks and keys") {
    const Batch batch = checked(
      {evidence({{"kind", "repository"},
                 {"repository", {{"visibility", "public"}, {"security_and_analysis", analysis}}},
                 {"dependabot_alerts", true},
                 {"codeowners", ".github/CODEOWNERS"},
                 {"security_policy", ""},
                 {"empty", false},
                 {"code_scanning", {{"available", true}, {"analysed", false}}},
                 {"hooks", nlohmann::json::array()},
                 {"deploy_keys", {{{"id", 3}, {"title", "ci"}, {"read_only", false}}}}},
                "acme/api")});
    const auto got = verdicts(batch);
    CHECK(got.at("github_repository_secret_scanning_enabled") == Status::pass);
    CHECK(got.at("github_repository_secret_scanning_push_protection_enabled") == Status::pass);
    CHECK(got.at("github_repository_dependabot_security_updates_enabled") == Status::fail);
    CHECK(got.at("github_repository_dependency_scanning_enabled") == Status::pass);
    CHECK(got.at("github_repository_has_codeowners_file") == Status::pass);
    CHECK(got.at("github_repository_public_has_securitymd_file") == Status::fail);
    CHECK(got.at("github_repository_code_scanning_enabled") == Status::fail);
    CHECK(got.at("github_webhook_url_https") == Status::pass);
    CHECK(got.at("github_repository_deploy_keys_read_only") == Status::fail);
  }
  SUBCASE("code scanning the plan lacks fails with GitHub's words") {
    const Batch batch = checked(
      {evidence({{"kind", "repository"},
                 {"repository", nlohmann::json::object()},
                 {"code_scanning",
                  {{"available", false}, {"detail", "403 Advanced Security must be enabled"}}}},
                "acme/api")});
    REQUIRE(batch.findings.size() == 1);
    CHECK(batch.findings[0].status == Status::fail);
    CHECK(batch.findings[0].reason.find("Advanced Security") != std::string::npos);
  }
  SUBCASE("an empty repository is not judged on its files or code") {
    const Batch batch = checked({evidence({{"kind", "repository"},
                                           {"repository", nlohmann::json::object()},
                                           {"codeowners", ""},
                                           {"empty", true},
                                           {"dependabot_alerts", false}},
                                          "acme/new")});
    const auto got = verdicts(batch);
    CHECK(got.size() == 1);
    CHECK(got.at("github_repository_dependency_scanning_enabled") == Status::fail);
  }
  SUBCASE("an archived repository is not judged") {
    const Batch batch =
      checked({evidence({{"kind", "repository"},
                         {"repository", {{"archived", true}, {"security_and_analysis", analysis}}},
                         {"dependabot_alerts", false}},
                        "acme/old")});
    CHECK(batch.findings.empty());
  }
}

TEST_CASE("Settings::validate") {
  github::Settings settings;
  settings.org = "acme-corp";
  CHECK_NOTHROW(settings.validate());
  settings.org = "bad org/";
  CHECK_THROWS_AS(settings.validate(), UsageError);
  settings.org = "acme";
  settings.api_url = "ftp://x";
  CHECK_THROWS_AS(settings.validate(), UsageError);
}
