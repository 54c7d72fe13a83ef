#pragma once

#include <velocity/core/error.hpp>
#include <velocity/net/client.hpp>
#include <velocity/providers/provider.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

// What the providers share below their own auth flow, endpoints and evidence: the HTTP client
// made on first use, and for the REST platforms (GitHub, Google Cloud, Azure) one session that
// counts calls and errors, waits out rate limits within --max-wait, keeps a bearer token until
// shortly before it expires, and follows a list's pages by the platform's rule.
namespace velocity::providers {

// The HttpClient a provider calls: the one ProviderOptions carries (a fake in tests), else a
// CurlHttpClient made on first use from its client options, retrying what `retry` says unless
// the options name their own classifier.
class LazyClient {
public:
  LazyClient(const ProviderOptions& options, net::RetryClassifier retry);

  net::HttpClient& get();

private:
  net::ClientOptions m_client;
  std::shared_ptr<net::HttpClient> m_http;
};

// How long a rate-limited answer asks to wait, or nothing when `response` is not a rate limit.
using RateLimitRule =
  std::function<std::optional<std::chrono::seconds>(const net::Response& response)>;

// The usual rule: a 429 whose Retry-After (seconds or an HTTP date) says how long.
std::optional<std::chrono::seconds> retry_after_429(const net::Response& response);

// The text of an error answer, whichever of the platforms' shapes it has: an OAuth error
// ("invalid_grant: Invalid JWT Signature."), a Google or Azure API error ("PERMISSION_DENIED:
// ...", "AuthorizationFailed: ..."), GitHub's ("403 Must have admin rights"), or
// "HTTP 502: " and the start of the body.
std::string error_text(const net::Response& response);

// What a platform tells its session.
struct SessionRules {
  std::string platform;    // "GitHub", in messages
  std::string integration; // the integration's name, in messages
  // The answers the session waits out; the client retries the others as it always does.
  RateLimitRule rate_limit = retry_after_429;
  // The integration's own --max-wait (GitHub's), used when `collect --max-wait` is not given;
  // without either, the client's max_retry_after bounds the waits.
  std::optional<std::chrono::seconds> integration_max_wait = std::nullopt;
};

// Calls made, and those that ended in an error answer.
struct CallCounts {
  int64_t calls = 0;
  int64_t errors = 0;
};

class Session {
public:
  Session(SessionRules rules, const ProviderOptions& options);

  // Sends `request` and counts it (as an error unless the answer is 2xx). A rate limit the
  // rules recognise is waited out (announced on stderr from ten seconds) and the request sent
  // again, while the waits of the whole session stay within --max-wait; beyond it the
  // rate-limited answer comes back with a body {"message": why it was not waited for}.
  // Throws RemoteError when no answer arrives.
  net::Response send(const net::Request& request);

  const CallCounts& counts() const noexcept { return m_counts; }
  void reset_counts() noexcept { m_counts = {}; }

private:
  std::optional<std::string> refuse_wait(std::chrono::seconds wait) const;

  SessionRules m_rules;
  ProviderOptions m_options;
  LazyClient m_http;
  CallCounts m_counts;
  std::chrono::seconds m_waited{0};
};

// An OAuth 2.0 token endpoint and the form a grant posts there, made for each request (a
// JWT-bearer grant signs a fresh assertion every time).
struct TokenGrant {
  std::string url;
  std::function<std::string()> form;
};

// A bearer token from a token endpoint, kept until five minutes before it expires.
class BearerToken {
public:
  explicit BearerToken(TokenGrant grant) : m_grant(std::move(grant)) {}

  // Posts the grant now and keeps the token the endpoint grants. Returns the answer as it
  // came, so that a connection test can say why it was refused; throws RemoteError when a 2xx
  // answer holds no access_token.
  net::Response fetch(Session& session);

  // The kept token, or a fresh one; when the endpoint refuses, throws what `refused` makes of
  // its answer.
  const std::string& get(Session& session,
                         const std::function<StateError(const net::Response&)>& refused);

private:
  TokenGrant m_grant;
  std::string m_token;
  int64_t m_expires_at = 0; // Unix seconds
};

// Where a list goes on: the URL of the page after `response` (whose JSON is `body`), or
// nothing after the last page.
using NextPage = std::function<std::optional<std::string>(const net::Response& response,
                                                          const nlohmann::json& body)>;

// How a platform pages its lists.
struct Paging {
  // The member of a page's JSON object that holds its items; empty when a page is itself a
  // JSON array (GitHub).
  std::string items;
  NextPage next;
};

// A list as collected: its items, the raw bodies in call order (for raw_sha256), and why it
// ended before its last page ("" when complete).
struct Listing {
  nlohmann::json items = nlohmann::json::array();
  std::string raw;
  std::string problem;
};

// Gets `url` and each next page with `get` (the platform's authorised GET). An error answer
// ends the list with "WHAT: " and its error_text; so does a page of another shape.
Listing list_pages(std::string url, const std::string& what, const Paging& paging,
                   const std::function<net::Response(const std::string& url)>& get);

// Collects `types` of `account`, one batch each: `fill` collects a batch's evidence and runs
// its checks, then `sink` receives it. The calls and errors counted are the session's during
// the collection.
CollectResult collect_by_type(Session& session, const std::string& account,
                              std::span<const std::string> types, CollectionSink& sink,
                              const std::function<void(Batch& batch)>& fill);

// Adds to `batch` the evidence of one resource of its account, with the SHA-256 of `raw`: the
// answers the evidence was built from, in call order.
void add_evidence(Batch& batch, std::string resource_id, std::string region, nlohmann::json data,
                  std::string_view raw);

// `test` ended by the error answer `response`: unhealthy, with the failure the answer means
// (401, or an OAuth error such as invalid_grant: rejected credentials; 403: denied; anything else:
// other), its status as the error code, and `message`.
ConnectionTest failed_test(ConnectionTest test, const net::Response& response, std::string message);

// Milliseconds since `started`.
int64_t elapsed_ms(std::chrono::steady_clock::time_point started);

// Healthy, or degraded when a connection test took longer than three seconds.
Health health_after(int64_t response_time_ms);

// Unix seconds now.
int64_t epoch_seconds();

} // namespace velocity::providers
