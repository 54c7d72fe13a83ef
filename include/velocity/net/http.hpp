#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The HTTP vocabulary every provider speaks: a request, a response, and their header lists.
namespace velocity::net {

// Header fields in the order they were given or received; names may repeat.
using Headers = std::vector<std::pair<std::string, std::string>>;

// Whether a request may be sent again after a failure. Reads are safe to repeat; a call that
// must not run twice (it creates something without an idempotency token) says `never`.
enum class RetryPolicy { allowed, never };

// One HTTP request. `method` is the verb as sent ("GET", "POST", "PUT", "DELETE", "HEAD", ...).
// A header with an empty value is sent empty; header names and values must not contain CR or LF.
// Every member has a default, so `Request{.method = "POST", .url = u, .body = b}` reads well.
struct Request {
  std::string method = "GET";
  std::string url{};
  Headers headers{};
  std::string body{};
  RetryPolicy retry = RetryPolicy::allowed;
  // Overrides ClientOptions::attempt_timeout for this request.
  std::optional<std::chrono::milliseconds> timeout{};
};

// One HTTP response: the last attempt's status, headers and body, and how the exchange went.
struct Response {
  int status = 0;
  Headers headers{};
  std::string body{};
  // Attempts made, 1 when the first one was kept.
  int attempts = 0;
  // From the start of the first attempt to the end of the last, waits between attempts included.
  std::chrono::milliseconds elapsed{0};

  // The value of the first header named `name` (ASCII case-insensitive), or nothing.
  std::optional<std::string> header(std::string_view name) const;
  // The values of every header named `name` (ASCII case-insensitive), in received order.
  std::vector<std::string> header_values(std::string_view name) const;
  // True for a 2xx status.
  bool ok() const noexcept { return status >= 200 && status < 300; }
};

// True when `a` and `b` are equal ignoring ASCII case, as header names compare.
bool iequals(std::string_view a, std::string_view b) noexcept;

// `url` safe to print: user:password@ is removed and the values of query parameters whose name
// suggests a credential (signature, token, key, secret, password, credential) become "REDACTED".
std::string redact_url(std::string_view url);

// The host part of `url` ("example.com" for "https://u@example.com:8443/x"), or "" if none.
std::string url_host(std::string_view url);

// True when `url` starts with http:// or https://.
bool is_http_url(std::string_view url) noexcept;

// Whether `uri_encode` turns `/` into `%2F` (query names and values, form fields) or keeps it
// (paths).
enum class SlashEncoding { encode, keep };

// Percent-encodes every byte of `bytes` except the unreserved A-Z a-z 0-9 - _ . ~ (and `/` when
// `slash` is keep), with upper-case hex digits (RFC 3986; what SigV4 requires too).
std::string uri_encode(std::string_view bytes, SlashEncoding slash);

} // namespace velocity::net
