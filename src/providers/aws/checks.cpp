#include "checks_support.hpp"

#include <velocity/providers/aws/checks.hpp>
#include <velocity/providers/findings.hpp>

#include <fmt/format.h>

#include <chrono>

namespace velocity::providers::aws {

const nlohmann::json& field(const nlohmann::json& data, const char* key) {
  static const nlohmann::json null_value;
  if (!data.is_object()) {
    return null_value;
  }
  const auto found = data.find(key);
  return found == data.end() ? null_value : *found;
}

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

std::optional<time::TimePoint> parse_date(const std::string& text) {
  if (text.size() < 10 || text[4] != '-') {
    return std::nullopt;
  }
  if (auto full = time::parse_iso8601(text.substr(0, 19) + "Z")) {
    return full;
  }
  return time::parse_iso8601(text.substr(0, 10));
}

int64_t days_between(time::TimePoint then, time::TimePoint now) {
  return std::chrono::duration_cast<std::chrono::hours>(now - then).count() / 24;
}

namespace {

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

// --- account ------------------------------------------------------------------------------

void check_security_contact(Batch& batch, size_t index) {
  const nlohmann::json& contact = batch.evidence[index].data;
  std::vector<std::string> missing;
  for (const auto& [key, name] : {std::pair{"Name", "name"}, std::pair{"EmailAddress", "email"},
                                  std::pair{"PhoneNumber", "phone number"}}) {
    if (!flag(contact, key)) {
      missing.emplace_back(name);
    }
  }
  const std::string& account = batch.evidence[index].resource_id;
  if (!flag(contact, "registered")) {
    add_finding(batch, index, "aws_account_security_contact_information_is_registered",
                Status::fail, fmt::format("account {} has no security contact", account));
  } else if (!missing.empty()) {
    add_finding(
      batch, index, "aws_account_security_contact_information_is_registered", Status::fail,
      fmt::format("account {}'s security contact has no {}", account, fmt::join(missing, ", ")));
  } else {
    add_finding(
      batch, index, "aws_account_security_contact_information_is_registered", Status::pass,
      fmt::format("account {} has a security contact with name, email and phone", account));
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
      {"aws_iam_no_root_access_key", "policies"},
      {"aws_iam_root_mfa_enabled", "policies"},
      {"aws_iam_root_hardware_mfa_enabled", "policies"},
      {"aws_iam_avoid_root_usage", "policies"},
      {"aws_iam_password_policy_minimum_length_14", "policies"},
      {"aws_iam_password_policy_reuse_24", "policies"},
      {"aws_iam_user_mfa_enabled_console_access", "policies"},
      {"aws_iam_user_no_setup_initial_access_key", "policies"},
      {"aws_iam_user_accesskey_unused", "policies"},
      {"aws_iam_user_console_access_unused", "policies"},
      {"aws_iam_user_two_active_access_key", "policies"},
      {"aws_iam_rotate_access_key_90_days", "policies"},
      {"aws_iam_policy_attached_only_to_group_or_roles", "policies"},
      {"aws_iam_aws_attached_policy_no_administrative_privileges", "policies"},
      {"aws_iam_customer_attached_policy_no_administrative_privileges", "policies"},
      {"aws_iam_support_role_created", "policies"},
      {"aws_iam_no_expired_server_certificates_stored", "policies"},
      {"aws_iam_policy_cloudshell_admin_not_attached", "policies"},
      {"aws_ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22", "security_groups"},
      {"aws_ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389", "security_groups"},
      {"aws_ec2_securitygroup_allow_ingress_from_internet_to_all_ports", "security_groups"},
      {"aws_s3_bucket_default_encryption", "encryption_status"},
      {"aws_s3_bucket_level_public_access_block", "encryption_status"},
      {"aws_s3_bucket_object_versioning", "encryption_status"},
      {"aws_s3_bucket_secure_transport_policy", "encryption_status"},
      {"aws_s3_bucket_no_mfa_delete", "encryption_status"},
      {"aws_s3_account_level_public_access_blocks", "encryption_status"},
      {"aws_rds_instance_storage_encrypted", "databases"},
      {"aws_rds_instance_minor_version_upgrade_enabled", "databases"},
      {"aws_rds_instance_no_public_access", "databases"},
      {"aws_rds_instance_multi_az", "databases"},
      {"aws_efs_encryption_at_rest_enabled", "file_systems"},
      {"aws_accessanalyzer_enabled", "access_analyzers"},
      {"aws_config_rules_compliant", "compliance_rules"},
      {"aws_account_security_contact_information_is_registered", "account_contacts"},
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
     "IAM: the root user, password policy, the credential report (users' passwords, MFA and "
     "access keys), users, groups, roles and policies, server certificates",
     {"iam:GetAccountSummary", "iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices",
      "iam:GenerateCredentialReport", "iam:GetCredentialReport",
      "iam:GetAccountAuthorizationDetails", "iam:ListPolicies", "iam:GetPolicyVersion",
      "iam:ListServerCertificates"}},
    {"security_groups",
     "EC2 security groups and their ingress rules, every enabled region",
     {"ec2:DescribeSecurityGroups"}},
    {"encryption_status",
     "S3 buckets: default encryption, public access block (the bucket's and the account's), "
     "versioning and MFA delete, bucket policy",
     {"s3:ListBuckets", "s3:GetBucketEncryption", "s3:GetPublicAccessBlock",
      "s3:GetBucketVersioning", "s3:GetBucketPolicy", "s3:GetAccountPublicAccessBlock"}},
    {"databases",
     "RDS DB instances: storage encryption, minor version upgrades, public access, Multi-AZ, "
     "every enabled region",
     {"rds:DescribeDBInstances"}},
    {"file_systems",
     "EFS file systems and their encryption at rest, every enabled region",
     {"elasticfilesystem:DescribeFileSystems"}},
    {"access_analyzers",
     "IAM Access Analyzer analyzers and their status, every enabled region",
     {"access-analyzer:ListAnalyzers"}},
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
     "EC2 instances, their instance metadata options and instance profile, every enabled region",
     {"ec2:DescribeInstances"}},
    {"account_contacts",
     "Whether the account's security contact is registered with name, email and phone",
     {"account:GetAlternateContact"}},
  };
  return types;
}

void evaluate_checks(Batch& batch, time::TimePoint now) {
  for (size_t i = 0; i < batch.evidence.size(); ++i) {
    const std::string kind = str(batch.evidence[i].data, "kind");
    if (kind == "security_group") {
      check_security_group(batch, i);
    } else if (kind == "config_rule") {
      check_config_rule(batch, i);
    } else if (kind == "security_contact") {
      check_security_contact(batch, i);
    } else if (!evaluate_iam(batch, i, kind, now)) {
      evaluate_storage(batch, i, kind);
    }
    evaluate_logging(batch, i);
    evaluate_network(batch, i);
  }
}

} // namespace velocity::providers::aws
