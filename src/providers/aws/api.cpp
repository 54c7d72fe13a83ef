#include <velocity/core/error.hpp>
#include <velocity/net/client.hpp>
#include <velocity/net/retry.hpp>
#include <velocity/providers/aws/api.hpp>

#include <fmt/format.h>
#include <pugixml.hpp>

#include <algorithm>
#include <array>

namespace velocity::providers::aws {

namespace {

constexpr std::string_view k_iam_version = "2010-05-08";
constexpr std::string_view k_sts_version = "2011-06-15";
constexpr std::string_view k_ec2_version = "2016-11-15";

std::string dns_suffix(std::string_view region) {
  return partition_of(region) == "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
}

std::string host_of(std::string_view base_url) {
  const size_t scheme = base_url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? base_url : base_url.substr(scheme + 3);
  const size_t slash = rest.find('/');
  return std::string(slash == std::string_view::npos ? rest : rest.substr(0, slash));
}

// The first non-blank line of an HTML or text body, tags removed, for an error message.
std::string first_words(std::string_view body) {
  std::string text;
  bool in_tag = false;
  for (char c : body) {
    if (c == '<') {
      in_tag = true;
      text += ' ';
    } else if (c == '>') {
      in_tag = false;
    } else if (!in_tag) {
      text += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    }
    if (text.size() > 4096) {
      break;
    }
  }
  std::string collapsed;
  for (char c : text) {
    if (c == ' ' && (collapsed.empty() || collapsed.back() == ' ')) {
      continue;
    }
    collapsed += c;
  }
  while (!collapsed.empty() && collapsed.back() == ' ') {
    collapsed.pop_back();
  }
  if (collapsed.size() > 160) {
    collapsed = collapsed.substr(0, 157) + "...";
  }
  return collapsed;
}

std::string strip_type(std::string type) {
  // "com.amazon.coral.service#AccessDeniedException" and "Code:http://internal.amazon.com/..."
  if (const size_t hash = type.rfind('#'); hash != std::string::npos) {
    type = type.substr(hash + 1);
  }
  if (const size_t colon = type.find(':'); colon != std::string::npos) {
    type = type.substr(0, colon);
  }
  return type;
}

bool parse_json_error(const net::Response& response, AwsError& error) {
  const auto json = nlohmann::json::parse(response.body, nullptr, false);
  if (!json.is_object()) {
    return false;
  }
  for (const char* key : {"__type", "code", "Code"}) {
    if (json.contains(key) && json[key].is_string()) {
      error.code = strip_type(json[key].get<std::string>());
      break;
    }
  }
  for (const char* key : {"message", "Message", "errorMessage"}) {
    if (json.contains(key) && json[key].is_string()) {
      error.message = json[key].get<std::string>();
      break;
    }
  }
  return !error.code.empty();
}

bool parse_xml_error(const net::Response& response, AwsError& error) {
  pugi::xml_document doc;
  if (!doc.load_buffer(response.body.data(), response.body.size(), pugi::parse_default,
                       pugi::encoding_utf8)) {
    return false;
  }
  pugi::xml_node root = doc.document_element();
  pugi::xml_node node;
  const std::string_view name = root.name();
  if (name == "ErrorResponse" || name == "Response") {
    // Query services answer <ErrorResponse><Error>, EC2 <Response><Errors><Error>; moto's
    // signature check mixes them (<ErrorResponse><Errors><Error>).
    node = root.child("Error") ? root.child("Error") : root.child("Errors").child("Error");
    error.request_id =
      name == "Response" ? root.child_value("RequestID") : root.child_value("RequestId");
  } else if (name == "Error") {
    node = root;
    error.request_id = root.child_value("RequestId");
  }
  if (!node) {
    return false;
  }
  error.code = node.child_value("Code");
  error.message = node.child_value("Message");
  if (error.message.empty()) {
    error.message = node.child_value("message");
  }
  return !error.code.empty();
}

} // namespace

ApiCall iam_call(std::string operation, std::vector<std::pair<std::string, std::string>> params) {
  return ApiCall{.service = "iam",
                 .operation = std::move(operation),
                 .region = "us-east-1",
                 .protocol = Protocol::query,
                 .params = std::move(params),
                 .api_version = std::string(k_iam_version)};
}

ApiCall sts_call(std::string operation, std::string region,
                 std::vector<std::pair<std::string, std::string>> params) {
  return ApiCall{.service = "sts",
                 .operation = std::move(operation),
                 .region = std::move(region),
                 .protocol = Protocol::query,
                 .params = std::move(params),
                 .api_version = std::string(k_sts_version)};
}

ApiCall ec2_call(std::string operation, std::string region,
                 std::vector<std::pair<std::string, std::string>> params) {
  return ApiCall{.service = "ec2",
                 .operation = std::move(operation),
                 .region = std::move(region),
                 .protocol = Protocol::ec2,
                 .params = std::move(params),
                 .api_version = std::string(k_ec2_version)};
}

ApiCall s3_call(std::string operation, std::string region, std::string bucket, std::string query) {
  return ApiCall{.service = "s3",
                 .operation = std::move(operation),
                 .region = std::move(region),
                 .protocol = Protocol::rest_xml,
                 .bucket = std::move(bucket),
                 .method = "GET",
                 .path = "/",
                 .query = std::move(query)};
}

ApiCall s3control_call(std::string operation, std::string region, const std::string& account_id,
                       std::string path) {
  return ApiCall{.service = "s3",
                 .operation = std::move(operation),
                 .region = std::move(region),
                 .protocol = Protocol::rest_xml,
                 .method = "GET",
                 .path = std::move(path),
                 .headers = {{"x-amz-account-id", account_id}},
                 .endpoint_prefix = "s3-control",
                 .host_prefix = account_id + "."};
}

ApiCall query_call(std::string service, std::string operation, std::string region,
                   std::string api_version,
                   std::vector<std::pair<std::string, std::string>> params) {
  return ApiCall{.service = std::move(service),
                 .operation = std::move(operation),
                 .region = std::move(region),
                 .protocol = Protocol::query,
                 .params = std::move(params),
                 .api_version = std::move(api_version)};
}

ApiCall rest_json_call(std::string service, std::string operation, std::string region,
                       std::string path, std::string query) {
  return ApiCall{.service = std::move(service),
                 .operation = std::move(operation),
                 .region = std::move(region),
                 .protocol = Protocol::rest_json,
                 .body = "",
                 .method = "GET",
                 .path = std::move(path),
                 .query = std::move(query)};
}

ApiCall rest_json_post(std::string service, std::string operation, std::string region,
                       std::string path, const nlohmann::json& body) {
  return ApiCall{.service = std::move(service),
                 .operation = std::move(operation),
                 .region = std::move(region),
                 .protocol = Protocol::rest_json,
                 .body = body.dump(),
                 .method = "POST",
                 .path = std::move(path)};
}

ApiCall json_call(std::string service, std::string operation, std::string region,
                  std::string_view target_prefix, const nlohmann::json& body) {
  ApiCall call{.service = std::move(service),
               .operation = std::move(operation),
               .region = std::move(region),
               .protocol = Protocol::json,
               .body = body.dump()};
  call.target = fmt::format("{}.{}", target_prefix, call.operation);
  return call;
}

std::string partition_of(std::string_view region) {
  if (region.starts_with("cn-")) {
    return "aws-cn";
  }
  if (region.starts_with("us-gov-")) {
    return "aws-us-gov";
  }
  return "aws";
}

std::string Endpoints::base_url(std::string_view service, std::string_view region) const {
  if (override_url) {
    return *override_url;
  }
  const std::string partition = partition_of(region);
  if (service == "iam") {
    if (partition == "aws-cn") {
      return "https://iam.cn-north-1.amazonaws.com.cn";
    }
    return partition == "aws-us-gov" ? "https://iam.us-gov.amazonaws.com"
                                     : "https://iam.amazonaws.com";
  }
  return fmt::format("https://{}.{}.{}", service, region, dns_suffix(region));
}

std::string Endpoints::url_of(const ApiCall& call) const {
  std::string url;
  std::string path = call.path;
  if (call.protocol == Protocol::rest_xml && !call.bucket.empty()) {
    // Virtual-hosted style on AWS; path style on a single endpoint (an emulator).
    const bool dns_safe = call.bucket.find('.') == std::string::npos;
    if (!override_url && dns_safe) {
      url = fmt::format("https://{}.s3.{}.{}", call.bucket, call.region, dns_suffix(call.region));
    } else {
      url = base_url(call.service, call.region);
      path = "/" + call.bucket + (call.path == "/" ? "" : call.path);
    }
  } else {
    url = base_url(call.endpoint_prefix.empty() ? call.service : call.endpoint_prefix, call.region);
    if (!override_url && !call.host_prefix.empty()) {
      url.insert(url.find("://") + 3, call.host_prefix);
    }
  }
  url += path;
  if (!call.query.empty()) {
    url += "?" + call.query;
  }
  return url;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) {
      out += '&';
    }
    out += uri_encode(name, SlashEncoding::encode);
    out += '=';
    out += uri_encode(value, SlashEncoding::encode);
  }
  return out;
}

