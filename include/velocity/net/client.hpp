#pragma once

#include <velocity/net/http.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

// The HTTP client interface every provider calls, and the options shared by its implementations.
namespace velocity::net {

// Decides whether a response is worth another attempt: nothing means "keep this response", a
// duration means "retry, waiting at least this long" (zero: just the backoff). Providers wrap
// default_retry_classifier() to add their own throttling answers (e.g. a 400 <Code>Throttling).
using RetryClassifier = std::function<std::optional<std::chrono::milliseconds>(const Response&)>;

// Told before each wait between attempts, e.g. to print a --verbose line. `reason` names the
// status or transport failure; it never contains header values.
using RetryObserver =
  std::function<void(const Request& request, int failed_attempts, std::chrono::milliseconds delay,
                     const std::string& reason)>;

// Retries 429, 500, 502, 503 and 504 after the backoff (or the Retry-After the server sent).
std::optional<std::chrono::milliseconds> default_retry_classifier(const Response& response);

// How a client behaves. The defaults suit calls to public cloud APIs.
struct ClientOptions {
  // Requests of one perform_all() call in flight at once.
  size_t max_concurrency = 8;
  // Request starts per second across a batch; 0 leaves them unlimited.
  double max_requests_per_second = 0;
  std::chrono::milliseconds connect_timeout{10'000};
  // Limit for one whole attempt (connect, send, wait, receive), not for all retries together.
  std::chrono::milliseconds attempt_timeout{60'000};
  // Attempts after the first; a request is tried at most max_retries + 1 times.
  int max_retries = 3;
  // Full-jitter backoff: the wait before retry n is random in [0, min(cap, base * 2^(n-1))].
  std::chrono::milliseconds backoff_base{200};
  std::chrono::milliseconds backoff_cap{20'000};
  // A Retry-After longer than this is not waited for: the response is returned as it is.
  std::chrono::milliseconds max_retry_after{120'000};
  // Responses whose body would be larger fail (TransportFailure::body_too_large), so a hostile
  // or broken server cannot exhaust memory.
  size_t max_body_bytes = size_t{64} << 20;
  // A PEM file of CA certificates to trust instead of the system store (--ca-bundle).
  std::optional<std::filesystem::path> ca_bundle;
  std::string user_agent = "velocity";
  // Every request velocity makes carries a credential (a signature, a bearer token, a client
  // secret), so plain http:// is refused unless it goes to this machine (fakes, emulators) or
  // the integration was connected with --allow-insecure-http.
  bool allow_insecure_http = false;
  // Which responses to retry; empty means default_retry_classifier.
  RetryClassifier retry_classifier;
  RetryObserver on_retry;
};

// Why a request got no HTTP response.
enum class TransportFailure {
  connection_refused,
  connect_failed,
  dns,
  timeout,
  tls,
  reset,
  truncated,
  body_too_large,
  invalid_request,
  other,
};

// A request that ended without an HTTP response, after its retries.
struct TransportError {
  TransportFailure kind = TransportFailure::other;
  // "GET http://127.0.0.1:1/x: connection refused (after 4 attempts)": the method, the redacted
  // URL, the cause and the attempts; never a header value.
  std::string message;
  int attempts = 0;
};

// The result of one request of a batch: a response (any status) or a transport error.
class Outcome {
public:
  Outcome(Response response) : m_value(std::move(response)) {}
  Outcome(TransportError error) : m_value(std::move(error)) {}

  // True when an HTTP response arrived (whatever its status).
  bool ok() const noexcept { return std::holds_alternative<Response>(m_value); }
  // The response; throws RemoteError (or UsageError for an invalid request) carrying the
  // transport error's message when there is none.
  const Response& response() const&;
  Response&& response() &&;
  // The transport error; throws std::logic_error when a response arrived.
  const TransportError& error() const;

private:
  std::variant<Response, TransportError> m_value;
};

// Throws the velocity error matching `error`: UsageError for an invalid request, else RemoteError.
[[noreturn]] void throw_transport_error(const TransportError& error);

// Sends HTTP requests, with retries. Implementations: CurlHttpClient, and fakes in tests.
class HttpClient {
public:
  virtual ~HttpClient() = default;

  // Sends `request` and returns its final response, whatever its status. Throws RemoteError
  // when no response arrived after the retries (UsageError for a malformed request).
  virtual Response perform(const Request& request);

  // Sends every request, up to the client's concurrency at a time, and returns one outcome per
  // request in the same order. One request failing does not affect the others.
  virtual std::vector<Outcome> perform_all(std::span<const Request> requests) = 0;
};

} // namespace velocity::net
