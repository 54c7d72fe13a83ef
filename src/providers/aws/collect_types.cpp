// The table of evidence types: which collector gathers each, and what it calls (--dry-run).

#include "collect.hpp"

#include <velocity/core/error.hpp>

namespace velocity::providers::aws {

std::unique_ptr<Collector> make_iam_collector();
std::unique_ptr<Collector> make_security_group_collector();
std::unique_ptr<Collector> make_bucket_collector();
std::unique_ptr<Collector> make_trail_collector();
std::unique_ptr<Collector> make_config_rule_collector();
std::unique_ptr<Collector> make_db_instance_collector();
std::unique_ptr<Collector> make_file_system_collector();
std::unique_ptr<Collector> make_access_analyzer_collector();
std::unique_ptr<Collector> make_config_recorder_collector();
std::unique_ptr<Collector> make_kms_key_collector();
std::unique_ptr<Collector> make_security_hub_collector();
std::unique_ptr<Collector> make_vpc_network_collector();
std::unique_ptr<Collector> make_ebs_encryption_collector();
std::unique_ptr<Collector> make_instance_collector();
std::unique_ptr<Collector> make_security_contact_collector();

std::unique_ptr<Collector> make_collector(const std::string& type) {
  if (type == "policies") {
    return make_iam_collector();
  }
  if (type == "security_groups") {
    return make_security_group_collector();
  }
  if (type == "encryption_status") {
    return make_bucket_collector();
  }
  if (type == "audit_logs") {
    return make_trail_collector();
  }
  if (type == "compliance_rules") {
    return make_config_rule_collector();
  }
  if (type == "databases") {
    return make_db_instance_collector();
  }
  if (type == "file_systems") {
    return make_file_system_collector();
  }
  if (type == "access_analyzers") {
    return make_access_analyzer_collector();
  }
  if (type == "config_recorders") {
    return make_config_recorder_collector();
  }
  if (type == "kms_keys") {
    return make_kms_key_collector();
  }
  if (type == "security_hub") {
    return make_security_hub_collector();
  }
  if (type == "vpc_network") {
    return make_vpc_network_collector();
  }
  if (type == "ebs_encryption") {
    return make_ebs_encryption_collector();
  }
  if (type == "instances") {
    return make_instance_collector();
  }
  if (type == "account_contacts") {
    return make_security_contact_collector();
  }
  throw UsageError("aws has no evidence type '" + type + "'");
}

bool judged_item_by_item(const std::string& type) {
  return type != "audit_logs";
}

std::vector<CallSketch> sketch_calls(const std::string& type) {
  if (type == "policies") {
    return {{"iam", "GetAccountSummary", false, ""},
            {"iam", "GetAccountPasswordPolicy", false, ""},
            {"iam", "ListVirtualMFADevices", false, "assigned, each page"},
            {"iam", "GenerateCredentialReport", false, "again with backoff while it is written"},
            {"iam", "GetCredentialReport", false, "every user and the root user, one call"},
            {"iam", "GetAccountAuthorizationDetails", false,
             "users, groups, roles and customer-managed policies, each page"},
            {"iam", "ListPolicies", false, "Scope=AWS OnlyAttached, each page"},
            {"iam", "GetPolicyVersion", false, "per attached AWS-managed policy, default version"},
            {"iam", "ListServerCertificates", false, "each page"}};
  }
  if (type == "security_groups") {
    return {{"ec2", "DescribeSecurityGroups", true, "each page"}};
  }
  if (type == "encryption_status") {
    return {{"s3", "ListBuckets", false, "each page"},
            {"s3", "GetBucketEncryption", false, "per bucket, in its region"},
            {"s3", "GetPublicAccessBlock", false, "per bucket, in its region"},
            {"s3", "GetBucketVersioning", false, "per bucket, in its region"},
            {"s3", "GetBucketPolicy", false, "per bucket, in its region"},
            {"s3", "GetAccountPublicAccessBlock", false, "S3 Control, once per account"}};
  }
  if (type == "audit_logs") {
    return {{"cloudtrail", "DescribeTrails", true, "includeShadowTrails"},
            {"cloudtrail", "GetTrailStatus", false, "per trail, in its home region"},
            {"cloudtrail", "GetEventSelectors", false, "per trail, in its home region"},
            {"s3", "GetBucketLogging", false, "per trail bucket, in its region"},
            {"logs", "DescribeMetricFilters", false, "per trail log group, each page"},
            {"monitoring", "DescribeAlarms", false, "CloudWatch, per log group region, each page"},
            {"sns", "ListSubscriptionsByTopic", false, "per alarm topic, each page"}};
  }
  if (type == "databases") {
    return {{"rds", "DescribeDBInstances", true, "each page"}};
  }
  if (type == "file_systems") {
    return {{"elasticfilesystem", "DescribeFileSystems", true, "each page"}};
  }
  if (type == "access_analyzers") {
    return {{"access-analyzer", "ListAnalyzers", true, "each page"}};
  }
  if (type == "compliance_rules") {
    return {{"config", "DescribeConfigRules", true, "each page"},
            {"config", "DescribeComplianceByConfigRule", true, "each page"}};
  }
  if (type == "config_recorders") {
    return {{"config", "DescribeConfigurationRecorders", true, ""},
            {"config", "DescribeConfigurationRecorderStatus", true, ""}};
  }
  if (type == "kms_keys") {
    return {{"kms", "ListKeys", true, "each page"},
            {"kms", "DescribeKey", true, "per key"},
            {"kms", "GetKeyRotationStatus", true, "per enabled customer-managed symmetric key"}};
  }
  if (type == "security_hub") {
    return {{"securityhub", "DescribeHub", true, ""}};
  }
  if (type == "vpc_network") {
    return {{"ec2", "DescribeVpcs", true, "each page"},
            {"ec2", "DescribeFlowLogs", true, "each page"},
            {"ec2", "DescribeNetworkAcls", true, "each page"}};
  }
  if (type == "ebs_encryption") {
    return {{"ec2", "GetEbsEncryptionByDefault", true, ""},
            {"ec2", "DescribeVolumes", true, "each page"}};
  }
  if (type == "instances") {
    return {{"ec2", "DescribeInstances", true, "each page"}};
  }
  if (type == "account_contacts") {
    return {{"account", "GetAlternateContact", false, "AlternateContactType SECURITY"}};
  }
  throw UsageError("aws has no evidence type '" + type + "'");
}

} // namespace velocity::providers::aws
