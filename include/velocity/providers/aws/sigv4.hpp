#pragma once

#include <velocity/core/time.hpp>
#include <velocity/net/http.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// AWS Signature Version 4 (AWS4-HMAC-SHA256), header signing. Pure computation: no I/O, no
// clock; the caller passes the time, so a request can be signed again for a retry.
namespace velocity::providers::aws {

// Whether `.` and `..` segments and runs of `/` are resolved before signing. Every service
// except S3 does this; S3 signs the path exactly as it stores the key.
enum class PathNormalisation { normalise, keep };

// Whether the path as sent is URI-encoded once more for the canonical request. Every service
// except S3 encodes it again (so `%20` becomes `%2520`); S3 signs the encoded path as sent.
enum class PathEncoding { encode_again, as_sent };

// Whether the signer adds (and signs) `x-amz-content-sha256`. S3 requires it; others ignore it.
enum class PayloadHashHeader { add, omit };

// Where a session token goes: signed as `X-Amz-Security-Token` (what STS credentials need
// almost everywhere), or added after signing, as a few services ask for.
enum class TokenPlacement { signed_header, unsigned_header };

// Percent-encoding is the net module's: SigV4 asks for exactly RFC 3986's.
using net::SlashEncoding;
using net::uri_encode;

// The canonicalisation switches; the defaults suit every service except S3.
struct SigningOptions {
  PathNormalisation normalisation = PathNormalisation::normalise;
  PathEncoding encoding = PathEncoding::encode_again;
  PayloadHashHeader payload_header = PayloadHashHeader::omit;
  TokenPlacement token_placement = TokenPlacement::signed_header;
};

// The options S3 needs: no normalisation, no second encoding, `x-amz-content-sha256` signed.
SigningOptions s3_signing_options();

// One HTTP header as it will be sent; a name may appear more than once.
struct Header {
  std::string name;
  std::string value;
};

// The request to sign, as it will go on the wire. `body` must outlive the call to `sign`.
struct Request {
  std::string method;          // "GET", "POST", ...
  std::string path;            // as sent, starting with '/' ("" means "/"); no query
  std::string query;           // as sent, without the leading '?'; "" when none
  std::vector<Header> headers; // every header to sign, Host included
  std::string_view body;       // hashed unless `payload_sha256` is set
  // Lower-case hex SHA-256 of the payload (or "UNSIGNED-PAYLOAD"), for a body streamed from
  // elsewhere; when set, `body` is not read.
  std::optional<std::string> payload_sha256;
};

// Long-term or temporary (STS) credentials. An empty `session_token` means none.
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
};

// Where the signature is valid: the region ("us-east-1") and the signing name of the service
// ("s3", "ec2", "sts", ...).
struct Scope {
  std::string region;
  std::string service;
};

// Everything signing computed. `canonical_request` and `headers_to_add` can hold the session
// token: do not log them.
struct SignedRequest {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // lower-case hex
  std::string authorization;  // the Authorization header's value
  std::string signed_headers; // "host;x-amz-date", as in the Authorization header
  // Headers the caller must add to the request before sending it, Authorization last. A header
  // the request already carries with the same value is not repeated.
  std::vector<Header> headers_to_add;
};

// Signs `request` for `scope` at time `when` with `credentials`. Throws UsageError when the
// request cannot be signed as given (no Host header, a path with '?', an Authorization header,
// an X-Amz-Date or token header that disagrees with what the signer would add, ...).
SignedRequest sign(const Request& request, const Credentials& credentials, const Scope& scope,
                   time::TimePoint when, const SigningOptions& options = {});

// The canonical URI of `path` (as sent) under the given options. Throws UsageError on a path
// that does not start with '/' or holds '?' or '#', or, with PathEncoding::as_sent, on bytes
// that cannot be sent unencoded (space, controls, non-ASCII).
std::string canonical_uri(std::string_view path, PathNormalisation normalisation,
                          PathEncoding encoding);

// The canonical query string of `query` (as sent, without '?'): each name and value decoded
// once and re-encoded, sorted by name then value, a name without '=' given as "name=".
std::string canonical_query(std::string_view query);

// `when` as X-Amz-Date wants it, in UTC: "20150830T123600Z".
std::string amz_date(time::TimePoint when);

// The SigV4 signing key (32 raw bytes) for `date` ("20150830"), `region` and `service`.
std::string derive_signing_key(std::string_view secret_access_key, std::string_view date,
                               std::string_view region, std::string_view service);

} // namespace velocity::providers::aws
