#include "fixture_files.hpp"

#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/core/time.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/providers/aws/sigv4.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace aws = velocity::providers::aws;
namespace stdfs = std::filesystem;

namespace {

const stdfs::path k_suite_dir = stdfs::path(VELOCITY_TESTDATA_DIR) / "aws-sigv4";

// The parameters every case of both suites shares (aws-sigv4/README.md).
const aws::Credentials k_suite_credentials{"AKIDEXAMPLE",
                                           "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
const aws::Scope k_suite_scope{"us-east-1", "service"};
constexpr std::string_view k_suite_time = "2015-08-30T12:36:00Z";
constexpr std::string_view k_empty_sha256 =
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// Cases of the suites we do not check, each with the reason. Counted, never silently dropped.
// (Nothing of the aws4_testsuite format is left out; the v4 format's query-* files are.)
constexpr std::string_view k_query_signing_reason =
  "v4/<case>/query-*.txt expect presigning (the signature in the query string, with "
  "X-Amz-Expires); velocity signs API calls with the Authorization header and has no presigning";

velocity::time::TimePoint suite_time() {
  const auto parsed = velocity::time::parse_iso8601(k_suite_time);
  REQUIRE(parsed.has_value());
  return *parsed;
}

// A request of the suites, parsed from its raw HTTP/1.1 text. Owns the body the Request views.
struct ParsedRequest {
  aws::Request request;
  std::string body;
};

std::string trim_spaces(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) {
    return {};
  }
  const size_t last = text.find_last_not_of(" \t");
  return std::string(text.substr(first, last - first + 1));
}

// The request line is "METHOD target HTTP/1.1", where the suites put a raw space or raw UTF-8 in
// the target; headers are "Name:value", a line starting with white space continuing the previous
// one (RFC 7230 obs-fold, which stands for a single space); an empty line starts the body.
ParsedRequest parse_http_request(std::string_view text) {
  ParsedRequest parsed;
  std::vector<std::string> lines;
  size_t pos = 0;
  bool in_body = false;
  while (pos <= text.size() && !in_body) {
    size_t end = text.find('\n', pos);
    const bool last = end == std::string_view::npos;
    if (last) {
      end = text.size();
    }
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    pos = end + 1;
    if (line.empty() && !lines.empty()) {
      in_body = true;
      parsed.body = pos <= text.size() ? std::string(text.substr(pos)) : std::string();
      break;
    }
    if (line.empty() && last) {
      break;
    }
    if (lines.size() > 1 && !line.empty() && (line.front() == ' ' || line.front() == '\t')) {
      lines.back() += " " + trim_spaces(line);
    } else {
      lines.emplace_back(line);
    }
    if (last) {
      break;
    }
  }
  REQUIRE_FALSE(lines.empty());
  const std::string& request_line = lines.front();
  const size_t method_end = request_line.find(' ');
  const size_t version_start = request_line.rfind(' ');
  REQUIRE(method_end != std::string::npos);
  REQUIRE(version_start > method_end);
  parsed.request.method = request_line.substr(0, method_end);
  const std::string target = request_line.substr(method_end + 1, version_start - method_end - 1);
  const size_t question = target.find('?');
  parsed.request.path = target.substr(0, question);
  parsed.request.query = question == std::string::npos ? "" : target.substr(question + 1);
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    REQUIRE(colon != std::string::npos);
    parsed.request.headers.push_back({lines[i].substr(0, colon), lines[i].substr(colon + 1)});
  }
  return parsed;
}

std::string authorization_line(std::string_view signed_request) {
  constexpr std::string_view k_prefix = "\nAuthorization:";
  const size_t start = signed_request.find(k_prefix);
  if (start == std::string_view::npos) {
    return {};
  }
  const size_t value_start = start + k_prefix.size();
  const size_t end = signed_request.find('\n', value_start);
  return std::string(signed_request.substr(value_start, end - value_start));
}

