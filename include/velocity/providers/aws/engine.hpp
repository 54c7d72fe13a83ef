#pragma once

#include <velocity/net/client.hpp>
#include <velocity/providers/aws/api.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

// Runs AWS calls in rounds: every call queued so far goes out in one concurrent batch (up to
// the client's concurrency), then each answer's callback runs and may queue follow-ups (next
// pages, per-resource calls) for the next round. One thread; callbacks never run concurrently.
namespace velocity::providers::aws {

// One call's answer: a 2xx response, an AWS error, or a transport failure.
struct CallResult {
  const ApiCall* call = nullptr;
  std::string url; // where it went (redacted), for messages
  int status = 0;  // 0 after a transport failure
  net::Headers headers;
  std::string body; // the raw body
  std::optional<AwsError> error;
  bool transport_failure = false;
  // What went wrong when `transport_failure`.
  net::TransportFailure transport_kind = net::TransportFailure::other;
  // Set by a callback when the error is an expected answer ("no password policy"), so it is not
  // counted as an API error.
  bool expected = false;

  bool ok() const noexcept { return !error.has_value(); }
  // SHA-256 (hex) of the raw body, computed once.
  const std::string& body_sha256() const;
  // "iam:ListUsers", as the IAM action is named ("cloudwatch:DescribeAlarms").
  std::string name() const;
  // "iam:ListUsers in us-east-1: AccessDenied: User ... is not authorized"
  std::string describe_error() const;

private:
  mutable std::string m_sha256;
};

class Engine {
public:
  using Callback = std::function<void(CallResult& result)>;

  Engine(net::HttpClient& http, Endpoints endpoints);

  // Queues `call` signed with `credentials`; `done` is told its result in a later round, not
  // before `delay` has passed (the calls due meanwhile go out without it).
  void submit(std::shared_ptr<const Credentials> credentials, ApiCall call, Callback done,
              std::chrono::milliseconds delay = std::chrono::milliseconds{0});

  // Sends rounds of the calls that are due until no call is queued, sleeping only when every
  // queued call waits for its time. Exceptions from callbacks propagate.
  void run();

  int64_t calls() const noexcept { return m_calls; }
  int64_t errors() const noexcept { return m_errors; }
  const Endpoints& endpoints() const noexcept { return m_endpoints; }

  // Told after each round: calls made so far.
  std::function<void(int64_t calls)> on_round;

private:
  struct Pending {
    std::shared_ptr<const Credentials> credentials;
    ApiCall call;
    Callback done;
    std::chrono::steady_clock::time_point due;
  };

  net::HttpClient& m_http;
  Endpoints m_endpoints;
  std::vector<Pending> m_queue;
  int64_t m_calls = 0;
  int64_t m_errors = 0;
};

} // namespace velocity::providers::aws
