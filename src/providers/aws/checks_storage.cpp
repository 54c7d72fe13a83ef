// The storage checks (CIS AWS Foundations Benchmark v5.0.0 section 2): S3 buckets and the
// account's S3 public access block (`encryption_status`), RDS instances (`databases`).

#include "checks_support.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace velocity::providers::aws {

namespace {

constexpr std::array<const char*, 4> k_block_settings = {
  "BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"};

bool unknown(const nlohmann::json& data, const char* field) {
  const nlohmann::json& fields = data.value("unknown", nlohmann::json::array());
  return std::find(fields.begin(), fields.end(), field) != fields.end();
}

bool setting_on(const nlohmann::json& block, const char* setting) {
  return block.is_object() && block.value(setting, false);
}

// --- the account's public access block ------------------------------------------------------

void check_account_block(Batch& batch, size_t index) {
  const nlohmann::json& block = field(batch.evidence[index].data, "public_access_block");
  std::vector<std::string> off;
  for (const char* setting : k_block_settings) {
    if (!setting_on(block, setting)) {
      off.push_back(setting);
    }
  }
  add_finding(batch, index, "aws_s3_account_level_public_access_blocks",
              off.empty() ? Status::pass : Status::fail,
              !block.is_object() ? std::string("the account has no S3 public access block")
              : off.empty()
                ? std::string("the account's S3 public access block has all four "
                              "settings on")
                : fmt::format("the account's S3 public access block has {} off", comma_list(off)));
}

// --- buckets --------------------------------------------------------------------------------

// Each setting is in force when the bucket's own block or the account's turns it on.
void check_bucket_public_access(Batch& batch, size_t index) {
  const nlohmann::json& bucket = batch.evidence[index].data;
  const nlohmann::json& own = field(bucket, "public_access_block");
  const nlohmann::json& account = field(bucket, "account_public_access_block");
  if (unknown(bucket, "public_access_block") || account == "unknown") {
    return;
  }
  const std::string name = str(bucket, "name");
  std::vector<std::string> off;
  std::vector<std::string> by_account;
  for (const char* setting : k_block_settings) {
    if (setting_on(own, setting)) {
      continue;
    }
    if (setting_on(account, setting)) {
      by_account.push_back(setting);
    } else {
      off.push_back(setting);
    }
  }
  if (!off.empty()) {
    add_finding(
      batch, index, "aws_s3_bucket_level_public_access_block", Status::fail,
      !own.is_object() && !account.is_object()
        ? fmt::format("bucket {} has no public access block, nor has the account", name)
        : fmt::format("bucket {}: {} off on the bucket and on the account", name, comma_list(off)));
  } else if (by_account.empty()) {
    add_finding(batch, index, "aws_s3_bucket_level_public_access_block", Status::pass,
                fmt::format("bucket {} blocks public access (all four settings on)", name));
  } else if (by_account.size() == k_block_settings.size()) {
    add_finding(batch, index, "aws_s3_bucket_level_public_access_block", Status::pass,
                fmt::format("bucket {} is covered by the account's public access block (all four "
                            "settings on)",
                            name));
  } else {
    add_finding(batch, index, "aws_s3_bucket_level_public_access_block", Status::pass,
                fmt::format("bucket {} blocks public access: {} on the account, the rest on the "
                            "bucket",
                            name, comma_list(by_account)));
  }
}

bool denies_plain_http(const nlohmann::json& statement) {
  if (!statement.is_object() || str(statement, "Effect") != "Deny") {
    return false;
  }
  const nlohmann::json& principal = statement.value("Principal", nlohmann::json());
  const bool everyone =
    principal == "*" || (principal.is_object() && principal.value("AWS", nlohmann::json()) == "*");
  nlohmann::json actions = statement.value("Action", nlohmann::json());
  if (!actions.is_array()) {
    actions = nlohmann::json::array({actions});
  }
  const bool all_actions = std::any_of(actions.begin(), actions.end(), [](const auto& action) {
    return action == "s3:*" || action == "*";
  });
  const nlohmann::json& condition = statement.value("Condition", nlohmann::json::object());
  const nlohmann::json& test = condition.is_object()
                                 ? condition.value("Bool", nlohmann::json::object())
                                 : nlohmann::json::object();
  const nlohmann::json& secure =
    test.is_object() ? test.value("aws:SecureTransport", nlohmann::json()) : nlohmann::json();
  return everyone && all_actions && (secure == "false" || secure == false);
}

void check_bucket_secure_transport(Batch& batch, size_t index) {
  const nlohmann::json& bucket = batch.evidence[index].data;
  if (unknown(bucket, "policy")) {
    return;
  }
  const std::string name = str(bucket, "name");
  const nlohmann::json& policy = field(bucket, "policy");
  if (!policy.is_object()) {
    add_finding(
      batch, index, "aws_s3_bucket_secure_transport_policy", Status::fail,
      fmt::format("bucket {} has no bucket policy, so plain HTTP requests are allowed", name));
    return;
  }
  nlohmann::json statements = policy.value("Statement", nlohmann::json::array());
  if (statements.is_object()) {
    statements = nlohmann::json::array({statements});
  }
  const bool denies = std::any_of(statements.begin(), statements.end(), denies_plain_http);
  add_finding(
    batch, index, "aws_s3_bucket_secure_transport_policy", denies ? Status::pass : Status::fail,
    denies ? fmt::format("bucket {} denies requests without TLS (aws:SecureTransport)", name)
           : fmt::format("bucket {}'s policy does not deny s3:* to everyone when "
                         "aws:SecureTransport is false",
                         name));
}

void check_bucket_encryption(Batch& batch, size_t index) {
  const nlohmann::json& bucket = batch.evidence[index].data;
  if (unknown(bucket, "encryption")) {
    return;
  }
  const std::string name = str(bucket, "name");
  const nlohmann::json& encryption = field(bucket, "encryption");
  if (encryption.is_object() && !encryption.value("rules", nlohmann::json::array()).empty()) {
    add_finding(batch, index, "aws_s3_bucket_default_encryption", Status::pass,
                fmt::format("bucket {} encrypts new objects by default ({})", name,
                            str(field(encryption, "rules")[0], "algorithm")));
  } else {
    add_finding(batch, index, "aws_s3_bucket_default_encryption", Status::fail,
                fmt::format("bucket {} has no default encryption", name));
  }
}

void check_bucket(Batch& batch, size_t index) {
  const nlohmann::json& bucket = batch.evidence[index].data;
  const std::string name = str(bucket, "name");
  check_bucket_encryption(batch, index);
  check_bucket_public_access(batch, index);
  check_bucket_secure_transport(batch, index);
  if (unknown(bucket, "versioning")) {
    return;
  }
  const nlohmann::json& versioning = field(bucket, "versioning");
  const std::string status = versioning.is_object() ? str(versioning, "status") : std::string();
  add_finding(batch, index, "aws_s3_bucket_object_versioning",
              status == "Enabled" ? Status::pass : Status::fail,
              status == "Enabled" ? fmt::format("bucket {} has versioning enabled", name)
                                  : fmt::format("bucket {} has versioning {}", name,
                                                status.empty() ? "never enabled" : "suspended"));
  const bool mfa_delete = versioning.is_object() && str(versioning, "mfa_delete") == "Enabled";
  add_finding(batch, index, "aws_s3_bucket_no_mfa_delete", mfa_delete ? Status::pass : Status::fail,
              mfa_delete ? fmt::format("bucket {} requires MFA to delete versions", name)
                         : fmt::format("bucket {} does not require MFA to delete versions", name));
}

// --- RDS ------------------------------------------------------------------------------------

// One finding of a check that passes when `passes`, with the reason for either outcome.
void verdict(Batch& batch, size_t index, const char* check, bool passes, std::string pass_reason,
             std::string fail_reason) {
  add_finding(batch, index, check, passes ? Status::pass : Status::fail,
              passes ? std::move(pass_reason) : std::move(fail_reason));
}

void check_db_instance(Batch& batch, size_t index) {
  const nlohmann::json& db = batch.evidence[index].data;
  const std::string name = str(db, "id");
  verdict(batch, index, "aws_rds_instance_storage_encrypted",
          field(db, "storage_encrypted") == true,
          fmt::format("DB instance {} encrypts its storage", name),
          fmt::format("DB instance {} does not encrypt its storage", name));
  verdict(batch, index, "aws_rds_instance_minor_version_upgrade_enabled",
          field(db, "auto_minor_version_upgrade") == true,
          fmt::format("DB instance {} takes minor version upgrades", name),
          fmt::format("DB instance {} has automatic minor version upgrades off", name));
  verdict(batch, index, "aws_rds_instance_no_public_access",
          field(db, "publicly_accessible") != true,
          fmt::format("DB instance {} is not publicly accessible", name),
          fmt::format("DB instance {} is publicly accessible", name));
  verdict(batch, index, "aws_rds_instance_multi_az", field(db, "multi_az") == true,
          fmt::format("DB instance {} has a standby in another zone", name),
          fmt::format("DB instance {} runs in one availability zone", name));
}

// --- EFS -------------------------------------------------------------------------------------

void check_file_system(Batch& batch, size_t index) {
  const nlohmann::json& file_system = batch.evidence[index].data;
  const std::string name = str(file_system, "name");
  const std::string id =
    name.empty() ? str(file_system, "id") : fmt::format("{} ({})", str(file_system, "id"), name);
  verdict(batch, index, "aws_efs_encryption_at_rest_enabled",
          field(file_system, "encrypted") == true,
          fmt::format("file system {} is encrypted at rest", id),
          fmt::format("file system {} is not encrypted at rest", id));
}

} // namespace

bool evaluate_storage(Batch& batch, size_t index, const std::string& kind) {
  if (kind == "bucket") {
    check_bucket(batch, index);
  } else if (kind == "account_public_access_block") {
    check_account_block(batch, index);
  } else if (kind == "db_instance") {
    check_db_instance(batch, index);
  } else if (kind == "file_system") {
    check_file_system(batch, index);
  } else {
    return false;
  }
  return true;
}

} // namespace velocity::providers::aws