// The last non-empty line of the STS readme holds the suite's long session token.
std::string sts_suite_token() {
  const std::string readme =
    read_fixture(k_suite_dir / "aws4_testsuite" / "post-sts-token" / "readme.txt");
  const size_t end = readme.find_last_not_of("\r\n");
  const size_t start = readme.rfind('\n', end);
  return readme.substr(start + 1, end - start);
}

std::string vanilla_session_token() {
  const auto context = nlohmann::json::parse(
    read_fixture(k_suite_dir / "v4" / "get-vanilla-with-session-token" / "context.json"));
  return context.at("credentials").at("token").get<std::string>();
}

struct Tally {
  int found = 0;
  int passed = 0;
};

} // namespace

TEST_CASE("sign: every case of aws4_testsuite (canonical request, string to sign, Authorization)") {
  REQUIRE(stdfs::is_directory(k_suite_dir / "aws4_testsuite"));
  std::vector<stdfs::path> cases;
  for (const auto& entry : stdfs::recursive_directory_iterator(k_suite_dir / "aws4_testsuite")) {
    if (entry.path().extension() == ".req") {
      cases.push_back(entry.path());
    }
  }
  std::sort(cases.begin(), cases.end());

  const std::string sts_token = sts_suite_token();
  REQUIRE(sts_token.starts_with("AQoDYXdzEPT"));
  Tally tally;
  for (const stdfs::path& req_file : cases) {
    const std::string name = req_file.stem().string();
    INFO("case aws4_testsuite ", name);
    ParsedRequest parsed = parse_http_request(read_fixture(req_file));
    parsed.request.body = parsed.body;

    aws::Credentials credentials = k_suite_credentials;
    aws::SigningOptions options;
    if (name == "get-vanilla-with-session-token") {
      credentials.session_token = vanilla_session_token();
    } else if (name == "post-sts-header-before") {
      // The token is already in the .req; the signer sees the same value and does not add it.
      credentials.session_token = sts_token;
    } else if (name == "post-sts-header-after") {
      credentials.session_token = sts_token;
      options.token_placement = aws::TokenPlacement::unsigned_header;
    }

    const aws::SignedRequest signed_request =
      aws::sign(parsed.request, credentials, k_suite_scope, suite_time(), options);
    stdfs::path expected = req_file;
    const std::string creq = read_fixture(expected.replace_extension(".creq"));
    const std::string sts = read_fixture(expected.replace_extension(".sts"));
    const std::string authz = read_fixture(expected.replace_extension(".authz"));
    CHECK(signed_request.canonical_request == creq);
    CHECK(signed_request.string_to_sign == sts);
    CHECK(signed_request.authorization == authz);
    if (name == "post-sts-header-after") {
      // Returned for sending, but outside the signature.
      CHECK(signed_request.headers_to_add.front().name == "X-Amz-Security-Token");
      CHECK(signed_request.headers_to_add.front().value == sts_token);
    }
    ++tally.found;
    if (signed_request.canonical_request == creq && signed_request.string_to_sign == sts &&
        signed_request.authorization == authz) {
      ++tally.passed;
    }
  }
  MESSAGE("aws4_testsuite: ", tally.passed, " of ", tally.found, " cases pass");
  CHECK(tally.found == 34);
  CHECK(tally.passed == tally.found);
}

