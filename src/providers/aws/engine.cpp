#include <velocity/crypto/digest.hpp>
#include <velocity/providers/aws/engine.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <thread>

namespace velocity::providers::aws {

const std::string& CallResult::body_sha256() const {
  if (m_sha256.empty()) {
    m_sha256 = crypto::to_hex(crypto::sha256(body));
  }
  return m_sha256;
}

std::string CallResult::name() const {
  if (call == nullptr) {
    return "?";
  }
  // As IAM names the action: CloudWatch is signed as "monitoring" but its actions are cloudwatch:.
  return (call->service == "monitoring" ? std::string("cloudwatch") : call->service) + ":" +
         call->operation;
}

std::string CallResult::describe_error() const {
  if (!error) {
    return name();
  }
  std::string where =
    call != nullptr && !call->region.empty() && call->service != "iam" ? " in " + call->region : "";
  if (transport_failure) {
    return fmt::format("{}{}: {}", name(), where, error->message);
  }
  return fmt::format("{}{}: {}{}{}", name(), where, error->code, error->message.empty() ? "" : ": ",
                     error->message);
}

Engine::Engine(net::HttpClient& http, Endpoints endpoints)
  : m_http(http),
    m_endpoints(std::move(endpoints)) {}

void Engine::submit(std::shared_ptr<const Credentials> credentials, ApiCall call, Callback done,
                    std::chrono::milliseconds delay) {
  m_queue.push_back(Pending{std::move(credentials), std::move(call), std::move(done),
                            std::chrono::steady_clock::now() + delay});
}

void Engine::run() {
  while (!m_queue.empty()) {
    std::vector<Pending> round;
    std::vector<Pending> waiting;
    const auto clock = std::chrono::steady_clock::now();
    for (Pending& pending : m_queue) {
      (pending.due <= clock ? round : waiting).push_back(std::move(pending));
    }
    m_queue = std::move(waiting);
    if (round.empty()) {
      const auto earliest =
        std::min_element(m_queue.begin(), m_queue.end(),
                         [](const Pending& a, const Pending& b) { return a.due < b.due; });
      std::this_thread::sleep_until(earliest->due);
      continue;
    }
    std::vector<net::Request> requests;
    requests.reserve(round.size());
    const time::TimePoint now = time::now();
    for (const Pending& pending : round) {
      requests.push_back(sign_call(pending.call, m_endpoints, *pending.credentials, now));
    }
    std::vector<net::Outcome> outcomes = m_http.perform_all(requests);
    m_calls += static_cast<int64_t>(round.size());
    for (size_t i = 0; i < round.size(); ++i) {
      CallResult result;
      result.call = &round[i].call;
      result.url = net::redact_url(requests[i].url);
      if (outcomes[i].ok()) {
        net::Response response = std::move(outcomes[i]).response();
        result.status = response.status;
        if (!response.ok()) {
          result.error = parse_error(response);
        }
        result.body = std::move(response.body);
        result.headers = std::move(response.headers);
      } else {
        const net::TransportError& failure = outcomes[i].error();
        result.transport_failure = true;
        result.transport_kind = failure.kind;
        result.error = AwsError{0, "Transport", failure.message, ""};
      }
      round[i].done(result);
      if (result.error && !result.expected) {
        ++m_errors;
      }
    }
    if (on_round) {
      on_round(m_calls);
    }
  }
}

} // namespace velocity::providers::aws
