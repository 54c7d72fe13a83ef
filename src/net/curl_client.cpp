#include "curl_handles.hpp"
#include "curl_transfer.hpp"

#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/net/curl_client.hpp>
#include <velocity/net/retry.hpp>

#include <algorithm>
#include <functional>
#include <limits>
#include <mutex>
#include <queue>
#include <random>
#include <thread>
#include <utility>

namespace velocity::net {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Upper bound of one wait in the event loop, so a stuck transfer cannot stall the loop unseen.
constexpr milliseconds k_max_poll_wait{1000};

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (code != CURLE_OK) {
      throw RemoteError(std::string("cannot initialise libcurl: ") + curl_easy_strerror(code));
    }
  });
}

void validate(const ClientOptions& options) {
  if (options.max_concurrency < 1 || options.max_concurrency > 1024) {
    throw UsageError("HTTP client: max concurrency " + std::to_string(options.max_concurrency) +
                       " is out of range",
                     "use a value between 1 and 1024");
  }
  if (options.max_retries < 0 || options.max_retries > 100) {
    throw UsageError("HTTP client: max retries " + std::to_string(options.max_retries) +
                       " is out of range",
                     "use a value between 0 and 100");
  }
  if (options.connect_timeout.count() <= 0 || options.attempt_timeout.count() <= 0) {
    throw UsageError("HTTP client: timeouts must be positive");
  }
  if (options.backoff_base.count() < 0 || options.backoff_cap.count() < 0 ||
      options.max_retry_after.count() < 0) {
    throw UsageError("HTTP client: backoff durations must not be negative");
  }
  if (options.max_body_bytes == 0) {
    throw UsageError("HTTP client: the response body limit must be positive");
  }
  if (options.max_requests_per_second < 0) {
    throw UsageError("HTTP client: the request rate must not be negative");
  }
  if (options.ca_bundle) {
    fs::require_readable_file(*options.ca_bundle);
  }
}

// The multi interface fails only when out of memory or misused: nothing a retry would fix.
void check(CURLMcode code) {
  if (code != CURLM_OK) {
    throw RemoteError(std::string("HTTP client failure: ") + curl_multi_strerror(code));
  }
}

// One request's progress through its attempts.
struct Job {
  const Request* request = nullptr;
  int attempts = 0;
  Clock::time_point first_start;
  std::optional<Outcome> outcome;
};

// A request waiting to be (re)started: earliest time first, then request order.
struct Ready {
  Clock::time_point at;
  size_t job;
  bool operator>(const Ready& other) const {
    return at != other.at ? at > other.at : job > other.job;
  }
};

// A multi handle with its idle easy handles: everything one call of perform_all() needs.
// Connections stay in the multi handle's cache between calls.
class Session {
public:
  explicit Session(const ClientOptions& options)
    : m_options(options),
      m_multi(detail::make_multi()),
      m_rng(std::random_device{}()) {}

  std::vector<Outcome> run(std::span<const Request> requests);

private:
  using TransferPtr = std::unique_ptr<detail::Transfer>;

  void start(size_t job, Clock::time_point now);
  void finish(detail::Transfer* transfer, CURLcode code, Clock::time_point now);
  std::optional<milliseconds> response_retry_delay(const Job& job, const Response& response);
  void schedule_retry(size_t job, milliseconds delay, const std::string& reason,
                      Clock::time_point now);
  void complete(size_t job, Outcome outcome);
  void release_all() noexcept;

  const ClientOptions& m_options;
  detail::MultiHandle m_multi;
  std::vector<detail::EasyHandle> m_idle_easy;
  std::mt19937_64 m_rng;

  // State of the run in progress.
  std::vector<Job> m_jobs;
  std::vector<TransferPtr> m_running;
  std::priority_queue<Ready, std::vector<Ready>, std::greater<>> m_ready;
  size_t m_remaining = 0;
};

