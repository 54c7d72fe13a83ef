#include <velocity/core/error.hpp>
#include <velocity/providers/github/provider.hpp>

#include <doctest/doctest.h>

using namespace velocity;
using namespace velocity::providers;

namespace {

net::Response answer(int status, net::Headers headers, std::string body = "{}") {
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
    CHECK_FALSE(
      github::rate_limit_wait(answer(403, {{"x-ratelimit-remaining", "4999"}},
                                     R"({"message":"Must have admin rights to Repository."})"),
                              1000)
        .has_value());
    CHECK_FALSE(github::rate_limit_wait(answer(404, {}), 1000).has_value());
  }
  SUBCASE("primary limit waits until the reset") {
    const auto wait = github::rate_limit_wait(
      answer(403, {{"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", "1060"}}), 1000);
    REQUIRE(wait.has_value());
    CHECK(wait->count() == 61);
  }
  SUBCASE("retry-after wins") {
    const auto wait = github::rate_limit_wait(answer(429, {{"retry-after", "7"}}), 1000);
    REQUIRE(wait.has_value());
    CHECK(wait->count() == 7);
  }
  SUBCASE("secondary limit without a header waits a minute") {
    const auto wait =
      github::rate_limit_wait(answer(403, {{"x-ratelimit-remaining", "10"}},
                                     R"({"message":"You have exceeded a secondary rate limit."})"),
                              1000);
    REQUIRE(wait.has_value());
    CHECK(wait->count() == 60);
  }
}

TEST_CASE("run_checks") {
  SUBCASE("protected branch with reviews and admins passes") {
    Batch batch;
    batch.type = "security_groups";
    batch.account_id = "acme";
    batch.evidence.push_back(
      evidence({{"kind", "branch_protection"},
                {"branch", "main"},
                {"protected", true},
                {"protection",
                 {{"enforce_admins", {{"enabled", true}}},
                  {"required_pull_request_reviews",
                   {{"required_approving_review_count", 1}, {"dismiss_stale_reviews", true}}}}}}));
    github::run_checks(batch);
    const auto got = verdicts(batch);
    CHECK(got.at("github_branch_protection_enabled") == Status::pass);
    CHECK(got.at("github_branch_protection_required_reviews") == Status::pass);
    CHECK(got.at("github_branch_protection_enforce_admins") == Status::pass);
  }
  SUBCASE("stale reviews kept or zero reviews fail") {
    for (const auto& reviews :
         {nlohmann::json{{"required_approving_review_count", 2}, {"dismiss_stale_reviews", false}},
          nlohmann::json{{"required_approving_review_count", 0},
                         {"dismiss_stale_reviews", true}}}) {
      Batch batch;
      batch.type = "security_groups";
      batch.account_id = "acme";
      batch.evidence.push_back(evidence({{"kind", "branch_protection"},
                                         {"branch", "main"},
                                         {"protected", true},
                                         {"protection",
                                          {{"enforce_admins", {{"enabled", false}}},
                                           {"required_pull_request_reviews", reviews}}}}));
      github::run_checks(batch);
      const auto got = verdicts(batch);
      CHECK(got.at("github_branch_protection_required_reviews") == Status::fail);
      CHECK(got.at("github_branch_protection_enforce_admins") == Status::fail);
    }
  }
  SUBCASE("unprotected branch fails all three") {
    Batch batch;
    batch.type = "security_groups";
    batch.account_id = "acme";
    batch.evidence.push_back(
      evidence({{"kind", "branch_protection"}, {"branch", "main"}, {"protected", false}}));
    github::run_checks(batch);
    CHECK(batch.findings.size() == 3);
    for (const Finding& finding : batch.findings) {
      CHECK(finding.status == Status::fail);
    }
  }
  SUBCASE("organisation 2FA and repository secret scanning") {
    Batch batch;
    batch.type = "configurations";
    batch.account_id = "acme";
    batch.evidence.push_back(evidence(
      {{"kind", "organization"}, {"organization", {{"two_factor_requirement_enabled", false}}}},
      "acme"));
    batch.evidence.push_back(evidence(
      {{"kind", "repository"},
       {"repository", {{"security_and_analysis", {{"secret_scanning", {{"status", "enabled"}}}}}}}},
      "acme/api"));
    batch.evidence.push_back(
      evidence({{"kind", "repository"}, {"repository", {{"archived", true}}}}, "acme/old"));
    github::run_checks(batch);
    const auto got = verdicts(batch);
    CHECK(got.at("github_org_2fa_required") == Status::fail);
    CHECK(got.at("github_repo_secret_scanning_enabled") == Status::pass);
    CHECK(batch.findings.size() == 2);
  }
  SUBCASE("no verdict without the owner-only field") {
    Batch batch;
    batch.type = "configurations";
    batch.account_id = "acme";
    batch.evidence.push_back(
      evidence({{"kind", "organization"}, {"organization", {{"login", "acme"}}}}, "acme"));
    github::run_checks(batch);
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
