#include <velocity/core/error.hpp>
#include <velocity/providers/session.hpp>

#include <doctest/doctest.h>

#include <deque>

using namespace velocity;
using namespace velocity::providers;

namespace {

net::Response session_answer(int status, std::string body, net::Headers headers = {}) {
  net::Response response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  response.attempts = 1;
  return response;
}

// Answers each request with the next scripted response (404 when the script is done) and keeps
// what was asked.
class ScriptedSessionClient final : public net::HttpClient {
public:
  explicit ScriptedSessionClient(std::deque<net::Response> script) : m_script(std::move(script)) {}

  std::vector<net::Outcome> perform_all(std::span<const net::Request> requests) override {
    std::vector<net::Outcome> outcomes;
    for (const net::Request& request : requests) {
      requests_seen.push_back(request);
      if (m_script.empty()) {
        outcomes.emplace_back(session_answer(404, R"({"message":"Not Found"})"));
      } else {
        outcomes.emplace_back(std::move(m_script.front()));
        m_script.pop_front();
      }
    }
    return outcomes;
  }

  std::vector<net::Request> requests_seen;

private:
  std::deque<net::Response> m_script;
};

struct SessionFixture {
  std::shared_ptr<ScriptedSessionClient> client;
  ProviderOptions options;

  explicit SessionFixture(std::deque<net::Response> script)
    : client(std::make_shared<ScriptedSessionClient>(std::move(script))) {
    options.http = client;
  }

  Session session(RateLimitRule rule = retry_after_429,
                  std::optional<std::chrono::seconds> integration_max_wait = std::nullopt) const {
    return Session(SessionRules{.platform = "Example",
                                .integration = "ex",
                                .rate_limit = std::move(rule),
                                .integration_max_wait = integration_max_wait},
                   options);
  }
};

net::Request session_get(std::string url) {
  return net::Request{.method = "GET", .url = std::move(url)};
}

StateError refused(const net::Response& response) {
  return StateError("refused: " + error_text(response));
}

} // namespace

TEST_CASE("Session::send") {
  SUBCASE("counts every call, and the error answers") {
    SessionFixture fixture({session_answer(200, "{}"), session_answer(403, R"({"message":"no"})"),
                            session_answer(204, "")});
    Session session = fixture.session();
    CHECK(session.send(session_get("https://x/a")).status == 200);
    CHECK(session.send(session_get("https://x/b")).status == 403);
    CHECK(session.send(session_get("https://x/c")).status == 204);
    CHECK(session.counts().calls == 3);
    CHECK(session.counts().errors == 1);
    session.reset_counts();
    CHECK(session.counts().calls == 0);
  }
  SUBCASE("a rate limit within --max-wait is waited out and the call sent again") {
    SessionFixture fixture(
      {session_answer(429, R"({"error":{"code":"Throttled","message":"slow down"}})",
                      {{"Retry-After", "1"}}),
       session_answer(200, R"({"ok":true})")});
    fixture.options.max_wait = std::chrono::seconds(5);
    Session session = fixture.session();
    const auto started = std::chrono::steady_clock::now();
    CHECK(session.send(session_get("https://x/a")).body == R"({"ok":true})");
    CHECK(std::chrono::steady_clock::now() - started >= std::chrono::seconds(1));
    CHECK(fixture.client->requests_seen.size() == 2);
    CHECK(session.counts().calls == 2);
    CHECK(session.counts().errors == 0);
  }
  SUBCASE("a wait beyond --max-wait is refused, saying whose limit it was") {
    const net::Response throttled = session_answer(
      429, R"({"error":{"code":"Throttled","message":"slow down"}})", {{"Retry-After", "30"}});
    SUBCASE("the collection's") {
      SessionFixture fixture({throttled});
      fixture.options.max_wait = std::chrono::seconds(5);
      Session session = fixture.session(retry_after_429, std::chrono::seconds(600));
      const net::Response response = session.send(session_get("https://x/a"));
      CHECK(response.status == 429);
      CHECK(error_text(response) ==
            "429 rate limited; Example asks to wait 30 s, beyond the 5 s --max-wait of this "
            "collection (Throttled: slow down)");
      CHECK(session.counts().errors == 1);
    }
    SUBCASE("the integration's") {
      SessionFixture fixture({throttled});
      Session session = fixture.session(retry_after_429, std::chrono::seconds(10));
      CHECK(error_text(session.send(session_get("https://x/a")))
              .find("beyond the 10 s --max-wait of this integration") != std::string::npos);
    }
    SUBCASE("the default, the client's longest Retry-After") {
      SessionFixture fixture({throttled});
      fixture.options.client.max_retry_after = std::chrono::seconds(20);
      Session session = fixture.session();
      CHECK(error_text(session.send(session_get("https://x/a")))
              .find("beyond the 20 s default --max-wait") != std::string::npos);
    }
    SUBCASE("a wait of zero seconds counts as one, so --max-wait 0 never waits") {
      SessionFixture fixture({session_answer(429, "{}", {{"Retry-After", "0"}})});
      fixture.options.max_wait = std::chrono::seconds(0);
      Session session = fixture.session();
      CHECK(session.send(session_get("https://x/a")).status == 429);
      CHECK(fixture.client->requests_seen.size() == 1);
    }
  }
  SUBCASE("an answer the rule does not claim comes back as it is") {
    SessionFixture fixture({session_answer(429, "{}")});
    Session session = fixture.session();
    CHECK(session.send(session_get("https://x/a")).body == "{}");
    CHECK(session.counts().errors == 1);
  }
}

