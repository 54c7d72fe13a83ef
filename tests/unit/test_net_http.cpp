#include <velocity/core/error.hpp>
#include <velocity/net/client.hpp>
#include <velocity/net/http.hpp>

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

using velocity::net::Outcome;
using velocity::net::Request;
using velocity::net::Response;
using velocity::net::TransportError;
using velocity::net::TransportFailure;

namespace {

// An HttpClient that answers from a script, to check what the interface adds on top.
class ScriptedClient : public velocity::net::HttpClient {
public:
  explicit ScriptedClient(std::vector<Outcome> script) : m_script(std::move(script)) {}

  std::vector<Outcome> perform_all(std::span<const Request> requests) override {
    std::vector<Outcome> outcomes;
    for (size_t i = 0; i < requests.size(); ++i) {
      outcomes.push_back(m_script.at(m_next++));
    }
    return outcomes;
  }

private:
  std::vector<Outcome> m_script;
  size_t m_next = 0;
};

} // namespace

TEST_CASE("Response::header") {
  Response response;
  response.headers = {
    {"Content-Type", "text/xml"}, {"Link", "<a>; rel=\"next\""}, {"link", "<b>; rel=\"last\""}};

  SUBCASE("finds the first value whatever the case") {
    CHECK(response.header("content-type") == "text/xml");
    CHECK(response.header("LINK") == "<a>; rel=\"next\"");
    CHECK_FALSE(response.header("Content").has_value());
  }

  SUBCASE("header_values returns every value in order") {
    CHECK(response.header_values("Link") ==
          std::vector<std::string>{"<a>; rel=\"next\"", "<b>; rel=\"last\""});
    CHECK(response.header_values("X-None").empty());
  }
}

TEST_CASE("iequals") {
  CHECK(velocity::net::iequals("Retry-After", "retry-after"));
  CHECK_FALSE(velocity::net::iequals("Retry-After", "Retry-Afte"));
  CHECK_FALSE(velocity::net::iequals("a", "b"));
}

TEST_CASE("redact_url") {
  using velocity::net::redact_url;

  SUBCASE("removes user information") {
    CHECK(redact_url("https://user:pw@example.com:8443/a?b=1") == "https://example.com:8443/a?b=1");
  }

  SUBCASE("redacts credential-like query values and keeps the rest") {
    CHECK(redact_url("https://b.s3.amazonaws.com/k?X-Amz-Signature=abc&X-Amz-Security-Token=t&"
                     "X-Amz-Expires=60&access_token=z") ==
          "https://b.s3.amazonaws.com/k?X-Amz-Signature=REDACTED&X-Amz-Security-Token=REDACTED&"
          "X-Amz-Expires=60&access_token=REDACTED");
    CHECK(redact_url("http://h/?Action=DescribeRegions&Version=2016-11-15") ==
          "http://h/?Action=DescribeRegions&Version=2016-11-15");
  }

  SUBCASE("drops the fragment and leaves plain URLs alone") {
    CHECK(redact_url("https://example.com/a#token=x") == "https://example.com/a");
    CHECK(redact_url("https://example.com") == "https://example.com");
  }
}

TEST_CASE("url_host") {
  using velocity::net::url_host;
  CHECK(url_host("https://example.com/x") == "example.com");
  CHECK(url_host("http://u:p@127.0.0.1:8080") == "127.0.0.1");
  CHECK(url_host("http://[::1]:9000/x") == "[::1]");
  CHECK(url_host("not a url").empty());
}

TEST_CASE("default_retry_classifier") {
  Response response;
  for (int status : {429, 500, 502, 503, 504}) {
    response.status = status;
    CHECK(velocity::net::default_retry_classifier(response).has_value());
  }
  for (int status : {200, 301, 400, 401, 403, 404, 409, 501}) {
    response.status = status;
    CHECK_FALSE(velocity::net::default_retry_classifier(response).has_value());
  }
}

TEST_CASE("Outcome::response") {
  SUBCASE("a response is returned whatever its status") {
    Response response;
    response.status = 500;
    Outcome outcome(response);
    CHECK(outcome.ok());
    CHECK(outcome.response().status == 500);
    CHECK_THROWS_AS(outcome.error(), std::logic_error);
  }

  SUBCASE("a transport error throws RemoteError with its message") {
    Outcome outcome(TransportError{TransportFailure::timeout, "GET http://h/: timed out", 4});
    CHECK_FALSE(outcome.ok());
    CHECK(outcome.error().attempts == 4);
    try {
      (void)outcome.response();
      FAIL("expected a RemoteError");
    } catch (const velocity::RemoteError& error) {
      CHECK(std::string(error.what()) == "GET http://h/: timed out");
      CHECK(error.code() == velocity::ExitCode::remote);
    }
  }

  SUBCASE("an invalid request throws UsageError") {
    Outcome outcome(TransportError{TransportFailure::invalid_request, "bad", 1});
    CHECK_THROWS_AS((void)outcome.response(), velocity::UsageError);
  }
}

TEST_CASE("HttpClient::perform") {
  SUBCASE("returns the one response of a batch of one") {
    Response response;
    response.status = 204;
    ScriptedClient client({Outcome(response)});
    CHECK(client.perform(Request{}).status == 204);
  }

  SUBCASE("throws the transport error of a batch of one") {
    ScriptedClient client(
      {Outcome(TransportError{TransportFailure::connection_refused, "refused", 4})});
    CHECK_THROWS_AS(client.perform(Request{}), velocity::RemoteError);
  }
}