std::vector<Outcome> Session::run(std::span<const Request> requests) {
  m_jobs.assign(requests.size(), Job{});
  m_ready = {};
  m_remaining = requests.size();
  Clock::time_point begin = Clock::now();
  for (size_t i = 0; i < requests.size(); ++i) {
    m_jobs[i].request = &requests[i];
    m_ready.push(Ready{begin, i});
  }
  milliseconds rate_interval{0};
  if (m_options.max_requests_per_second > 0) {
    rate_interval = milliseconds{static_cast<int64_t>(1000.0 / m_options.max_requests_per_second)};
  }
  Clock::time_point next_start_allowed = begin;

  try {
    while (m_remaining > 0) {
      Clock::time_point now = Clock::now();
      while (m_running.size() < m_options.max_concurrency && !m_ready.empty() &&
             m_ready.top().at <= now && next_start_allowed <= now) {
        size_t job = m_ready.top().job;
        m_ready.pop();
        next_start_allowed = std::max(next_start_allowed, now) + rate_interval;
        start(job, now);
      }
      if (m_remaining == 0) {
        break;
      }
      if (m_running.empty()) {
        // Nothing in flight: sleep until the next retry or rate slot is due.
        std::this_thread::sleep_until(std::max(m_ready.top().at, next_start_allowed));
        continue;
      }
      int still_running = 0;
      check(curl_multi_perform(m_multi.get(), &still_running));
      bool finished_any = false;
      int queued = 0;
      while (CURLMsg* message = curl_multi_info_read(m_multi.get(), &queued)) {
        if (message->msg != CURLMSG_DONE) {
          continue;
        }
        void* owner = nullptr;
        curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &owner);
        finish(static_cast<detail::Transfer*>(owner), message->data.result, Clock::now());
        finished_any = true;
      }
      if (finished_any || m_remaining == 0) {
        continue;
      }
      milliseconds wait = k_max_poll_wait;
      if (!m_ready.empty() && m_running.size() < m_options.max_concurrency) {
        auto due = std::max(m_ready.top().at, next_start_allowed) - Clock::now();
        wait = std::clamp(std::chrono::ceil<milliseconds>(due), milliseconds{0}, wait);
      }
      check(curl_multi_poll(m_multi.get(), nullptr, 0, static_cast<int>(wait.count()), nullptr));
    }
  } catch (...) {
    release_all();
    throw;
  }

  std::vector<Outcome> outcomes;
  outcomes.reserve(m_jobs.size());
  for (Job& job : m_jobs) {
    outcomes.push_back(std::move(*job.outcome));
  }
  m_jobs.clear();
  return outcomes;
}

void Session::start(size_t job_index, Clock::time_point now) {
  Job& job = m_jobs[job_index];
  if (job.attempts == 0) {
    job.first_start = now;
  }
  auto transfer = std::make_unique<detail::Transfer>();
  transfer->job = job_index;
  if (m_idle_easy.empty()) {
    transfer->easy = detail::make_easy();
  } else {
    transfer->easy = std::move(m_idle_easy.back());
    m_idle_easy.pop_back();
  }
  std::optional<detail::Failure> failure = detail::configure(*transfer, *job.request, m_options);
  if (!failure && curl_multi_add_handle(m_multi.get(), transfer->easy.get()) != CURLM_OK) {
    failure = detail::Failure{TransportFailure::other, "cannot start the transfer", false};
  }
  if (failure) {
    job.attempts += 1;
    m_idle_easy.push_back(std::move(transfer->easy));
    complete(job_index,
             TransportError{failure->kind,
                            detail::failure_message(*job.request, failure->cause, job.attempts),
                            job.attempts});
    return;
  }
  m_running.push_back(std::move(transfer));
}