TEST_CASE("sign: every case of the aws-c-auth v4 suite (header signing)") {
  REQUIRE(stdfs::is_directory(k_suite_dir / "v4"));
  std::vector<stdfs::path> cases;
  for (const auto& entry : stdfs::directory_iterator(k_suite_dir / "v4")) {
    if (stdfs::exists(entry.path() / "context.json")) {
      cases.push_back(entry.path());
    }
  }
  std::sort(cases.begin(), cases.end());

  Tally tally;
  int query_signing_not_applicable = 0;
  for (const stdfs::path& dir : cases) {
    const std::string name = dir.filename().string();
    INFO("case v4 ", name);
    const auto context = nlohmann::json::parse(read_fixture(dir / "context.json"));
    ParsedRequest parsed = parse_http_request(read_fixture(dir / "request.txt"));
    parsed.request.body = parsed.body;

    const auto& json_credentials = context.at("credentials");
    aws::Credentials credentials{json_credentials.at("access_key_id").get<std::string>(),
                                 json_credentials.at("secret_access_key").get<std::string>(),
                                 json_credentials.value("token", std::string())};
    const aws::Scope scope{context.at("region").get<std::string>(),
                           context.at("service").get<std::string>()};
    const auto when = velocity::time::parse_iso8601(context.at("timestamp").get<std::string>());
    REQUIRE(when.has_value());
    aws::SigningOptions options;
    // The unnormalised cases model S3's path handling but still encode once: only the
    // normalisation switch differs from the default.
    options.normalisation = context.at("normalize").get<bool>() ? aws::PathNormalisation::normalise
                                                                : aws::PathNormalisation::keep;
    options.payload_header = context.at("sign_body").get<bool>() ? aws::PayloadHashHeader::add
                                                                 : aws::PayloadHashHeader::omit;
    if (context.value("omit_session_token", false)) {
      options.token_placement = aws::TokenPlacement::unsigned_header;
    }

    const aws::SignedRequest signed_request =
      aws::sign(parsed.request, credentials, scope, *when, options);
    const std::string creq = read_fixture(dir / "header-canonical-request.txt");
    const std::string sts = read_fixture(dir / "header-string-to-sign.txt");
    const std::string signature = read_fixture(dir / "header-signature.txt");
    const std::string sreq = read_fixture(dir / "header-signed-request.txt");
    const std::string authz = authorization_line(sreq);
    CHECK(signed_request.canonical_request == creq);
    CHECK(signed_request.string_to_sign == sts);
    CHECK(signed_request.signature == signature);
    CHECK(signed_request.authorization == authz);

    // Every header we return is in the expected signed request, and nothing else was added.
    const ParsedRequest expected_signed = parse_http_request(sreq);
    bool headers_match = expected_signed.request.headers.size() ==
                         parsed.request.headers.size() + signed_request.headers_to_add.size();
    CHECK(headers_match);
    for (const aws::Header& added : signed_request.headers_to_add) {
      INFO("added header ", added.name);
      const bool present = std::any_of(
        expected_signed.request.headers.begin(), expected_signed.request.headers.end(),
        [&](const aws::Header& h) { return h.name == added.name && h.value == added.value; });
      CHECK(present);
      headers_match = headers_match && present;
    }

    ++tally.found;
    if (signed_request.canonical_request == creq && signed_request.string_to_sign == sts &&
        signed_request.signature == signature && signed_request.authorization == authz &&
        headers_match) {
      ++tally.passed;
    }
    if (stdfs::exists(dir / "query-canonical-request.txt")) {
      ++query_signing_not_applicable;
    }
  }
  MESSAGE("v4 (header signing): ", tally.passed, " of ", tally.found, " cases pass");
  MESSAGE("v4 query-signing variants not applicable: ", query_signing_not_applicable, " (",
          k_query_signing_reason, ")");
  CHECK(tally.found == 38);
  CHECK(tally.passed == tally.found);
  CHECK(query_signing_not_applicable == 38);
}

