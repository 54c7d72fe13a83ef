#pragma once

#include <velocity/core/error.hpp>
#include <velocity/providers/aws/sigv4.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Reading the successful answers of the calls velocity makes, each into a small normalised
// JSON value. XML is parsed once per response with pugixml; JSON with nlohmann::json.
namespace velocity::providers::aws {

// A response body that is not the document its call returns (cut off, not XML, wrong root).
class MalformedResponse : public RemoteError {
public:
  explicit MalformedResponse(const std::string& message) : RemoteError(message) {}
};

// One page of a listing: its items and the token of the next page, if any.
struct Page {
  nlohmann::json items = nlohmann::json::array();
  std::optional<std::string> next;
};

// STS GetCallerIdentity: {"account", "arn", "user_id"}.
nlohmann::json parse_caller_identity(std::string_view body);

// STS AssumeRole: the temporary credentials.
Credentials parse_assume_role(std::string_view body);

// EC2 DescribeRegions: the names of the regions that are enabled (not "not-opted-in").
std::vector<std::string> parse_regions(std::string_view body);

// IAM GetAccountSummary: the SummaryMap as {"Users": 2, "AccountMFAEnabled": 0, ...}.
nlohmann::json parse_account_summary(std::string_view body);
// IAM GetAccountPasswordPolicy: the PasswordPolicy fields, numbers and booleans typed.
nlohmann::json parse_password_policy(std::string_view body);
// IAM ListUsers: [{"name", "arn", "user_id", "create_date", "password_last_used"}]; Marker.
Page parse_users(std::string_view body);
// IAM ListMFADevices: [{"serial", "enable_date"}]; Marker.
Page parse_mfa_devices(std::string_view body);
// IAM ListAccessKeys: [{"id", "status", "create_date"}]; Marker.
Page parse_access_keys(std::string_view body);
// IAM GetAccessKeyLastUsed: {"last_used_date", "service", "region"} (null date when never).
nlohmann::json parse_access_key_last_used(std::string_view body);
// IAM GetLoginProfile: {"create_date", "password_reset_required"}.
nlohmann::json parse_login_profile(std::string_view body);
// IAM ListAttachedUserPolicies: [{"name", "arn"}]; Marker.
Page parse_attached_policies(std::string_view body);
// IAM ListPolicies: [{"name", "arn", "default_version", "attachment_count"}]; Marker.
Page parse_policies(std::string_view body);
// IAM GetPolicyVersion: the policy document (URL-decoded JSON), or null when unreadable.
nlohmann::json parse_policy_document(std::string_view body);

// EC2 DescribeSecurityGroups: [{"group_id", "group_name", "vpc_id", "arn", "owner_id",
// "ingress" and "egress": [{"protocol", "from_port", "to_port", "ipv4": [...], "ipv6": [...]}]}];
// nextToken.
Page parse_security_groups(std::string_view body);

// S3 ListBuckets: [{"name", "creation_date", "region"}] (region when the answer has
// BucketRegion); ContinuationToken.
Page parse_buckets(std::string_view body);
// S3 GetBucketEncryption: {"rules": [{"algorithm", "kms_key_id", "bucket_key"}]}.
nlohmann::json parse_bucket_encryption(std::string_view body);
// S3 GetPublicAccessBlock: the four settings as booleans.
nlohmann::json parse_public_access_block(std::string_view body);
// S3 GetBucketVersioning: {"status": "Enabled" | "Suspended" | "", "mfa_delete": ...}.
nlohmann::json parse_bucket_versioning(std::string_view body);

// Any XML answer whose root is <root_name> as a JSON tree: a leaf element is its text, an element
// whose children are <item> (EC2) or <member> (query) is an array, any other an object keyed by
// child name. An empty list is therefore "" and a missing one absent: read lists with care.
nlohmann::json parse_xml_tree(std::string_view body, std::string_view root_name);

// A JSON 1.1 answer as a JSON object. Throws MalformedResponse when it is not one.
nlohmann::json parse_json_object(std::string_view body);

// Percent-decodes `text` ('+' stays '+'), as IAM returns policy documents and SigV4 reads query
// strings. Each well-formed %XX is decoded once; a '%' not followed by two hex digits stays
// literal, so that re-encoding it gives %25 as the server computes it.
std::string url_decode(std::string_view text);

} // namespace velocity::providers::aws