void Session::finish(detail::Transfer* transfer, CURLcode code, Clock::time_point now) {
  auto it = std::find_if(m_running.begin(), m_running.end(),
                         [transfer](const TransferPtr& p) { return p.get() == transfer; });
  if (it == m_running.end()) {
    return; // Not one of ours; cannot happen while every added handle is in m_running.
  }
  TransferPtr owned = std::move(*it);
  m_running.erase(it);
  curl_multi_remove_handle(m_multi.get(), owned->easy.get());

  Job& job = m_jobs[owned->job];
  job.attempts += 1;
  bool may_retry =
    job.request->retry == RetryPolicy::allowed && job.attempts <= m_options.max_retries;
  std::optional<detail::Failure> failure = detail::classify(code, *owned, *job.request, m_options);

  if (!failure) {
    long status = 0;
    curl_easy_getinfo(owned->easy.get(), CURLINFO_RESPONSE_CODE, &status);
    Response response;
    response.status = static_cast<int>(status);
    response.headers = std::move(owned->headers);
    response.body = std::move(owned->body);
    response.attempts = job.attempts;
    response.elapsed = std::chrono::duration_cast<milliseconds>(now - job.first_start);
    m_idle_easy.push_back(std::move(owned->easy));
    if (may_retry) {
      if (auto delay = response_retry_delay(job, response)) {
        schedule_retry(owned->job, *delay, "HTTP " + std::to_string(response.status), now);
        return;
      }
    }
    complete(owned->job, std::move(response));
    return;
  }

  m_idle_easy.push_back(std::move(owned->easy));
  if (may_retry && failure->retryable) {
    milliseconds delay =
      backoff_delay(job.attempts, m_options.backoff_base, m_options.backoff_cap, m_rng);
    schedule_retry(owned->job, delay, failure->cause, now);
    return;
  }
  complete(owned->job,
           TransportError{failure->kind,
                          detail::failure_message(*job.request, failure->cause, job.attempts),
                          job.attempts});
}

std::optional<milliseconds> Session::response_retry_delay(const Job& job,
                                                          const Response& response) {
  const RetryClassifier& classifier = m_options.retry_classifier;
  std::optional<milliseconds> wanted =
    classifier ? classifier(response) : default_retry_classifier(response);
  if (!wanted) {
    return std::nullopt;
  }
  if (auto header = response.header("Retry-After")) {
    if (auto asked = parse_retry_after(*header, std::chrono::system_clock::now())) {
      if (*asked > m_options.max_retry_after) {
        return std::nullopt; // Not worth blocking for: hand the response back now.
      }
      return std::max(*asked, *wanted);
    }
  }
  milliseconds backoff =
    backoff_delay(job.attempts, m_options.backoff_base, m_options.backoff_cap, m_rng);
  return std::max(backoff, *wanted);
}

void Session::schedule_retry(size_t job_index, milliseconds delay, const std::string& reason,
                             Clock::time_point now) {
  Job& job = m_jobs[job_index];
  if (m_options.on_retry) {
    m_options.on_retry(*job.request, job.attempts, delay, reason);
  }
  m_ready.push(Ready{now + delay, job_index});
}

void Session::complete(size_t job_index, Outcome outcome) {
  m_jobs[job_index].outcome.emplace(std::move(outcome));
  m_remaining -= 1;
}

void Session::release_all() noexcept {
  for (TransferPtr& transfer : m_running) {
    curl_multi_remove_handle(m_multi.get(), transfer->easy.get());
  }
  m_running.clear();
  m_jobs.clear();
  m_ready = {};
}

} // namespace

struct CurlHttpClient::Impl {
  ClientOptions options;
  std::mutex mutex;
  std::vector<std::unique_ptr<Session>> idle_sessions;
};

CurlHttpClient::CurlHttpClient(ClientOptions options) : m_impl(std::make_unique<Impl>()) {
  validate(options);
  init_curl_once();
  m_impl->options = std::move(options);
}

CurlHttpClient::~CurlHttpClient() = default;

const ClientOptions& CurlHttpClient::options() const noexcept {
  return m_impl->options;
}

std::vector<Outcome> CurlHttpClient::perform_all(std::span<const Request> requests) {
  if (requests.empty()) {
    return {};
  }
  std::unique_ptr<Session> session;
  {
    std::lock_guard lock(m_impl->mutex);
    if (!m_impl->idle_sessions.empty()) {
      session = std::move(m_impl->idle_sessions.back());
      m_impl->idle_sessions.pop_back();
    }
  }
  if (!session) {
    session = std::make_unique<Session>(m_impl->options);
  }
  // A session whose run threw is dropped with its connections rather than reused.
  std::vector<Outcome> outcomes = session->run(requests);
  {
    std::lock_guard lock(m_impl->mutex);
    m_impl->idle_sessions.push_back(std::move(session));
  }
  return outcomes;
}

} // namespace velocity::net