TEST_CASE("retry_after_429") {
  CHECK(retry_after_429(session_answer(429, "", {{"Retry-After", "7"}})) ==
        std::chrono::seconds(7));
  CHECK_FALSE(retry_after_429(session_answer(429, "")).has_value());
  CHECK_FALSE(retry_after_429(session_answer(503, "", {{"Retry-After", "7"}})).has_value());
}

TEST_CASE("error_text") {
  CHECK(error_text(session_answer(
          400, R"({"error":"invalid_grant","error_description":"Bad JWT.\nmore"})")) ==
        "invalid_grant: Bad JWT.");
  CHECK(error_text(session_answer(
          403, R"({"error":{"code":403,"message":"no","status":"PERMISSION_DENIED"}})")) ==
        "PERMISSION_DENIED: no");
  CHECK(
    error_text(session_answer(403, R"({"error":{"code":"AuthorizationFailed","message":"no"}})")) ==
    "AuthorizationFailed: no");
  CHECK(error_text(session_answer(404, R"({"message":"Not Found"})")) == "404 Not Found");
  CHECK(error_text(session_answer(502, "<html>bad gateway</html>")) ==
        "HTTP 502: <html>bad gateway</html>");
}

TEST_CASE("BearerToken") {
  const TokenGrant grant{.url = "https://login/token", .form = [] { return std::string("a=b"); }};
  SUBCASE("one token request for every call while the token lives") {
    SessionFixture fixture({session_answer(200, R"({"access_token":"t1","expires_in":3600})")});
    Session session = fixture.session();
    BearerToken token(grant);
    CHECK(token.get(session, refused) == "t1");
    CHECK(token.get(session, refused) == "t1");
    REQUIRE(fixture.client->requests_seen.size() == 1);
    CHECK(fixture.client->requests_seen[0].method == "POST");
    CHECK(fixture.client->requests_seen[0].body == "a=b");
  }
  SUBCASE("a token about to expire is renewed; expires_in may be a string") {
    SessionFixture fixture({session_answer(200, R"({"access_token":"t1","expires_in":"60"})"),
                            session_answer(200, R"({"access_token":"t2","expires_in":3600})")});
    Session session = fixture.session();
    BearerToken token(grant);
    CHECK(token.get(session, refused) == "t1");
    CHECK(token.get(session, refused) == "t2");
  }
  SUBCASE("a refusal throws what the provider makes of it") {
    SessionFixture fixture(
      {session_answer(400, R"({"error":"invalid_client","error_description":"nope"})")});
    Session session = fixture.session();
    BearerToken token(grant);
    CHECK_THROWS_WITH_AS(token.get(session, refused), "refused: invalid_client: nope", StateError);
  }
  SUBCASE("a grant without an access_token is a remote error") {
    SessionFixture fixture({session_answer(200, R"({"token_type":"Bearer"})")});
    Session session = fixture.session();
    BearerToken token(grant);
    CHECK_THROWS_AS(token.fetch(session), RemoteError);
  }
}

TEST_CASE("list_pages") {
  const Paging paging{
    .items = "value", .next = [](const net::Response&, const nlohmann::json& body) {
      return body.contains("next") ? std::optional<std::string>(body["next"].get<std::string>())
                                   : std::nullopt;
    }};
  std::vector<std::string> urls;
  const auto run = [&](std::deque<net::Response> script) {
    auto client = std::make_shared<ScriptedSessionClient>(std::move(script));
    return list_pages("https://x/1", "things.list", paging, [&](const std::string& url) {
      urls.push_back(url);
      return client->perform(session_get(url));
    });
  };
  SUBCASE("every page, in order, with the raw bodies") {
    const std::string first = R"({"value":[1,2],"next":"https://x/2"})";
    const std::string second = R"({"value":[3]})";
    const Listing listing = run({session_answer(200, first), session_answer(200, second)});
    CHECK(listing.problem.empty());
    CHECK(listing.items == nlohmann::json::array({1, 2, 3}));
    CHECK(listing.raw == first + second);
    CHECK(urls == std::vector<std::string>{"https://x/1", "https://x/2"});
  }
  SUBCASE("an error answer ends the list with what was collected before it") {
    const Listing listing =
      run({session_answer(200, R"({"value":[1],"next":"https://x/2"})"),
           session_answer(403, R"({"error":{"code":"AuthorizationFailed","message":"no"}})")});
    CHECK(listing.items == nlohmann::json::array({1}));
    CHECK(listing.problem == "things.list: AuthorizationFailed: no");
  }
  SUBCASE("a page of another shape is a problem, not a crash") {
    CHECK(run({session_answer(200, "[1]")}).problem ==
          "things.list: the answer is not a JSON object");
    CHECK(run({session_answer(200, R"({"value":{"a":1}})")}).problem ==
          "things.list: value is not a JSON array");
    CHECK(run({session_answer(200, "{}")}).items.empty());
  }
}

TEST_CASE("failed_test") {
  const auto failure = [](int status, std::string body) {
    return failed_test(ConnectionTest{}, session_answer(status, std::move(body)), "why").failure;
  };
  CHECK(failure(401, "{}") == TestFailure::rejected_credentials);
  CHECK(failure(400, R"({"error":"invalid_grant"})") == TestFailure::rejected_credentials);
  CHECK(failure(400, R"({"error":{"code":"InvalidApiVersion"}})") == TestFailure::other);
  CHECK(failure(403, "{}") == TestFailure::denied);
  CHECK(failure(500, "{}") == TestFailure::other);
  const ConnectionTest test = failed_test(ConnectionTest{}, session_answer(404, "{}"), "why");
  CHECK(test.status == Health::unhealthy);
  CHECK(test.error_code == "404");
  CHECK(test.message == "why");
}
