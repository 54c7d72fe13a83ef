// The 15 AWS checks as pure functions of normalised evidence: a PASS and a FAIL for each.

#include "test_providers_aws_support.hpp"

#include <velocity/providers/aws/checks.hpp>

#include <doctest/doctest.h>

#include <set>

using namespace velocity;
using namespace velocity::providers;
using namespace velocity::providers::aws;
using namespace velocity::providers::aws::testing;

namespace {

nlohmann::json group(nlohmann::json ingress) {
  return {
    {"kind", "security_group"}, {"group_id", "sg-1"}, {"group_name", "g"}, {"ingress", ingress}};
}

nlohmann::json rule(const std::string& protocol, nlohmann::json from, nlohmann::json to,
                    nlohmann::json v4, nlohmann::json v6 = nlohmann::json::array()) {
  return {{"protocol", protocol}, {"from_port", from}, {"to_port", to}, {"ipv4", v4}, {"ipv6", v6}};
}

} // namespace

TEST_CASE("evaluated_checks") {
  std::set<std::string> types;
  for (const EvidenceTypeInfo& type : evidence_type_catalogue()) {
    types.insert(type.id);
  }
  std::set<std::string> ids;
  for (const CheckInfo& check : evaluated_checks()) {
    CAPTURE(check.id);
    CHECK(ids.insert(check.id).second);
    CHECK(check.id.starts_with("aws_"));
    CHECK(types.contains(check.evidence_type));
  }
  CHECK(ids.contains("aws_config_rules_compliant"));
}

