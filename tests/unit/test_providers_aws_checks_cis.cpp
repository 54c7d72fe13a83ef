// The AWS checks of CIS AWS sections 3-5 as pure functions of normalised evidence: a PASS and a
// FAIL for each, and "not evaluated" (no finding) where a call they depend on failed.

#include "test_providers_aws_support.hpp"

#include <doctest/doctest.h>

using namespace velocity;
using namespace velocity::providers;
using namespace velocity::providers::aws;
using namespace velocity::providers::aws::testing;

namespace {

nlohmann::json management_all() {
  return {{"basic", {{{"ReadWriteType", "All"}, {"IncludeManagementEvents", true}}}},
          {"advanced", nlohmann::json::array()}};
}

nlohmann::json trail(const std::string& name, bool multi_region, nlohmann::json logging,
                     nlohmann::json selectors) {
  return {{"kind", "trail"},
          {"name", name},
          {"multi_region", multi_region},
          {"log_file_validation", true},
          {"is_logging", std::move(logging)},
          {"kms_key_id", nullptr},
          {"event_selectors", std::move(selectors)},
          {"bucket_logging", nullptr},
          {"log_group", "trail-group"},
          {"log_group_region", "us-east-1"}};
}

nlohmann::json summary(nlohmann::json not_collected = nlohmann::json::array()) {
  return {{"kind", "log_monitoring"},
          {"not_collected", nlohmann::json::array()},
          {"trails_not_collected", std::move(not_collected)}};
}

nlohmann::json monitoring(const std::string& pattern, int subscribers,
                          nlohmann::json not_collected = nlohmann::json::array()) {
  return {{"kind", "log_monitoring"},
          {"metric_filters",
           {{{"log_group", "trail-group"},
             {"region", "us-east-1"},
             {"name", "f"},
             {"pattern", pattern},
             {"metrics", {{{"name", "m"}, {"namespace", "CIS"}}}}}}},
          {"alarms",
           {{{"name", "a"},
             {"region", "us-east-1"},
             {"metric", "m"},
             {"namespace", "CIS"},
             {"actions_enabled", true},
             {"actions", {"arn:aws:sns:us-east-1:123456789012:t"}}}}},
          {"topics", {{"arn:aws:sns:us-east-1:123456789012:t", {{"subscribers", subscribers}}}}},
          {"not_collected", std::move(not_collected)}};
}

const char* k_unauthorized = "aws_cloudwatch_log_metric_filter_unauthorized_api_calls";

} // namespace