net::Request sign_call(const ApiCall& call, const Endpoints& endpoints,
                       const Credentials& credentials, time::TimePoint when) {
  net::Request request;
  request.url = endpoints.url_of(call);
  const size_t scheme = request.url.find("://");
  const size_t path_start = request.url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  const std::string host = host_of(request.url);
  std::string path = path_start == std::string::npos ? "/" : request.url.substr(path_start);
  std::string query;
  if (const size_t question = path.find('?'); question != std::string::npos) {
    query = path.substr(question + 1);
    path = path.substr(0, question);
  }

  Request to_sign;
  to_sign.path = path;
  to_sign.query = query;
  to_sign.headers.push_back({"Host", host});
  SigningOptions options;
  switch (call.protocol) {
  case Protocol::query:
  case Protocol::ec2: {
    request.method = "POST";
    std::vector<std::pair<std::string, std::string>> params;
    params.reserve(call.params.size() + 2);
    params.emplace_back("Action", call.operation);
    params.emplace_back("Version", call.api_version);
    params.insert(params.end(), call.params.begin(), call.params.end());
    request.body = form_encode(params);
    to_sign.headers.push_back({"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"});
    break;
  }
  case Protocol::json:
    request.method = "POST";
    request.body = call.body;
    to_sign.headers.push_back({"Content-Type", "application/x-amz-json-1.1"});
    to_sign.headers.push_back({"X-Amz-Target", call.target});
    break;
  case Protocol::rest_xml:
  case Protocol::rest_json:
    request.method = call.method;
    if (call.protocol == Protocol::rest_xml) {
      options = s3_signing_options();
    } else if (!call.body.empty()) {
      request.body = call.body;
      to_sign.headers.push_back({"Content-Type", "application/json"});
    }
    for (const auto& [name, value] : call.headers) {
      to_sign.headers.push_back({name, value});
    }
    break;
  }
  to_sign.method = request.method;
  to_sign.body = request.body;
  const SignedRequest signed_request =
    sign(to_sign, credentials, Scope{call.region, call.service}, when, options);
  for (const Header& header : to_sign.headers) {
    if (header.name != "Host") {
      request.headers.emplace_back(header.name, header.value);
    }
  }
  for (const Header& header : signed_request.headers_to_add) {
    request.headers.emplace_back(header.name, header.value);
  }
  return request;
}

