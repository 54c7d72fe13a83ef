// The storage checks (CIS AWS 5.0 section 2) as pure functions of the evidence: S3 buckets and
// the account's public access block, RDS instances.

#include "test_providers_aws_support.hpp"

#include <velocity/providers/aws/checks.hpp>

#include <doctest/doctest.h>

using namespace velocity;
using namespace velocity::providers;
using namespace velocity::providers::aws;
using namespace velocity::providers::aws::testing;

namespace {

nlohmann::json block(bool acls, bool ignore, bool policy, bool restrict_buckets) {
  return {{"BlockPublicAcls", acls},
          {"IgnorePublicAcls", ignore},
          {"BlockPublicPolicy", policy},
          {"RestrictPublicBuckets", restrict_buckets}};
}

nlohmann::json bucket(const std::string& name, nlohmann::json own, nlohmann::json account,
                      nlohmann::json changes = nlohmann::json::object()) {
  nlohmann::json data = {{"kind", "bucket"},
                         {"name", name},
                         {"encryption", nullptr},
                         {"public_access_block", std::move(own)},
                         {"account_public_access_block", std::move(account)},
                         {"versioning", nullptr},
                         {"policy", nullptr},
                         {"unknown", nlohmann::json::array()}};
  data.update(changes);
  return data;
}

nlohmann::json deny_http(nlohmann::json principal, nlohmann::json secure) {
  return {{"Statement",
           {{{"Effect", "Deny"},
             {"Principal", std::move(principal)},
             {"Action", "s3:*"},
             {"Resource", {"arn:aws:s3:::b", "arn:aws:s3:::b/*"}},
             {"Condition", {{"Bool", {{"aws:SecureTransport", std::move(secure)}}}}}}}}};
}

} // namespace

TEST_CASE("evaluate_checks: public access, the bucket's block or the account's") {
  const nlohmann::json all = block(true, true, true, true);
  auto batch =
    batch_of("encryption_status",
             {bucket("own", all, nullptr),
              bucket("covered", nullptr, all),
              bucket("mixed", block(true, true, false, false), block(false, false, true, true)),
              bucket("open", block(true, true, false, false), block(true, false, false, false)),
              bucket("bare", nullptr, nullptr),
              bucket("unknown-account", nullptr, "unknown"),
              bucket("unknown-own", nullptr, all, {{"unknown", {"public_access_block"}}}),
              {{"kind", "account_public_access_block"}, {"public_access_block", all}},
              {{"kind", "account_public_access_block"},
               {"public_access_block", block(true, true, true, false)}},
              {{"kind", "account_public_access_block"}, {"public_access_block", nullptr}}});
  const char* check = "aws_s3_bucket_level_public_access_block";
  CHECK(status(batch, check, 0) == "PASS");
  CHECK(status(batch, check, 1) == "PASS");
  CHECK(reason(batch, check, 1).find("covered by the account's public access block") !=
        std::string::npos);
  CHECK(status(batch, check, 2) == "PASS");
  CHECK(reason(batch, check, 2).find("BlockPublicPolicy, RestrictPublicBuckets on the account") !=
        std::string::npos);
  CHECK(status(batch, check, 3) == "FAIL");
  CHECK(reason(batch, check, 3).find("BlockPublicPolicy, RestrictPublicBuckets off") !=
        std::string::npos);
  CHECK(status(batch, check, 4) == "FAIL");
  // AccessDenied on either block: not evaluated, never PASS.
  CHECK(status(batch, check, 5) == "none");
  CHECK(status(batch, check, 6) == "none");
  const char* account = "aws_s3_account_level_public_access_blocks";
  CHECK(status(batch, account, 7) == "PASS");
  CHECK(status(batch, account, 8) == "FAIL");
  CHECK(reason(batch, account, 8).find("RestrictPublicBuckets off") != std::string::npos);
  CHECK(status(batch, account, 9) == "FAIL");
}

TEST_CASE("evaluate_checks: bucket encryption, versioning, MFA delete, TLS-only policy") {
  auto batch = batch_of(
    "encryption_status",
    {bucket("good", nullptr, nullptr,
            {{"encryption", {{"rules", {{{"algorithm", "AES256"}}}}}},
             {"versioning", {{"status", "Enabled"}, {"mfa_delete", "Enabled"}}},
             {"policy", deny_http("*", "false")}}),
     bucket("bad", nullptr, nullptr,
            {{"versioning", {{"status", "Suspended"}, {"mfa_delete", "Disabled"}}},
             {"policy", deny_http({{"AWS", "arn:aws:iam::1:root"}}, "false")}}),
     bucket("aws-principal", nullptr, nullptr, {{"policy", deny_http({{"AWS", "*"}}, false)}}),
     bucket("denied", nullptr, nullptr, {{"unknown", {"encryption", "versioning", "policy"}}})});
  for (const char* check :
       {"aws_s3_bucket_default_encryption", "aws_s3_bucket_object_versioning",
        "aws_s3_bucket_no_mfa_delete", "aws_s3_bucket_secure_transport_policy"}) {
    CAPTURE(check);
    CHECK(status(batch, check, 0) == "PASS");
    CHECK(status(batch, check, 1) == "FAIL");
    CHECK(status(batch, check, 3) == "none");
  }
  CHECK(status(batch, "aws_s3_bucket_secure_transport_policy", 2) == "PASS");
  CHECK(reason(batch, "aws_s3_bucket_secure_transport_policy", 3).empty());
}

TEST_CASE("evaluate_checks: RDS instances") {
  auto batch = batch_of("databases", {{{"kind", "db_instance"},
                                       {"id", "orders"},
                                       {"storage_encrypted", true},
                                       {"auto_minor_version_upgrade", true},
                                       {"publicly_accessible", false},
                                       {"multi_az", true}},
                                      {{"kind", "db_instance"},
                                       {"id", "legacy"},
                                       {"storage_encrypted", false},
                                       {"auto_minor_version_upgrade", false},
                                       {"publicly_accessible", true},
                                       {"multi_az", false}}});
  for (const char* check :
       {"aws_rds_instance_storage_encrypted", "aws_rds_instance_minor_version_upgrade_enabled",
        "aws_rds_instance_no_public_access", "aws_rds_instance_multi_az"}) {
    CAPTURE(check);
    CHECK(status(batch, check, 0) == "PASS");
    CHECK(status(batch, check, 1) == "FAIL");
  }
  CHECK(reason(batch, "aws_rds_instance_no_public_access", 1) ==
        "DB instance legacy is publicly accessible");
}