TEST_CASE("evaluate_checks: CloudTrail account rules (3.1, 3.8, 3.9)") {
  SUBCASE("one multi-region, logging trail with all management events passes 3.1") {
    auto batch = batch_of("audit_logs", {trail("single", false, true, management_all()),
                                         trail("all", true, true, management_all()), summary()});
    CHECK(status(batch, "aws_cloudtrail_multi_region_enabled", 2) == "PASS");
    CHECK(reason(batch, "aws_cloudtrail_multi_region_enabled", 2).find("trail all") == 0);
    CHECK(status(batch, "aws_cloudtrail_s3_dataevents_write_enabled", 2) == "FAIL");
  }
  SUBCASE("write-only management events, a stopped trail, or no trail fail 3.1") {
    nlohmann::json write_only = {
      {"basic", {{{"ReadWriteType", "WriteOnly"}, {"IncludeManagementEvents", true}}}},
      {"advanced", nlohmann::json::array()}};
    auto batch =
      batch_of("audit_logs", {trail("w", true, true, write_only),
                              trail("stopped", true, false, management_all()), summary()});
    CHECK(status(batch, "aws_cloudtrail_multi_region_enabled", 2) == "FAIL");
    const std::string why = reason(batch, "aws_cloudtrail_multi_region_enabled", 2);
    CHECK(why.find("w (not all management events)") != std::string::npos);
    CHECK(why.find("stopped (not logging)") != std::string::npos);
    auto none = batch_of("audit_logs", {summary()});
    CHECK(reason(none, "aws_cloudtrail_multi_region_enabled") ==
          "the account has no CloudTrail trail");
  }
  SUBCASE("a failed call leaves the account rules not evaluated, never PASS") {
    auto unknown = batch_of("audit_logs", {trail("t", true, nullptr, management_all()), summary()});
    CHECK(status(unknown, "aws_cloudtrail_multi_region_enabled", 1) == "none");
    auto denied = batch_of("audit_logs", {summary({"cloudtrail:DescribeTrails"})});
    CHECK(status(denied, "aws_cloudtrail_multi_region_enabled") == "none");
  }
  SUBCASE("S3 data events from basic and advanced selectors") {
    nlohmann::json basic = management_all();
    basic["basic"].push_back(
      {{"ReadWriteType", "WriteOnly"},
       {"IncludeManagementEvents", false},
       {"DataResources", {{{"Type", "AWS::S3::Object"}, {"Values", {"arn:aws:s3"}}}}}});
    nlohmann::json advanced = {
      {"basic", nlohmann::json::array()},
      {"advanced",
       {{{"FieldSelectors", {{{"Field", "eventCategory"}, {"Equals", {"Management"}}}}}},
        {{"FieldSelectors",
          {{{"Field", "eventCategory"}, {"Equals", {"Data"}}},
           {{"Field", "resources.type"}, {"Equals", {"AWS::S3::Object"}}},
           {{"Field", "readOnly"}, {"Equals", {"true"}}}}}}}}};
    nlohmann::json one_bucket = management_all();
    one_bucket["basic"].push_back(
      {{"ReadWriteType", "All"},
       {"DataResources",
        {{{"Type", "AWS::S3::Object"}, {"Values", {"arn:aws:s3:::velocity-logs/"}}}}}});
    auto writes = batch_of("audit_logs", {trail("t", true, true, basic), summary()});
    CHECK(status(writes, "aws_cloudtrail_s3_dataevents_write_enabled", 1) == "PASS");
    CHECK(status(writes, "aws_cloudtrail_s3_dataevents_read_enabled", 1) == "FAIL");
    auto reads = batch_of("audit_logs", {trail("t", true, true, advanced), summary()});
    CHECK(status(reads, "aws_cloudtrail_multi_region_enabled", 1) == "PASS");
    CHECK(status(reads, "aws_cloudtrail_s3_dataevents_read_enabled", 1) == "PASS");
    CHECK(status(reads, "aws_cloudtrail_s3_dataevents_write_enabled", 1) == "FAIL");
    auto single = batch_of("audit_logs", {trail("t", true, true, one_bucket), summary()});
    CHECK(status(single, "aws_cloudtrail_s3_dataevents_read_enabled", 1) == "FAIL");
  }
  SUBCASE("per trail: KMS encryption and the bucket's access logging") {
    nlohmann::json good = trail("good", true, true, management_all());
    good["kms_key_id"] = "arn:aws:kms:us-east-1:123456789012:key/k";
    good["bucket_logging"] = {{"enabled", true}, {"target_bucket", "logs"}};
    nlohmann::json bad = trail("bad", true, true, management_all());
    bad["bucket_logging"] = {{"enabled", false}, {"target_bucket", ""}};
    nlohmann::json unknown = trail("elsewhere", true, true, management_all());
    auto batch = batch_of("audit_logs", {good, bad, unknown});
    for (const char* check : {"aws_cloudtrail_kms_encryption_enabled",
                              "aws_cloudtrail_logs_s3_bucket_access_logging_enabled"}) {
      CAPTURE(check);
      CHECK(status(batch, check, 0) == "PASS");
      CHECK(status(batch, check, 1) == "FAIL");
    }
    CHECK(status(batch, "aws_cloudtrail_logs_s3_bucket_access_logging_enabled", 2) == "none");
  }
}

