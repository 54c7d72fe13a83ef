// Accepted risks: shell-style patterns, Prowler mutelist items, the rules' expiry, and accept
// files in both shapes with their refusals (FILE:LINE and the field).

#include "test_compliance_support.hpp"

#include <velocity/compliance/acceptance.hpp>
#include <velocity/core/fs.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

namespace compliance = velocity::compliance;
namespace store = velocity::store;
namespace time_ = velocity::time;
using velocity::test::usage_error_of;
namespace stdfs = std::filesystem;

namespace {

const std::vector<std::string> k_checks = {"aws_s3_bucket_level_public_access_block",
                                           "aws_iam_root_mfa_enabled", "github_org_2fa_required"};

time_::TimePoint day(const char* date) {
  return *time_::parse_iso8601(date);
}

store::FindingRecord failing(std::string check, std::string resource, std::string account = "1",
                             std::string region = "us-east-1") {
  store::FindingRecord finding;
  finding.integration = "prod";
  finding.platform = check.starts_with("aws_") ? "aws" : "github";
  finding.check_id = std::move(check);
  finding.resource_id = std::move(resource);
  finding.account_id = std::move(account);
  finding.region = std::move(region);
  finding.status = store::Status::fail;
  return finding;
}

class TempFile {
public:
  explicit TempFile(std::string_view text)
    : m_path(stdfs::temp_directory_path() / ("velocity-accept-" + std::to_string(::getpid()) + "-" +
                                             std::to_string(++s_count) + ".yaml")) {
    velocity::fs::write_file_atomic(m_path, text, velocity::fs::Mode::private_file);
  }
  ~TempFile() { stdfs::remove(m_path); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const stdfs::path& path() const { return m_path; }

private:
  static inline int s_count = 0;
  stdfs::path m_path;
};

compliance::AcceptFile read(const TempFile& file, const char* today = "2026-12-07") {
  return compliance::read_accept_file(file.path(), k_checks, day(today), 365);
}

} // namespace

TEST_CASE("glob_matches") {
  SUBCASE("star and question mark span any character, slash included") {
    CHECK(compliance::glob_matches("arn:aws:s3:::public-*", "arn:aws:s3:::public-site"));
    CHECK(compliance::glob_matches("*/ci-?", "arn:aws:iam::1:user/ci-a"));
    CHECK_FALSE(compliance::glob_matches("arn:aws:s3:::public-*", "arn:aws:s3:::private"));
  }
  SUBCASE("sets and quoting") {
    CHECK(compliance::glob_matches("sg-[0-9]*", "sg-0abc"));
    CHECK_FALSE(compliance::glob_matches("sg-[0-9]*", "sg-abc"));
    CHECK(compliance::glob_matches("a\\*b", "a*b"));
    CHECK_FALSE(compliance::glob_matches("a\\*b", "axb"));
  }
}

TEST_CASE("Pattern::prowler") {
  SUBCASE("a regular expression searched anywhere, a leading star read as .*") {
    CHECK(compliance::Pattern::prowler("public").matches("arn:aws:s3:::public-site"));
    CHECK(compliance::Pattern::prowler("*-site").matches("arn:aws:s3:::public-site"));
    CHECK(compliance::Pattern::prowler("^us-").matches("us-east-1"));
    CHECK_FALSE(compliance::Pattern::prowler("^eu-").matches("us-east-1"));
  }
  SUBCASE("an invalid expression throws, and so does a back-reference") {
    CHECK_THROWS_AS(compliance::Pattern::prowler("user/(ci"), std::regex_error);
    CHECK_THROWS_AS(compliance::Pattern::prowler("(a)\\1"), std::regex_error);
  }
  SUBCASE("a pattern that backtracks exponentially matches in polynomial time") {
    const std::string resource = "arn:aws:s3:::velocity-data-" + std::string(200, 'a');
    CHECK_FALSE(compliance::Pattern::prowler("(a*)*b").matches(resource));
    CHECK(compliance::Pattern::prowler("(a*)*$").matches(resource));
  }
}

TEST_CASE("AcceptRules::covering") {
  compliance::AcceptRule rule;
  rule.id = "7";
  rule.check = compliance::Pattern::glob("aws_s3_bucket_level_public_access_block");
  rule.resources = {compliance::Pattern::glob("*public*")};
  rule.owner = "web";
  rule.reason = "static site";
  rule.expires_at = day("2027-01-01");
  compliance::AcceptRules rules;
  rules.add(rule);
  const auto finding = failing("aws_s3_bucket_level_public_access_block", "arn:aws:s3:::public");

  SUBCASE("a failing finding it matches, before the expiry") {
    const auto acceptance = rules.covering(finding, day("2026-12-31T23:59:59Z"));
    REQUIRE(acceptance);
    CHECK(acceptance->id == "7");
    CHECK(acceptance->owner == "web");
    CHECK(acceptance->expires_at == "2027-01-01");
  }
  SUBCASE("from the expiry on it covers nothing") {
    CHECK_FALSE(rules.covering(finding, day("2027-01-01")));
  }
  SUBCASE("another resource, another check, or a PASS are not covered") {
    CHECK_FALSE(rules.covering(failing("aws_s3_bucket_level_public_access_block", "arn:private"),
                               day("2026-12-07")));
    CHECK_FALSE(rules.covering(failing("aws_iam_root_mfa_enabled", "arn:aws:s3:::public"),
                               day("2026-12-07")));
    auto passing = finding;
    passing.status = store::Status::pass;
    CHECK_FALSE(rules.covering(passing, day("2026-12-07")));
  }
}

TEST_CASE("read_accept_file velocity shape") {
  SUBCASE("an entry becomes a rule with FILE:LINE as its id") {
    const TempFile file(R"(accept:
  - check: aws_s3_bucket_level_public_access_block
    resources: ["arn:aws:s3:::public-*"]
    owner: web
    reason: static site
    expires: 2027-03-31
)");
    const compliance::AcceptFile read_file = read(file);
    REQUIRE(read_file.rules.size() == 1);
    CHECK(read_file.rules[0].id == file.path().string() + ":2");
    CHECK(read_file.warnings.empty());
    compliance::AcceptRules rules;
    rules.add(read_file.rules[0]);
    CHECK(
      rules.covering(failing("aws_s3_bucket_level_public_access_block", "arn:aws:s3:::public-a"),
                     day("2026-12-07")));
  }
  SUBCASE("an expired entry covers nothing and is warned about") {
    const TempFile file(R"(accept:
  - check: aws_iam_root_mfa_enabled
    owner: alice
    reason: key on order
    expires: 2026-12-01
)");
    const compliance::AcceptFile read_file = read(file);
    CHECK(read_file.rules.empty());
    REQUIRE(read_file.warnings.size() == 1);
    CHECK(read_file.warnings[0] ==
          file.path().string() + ":2: expired on 2026-12-01: its findings fail again");
  }
  SUBCASE("refusals name FILE:LINE and the field") {
    const TempFile unknown(R"(accept:
  - check: aws_iam_root_mfa_enable
    owner: alice
    reason: key on order
    expires: 2027-01-01
)");
    const std::string message = usage_error_of([&] { read(unknown); });
    CHECK(message.find(unknown.path().string() + ":2:") != std::string::npos);
    CHECK(message.find("did you mean aws_iam_root_mfa_enabled?") != std::string::npos);

    const TempFile too_far(R"(accept:
  - check: aws_iam_root_mfa_enabled
    owner: alice
    reason: forever
    expires: 2028-06-01
)");
    CHECK(usage_error_of([&] {
            read(too_far);
          }).find("'expires' 2028-06-01 is more than 365 days") != std::string::npos);

    const TempFile missing(R"(accept:
  - check: aws_iam_root_mfa_enabled
    reason: who?
    expires: 2027-01-01
)");
    CHECK(usage_error_of([&] { read(missing); }).find("'owner' is missing") != std::string::npos);

    const TempFile neither("checks: []\n");
    CHECK(usage_error_of([&] { read(neither); }).find("unknown field 'checks'") !=
          std::string::npos);
  }
}

TEST_CASE("read_accept_file Prowler mutelist") {
  SUBCASE("accounts, checks by their Prowler name, regions, resources, exceptions") {
    const TempFile file(R"(Mutelist:
  Accounts:
    "*":
      Checks:
        "s3_bucket_level_public_access_block":
          Regions: ["*"]
          Resources: ["public"]
          Description: static site
          Exceptions:
            Accounts: ["2"]
    "1":
      Checks:
        "iam_*":
          Regions: ["us-east-1"]
          Resources: ["*"]
)");
    const compliance::AcceptFile read_file = read(file);
    REQUIRE(read_file.rules.size() == 2);
    CHECK(read_file.warnings.empty());
    compliance::AcceptRules rules;
    for (const auto& rule : read_file.rules) {
      rules.add(rule);
    }
    const auto now = day("2026-12-07");
    const auto s3 = rules.covering(
      failing("aws_s3_bucket_level_public_access_block", "arn:aws:s3:::public-site"), now);
    REQUIRE(s3);
    CHECK(s3->owner == file.path().string());
    CHECK(s3->reason == "static site");
    CHECK(s3->expires_at.empty());
    CHECK_FALSE(rules.covering(
      failing("aws_s3_bucket_level_public_access_block", "arn:aws:s3:::public-site", "2"), now));
    CHECK(rules.covering(failing("aws_iam_root_mfa_enabled", "root", "1", "us-east-1"), now));
    CHECK_FALSE(rules.covering(failing("aws_iam_root_mfa_enabled", "root", "3", "us-east-1"), now));
    CHECK_FALSE(rules.covering(failing("aws_iam_root_mfa_enabled", "root", "1", "eu-west-1"), now));
    CHECK_FALSE(rules.covering(failing("github_org_2fa_required", "public", "1"), now));
  }
  SUBCASE("an entry with tags is ignored with a warning; an unknown check is warned about") {
    const TempFile file(R"(Mutelist:
  Accounts:
    "*":
      Checks:
        "s3_bucket_level_public_access_block":
          Regions: ["*"]
          Resources: ["*"]
          Tags: ["environment=dev"]
        "rds_instance_backup_enabled":
          Regions: ["*"]
          Resources: ["*"]
)");
    const compliance::AcceptFile read_file = read(file);
    CHECK(read_file.rules.size() == 1);
    REQUIRE(read_file.warnings.size() == 2);
    CHECK(read_file.warnings[0].find(":6: check 's3_bucket_level_public_access_block': ignored: "
                                     "it names Tags") != std::string::npos);
    CHECK(read_file.warnings[1].find(":10: check 'rds_instance_backup_enabled': velocity has no "
                                     "AWS check") != std::string::npos);
  }
  SUBCASE("a missing list or a bad expression is refused with FILE:LINE") {
    const TempFile file(R"(Mutelist:
  Accounts:
    "*":
      Checks:
        "s3_bucket_level_public_access_block":
          Regions: ["*"]
          Resources: ["user/(ci"]
)");
    const std::string message = usage_error_of([&] { read(file); });
    CHECK(message.find(file.path().string() + ":7:") != std::string::npos);
    CHECK(message.find("'Resources' 'user/(ci' is not a valid Prowler pattern") !=
          std::string::npos);
  }
}