TEST_CASE("evaluate_checks") {
  SUBCASE("aws_iam_root_mfa_enabled") {
    auto on = batch_of("policies",
                       {{{"kind", "account_summary"}, {"summary", {{"AccountMFAEnabled", 1}}}}});
    auto off = batch_of("policies",
                        {{{"kind", "account_summary"}, {"summary", {{"AccountMFAEnabled", 0}}}}});
    CHECK(status(on, "aws_iam_root_mfa_enabled") == "PASS");
    CHECK(status(off, "aws_iam_root_mfa_enabled") == "FAIL");
  }
  SUBCASE("aws_iam_password_policy_strong") {
    nlohmann::json strong = {{"MinimumPasswordLength", 14},
                             {"PasswordReusePrevention", 24},
                             {"RequireSymbols", true},
                             {"RequireNumbers", true},
                             {"RequireUppercaseCharacters", true},
                             {"RequireLowercaseCharacters", true}};
    nlohmann::json weak = strong;
    weak["RequireSymbols"] = false;
    weak["MinimumPasswordLength"] = 13;
    auto pass = batch_of("policies", {{{"kind", "password_policy"}, {"policy", strong}}});
    auto fail = batch_of("policies", {{{"kind", "password_policy"}, {"policy", weak}}});
    auto none = batch_of("policies", {{{"kind", "password_policy"}, {"policy", nullptr}}});
    CHECK(status(pass, "aws_iam_password_policy_strong") == "PASS");
    CHECK(status(fail, "aws_iam_password_policy_strong") == "FAIL");
    CHECK(fail.findings[0].reason.find("minimum length 13 < 14") != std::string::npos);
    CHECK(fail.findings[0].reason.find("RequireSymbols off") != std::string::npos);
    CHECK(status(none, "aws_iam_password_policy_strong") == "FAIL");
  }
  SUBCASE("aws_iam_user_mfa_enabled_console_access: only users with a console password") {
    auto users = batch_of("policies", {{{"kind", "user"},
                                        {"name", "a"},
                                        {"console_password", true},
                                        {"mfa_devices", {{{"serial", "x"}}}}},
                                       {{"kind", "user"},
                                        {"name", "b"},
                                        {"console_password", true},
                                        {"mfa_devices", nlohmann::json::array()}},
                                       {{"kind", "user"},
                                        {"name", "c"},
                                        {"console_password", false},
                                        {"mfa_devices", nlohmann::json::array()}}});
    CHECK(status(users, "aws_iam_user_mfa_enabled_console_access", 0) == "PASS");
    CHECK(status(users, "aws_iam_user_mfa_enabled_console_access", 1) == "FAIL");
    CHECK(status(users, "aws_iam_user_mfa_enabled_console_access", 2) == "none");
  }
  SUBCASE("aws_iam_rotate_access_key_90_days: active keys only, 90 days") {
    auto users = batch_of(
      "policies",
      {{{"kind", "user"},
        {"name", "fresh"},
        {"access_keys",
         {{{"id", "K1"}, {"status", "Active"}, {"create_date", "2026-10-01T00:00:00Z"}}}}},
       {{"kind", "user"},
        {"name", "old"},
        {"access_keys",
         {{{"id", "K2"},
           {"status", "Active"},
           {"create_date", "2026-05-07T10:11:12.123456+00:00"}}}}},
       {{"kind", "user"},
        {"name", "inactive"},
        {"access_keys",
         {{{"id", "K3"}, {"status", "Inactive"}, {"create_date", "2020-01-01T00:00:00Z"}}}}}});
    CHECK(status(users, "aws_iam_rotate_access_key_90_days", 0) == "PASS");
    CHECK(status(users, "aws_iam_rotate_access_key_90_days", 1) == "FAIL");
    CHECK(status(users, "aws_iam_rotate_access_key_90_days", 2) == "none");
  }
  SUBCASE("aws_iam_customer_attached_policy_no_administrative_privileges") {
    auto policies = batch_of(
      "policies",
      {{{"kind", "policy"},
        {"name", "admin"},
        {"document", {{"Statement", {{{"Effect", "Allow"}, {"Action", "*"}, {"Resource", "*"}}}}}}},
       {{"kind", "policy"},
        {"name", "list"},
        {"document",
         {{"Statement", {{{"Effect", "Allow"}, {"Action", {"s3:*", "*"}}, {"Resource", {"*"}}}}}}}},
       {{"kind", "policy"},
        {"name", "read"},
        {"document",
         {{"Statement", {{"Effect", "Allow"}, {"Action", "s3:Get*"}, {"Resource", "*"}}}}}},
       {{"kind", "policy"},
        {"name", "deny"},
        {"document",
         {{"Statement", {{{"Effect", "Deny"}, {"Action", "*"}, {"Resource", "*"}}}}}}}});
    CHECK(status(policies, "aws_iam_customer_attached_policy_no_administrative_privileges", 0) ==
          "FAIL");
    CHECK(status(policies, "aws_iam_customer_attached_policy_no_administrative_privileges", 1) ==
          "FAIL");
    CHECK(status(policies, "aws_iam_customer_attached_policy_no_administrative_privileges", 2) ==
          "PASS");
    CHECK(status(policies, "aws_iam_customer_attached_policy_no_administrative_privileges", 3) ==
          "PASS");
  }
  SUBCASE("security group checks") {
    auto groups = batch_of(
      "security_groups",
      {group(nlohmann::json::array({rule("tcp", 22, 22, {"0.0.0.0/0"})})),
       group(nlohmann::json::array({rule("tcp", 3389, 3389, nlohmann::json::array(), {"::/0"})})),
       group(nlohmann::json::array({rule("-1", nullptr, nullptr, {"0.0.0.0/0"})})),
       group(nlohmann::json::array({rule("tcp", 0, 65535, {"0.0.0.0/0"})})),
       group(nlohmann::json::array(
         {rule("tcp", 22, 22, {"10.0.0.0/8"}), rule("tcp", 443, 443, {"0.0.0.0/0"})})),
       group(nlohmann::json::array({rule("udp", 0, 65535, {"0.0.0.0/0"})}))});
    CHECK(status(groups, "aws_ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22", 0) ==
          "FAIL");
    CHECK(status(groups, "aws_ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389", 0) ==
          "PASS");
    CHECK(status(groups, "aws_ec2_securitygroup_allow_ingress_from_internet_to_all_ports", 0) ==
          "PASS");
    CHECK(status(groups, "aws_ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389", 1) ==
          "FAIL");
    CHECK(status(groups, "aws_ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22", 1) ==
          "PASS");
    CHECK(status(groups, "aws_ec2_securitygroup_allow_ingress_from_internet_to_all_ports", 2) ==
          "FAIL");
    CHECK(status(groups, "aws_ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22", 2) ==
          "FAIL");
    CHECK(status(groups, "aws_ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389", 2) ==
          "FAIL");
    CHECK(status(groups, "aws_ec2_securitygroup_allow_ingress_from_internet_to_all_ports", 3) ==
          "FAIL");
    CHECK(status(groups, "aws_ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22", 4) ==
          "PASS");
    CHECK(status(groups, "aws_ec2_securitygroup_allow_ingress_from_internet_to_all_ports", 4) ==
          "PASS");
    CHECK(status(groups, "aws_ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22", 5) ==
          "PASS");
  }
  SUBCASE("bucket checks") {
    auto buckets =
      batch_of("encryption_status", {{{"kind", "bucket"},
                                      {"name", "good"},
                                      {"encryption", {{"rules", {{{"algorithm", "AES256"}}}}}},
                                      {"public_access_block",
                                       {{"BlockPublicAcls", true},
                                        {"IgnorePublicAcls", true},
                                        {"BlockPublicPolicy", true},
                                        {"RestrictPublicBuckets", true}}},
                                      {"versioning", {{"status", "Enabled"}}}},
                                     {{"kind", "bucket"},
                                      {"name", "bad"},
                                      {"encryption", nullptr},
                                      {"public_access_block",
                                       {{"BlockPublicAcls", true},
                                        {"IgnorePublicAcls", true},
                                        {"BlockPublicPolicy", false},
                                        {"RestrictPublicBuckets", true}}},
                                      {"versioning", {{"status", "Suspended"}}}},
                                     {{"kind", "bucket"},
                                      {"name", "bare"},
                                      {"encryption", nullptr},
                                      {"public_access_block", nullptr},
                                      {"versioning", nullptr}}});
    for (const char* check :
         {"aws_s3_bucket_default_encryption", "aws_s3_bucket_level_public_access_block",
          "aws_s3_bucket_object_versioning"}) {
      CAPTURE(check);
      CHECK(status(buckets, check, 0) == "PASS");
      CHECK(status(buckets, check, 1) == "FAIL");
      CHECK(status(buckets, check, 2) == "FAIL");
    }
  }
  SUBCASE("trail checks") {
    auto trails = batch_of("audit_logs", {{{"kind", "trail"},
                                           {"name", "good"},
                                           {"multi_region", true},
                                           {"log_file_validation", true},
                                           {"is_logging", true}},
                                          {{"kind", "trail"},
                                           {"name", "bad"},
                                           {"multi_region", false},
                                           {"log_file_validation", false},
                                           {"is_logging", false}}});
    for (const char* check :
         {"aws_cloudtrail_log_file_validation_enabled", "aws_cloudtrail_logging_on"}) {
      CAPTURE(check);
      CHECK(status(trails, check, 0) == "PASS");
      CHECK(status(trails, check, 1) == "FAIL");
    }
  }
  SUBCASE("aws_config_rules_compliant") {
    auto rules =
      batch_of("compliance_rules",
               {{{"kind", "config_rule"}, {"name", "a"}, {"compliance", "COMPLIANT"}},
                {{"kind", "config_rule"},
                 {"name", "b"},
                 {"compliance", "NON_COMPLIANT"},
                 {"non_compliant_resources", 2}},
                {{"kind", "config_rule"}, {"name", "c"}, {"compliance", "INSUFFICIENT_DATA"}},
                {{"kind", "config_rule"}, {"name", "d"}, {"compliance", nullptr}}});
    CHECK(status(rules, "aws_config_rules_compliant", 0) == "PASS");
    CHECK(status(rules, "aws_config_rules_compliant", 1) == "FAIL");
    CHECK(rules.findings[1].reason.find("2 resources") != std::string::npos);
    CHECK(status(rules, "aws_config_rules_compliant", 2) == "none");
    CHECK(status(rules, "aws_config_rules_compliant", 3) == "none");
  }
  SUBCASE("findings carry resource, region and account") {
    auto groups = batch_of("security_groups", {group(nlohmann::json::array())});
    REQUIRE(groups.findings.size() == 4); // 22, 3389, all ports, CIFS
    for (const Finding& finding : groups.findings) {
      CHECK(finding.resource_id == "r0");
      CHECK(finding.region == "us-east-1");
      CHECK(finding.account_id == "123456789012");
    }
  }
}