TEST_CASE("evaluate_checks: CloudWatch monitoring chains (4.1-4.15)") {
  const nlohmann::json good = trail("t", true, true, management_all());
  SUBCASE("the benchmark's terms in any order, spacing and quoting, with a subscriber") {
    auto batch = batch_of(
      "audit_logs",
      {good,
       monitoring("{($.errorCode=AccessDenied*) ||\n ($.errorCode = \"*UnauthorizedOperation\")}",
                  1)});
    CHECK(status(batch, k_unauthorized, 1) == "PASS");
    CHECK(reason(batch, k_unauthorized, 1).find("alarm a -> topic") != std::string::npos);
    CHECK(status(batch, "aws_cloudwatch_log_metric_filter_root_usage", 1) == "FAIL");
  }
  SUBCASE("a missing term, a topic nobody subscribed to, or no log group fail") {
    auto partial = batch_of("audit_logs", {good, monitoring("{$.errorCode = AccessDenied*}", 1)});
    CHECK(status(partial, k_unauthorized, 1) == "FAIL");
    CHECK(reason(partial, k_unauthorized, 1).find("no metric filter") == 0);
    auto silent = batch_of(
      "audit_logs",
      {good, monitoring("{($.errorCode=AccessDenied*)||($.errorCode=*UnauthorizedOperation)}", 0)});
    CHECK(status(silent, k_unauthorized, 1) == "FAIL");
    CHECK(reason(silent, k_unauthorized, 1).find("no SNS topic with a confirmed subscriber") !=
          std::string::npos);
    nlohmann::json single = trail("t", false, true, management_all());
    auto no_group = batch_of(
      "audit_logs",
      {single,
       monitoring("{($.errorCode=AccessDenied*)||($.errorCode=*UnauthorizedOperation)}", 1)});
    CHECK(status(no_group, k_unauthorized, 1) == "FAIL");
  }
  SUBCASE("4.2 is not met by the failed-sign-in filter of 4.6") {
    auto batch = batch_of(
      "audit_logs",
      {good,
       monitoring(
         "{ ($.eventName = ConsoleLogin) && ($.errorMessage = \"Failed authentication\") }", 1)});
    CHECK(status(batch, "aws_cloudwatch_log_metric_filter_authentication_failures", 1) == "PASS");
    CHECK(status(batch, "aws_cloudwatch_log_metric_filter_sign_in_without_mfa", 1) == "FAIL");
  }
  SUBCASE("AccessDenied on a monitoring call: not evaluated") {
    auto batch = batch_of("audit_logs", {good, monitoring("{}", 1, {"cloudwatch:DescribeAlarms"})});
    CHECK(status(batch, k_unauthorized, 1) == "none");
  }
}

TEST_CASE("evaluate_checks: Config recorders, KMS rotation, Security Hub") {
  auto regions = batch_of(
    "config_recorders",
    {{{"kind", "config_region"},
      {"region", "us-east-1"},
      {"recorders",
       {{{"name", "default"},
         {"all_supported", true},
         {"recording", true},
         {"last_status", "SUCCESS"}}}}},
     {{"kind", "config_region"},
      {"region", "eu-west-1"},
      {"recorders",
       {{{"name", "default"},
         {"all_supported", true},
         {"recording", false},
         {"last_status", ""}}}}},
     {{"kind", "config_region"}, {"region", "eu-west-2"}, {"recorders", nlohmann::json::array()}}});
  CHECK(status(regions, "aws_config_recorder_all_regions_enabled", 0) == "PASS");
  CHECK(status(regions, "aws_config_recorder_all_regions_enabled", 1) == "FAIL");
  CHECK(reason(regions, "aws_config_recorder_all_regions_enabled", 2) ==
        "eu-west-2: no AWS Config recorder");

  auto keys = batch_of(
    "kms_keys",
    {{{"kind", "kms_key"}, {"key_id", "a"}, {"rotation_applies", true}, {"rotation_enabled", true}},
     {{"kind", "kms_key"},
      {"key_id", "b"},
      {"rotation_applies", true},
      {"rotation_enabled", false}},
     {{"kind", "kms_key"},
      {"key_id", "aws-managed"},
      {"rotation_applies", false},
      {"rotation_enabled", nullptr}}});
  CHECK(status(keys, "aws_kms_cmk_rotation_enabled", 0) == "PASS");
  CHECK(status(keys, "aws_kms_cmk_rotation_enabled", 1) == "FAIL");
  CHECK(status(keys, "aws_kms_cmk_rotation_enabled", 2) == "none");

  auto hubs = batch_of("security_hub",
                       {{{"kind", "security_hub"}, {"region", "us-east-1"}, {"enabled", true}},
                        {{"kind", "security_hub"}, {"region", "eu-west-1"}, {"enabled", false}}});
  CHECK(status(hubs, "aws_securityhub_enabled", 0) == "PASS");
  CHECK(reason(hubs, "aws_securityhub_enabled", 1) == "eu-west-1: Security Hub is not enabled");
}

