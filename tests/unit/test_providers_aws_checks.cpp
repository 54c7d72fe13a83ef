// The AWS checks of EC2, CloudTrail and Config as pure functions of normalised evidence: a PASS
// and a FAIL for each (IAM and storage: test_providers_aws_checks_iam.cpp, ..._storage.cpp).

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
