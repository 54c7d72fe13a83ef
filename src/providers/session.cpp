#include <velocity/core/time.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/net/curl_client.hpp>
#include <velocity/net/retry.hpp>
#include <velocity/providers/session.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace velocity::providers {

namespace {

// A wait at least this long is announced on stderr, so a quiet collection is not mistaken for a
// hung one.
constexpr std::chrono::seconds k_announce_wait{10};
// A cached token is renewed this long before it expires, so no call carries a dying token.
constexpr int64_t k_token_margin_seconds = 300;
constexpr int64_t k_default_token_lifetime_seconds = 3600;
constexpr int64_t k_degraded_after_ms = 3000;

// The client must not retry what the session waits out itself: that wait is bounded by
// --max-wait and announced.
net::RetryClassifier leaving_rate_limits(RateLimitRule rule) {
  return [rule = std::move(rule)](const net::Response& response) {
    if (rule && rule(response)) {
      return std::optional<std::chrono::milliseconds>();
    }
    return net::default_retry_classifier(response);
  };
}

const nlohmann::json* string_member(const nlohmann::json& object, const char* key) {
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? &*found : nullptr;
}

} // namespace

CollectResult collect_by_type(Session& session, const std::string& account,
                              std::span<const std::string> types, CollectionSink& sink,
                              const std::function<void(Batch& batch)>& fill) {
  session.reset_counts();
  CollectResult result;
  result.accounts.push_back(account);
  for (const std::string& type : types) {
    Batch batch;
    batch.type = type;
    batch.account_id = account;
    fill(batch);
    sink.on_batch(std::move(batch));
  }
  result.api_calls = session.counts().calls;
  result.api_errors = session.counts().errors;
  return result;
}

void add_evidence(Batch& batch, std::string resource_id, std::string region, nlohmann::json data,
                  std::string_view raw) {
  batch.evidence.push_back(Evidence{.type = batch.type,
                                    .resource_id = std::move(resource_id),
                                    .account_id = batch.account_id,
                                    .region = std::move(region),
                                    .data = std::move(data),
                                    .raw_sha256 = crypto::to_hex(crypto::sha256(raw))});
}

ConnectionTest failed_test(ConnectionTest test, const net::Response& response,
                           std::string message) {
  const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  const bool oauth_error = body.is_object() && string_member(body, "error") != nullptr;
  test.status = Health::unhealthy;
  test.failure = response.status == 401 || (response.status == 400 && oauth_error)
                   ? TestFailure::rejected_credentials
                 : response.status == 403 ? TestFailure::denied
                                          : TestFailure::other;
  test.error_code = std::to_string(response.status);
  test.message = std::move(message);
  return test;
}

int64_t elapsed_ms(std::chrono::steady_clock::time_point started) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               started)
    .count();
}

Health health_after(int64_t response_time_ms) {
  return response_time_ms > k_degraded_after_ms ? Health::degraded : Health::healthy;
}

int64_t epoch_seconds() {
  return time::to_unix_ms(time::now()) / 1000;
}

LazyClient::LazyClient(const ProviderOptions& options, net::RetryClassifier retry)
  : m_client(options.client),
    m_http(options.http) {
  if (!m_client.retry_classifier) {
    m_client.retry_classifier = std::move(retry);
  }
}

net::HttpClient& LazyClient::get() {
  if (!m_http) {
    m_http = std::make_shared<net::CurlHttpClient>(m_client);
  }
  return *m_http;
}

std::optional<std::chrono::seconds> retry_after_429(const net::Response& response) {
  if (response.status != 429) {
    return std::nullopt;
  }
  const auto header = response.header("retry-after");
  if (!header) {
    return std::nullopt;
  }
  const auto wait = net::parse_retry_after(*header, std::chrono::system_clock::now());
  if (!wait) {
    return std::nullopt;
  }
  return std::chrono::ceil<std::chrono::seconds>(*wait);
}

std::string error_text(const net::Response& response) {
  const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_object()) {
    const auto error = body.find("error");
    if (error != body.end() && error->is_string()) {
      std::string description;
      if (const nlohmann::json* text = string_member(body, "error_description")) {
        description = text->get<std::string>();
      }
      return fmt::format("{}: {}", error->get<std::string>(),
                         description.substr(0, description.find_first_of("\r\n")));
    }
    if (error != body.end() && error->is_object()) {
      const nlohmann::json* code = string_member(*error, "status");
      code = code != nullptr ? code : string_member(*error, "code");
      const nlohmann::json* message = string_member(*error, "message");
      return fmt::format(
        "{}: {}", code != nullptr ? code->get<std::string>() : std::to_string(response.status),
        message != nullptr ? message->get<std::string>() : "");
    }
    if (const nlohmann::json* message = string_member(body, "message")) {
      return fmt::format("{} {}", response.status, message->get<std::string>());
    }
  }
  return fmt::format("HTTP {}: {}", response.status, response.body.substr(0, 200));
}

