#include "checks_support.hpp"

#include <velocity/providers/aws/checks.hpp>
#include <velocity/providers/findings.hpp>

#include <fmt/format.h>

#include <chrono>

namespace velocity::providers::aws {

namespace {

constexpr int k_key_max_age_days = 90;

int64_t number(const nlohmann::json& object, const char* key) {
  const auto found = object.find(key);
  if (found == object.end()) {
    return 0;
  }
  if (found->is_number()) {
    return found->get<int64_t>();
  }
  if (found->is_string()) {
    return std::strtoll(found->get<std::string>().c_str(), nullptr, 10);
  }
  return 0;
}

// IAM dates come as "2026-11-23T06:05:03Z" or with microseconds and an offset; the day is all
// the age check needs.
std::optional<time::TimePoint> parse_date(const std::string& text) {
  if (text.size() < 10) {
    return std::nullopt;
  }
  if (auto full = time::parse_iso8601(text.substr(0, 19) + "Z")) {
    return full;
  }
  return time::parse_iso8601(text.substr(0, 10));
}

// --- policies ----------------------------------------------------------------------------

void check_account_summary(Batch& batch, size_t index) {
  const nlohmann::json& summary = batch.evidence[index].data["summary"];
  const bool mfa = number(summary, "AccountMFAEnabled") == 1;
  add_finding(batch, index, "aws_iam_root_mfa_enabled", mfa ? Status::pass : Status::fail,
              mfa ? "the root user has MFA enabled" : "the root user has no MFA device");
}

void check_password_policy(Batch& batch, size_t index) {
  const nlohmann::json& policy = batch.evidence[index].data["policy"];
  if (!policy.is_object()) {
    add_finding(batch, index, "aws_iam_password_policy_strong", Status::fail,
                "no account password policy is set");
    return;
  }
  std::vector<std::string> weak;
  if (number(policy, "MinimumPasswordLength") < 14) {
    weak.push_back(fmt::format("minimum length {} < 14", number(policy, "MinimumPasswordLength")));
  }
  if (number(policy, "PasswordReusePrevention") < 24) {
    weak.push_back(
      fmt::format("reuse prevention {} < 24", number(policy, "PasswordReusePrevention")));
  }
  for (const char* rule : {"RequireSymbols", "RequireNumbers", "RequireUppercaseCharacters",
                           "RequireLowercaseCharacters"}) {
    if (!truthy(policy.value(rule, nlohmann::json(false)))) {
      weak.push_back(fmt::format("{} off", rule));
    }
  }
  if (weak.empty()) {
    add_finding(
      batch, index, "aws_iam_password_policy_strong", Status::pass,
      "length >= 14, reuse prevention >= 24, symbols, numbers, upper and lower case required");
    return;
  }
  std::string reason = "password policy too weak: ";
  for (size_t i = 0; i < weak.size(); ++i) {
    reason += (i == 0 ? "" : ", ") + weak[i];
  }
  add_finding(batch, index, "aws_iam_password_policy_strong", Status::fail, reason);
}

void check_user(Batch& batch, size_t index, time::TimePoint now) {
  const nlohmann::json& user = batch.evidence[index].data;
  const std::string name = str(user, "name");
  if (user.value("console_password", false)) {
    const bool mfa = !user.value("mfa_devices", nlohmann::json::array()).empty();
    add_finding(batch, index, "aws_iam_user_mfa_enabled_console_access",
                mfa ? Status::pass : Status::fail,
                mfa ? fmt::format("user {} signs in to the console with MFA", name)
                    : fmt::format("user {} has a console password and no MFA device", name));
  }
  std::vector<std::string> old_keys;
  int active = 0;
  for (const nlohmann::json& key : user.value("access_keys", nlohmann::json::array())) {
    if (str(key, "status") != "Active") {
      continue;
    }
    ++active;
    const auto created = parse_date(str(key, "create_date"));
    if (!created) {
      old_keys.push_back(fmt::format("{} (creation date unknown)", str(key, "id")));
      continue;
    }
    const auto days = std::chrono::duration_cast<std::chrono::hours>(now - *created).count() / 24;
    if (days > k_key_max_age_days) {
      old_keys.push_back(fmt::format("{} ({} days old)", str(key, "id"), days));
    }
  }
  if (active == 0) {
    return;
  }
  if (old_keys.empty()) {
    add_finding(batch, index, "aws_iam_rotate_access_key_90_days", Status::pass,
                fmt::format("user {}: every active access key is at most {} days old", name,
                            k_key_max_age_days));
    return;
  }
  std::string keys;
  for (const std::string& key : old_keys) {
    keys += (keys.empty() ? "" : ", ") + key;
  }
  add_finding(batch, index, "aws_iam_rotate_access_key_90_days", Status::fail,
              fmt::format("user {}: active access key not rotated in {} days: {}", name,
                          k_key_max_age_days, keys));
}

bool contains_star(const nlohmann::json& value) {
  if (value.is_string()) {
    return value.get<std::string>() == "*";
  }
  if (value.is_array()) {
    for (const nlohmann::json& item : value) {
      if (item.is_string() && item.get<std::string>() == "*") {
        return true;
      }
    }
  }
  return false;
}

void check_policy(Batch& batch, size_t index) {
  const nlohmann::json& policy = batch.evidence[index].data;
  const nlohmann::json& document = policy.contains("document") ? policy["document"] : nullptr;
  if (!document.is_object()) {
    return;
  }
  nlohmann::json statements = document.value("Statement", nlohmann::json::array());
  if (statements.is_object()) {
    statements = nlohmann::json::array({statements});
  }
  for (const nlohmann::json& statement : statements) {
    if (statement.is_object() && str(statement, "Effect") == "Allow" &&
        contains_star(statement.value("Action", nlohmann::json())) &&
        contains_star(statement.value("Resource", nlohmann::json()))) {
      add_finding(batch, index, "aws_iam_customer_attached_policy_no_administrative_privileges",
                  Status::fail,
                  fmt::format("policy {} allows action * on resource *", str(policy, "name")));
      return;
    }
  }
  add_finding(batch, index, "aws_iam_customer_attached_policy_no_administrative_privileges",
              Status::pass,
              fmt::format("policy {} allows no '*' action on '*' resource", str(policy, "name")));
}

// --- security groups ----------------------------------------------------------------------

void check_security_group(Batch& batch, size_t index) {
  const nlohmann::json& group = batch.evidence[index].data;
  bool ssh = false;
  bool rdp = false;
  bool all = false;
  for (const nlohmann::json& rule : group.value("ingress", nlohmann::json::array())) {
    if (!from_world(rule)) {
      continue;
    }
    ssh = ssh || opens_port(rule, 22);
    rdp = rdp || opens_port(rule, 3389);
    all = all || all_traffic(rule);
  }
  const std::string name = fmt::format("{} ({})", str(group, "group_id"), str(group, "group_name"));
  add_finding(batch, index, "aws_ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22",
              ssh ? Status::fail : Status::pass,
              ssh ? fmt::format("security group {} allows port 22 from the internet", name)
                  : fmt::format("security group {} does not open port 22 to the internet", name));
  add_finding(batch, index, "aws_ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389",
              rdp ? Status::fail : Status::pass,
              rdp ? fmt::format("security group {} allows port 3389 from the internet", name)
                  : fmt::format("security group {} does not open port 3389 to the internet", name));
  add_finding(batch, index, "aws_ec2_securitygroup_allow_ingress_from_internet_to_all_ports",
              all ? Status::fail : Status::pass,
              all ? fmt::format("security group {} allows all traffic from the internet", name)
                  : fmt::format("security group {} does not open all ports to the internet", name));
}

// --- buckets ------------------------------------------------------------------------------

void check_bucket(Batch& batch, size_t index) {
  const nlohmann::json& bucket = batch.evidence[index].data;
  const std::string name = str(bucket, "name");
  const nlohmann::json& encryption = bucket["encryption"];
  if (encryption.is_object() && !encryption.value("rules", nlohmann::json::array()).empty()) {
    add_finding(batch, index, "aws_s3_bucket_default_encryption", Status::pass,
                fmt::format("bucket {} encrypts new objects by default ({})", name,
                            str(encryption["rules"][0], "algorithm")));
  } else {
    add_finding(batch, index, "aws_s3_bucket_default_encryption", Status::fail,
                fmt::format("bucket {} has no default encryption", name));
  }
  const nlohmann::json& block = bucket["public_access_block"];
  std::vector<std::string> off;
  for (const char* setting :
       {"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"}) {
    if (!block.is_object() || !block.value(setting, false)) {
      off.push_back(setting);
    }
  }
  if (!block.is_object()) {
    add_finding(batch, index, "aws_s3_bucket_level_public_access_block", Status::fail,
                fmt::format("bucket {} has no public access block", name));
  } else if (off.empty()) {
    add_finding(batch, index, "aws_s3_bucket_level_public_access_block", Status::pass,
                fmt::format("bucket {} blocks public access (all four settings on)", name));
  } else {
    std::string list;
    for (const std::string& setting : off) {
      list += (list.empty() ? "" : ", ") + setting;
    }
    add_finding(batch, index, "aws_s3_bucket_level_public_access_block", Status::fail,
                fmt::format("bucket {} public access block has {} off", name, list));
  }
  const std::string versioning = bucket.contains("versioning") && bucket["versioning"].is_object()
                                   ? str(bucket["versioning"], "status")
                                   : std::string();
  add_finding(batch, index, "aws_s3_bucket_object_versioning",
              versioning == "Enabled" ? Status::pass : Status::fail,
              versioning == "Enabled"
                ? fmt::format("bucket {} has versioning enabled", name)
                : fmt::format("bucket {} has versioning {}", name,
                              versioning.empty() ? "never enabled" : "suspended"));
}

// --- config rules ------------------------------------------------------------------------

void check_config_rule(Batch& batch, size_t index) {
  const nlohmann::json& rule = batch.evidence[index].data;
  const std::string compliance = str(rule, "compliance");
  const std::string name = str(rule, "name");
  if (compliance == "COMPLIANT") {
    add_finding(batch, index, "aws_config_rules_compliant", Status::pass,
                fmt::format("config rule {} is compliant", name));
  } else if (compliance == "NON_COMPLIANT") {
    const int64_t count = number(rule, "non_compliant_resources");
    add_finding(batch, index, "aws_config_rules_compliant", Status::fail,
                count > 0 ? fmt::format("config rule {} is not compliant ({} resource{})", name,
                                        count, count == 1 ? "" : "s")
                          : fmt::format("config rule {} is not compliant", name));
  }
}

} // namespace

std::string str(const nlohmann::json& data, const char* key) {
  const auto found = data.find(key);
  return found != data.end() && found->is_string() ? found->get<std::string>() : std::string();
}

const nlohmann::json& list_at(const nlohmann::json& data, const char* key) {
  static const nlohmann::json empty = nlohmann::json::array();
  const auto found = data.find(key);
  return found != data.end() && found->is_array() ? *found : empty;
}

bool truthy(const nlohmann::json& value) {
  if (value.is_boolean()) {
    return value.get<bool>();
  }
  if (value.is_number()) {
    return value.get<double>() != 0;
  }
  return value.is_string() && value.get<std::string>() == "true";
}

bool flag(const nlohmann::json& data, const char* key) {
  const auto found = data.find(key);
  return found != data.end() && truthy(*found);
}

bool from_world(const nlohmann::json& rule) {
  for (const nlohmann::json& cidr : list_at(rule, "ipv4")) {
    if (cidr == "0.0.0.0/0") {
      return true;
    }
  }
  for (const nlohmann::json& cidr : list_at(rule, "ipv6")) {
    if (cidr == "::/0") {
      return true;
    }
  }
  return false;
}

bool all_traffic(const nlohmann::json& rule) {
  const std::string protocol = str(rule, "protocol");
  if (protocol == "-1" || protocol == "all") {
    return true;
  }
  const nlohmann::json from = rule.value("from_port", nlohmann::json());
  const nlohmann::json to = rule.value("to_port", nlohmann::json());
  return (protocol == "tcp" || protocol == "6") && from.is_number() && to.is_number() &&
         from.get<int64_t>() <= 0 && to.get<int64_t>() >= 65535;
}

bool opens_port(const nlohmann::json& rule, int64_t port) {
  if (all_traffic(rule)) {
    return true;
  }
  const std::string protocol = str(rule, "protocol");
  if (protocol != "tcp" && protocol != "6") {
    return false;
  }
  const nlohmann::json from = rule.value("from_port", nlohmann::json());
  const nlohmann::json to = rule.value("to_port", nlohmann::json());
  return from.is_number() && to.is_number() && from.get<int64_t>() <= port &&
         to.get<int64_t>() >= port;
}

const std::vector<CheckInfo>& evaluated_checks() {
  static const std::vector<CheckInfo> checks = [] {
    std::vector<CheckInfo> all = {
      {"aws_iam_root_mfa_enabled", "policies"},
      {"aws_iam_user_mfa_enabled_console_access", "policies"},
      {"aws_iam_rotate_access_key_90_days", "policies"},
      {"aws_iam_password_policy_strong", "policies"},
      {"aws_iam_customer_attached_policy_no_administrative_privileges", "policies"},
      {"aws_ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22", "security_groups"},
      {"aws_ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389", "security_groups"},
      {"aws_ec2_securitygroup_allow_ingress_from_internet_to_all_ports", "security_groups"},
      {"aws_s3_bucket_default_encryption", "encryption_status"},
      {"aws_s3_bucket_level_public_access_block", "encryption_status"},
      {"aws_s3_bucket_object_versioning", "encryption_status"},
      {"aws_config_rules_compliant", "compliance_rules"},
    };
    for (const std::vector<CheckInfo>* more : {&logging_checks(), &network_checks()}) {
      all.insert(all.end(), more->begin(), more->end());
    }
    return all;
  }();
  return checks;
}

const std::vector<EvidenceTypeInfo>& evidence_type_catalogue() {
  static const std::vector<EvidenceTypeInfo> types = {
    {"policies",
     "IAM: account summary, password policy, users with MFA, keys and console access, "
     "customer-managed policies",
     {"iam:GetAccountSummary", "iam:GetAccountPasswordPolicy", "iam:ListUsers",
      "iam:ListMFADevices", "iam:ListAccessKeys", "iam:GetAccessKeyLastUsed", "iam:GetLoginProfile",
      "iam:ListPolicies", "iam:GetPolicyVersion", "iam:ListAttachedUserPolicies"}},
    {"security_groups",
     "EC2 security groups and their ingress rules, every enabled region",
     {"ec2:DescribeSecurityGroups"}},
    {"encryption_status",
     "S3 buckets: default encryption, public access block, versioning",
     {"s3:ListBuckets", "s3:GetBucketEncryption", "s3:GetPublicAccessBlock",
      "s3:GetBucketVersioning"}},
    {"audit_logs",
     "CloudTrail trails (every enabled region): status, event selectors, their bucket's access "
     "logging; the metric filters, alarms and alarm subscribers on their CloudWatch log groups",
     {"cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors",
      "s3:GetBucketLogging", "logs:DescribeMetricFilters", "cloudwatch:DescribeAlarms",
      "sns:ListSubscriptionsByTopic"}},
    {"compliance_rules",
     "AWS Config rules and their compliance, every enabled region",
     {"config:DescribeConfigRules", "config:DescribeComplianceByConfigRule"}},
    {"config_recorders",
     "AWS Config configuration recorders and their status, every enabled region",
     {"config:DescribeConfigurationRecorders", "config:DescribeConfigurationRecorderStatus"}},
    {"kms_keys",
     "KMS keys, what they are and whether customer-managed ones rotate, every enabled region",
     {"kms:ListKeys", "kms:DescribeKey", "kms:GetKeyRotationStatus"}},
    {"security_hub",
     "Whether Security Hub is enabled, every enabled region",
     {"securityhub:DescribeHub"}},
    {"vpc_network",
     "VPCs with their flow logs, and network ACLs with their entries, every enabled region",
     {"ec2:DescribeVpcs", "ec2:DescribeFlowLogs", "ec2:DescribeNetworkAcls"}},
    {"ebs_encryption",
     "EBS encryption by default and every volume's encryption, every enabled region",
     {"ec2:GetEbsEncryptionByDefault", "ec2:DescribeVolumes"}},
    {"instances",
     "EC2 instances and their instance metadata options, every enabled region",
     {"ec2:DescribeInstances"}},
  };
  return types;
}

void evaluate_checks(Batch& batch, time::TimePoint now) {
  for (size_t i = 0; i < batch.evidence.size(); ++i) {
    const std::string kind = str(batch.evidence[i].data, "kind");
    if (kind == "account_summary") {
      check_account_summary(batch, i);
    } else if (kind == "password_policy") {
      check_password_policy(batch, i);
    } else if (kind == "user") {
      check_user(batch, i, now);
    } else if (kind == "policy") {
      check_policy(batch, i);
    } else if (kind == "security_group") {
      check_security_group(batch, i);
    } else if (kind == "bucket") {
      check_bucket(batch, i);
    } else if (kind == "config_rule") {
      check_config_rule(batch, i);
    }
    evaluate_logging(batch, i);
    evaluate_network(batch, i);
  }
}

} // namespace velocity::providers::aws
