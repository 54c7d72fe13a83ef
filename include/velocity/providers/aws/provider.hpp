#pragma once

#include <velocity/providers/provider.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

// Amazon Web Services as a velocity platform.
namespace velocity::providers::aws {

// The plain (not secret) settings of an AWS integration, stored as JSON.
struct Settings {
  // Regions to collect the regional types from; empty: every enabled region of the partition.
  std::vector<std::string> regions;
  // Where STS and S3 ListBuckets are called, and the partition: the first --region, else
  // AWS_REGION / AWS_DEFAULT_REGION / the profile's region, else us-east-1.
  std::string home_region = "us-east-1";
  std::optional<std::string> endpoint_url;
  // --role-arn: collect as this role (STS AssumeRole) instead of as the stored keys.
  std::optional<std::string> role_arn;
  std::optional<std::string> external_id;
  // --organization-role: collect every account of the organisation by assuming this role.
  std::optional<std::string> organization_role;
  // Where the stored keys came from, in words, and the last four characters of the key id.
  std::string credential_source;
  std::string access_key_hint;

  // Throws UsageError for a malformed region, endpoint URL or role ARN.
  void validate() const;
  nlohmann::json to_json() const;
  static Settings from_json(const nlohmann::json& json);
};

// The AWS platform: its evidence types, the checks it evaluates, and providers.
const Platform& platform();

// The message of a rejected-credentials error, e.g. "AWS rejected the credentials of
// integration prod (InvalidClientTokenId)".
std::string rejected_message(const std::string& integration, const std::string& code);

} // namespace velocity::providers::aws