AwsError parse_error(const net::Response& response) {
  AwsError error;
  error.http_status = response.status;
  if (auto id = response.header("x-amzn-RequestId")) {
    error.request_id = *id;
  } else if (auto s3_id = response.header("x-amz-request-id")) {
    error.request_id = *s3_id;
  }
  const std::string_view body = response.body;
  const size_t first = body.find_first_not_of(" \t\r\n");
  const char lead = first == std::string_view::npos ? '\0' : body[first];
  bool parsed = false;
  if (lead == '{') {
    parsed = parse_json_error(response, error);
  } else if (lead == '<') {
    parsed = parse_xml_error(response, error);
  }
  if (!parsed) {
    if (auto type = response.header("X-Amzn-ErrorType")) {
      error.code = strip_type(*type);
      parsed = !error.code.empty();
    }
  }
  if (!parsed) {
    error.code = response.status == 403 && first == std::string_view::npos
                   ? "AccessDenied"
                   : fmt::format("HTTP {}", response.status);
    error.message = first_words(body);
  }
  return error;
}

bool is_credential_rejection(std::string_view code) {
  static constexpr std::array<std::string_view, 10> k_codes = {
    "InvalidClientTokenId",  "SignatureDoesNotMatch", "UnrecognizedClientException",
    "AuthFailure",           "InvalidAccessKeyId",    "ExpiredToken",
    "ExpiredTokenException", "InvalidToken",          "MissingAuthenticationToken",
    "IncompleteSignature"};
  return std::find(k_codes.begin(), k_codes.end(), code) != k_codes.end();
}

bool is_region_refusal(std::string_view code) {
  return code == "InvalidClientTokenId" || code == "UnrecognizedClientException" ||
         code == "AuthFailure" || code == "OptInRequired";
}

bool is_access_denied(std::string_view code) {
  static constexpr std::array<std::string_view, 6> k_codes = {
    "AccessDenied",       "AccessDeniedException", "UnauthorizedOperation",
    "AuthorizationError", "UnauthorizedAccess",    "Forbidden"};
  return std::find(k_codes.begin(), k_codes.end(), code) != k_codes.end();
}

bool is_throttling(std::string_view code) {
  static constexpr std::array<std::string_view, 9> k_codes = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "RequestLimitExceeded",
    "SlowDown",
    "TooManyRequestsException",
    "RequestThrottled",
    "ProvisionedThroughputExceededException"};
  return std::find(k_codes.begin(), k_codes.end(), code) != k_codes.end();
}

std::optional<std::chrono::milliseconds> retry_classifier(const net::Response& response) {
  if (auto delay = net::default_retry_classifier(response)) {
    return delay;
  }
  if (response.status == 400 || response.status == 403) {
    if (is_throttling(parse_error(response).code)) {
      // Throttling answered as a 400 may still say when to come back.
      if (auto after = response.header("Retry-After")) {
        if (auto delay = net::parse_retry_after(*after, std::chrono::system_clock::now())) {
          return delay;
        }
      }
      return std::chrono::milliseconds{0};
    }
  }
  return std::nullopt;
}

} // namespace velocity::providers::aws
