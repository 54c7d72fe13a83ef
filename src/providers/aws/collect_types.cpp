// The table of evidence types: which collector gathers each, and what it calls (--dry-run).

#include "collect.hpp"

#include <velocity/core/error.hpp>

namespace velocity::providers::aws {

std::unique_ptr<Collector> make_iam_collector();
std::unique_ptr<Collector> make_security_group_collector();
std::unique_ptr<Collector> make_bucket_collector();
std::unique_ptr<Collector> make_trail_collector();
std::unique_ptr<Collector> make_config_rule_collector();

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
  throw UsageError("aws has no evidence type '" + type + "'");
}

std::vector<CallSketch> sketch_calls(const std::string& type) {
  if (type == "policies") {
    return {{"iam", "GetAccountSummary", false, ""},
            {"iam", "GetAccountPasswordPolicy", false, ""},
            {"iam", "ListUsers", false, "each page"},
            {"iam", "GetLoginProfile", false, "per user"},
            {"iam", "ListMFADevices", false, "per user, each page"},
            {"iam", "ListAccessKeys", false, "per user, each page"},
            {"iam", "GetAccessKeyLastUsed", false, "per access key"},
            {"iam", "ListAttachedUserPolicies", false, "per user, each page"},
            {"iam", "ListPolicies", false, "Scope=Local, each page"},
            {"iam", "GetPolicyVersion", false, "per customer-managed policy, default version"}};
  }
  if (type == "security_groups") {
    return {{"ec2", "DescribeSecurityGroups", true, "each page"}};
  }
  if (type == "encryption_status") {
    return {{"s3", "ListBuckets", false, "each page"},
            {"s3", "GetBucketEncryption", false, "per bucket, in its region"},
            {"s3", "GetPublicAccessBlock", false, "per bucket, in its region"},
            {"s3", "GetBucketVersioning", false, "per bucket, in its region"}};
  }
  if (type == "audit_logs") {
    return {{"cloudtrail", "DescribeTrails", true, "includeShadowTrails"},
            {"cloudtrail", "GetTrailStatus", false, "per trail, in its home region"}};
  }
  if (type == "compliance_rules") {
    return {{"config", "DescribeConfigRules", true, "each page"},
            {"config", "DescribeComplianceByConfigRule", true, "each page"}};
  }
  throw UsageError("aws has no evidence type '" + type + "'");
}

} // namespace velocity::providers::aws