TEST_CASE("evaluate_checks: network ACLs, security groups, flow logs, EBS, instances") {
  auto entry = [](int number, const std::string& protocol, const std::string& action,
                  nlohmann::json from, nlohmann::json to, const std::string& v4,
                  const std::string& v6 = "") {
    return nlohmann::json{{"rule_number", number}, {"protocol", protocol}, {"action", action},
                          {"egress", false},       {"ipv4", v4},           {"ipv6", v6},
                          {"from_port", from},     {"to_port", to}};
  };
  SUBCASE("network ACL entries are judged in rule-number order, IPv4 and IPv6") {
    auto acls =
      batch_of("vpc_network", {{{"kind", "network_acl"},
                                {"acl_id", "acl-shadowed"},
                                {"entries",
                                 {entry(200, "6", "allow", 0, 65535, "0.0.0.0/0"),
                                  entry(100, "6", "deny", 22, 22, "0.0.0.0/0"),
                                  entry(32767, "-1", "deny", nullptr, nullptr, "0.0.0.0/0")}}},
                               {{"kind", "network_acl"},
                                {"acl_id", "acl-default"},
                                {"entries",
                                 {entry(100, "-1", "allow", nullptr, nullptr, "0.0.0.0/0"),
                                  entry(101, "-1", "allow", nullptr, nullptr, "", "::/0")}}},
                               {{"kind", "network_acl"},
                                {"acl_id", "acl-v6-ssh"},
                                {"entries",
                                 {entry(10, "6", "allow", 20, 30, "10.0.0.0/8"),
                                  entry(20, "6", "allow", 20, 30, "", "::/0")}}}});
    CHECK(status(acls, "aws_ec2_networkacl_allow_ingress_tcp_port_22", 0) == "PASS");
    CHECK(status(acls, "aws_ec2_networkacl_allow_ingress_tcp_port_3389", 0) == "FAIL");
    CHECK(status(acls, "aws_ec2_networkacl_allow_ingress_any_port", 0) == "PASS");
    CHECK(status(acls, "aws_ec2_networkacl_allow_ingress_any_port", 1) == "FAIL");
    CHECK(status(acls, "aws_ec2_networkacl_allow_ingress_tcp_port_22", 2) == "FAIL");
    CHECK(status(acls, "aws_ec2_networkacl_allow_ingress_tcp_port_3389", 2) == "PASS");
  }
  SUBCASE("default security groups and CIFS") {
    nlohmann::json smb = {{"protocol", "tcp"},
                          {"from_port", 440},
                          {"to_port", 450},
                          {"ipv4", nlohmann::json::array()},
                          {"ipv6", {"::/0"}}};
    nlohmann::json egress_all = {{"protocol", "-1"}, {"ipv4", {"0.0.0.0/0"}}};
    auto groups = batch_of("security_groups", {{{"kind", "security_group"},
                                                {"group_id", "sg-d1"},
                                                {"group_name", "default"},
                                                {"ingress", nlohmann::json::array()},
                                                {"egress", nlohmann::json::array()}},
                                               {{"kind", "security_group"},
                                                {"group_id", "sg-d2"},
                                                {"group_name", "default"},
                                                {"ingress", nlohmann::json::array()},
                                                {"egress", {egress_all}}},
                                               {{"kind", "security_group"},
                                                {"group_id", "sg-smb"},
                                                {"group_name", "smb"},
                                                {"ingress", {smb}},
                                                {"egress", nlohmann::json::array()}}});
    CHECK(status(groups, "aws_ec2_securitygroup_default_restrict_traffic", 0) == "PASS");
    CHECK(status(groups, "aws_ec2_securitygroup_default_restrict_traffic", 1) == "FAIL");
    CHECK(status(groups, "aws_ec2_securitygroup_default_restrict_traffic", 2) == "none");
    CHECK(status(groups, "aws_ec2_instance_port_cifs_exposed_to_internet", 0) == "PASS");
    CHECK(status(groups, "aws_ec2_instance_port_cifs_exposed_to_internet", 2) == "FAIL");
  }
  SUBCASE("flow logs, EBS and instance metadata") {
    auto vpcs = batch_of(
      "vpc_network",
      {{{"kind", "vpc"},
        {"vpc_id", "vpc-1"},
        {"flow_logs", {{{"id", "fl-1"}, {"status", "ACTIVE"}, {"traffic_type", "REJECT"}}}}},
       {{"kind", "vpc"},
        {"vpc_id", "vpc-2"},
        {"flow_logs", {{{"id", "fl-2"}, {"status", "ACTIVE"}, {"traffic_type", "ACCEPT"}}}}},
       {{"kind", "vpc"}, {"vpc_id", "vpc-3"}, {"flow_logs", nullptr}}});
    CHECK(status(vpcs, "aws_vpc_flow_logs_enabled", 0) == "PASS");
    CHECK(status(vpcs, "aws_vpc_flow_logs_enabled", 1) == "FAIL");
    CHECK(status(vpcs, "aws_vpc_flow_logs_enabled", 2) == "none");
    auto ebs =
      batch_of("ebs_encryption",
               {{{"kind", "ebs_default_encryption"}, {"region", "us-east-1"}, {"enabled", true}},
                {{"kind", "ebs_default_encryption"}, {"region", "eu-west-1"}, {"enabled", false}},
                {{"kind", "volume"}, {"volume_id", "vol-1"}, {"encrypted", true}},
                {{"kind", "volume"}, {"volume_id", "vol-2"}, {"encrypted", false}}});
    CHECK(status(ebs, "aws_ec2_ebs_default_encryption", 0) == "PASS");
    CHECK(status(ebs, "aws_ec2_ebs_default_encryption", 1) == "FAIL");
    CHECK(status(ebs, "aws_ec2_ebs_volume_encryption", 2) == "PASS");
    CHECK(status(ebs, "aws_ec2_ebs_volume_encryption", 3) == "FAIL");
    auto instances = batch_of("instances", {{{"kind", "instance"},
                                             {"instance_id", "i-1"},
                                             {"state", "running"},
                                             {"http_tokens", "required"}},
                                            {{"kind", "instance"},
                                             {"instance_id", "i-2"},
                                             {"state", "stopped"},
                                             {"http_tokens", "optional"}},
                                            {{"kind", "instance"},
                                             {"instance_id", "i-3"},
                                             {"state", "running"},
                                             {"http_tokens", "optional"},
                                             {"http_endpoint", "disabled"}},
                                            {{"kind", "instance"},
                                             {"instance_id", "i-4"},
                                             {"state", "terminated"},
                                             {"http_tokens", "optional"}}});
    CHECK(status(instances, "aws_ec2_instance_imdsv2_enabled", 0) == "PASS");
    CHECK(status(instances, "aws_ec2_instance_imdsv2_enabled", 1) == "FAIL");
    CHECK(status(instances, "aws_ec2_instance_imdsv2_enabled", 2) == "PASS");
    CHECK(status(instances, "aws_ec2_instance_imdsv2_enabled", 3) == "none");
  }
}
