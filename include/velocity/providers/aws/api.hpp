#pragma once

#include <velocity/net/http.hpp>
#include <velocity/providers/aws/sigv4.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The AWS wire protocols velocity speaks: query (IAM, STS, RDS, CloudWatch, SNS) and its EC2
// dialect, rest-xml (S3, S3 Control), JSON 1.1 (CloudTrail, Config, Organizations, KMS, CloudWatch
// Logs) and rest-json (GETs to EFS, IAM Access Analyzer, Security Hub; POSTs to Account); where
// each call goes, how it is signed, and how an error answer of any of them is read.
namespace velocity::providers::aws {

enum class Protocol { query, ec2, rest_xml, json, rest_json };

// One API call, before it is signed.
struct ApiCall {
  std::string service{};   // signing name and endpoint prefix: iam, sts, ec2, s3, cloudtrail, ...
  std::string operation{}; // "ListUsers"
  std::string region{};    // where it is signed and sent ("us-east-1" for the global services)
  Protocol protocol = Protocol::query;
  // query / ec2: the parameters after Action and Version, in order.
  std::vector<std::pair<std::string, std::string>> params{};
  std::string api_version{};
  // json: X-Amz-Target and the body.
  std::string target{};
  std::string body = "{}";
  // rest_xml: the bucket (S3 only; empty for ListBuckets), method, path (within the bucket for S3;
  // already URI-encoded) and query (without '?'). rest_json: method, path, query and a JSON body
  // ("" for none).
  std::string bucket{};
  std::string method = "GET";
  std::string path = "/";
  std::string query{};
  // rest_xml, rest_json: headers sent and signed besides the protocol's own.
  std::vector<std::pair<std::string, std::string>> headers{};
  // The endpoint's name when it differs from the signing name ("s3-control" signed as "s3").
  std::string endpoint_prefix{};
  // Put before the host name on AWS, not on an --endpoint-url ("123456789012." for S3 Control).
  std::string host_prefix{};
};

// An IAM query call (`Action=…&Version=2010-05-08`), signed for us-east-1.
ApiCall iam_call(std::string operation, std::vector<std::pair<std::string, std::string>> params);
// An STS query call in `region`.
ApiCall sts_call(std::string operation, std::string region,
                 std::vector<std::pair<std::string, std::string>> params);
// An EC2 query call in `region`.
ApiCall ec2_call(std::string operation, std::string region,
                 std::vector<std::pair<std::string, std::string>> params);
// An S3 rest-xml GET of `bucket` (empty: the service) with sub-resource `query` in `region`.
ApiCall s3_call(std::string operation, std::string region, std::string bucket, std::string query);
// An S3 Control rest-xml GET of `path` ("/v20180820/...") for `account_id`, in `region`: on AWS
// to ACCOUNT.s3-control.REGION.amazonaws.com, on an --endpoint-url to that URL; the account id
// also travels in the x-amz-account-id header, as the API requires.
ApiCall s3control_call(std::string operation, std::string region, const std::string& account_id,
                       std::string path);
// A query call of any other service (`monitoring`, `sns`) with its API version, in `region`.
ApiCall query_call(std::string service, std::string operation, std::string region,
                   std::string api_version,
                   std::vector<std::pair<std::string, std::string>> params);
// A rest-json GET of `path` (already URI-encoded) with `query` (without '?') to `service`.REGION:
// EFS ("elasticfilesystem"), IAM Access Analyzer ("access-analyzer"), Security Hub.
ApiCall rest_json_call(std::string service, std::string operation, std::string region,
                       std::string path, std::string query);
// A rest-json POST of the JSON `body` to `path` of `service`.REGION (the Account API).
ApiCall rest_json_post(std::string service, std::string operation, std::string region,
                       std::string path, const nlohmann::json& body);
// A JSON 1.1 call: `target_prefix` + "." + operation in X-Amz-Target.
ApiCall json_call(std::string service, std::string operation, std::string region,
                  std::string_view target_prefix, const nlohmann::json& body);

// The partition a region belongs to: "aws", "aws-cn" or "aws-us-gov".
std::string partition_of(std::string_view region);

// Where calls go: the real AWS endpoints, or one endpoint (an emulator, a VPC endpoint)
// for every service.
struct Endpoints {
  std::optional<std::string> override_url; // --endpoint-url, without a trailing '/'

  // The base URL (scheme://host[:port], no path) for `service` in `region`.
  std::string base_url(std::string_view service, std::string_view region) const;
  // The full URL of `call`, query included.
  std::string url_of(const ApiCall& call) const;
};

// `call` as an HTTP request to `endpoints`, signed with `credentials` at `when`.
net::Request sign_call(const ApiCall& call, const Endpoints& endpoints,
                       const Credentials& credentials, time::TimePoint when);

// `key=value&...` with each part percent-encoded as the query protocol wants.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& params);

// An AWS error answer, read from whichever format it came in.
struct AwsError {
  int http_status = 0; // 0 for a transport failure
  std::string code;    // "AccessDenied", "InvalidClientTokenId", "HTTP 500", "Transport"
  std::string message;
  std::string request_id;
};

// Reads the error of a non-2xx response: query (<ErrorResponse>), EC2 (<Response><Errors>),
// S3 (<Error>), JSON 1.1 ({"__type": "ns#Code", "message"}) or the X-Amzn-ErrorType header;
// an unreadable body gives code "HTTP <status>" and its first line as message.
AwsError parse_error(const net::Response& response);

// True for codes meaning the credentials themselves were refused (unknown key, bad
// signature, expired token).
bool is_credential_rejection(std::string_view code);
// True for codes meaning "not allowed to call this".
bool is_access_denied(std::string_view code);
// What AWS answers in a region the account has not enabled (an opt-in region), or to a session
// token that region does not accept: InvalidClientTokenId (query), UnrecognizedClientException
// (JSON), AuthFailure and OptInRequired (EC2).
bool is_region_refusal(std::string_view code);
// True for throttling codes (Throttling, RequestLimitExceeded, SlowDown, ...).
bool is_throttling(std::string_view code);

// The retry classifier for AWS: net's default, plus 400/503 answers with a throttling code.
std::optional<std::chrono::milliseconds> retry_classifier(const net::Response& response);

} // namespace velocity::providers::aws
