#include <velocity/core/error.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/providers/aws/parse.hpp>
#include <velocity/providers/aws/sigv4.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <utility>

namespace velocity::providers::aws {

namespace {

constexpr std::string_view k_algorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view k_terminator = "aws4_request";
constexpr std::string_view k_unsigned_payload = "UNSIGNED-PAYLOAD";
constexpr std::string_view k_streaming_prefix = "STREAMING-";
constexpr std::string_view k_date_header = "X-Amz-Date";
constexpr std::string_view k_token_header = "X-Amz-Security-Token";
// Lower case as S3's documentation and the AWS SDKs send it.
constexpr std::string_view k_content_sha256_header = "x-amz-content-sha256";

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

bool is_http_space(char c) {
  return c == ' ' || c == '\t';
}

bool is_lower_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string to_lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

// Trims spaces and tabs at both ends and collapses inner runs of them into one space.
std::string canonical_header_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (char c : value) {
    if (is_http_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    out.push_back(c);
  }
  return out;
}

void check_token(std::string_view what, std::string_view value, bool (*allowed)(char)) {
  if (value.empty()) {
    throw UsageError(fmt::format("cannot sign an AWS request: {} is empty", what),
                     "set it before signing");
  }
  if (!std::all_of(value.begin(), value.end(), allowed)) {
    throw UsageError(
      fmt::format("cannot sign an AWS request: {} \"{}\" contains a character it may not hold",
                  what, value),
      "check the value for spaces, slashes or stray punctuation");
  }
}

bool is_scope_char(char c) {
  return is_unreserved(static_cast<unsigned char>(c));
}

bool is_method_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// RFC 7230 tchar: what a header field name may contain.
bool is_header_name_char(char c) {
  static constexpr std::string_view k_specials = "!#$%&'*+-.^_`|~";
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         k_specials.find(c) != std::string_view::npos;
}

void check_header_value(std::string_view name, std::string_view value) {
  if (value.find_first_of("\r\n") != std::string_view::npos) {
    throw UsageError(fmt::format("cannot sign an AWS request: header {} holds a line break", name),
                     "unfold the value onto one line (a folded header is a space) before signing");
  }
}

void check_access_key_id(std::string_view key_id) {
  check_token("the access key id", key_id, [](char c) {
    return c != '/' && c != ',' && c != '=' && !is_http_space(c) &&
           static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
}

std::string payload_hash(const Request& request) {
  if (!request.payload_sha256) {
    return crypto::to_hex(crypto::sha256(request.body));
  }
  const std::string& given = *request.payload_sha256;
  const bool is_digest = given.size() == 64 && is_lower_hex(given);
  const bool is_marker =
    given == k_unsigned_payload ||
    (given.starts_with(k_streaming_prefix) && std::all_of(given.begin(), given.end(), [](char c) {
       return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
     }));
  if (!is_digest && !is_marker) {
    throw UsageError(
      fmt::format("cannot sign an AWS request: payload hash \"{}\" is not 64 lower-case hex "
                  "digits, UNSIGNED-PAYLOAD or a STREAMING- marker",
                  given),
      "pass crypto::to_hex(crypto::sha256(body)), or leave payload_sha256 unset to hash the body");
  }
  return given;
}

// Canonical headers: lower-case name -> values in the order they appear, as sent.
using HeaderMap = std::map<std::string, std::vector<std::string>>;

HeaderMap collect_headers(const std::vector<Header>& headers) {
  HeaderMap map;
  for (const Header& header : headers) {
    check_token("a header name", header.name, is_header_name_char);
    check_header_value(header.name, header.value);
    map[to_lower_ascii(header.name)].push_back(canonical_header_value(header.value));
  }
  return map;
}

std::string joined_value(const std::vector<std::string>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) {
      out.push_back(',');
    }
    out += values[i];
  }
  return out;
}

// Adds a header the signer owns. If the request already carries it with the same value it is
// neither repeated nor returned; a different value would make the signature lie, so it is an
// error. `signed_header` false returns it without putting it in the canonical request.
void add_signer_header(HeaderMap& map, std::vector<Header>& to_add, std::string_view name,
                       const std::string& value, bool signed_header) {
  const auto found = map.find(to_lower_ascii(name));
  if (found != map.end()) {
    if (!signed_header) {
      throw UsageError(
        fmt::format("cannot sign an AWS request: it already carries {}, which would then be "
                    "signed although the token was asked to go unsigned",
                    name),
        fmt::format("remove {} from the request, or sign with TokenPlacement::signed_header",
                    name));
    }
    if (joined_value(found->second) != canonical_header_value(value)) {
      throw UsageError(
        fmt::format("cannot sign an AWS request: it already carries {} with another value than "
                    "the signer sets",
                    name),
        fmt::format("remove {} from the request and let the signer add it", name));
    }
    return;
  }
  if (signed_header) {
    map[to_lower_ascii(name)].push_back(canonical_header_value(value));
  }
  to_add.push_back(Header{std::string(name), value});
}

} // namespace

SigningOptions s3_signing_options() {
  return SigningOptions{PathNormalisation::keep, PathEncoding::as_sent, PayloadHashHeader::add,
                        TokenPlacement::signed_header};
}

std::string canonical_uri(std::string_view path, PathNormalisation normalisation,
                          PathEncoding encoding) {
  if (path.empty()) {
    return "/";
  }
  if (path.front() != '/') {
    throw UsageError(
      fmt::format("cannot sign an AWS request: path \"{}\" does not start with '/'", path),
      "pass the absolute path of the URL, such as \"/\" or \"/bucket/key\"");
  }
  if (path.find_first_of("?#") != std::string_view::npos) {
    throw UsageError(fmt::format("cannot sign an AWS request: path \"{}\" holds '?' or '#'", path),
                     "pass the query string separately in Request::query, and drop any fragment");
  }
  std::string result;
  if (normalisation == PathNormalisation::keep) {
    result = path;
  } else {
    // Resolve "." and ".." and drop empty segments (runs of '/'), keeping a trailing '/'.
    std::vector<std::string_view> segments;
    size_t start = 1;
    while (start <= path.size()) {
      size_t end = path.find('/', start);
      if (end == std::string_view::npos) {
        end = path.size();
      }
      const std::string_view segment = path.substr(start, end - start);
      if (segment == "..") {
        if (!segments.empty()) {
          segments.pop_back();
        }
      } else if (!segment.empty() && segment != ".") {
        segments.push_back(segment);
      }
      start = end + 1;
    }
    result = "/";
    for (size_t i = 0; i < segments.size(); ++i) {
      if (i > 0) {
        result.push_back('/');
      }
      result += segments[i];
    }
    if (path.back() == '/' && !segments.empty()) {
      result.push_back('/');
    }
  }
  if (encoding == PathEncoding::encode_again) {
    return uri_encode(result, SlashEncoding::keep);
  }
  const auto unsendable = std::find_if(result.begin(), result.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte >= 0x7f;
  });
  if (unsendable != result.end()) {
    throw UsageError(
      fmt::format("cannot sign an AWS request: path \"{}\" holds a byte that must be "
                  "percent-encoded before sending",
                  path),
      "encode each path segment with uri_encode(segment, SlashEncoding::keep) first");
  }
  return result;
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) {
      end = query.size();
    }
    const std::string_view pair = query.substr(start, end - start);
    if (!pair.empty()) {
      const size_t equals = pair.find('=');
      const std::string_view name = pair.substr(0, equals);
      const std::string_view value =
        equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
      params.emplace_back(uri_encode(url_decode(name), SlashEncoding::encode),
                          uri_encode(url_decode(value), SlashEncoding::encode));
    }
    start = end + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) {
      out.push_back('&');
    }
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

