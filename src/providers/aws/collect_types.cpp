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
  throw UsageError("aws has no evidence type '" + type + "'");
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
            {"cloudtrail", "GetTrailStatus", false, "per trail, in its home region"}};
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
  throw UsageError("aws has no evidence type '" + type + "'");
}

} // namespace velocity::providers::aws