Session::Session(SessionRules rules, const ProviderOptions& options)
  : m_rules(std::move(rules)),
    m_options(options),
    m_http(options, leaving_rate_limits(m_rules.rate_limit)) {}

std::optional<std::string> Session::refuse_wait(std::chrono::seconds wait) const {
  std::chrono::seconds most{0};
  std::string whose;
  if (m_options.max_wait) {
    most = *m_options.max_wait;
    whose = "--max-wait of this collection";
  } else if (m_rules.integration_max_wait) {
    most = *m_rules.integration_max_wait;
    whose = "--max-wait of this integration";
  } else {
    most = std::chrono::floor<std::chrono::seconds>(m_options.client.max_retry_after);
    whose = "default --max-wait";
  }
  if (m_waited + wait <= most) {
    return std::nullopt;
  }
  return fmt::format("rate limited; {} asks to wait {} s, beyond the {} s {}", m_rules.platform,
                     wait.count(), most.count(), whose);
}

net::Response Session::send(const net::Request& request) {
  while (true) {
    net::Response response = m_http.get().perform(request);
    ++m_counts.calls;
    const auto asked = m_rules.rate_limit ? m_rules.rate_limit(response) : std::nullopt;
    if (!asked) {
      m_counts.errors += response.ok() ? 0 : 1;
      return response;
    }
    // At least a second, so that a server answering "wait 0 s" forever still ends at --max-wait.
    const std::chrono::seconds wait = std::max(*asked, std::chrono::seconds(1));
    if (const auto refusal = refuse_wait(wait)) {
      ++m_counts.errors;
      response.body =
        nlohmann::json{{"message", fmt::format("{} ({})", *refusal, error_text(response))}}.dump();
      return response;
    }
    if (wait >= k_announce_wait) {
      std::fprintf(stderr, "velocity: %s rate limit for integration %s: waiting %lld s\n",
                   m_rules.platform.c_str(), m_rules.integration.c_str(),
                   static_cast<long long>(wait.count()));
    }
    if (m_options.on_progress) {
      m_options.on_progress(fmt::format("rate limited, waiting {} s", wait.count()));
    }
    m_waited += wait;
    std::this_thread::sleep_for(wait);
  }
}

net::Response BearerToken::fetch(Session& session) {
  net::Response response =
    session.send(net::Request{.method = "POST",
                              .url = m_grant.url,
                              .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
                              .body = m_grant.form()});
  if (!response.ok()) {
    return response;
  }
  const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  const nlohmann::json* token = body.is_object() ? string_member(body, "access_token") : nullptr;
  if (token == nullptr) {
    throw RemoteError(
      fmt::format("the token endpoint {} answered without an access_token", m_grant.url));
  }
  // Google sends expires_in as a number, Microsoft Entra ID as a number or a numeric string.
  int64_t lifetime = k_default_token_lifetime_seconds;
  if (const auto expires = body.find("expires_in"); expires != body.end()) {
    if (expires->is_number_integer()) {
      lifetime = expires->get<int64_t>();
    } else if (expires->is_string()) {
      lifetime = std::strtoll(expires->get<std::string>().c_str(), nullptr, 10);
    }
  }
  m_token = token->get<std::string>();
  m_expires_at = epoch_seconds() + lifetime;
  return response;
}

const std::string&
BearerToken::get(Session& session, const std::function<StateError(const net::Response&)>& refused) {
  if (m_token.empty() || epoch_seconds() >= m_expires_at - k_token_margin_seconds) {
    const net::Response response = fetch(session);
    if (!response.ok()) {
      throw refused(response);
    }
  }
  return m_token;
}

Listing list_pages(std::string url, const std::string& what, const Paging& paging,
                   const std::function<net::Response(const std::string& url)>& get) {
  Listing listing;
  while (true) {
    const net::Response response = get(url);
    if (!response.ok()) {
      listing.problem = fmt::format("{}: {}", what, error_text(response));
      return listing;
    }
    listing.raw += response.body;
    const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
    const nlohmann::json* items = &body;
    if (!paging.items.empty()) {
      if (!body.is_object()) {
        listing.problem = what + ": the answer is not a JSON object";
        return listing;
      }
      static const nlohmann::json none = nlohmann::json::array();
      const auto found = body.find(paging.items);
      items = found == body.end() ? &none : &*found;
    }
    if (!items->is_array()) {
      listing.problem = paging.items.empty()
                          ? what + ": the answer is not a JSON array"
                          : fmt::format("{}: {} is not a JSON array", what, paging.items);
      return listing;
    }
    for (const nlohmann::json& item : *items) {
      listing.items.push_back(item);
    }
    const auto next = paging.next(response, body);
    if (!next) {
      return listing;
    }
    url = *next;
  }
}

} // namespace velocity::providers