std::string amz_date(time::TimePoint when) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(when);
  const auto day = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss clock{seconds - day};
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     clock.hours().count(), clock.minutes().count(), clock.seconds().count());
}

std::string derive_signing_key(std::string_view secret_access_key, std::string_view date,
                               std::string_view region, std::string_view service) {
  const std::string seed = "AWS4" + std::string(secret_access_key);
  const std::string date_key = crypto::to_bytes(crypto::hmac_sha256(seed, date));
  const std::string region_key = crypto::to_bytes(crypto::hmac_sha256(date_key, region));
  const std::string service_key = crypto::to_bytes(crypto::hmac_sha256(region_key, service));
  return crypto::to_bytes(crypto::hmac_sha256(service_key, k_terminator));
}

SignedRequest sign(const Request& request, const Credentials& credentials, const Scope& scope,
                   time::TimePoint when, const SigningOptions& options) {
  check_token("the HTTP method", request.method, is_method_char);
  check_access_key_id(credentials.access_key_id);
  if (credentials.secret_access_key.empty()) {
    throw UsageError("cannot sign an AWS request: the secret access key is empty",
                     "set AWS_SECRET_ACCESS_KEY or the profile's aws_secret_access_key");
  }
  check_header_value(k_token_header, credentials.session_token);
  check_token("the region", scope.region, is_scope_char);
  check_token("the service signing name", scope.service, is_scope_char);

  HeaderMap headers = collect_headers(request.headers);
  if (headers.count("host") == 0) {
    throw UsageError("cannot sign an AWS request: it has no Host header",
                     "add Host (the endpoint's host name, with the port if not the default)");
  }
  if (headers.count("authorization") != 0) {
    throw UsageError("cannot sign an AWS request: it already carries an Authorization header",
                     "sign the request before adding Authorization; the signer returns it");
  }

  const std::string date_time = amz_date(when);
  const std::string date = date_time.substr(0, 8);
  const std::string hashed_payload = payload_hash(request);

  SignedRequest result;
  add_signer_header(headers, result.headers_to_add, k_date_header, date_time, true);
  if (!credentials.session_token.empty()) {
    add_signer_header(headers, result.headers_to_add, k_token_header, credentials.session_token,
                      options.token_placement == TokenPlacement::signed_header);
  }
  if (options.payload_header == PayloadHashHeader::add) {
    add_signer_header(headers, result.headers_to_add, k_content_sha256_header, hashed_payload,
                      true);
  }

  std::string canonical_headers;
  for (const auto& [name, values] : headers) {
    canonical_headers += name;
    canonical_headers.push_back(':');
    canonical_headers += joined_value(values);
    canonical_headers.push_back('\n');
    if (!result.signed_headers.empty()) {
      result.signed_headers.push_back(';');
    }
    result.signed_headers += name;
  }

  result.canonical_request = fmt::format(
    "{}\n{}\n{}\n{}\n{}\n{}", request.method,
    canonical_uri(request.path, options.normalisation, options.encoding),
    canonical_query(request.query), canonical_headers, result.signed_headers, hashed_payload);

  const std::string credential_scope =
    fmt::format("{}/{}/{}/{}", date, scope.region, scope.service, k_terminator);
  result.string_to_sign = fmt::format("{}\n{}\n{}\n{}", k_algorithm, date_time, credential_scope,
                                      crypto::to_hex(crypto::sha256(result.canonical_request)));

  const std::string key =
    derive_signing_key(credentials.secret_access_key, date, scope.region, scope.service);
  result.signature = crypto::to_hex(crypto::hmac_sha256(key, result.string_to_sign));
  result.authorization = fmt::format("{} Credential={}/{}, SignedHeaders={}, Signature={}",
                                     k_algorithm, credentials.access_key_id, credential_scope,
                                     result.signed_headers, result.signature);
  result.headers_to_add.push_back(Header{"Authorization", result.authorization});
  return result;
}

} // namespace velocity::providers::aws