TEST_CASE("sign") {
  const auto when = suite_time();

  SUBCASE("S3 ?encryption signs as encryption= with x-amz-content-sha256") {
    const aws::Request request{
      "GET", "/", "encryption", {{"Host", "examplebucket.s3.amazonaws.com"}}, "", std::nullopt};
    const auto signed_request =
      aws::sign(request, k_suite_credentials, {"us-east-1", "s3"}, when, aws::s3_signing_options());
    CHECK(signed_request.canonical_request ==
          "GET\n/\nencryption=\nhost:examplebucket.s3.amazonaws.com\n"
          "x-amz-content-sha256:" +
            std::string(k_empty_sha256) +
            "\n"
            "x-amz-date:20150830T123600Z\n\nhost;x-amz-content-sha256;x-amz-date\n" +
            std::string(k_empty_sha256));
    // Computed independently (Python hmac/hashlib) from the canonical request above.
    CHECK(signed_request.signature ==
          "a8d7628695064f5284ce8b4e3787562af80d1e2bdb12538c3f2e45134f1e6969");
    REQUIRE(signed_request.headers_to_add.size() == 3);
    CHECK(signed_request.headers_to_add[0].name == "X-Amz-Date");
    CHECK(signed_request.headers_to_add[0].value == "20150830T123600Z");
    CHECK(signed_request.headers_to_add[1].name == "x-amz-content-sha256");
    CHECK(signed_request.headers_to_add[1].value == k_empty_sha256);
    CHECK(signed_request.headers_to_add[2].name == "Authorization");
  }

  SUBCASE("S3 documentation example: GET ?lifecycle") {
    // Amazon S3 API Reference, "Signature calculations for the Authorization header",
    // example GET Bucket Lifecycle; its published signature.
    const aws::Request request{"GET",
                               "/",
                               "lifecycle",
                               {{"Host", "examplebucket.s3.amazonaws.com"},
                                {"x-amz-date", "20130524T000000Z"},
                                {"x-amz-content-sha256", std::string(k_empty_sha256)}},
                               "",
                               std::nullopt};
    const aws::Credentials credentials{"AKIAIOSFODNN7EXAMPLE",
                                       "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
    const auto may_24 = velocity::time::parse_iso8601("2013-05-24T00:00:00Z");
    REQUIRE(may_24.has_value());
    const auto signed_request =
      aws::sign(request, credentials, {"us-east-1", "s3"}, *may_24, aws::s3_signing_options());
    CHECK(signed_request.authorization ==
          "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
          "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
          "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
    // Both headers were already there with the same values: only Authorization is added.
    REQUIRE(signed_request.headers_to_add.size() == 1);
    CHECK(signed_request.headers_to_add[0].name == "Authorization");
  }

  SUBCASE("session token: signed as X-Amz-Security-Token") {
    aws::Credentials credentials = k_suite_credentials;
    credentials.session_token = "AQoDYXdzEPT//////////wEXAMPLEtoken";
    const aws::Request request{"GET",
                               "/",
                               "Version=2011-06-15&Action=GetCallerIdentity",
                               {{"Host", "sts.amazonaws.com"}},
                               "",
                               std::nullopt};
    const auto signed_request = aws::sign(request, credentials, {"us-east-1", "sts"}, when);
    CHECK(signed_request.signed_headers == "host;x-amz-date;x-amz-security-token");
    CHECK(signed_request.canonical_request.find(
            "\nx-amz-security-token:AQoDYXdzEPT//////////wEXAMPLEtoken\n") != std::string::npos);
    // Computed independently (Python hmac/hashlib).
    CHECK(signed_request.signature ==
          "cafb3a206d37004f4b8426c546c709a47c9959446799ab0e961dcb09775e2d29");
    REQUIRE(signed_request.headers_to_add.size() == 3);
    CHECK(signed_request.headers_to_add[1].name == "X-Amz-Security-Token");
    CHECK(signed_request.headers_to_add[1].value == credentials.session_token);
  }

  SUBCASE("session token: unsigned placement returns it outside SignedHeaders") {
    aws::Credentials credentials = k_suite_credentials;
    credentials.session_token = "token";
    aws::SigningOptions options;
    options.token_placement = aws::TokenPlacement::unsigned_header;
    const aws::Request request{"GET", "/", "", {{"Host", "example.amazonaws.com"}}, "", {}};
    const auto signed_request = aws::sign(request, credentials, k_suite_scope, when, options);
    CHECK(signed_request.signed_headers == "host;x-amz-date");
    CHECK(signed_request.headers_to_add[1].name == "X-Amz-Security-Token");
    // The same request without a token signs identically.
    const auto without = aws::sign(request, k_suite_credentials, k_suite_scope, when);
    CHECK(signed_request.signature == without.signature);
  }

  SUBCASE("session token: a different token already in the request is refused") {
    aws::Credentials credentials = k_suite_credentials;
    credentials.session_token = "token";
    const aws::Request request{
      "GET", "/", "", {{"Host", "example.amazonaws.com"}, {"X-Amz-Security-Token", "other"}},
      "",    {}};
    CHECK_THROWS_AS(aws::sign(request, credentials, k_suite_scope, when), velocity::UsageError);
  }

  SUBCASE("S3 path is signed as sent: no normalisation, no second encoding") {
    const aws::Request request{"PUT",   "/my-object//example//photo%20one.user",
                               "",      {{"Host", "examplebucket.s3.amazonaws.com"}},
                               "hello", std::nullopt};
    const auto signed_request =
      aws::sign(request, k_suite_credentials, {"us-east-1", "s3"}, when, aws::s3_signing_options());
    const std::string body_hash = velocity::crypto::to_hex(velocity::crypto::sha256("hello"));
    CHECK(signed_request.canonical_request.starts_with(
      "PUT\n/my-object//example//photo%20one.user\n\n"));
    CHECK(signed_request.canonical_request.ends_with("\n" + body_hash));
    CHECK(signed_request.headers_to_add[1].value == body_hash);
  }

  SUBCASE("a precomputed payload hash replaces the body") {
    aws::Request request{"PUT",     "/key",
                         "",        {{"Host", "b.s3.amazonaws.com"}},
                         "ignored", std::string("UNSIGNED-PAYLOAD")};
    auto signed_request =
      aws::sign(request, k_suite_credentials, {"us-east-1", "s3"}, when, aws::s3_signing_options());
    CHECK(signed_request.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
    request.payload_sha256 = std::string(k_empty_sha256);
    signed_request = aws::sign(request, k_suite_credentials, {"us-east-1", "s3"}, when);
    CHECK(signed_request.canonical_request.ends_with("\n" + std::string(k_empty_sha256)));
    request.payload_sha256 = "E3B0C442";
    CHECK_THROWS_AS(aws::sign(request, k_suite_credentials, {"us-east-1", "s3"}, when),
                    velocity::UsageError);
  }

  SUBCASE("requests that cannot be signed are refused") {
    const aws::Request no_host{"GET", "/", "", {{"X-Other", "1"}}, "", {}};
    CHECK_THROWS_AS(aws::sign(no_host, k_suite_credentials, k_suite_scope, when),
                    velocity::UsageError);
    const aws::Request has_authorization{"GET", "/", "", {{"Host", "h"}, {"Authorization", "x"}},
                                         "",    {}};
    CHECK_THROWS_AS(aws::sign(has_authorization, k_suite_credentials, k_suite_scope, when),
                    velocity::UsageError);
    const aws::Request stale_date{
      "GET", "/", "", {{"Host", "h"}, {"X-Amz-Date", "20150830T000000Z"}}, "", {}};
    CHECK_THROWS_AS(aws::sign(stale_date, k_suite_credentials, k_suite_scope, when),
                    velocity::UsageError);
    const aws::Request query_in_path{"GET", "/a?b=c", "", {{"Host", "h"}}, "", {}};
    CHECK_THROWS_AS(aws::sign(query_in_path, k_suite_credentials, k_suite_scope, when),
                    velocity::UsageError);
    const aws::Request folded{"GET", "/", "", {{"Host", "h"}, {"X-A", "a\r\n b"}}, "", {}};
    CHECK_THROWS_AS(aws::sign(folded, k_suite_credentials, k_suite_scope, when),
                    velocity::UsageError);
    const aws::Request fine{"GET", "/", "", {{"Host", "h"}}, "", {}};
    CHECK_THROWS_AS(aws::sign(fine, {"", "secret", ""}, k_suite_scope, when), velocity::UsageError);
    CHECK_THROWS_AS(aws::sign(fine, {"AKID", "", ""}, k_suite_scope, when), velocity::UsageError);
    CHECK_THROWS_AS(aws::sign(fine, k_suite_credentials, {"us east", "s3"}, when),
                    velocity::UsageError);
  }
}

TEST_CASE("canonical_query") {
  SUBCASE("a parameter without '=' canonicalises as name=") {
    CHECK(aws::canonical_query("encryption") == "encryption=");
    CHECK(aws::canonical_query("versions&prefix=a") == "prefix=a&versions=");
  }
  SUBCASE("sorted by encoded name, then value") {
    CHECK(aws::canonical_query("b=2&a=2&a=1&A=3") == "A=3&a=1&a=2&b=2");
  }
  SUBCASE("already-encoded input is not encoded twice; raw input is encoded") {
    CHECK(aws::canonical_query("prefix=a%2Fb&k=c d") == "k=c%20d&prefix=a%2Fb");
    CHECK(aws::canonical_query("prefix=a/b") == "prefix=a%2Fb");
    CHECK(aws::canonical_query("x=%7e%41") == "x=~A");
    CHECK(aws::canonical_query("x=a+b") == "x=a%2Bb");
    CHECK(aws::canonical_query("x=100%") == "x=100%25");
  }
  SUBCASE("empty query and empty pairs") {
    CHECK(aws::canonical_query("") == "");
    CHECK(aws::canonical_query("a=1&&b=") == "a=1&b=");
  }
}

TEST_CASE("canonical_uri") {
  using aws::PathEncoding;
  using aws::PathNormalisation;
  SUBCASE("normalised: dot segments and runs of slashes resolved, trailing slash kept") {
    const auto normalise = [](std::string_view path) {
      return aws::canonical_uri(path, PathNormalisation::normalise, PathEncoding::encode_again);
    };
    CHECK(normalise("") == "/");
    CHECK(normalise("//example//") == "/example/");
    CHECK(normalise("/a/b/../c/./d") == "/a/c/d");
    CHECK(normalise("/../..") == "/");
    CHECK(normalise("/a/b/") == "/a/b/");
  }
  SUBCASE("encoded again: the path as sent gets a second encoding") {
    CHECK(aws::canonical_uri("/a%20b/c d", PathNormalisation::normalise,
                             PathEncoding::encode_again) == "/a%2520b/c%20d");
  }
  SUBCASE("as sent (S3): unchanged, and a raw space is refused") {
    CHECK(aws::canonical_uri("/b//k/./x%2Fy", PathNormalisation::keep, PathEncoding::as_sent) ==
          "/b//k/./x%2Fy");
    CHECK_THROWS_AS(aws::canonical_uri("/a b", PathNormalisation::keep, PathEncoding::as_sent),
                    velocity::UsageError);
  }
  SUBCASE("a relative path or one with '#' is refused") {
    CHECK_THROWS_AS(aws::canonical_uri("a", PathNormalisation::keep, PathEncoding::as_sent),
                    velocity::UsageError);
    CHECK_THROWS_AS(aws::canonical_uri("/a#f", PathNormalisation::keep, PathEncoding::as_sent),
                    velocity::UsageError);
  }
}

TEST_CASE("uri_encode") {
  CHECK(aws::uri_encode("AZaz09-_.~", aws::SlashEncoding::encode) == "AZaz09-_.~");
  CHECK(aws::uri_encode("a/b c", aws::SlashEncoding::encode) == "a%2Fb%20c");
  CHECK(aws::uri_encode("a/b c", aws::SlashEncoding::keep) == "a/b%20c");
  CHECK(aws::uri_encode("\xe1\x88\xb4+*", aws::SlashEncoding::encode) == "%E1%88%B4%2B%2A");
}

TEST_CASE("amz_date") {
  CHECK(aws::amz_date(suite_time()) == "20150830T123600Z");
  const auto with_millis = velocity::time::parse_iso8601("1999-12-31T23:59:59.999Z");
  REQUIRE(with_millis.has_value());
  CHECK(aws::amz_date(*with_millis) == "19991231T235959Z");
}

TEST_CASE("derive_signing_key") {
  // AWS General Reference, "Examples of how to derive a signing key": its published key.
  const std::string key = aws::derive_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                                  "20120215", "us-east-1", "iam");
  CHECK(velocity::crypto::to_hex(key) ==
        "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}
