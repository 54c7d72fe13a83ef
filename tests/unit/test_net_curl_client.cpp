// CurlHttpClient::perform against tests/fakes/fault_server.py: retries, Retry-After, timeouts,
// resets, refused connections, TLS failures, the body cap, and what error messages may say.

#include "test_net_fault_server.hpp"

#include <velocity/core/error.hpp>
#include <velocity/net/curl_client.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using velocity::net::ClientOptions;
using velocity::net::CurlHttpClient;
using velocity::net::Request;
using velocity::net::Response;
using velocity::net::testing::FaultServer;
using velocity::net::testing::json_number;

namespace {

// Fast backoff so retries cost milliseconds, not seconds.
ClientOptions quick_options() {
  ClientOptions options;
  options.backoff_base = 10ms;
  options.backoff_cap = 40ms;
  options.connect_timeout = 2000ms;
  options.attempt_timeout = 5000ms;
  options.user_agent = "velocity-test";
  return options;
}

Request get(const std::string& url) {
  return Request{.method = "GET", .url = url};
}

long attempts_seen(CurlHttpClient& client, const FaultServer& server, const std::string& key) {
  return json_number(client.perform(get(server.url("/count/" + key))).body, "count");
}

// The message of the RemoteError `request` ends with; fails the test if something else happens.
std::string remote_error(CurlHttpClient& client, const Request& request) {
  try {
    Response response = client.perform(request);
    FAIL("expected a RemoteError, got HTTP " << response.status);
  } catch (const velocity::RemoteError& error) {
    CHECK(error.code() == velocity::ExitCode::remote);
    return error.what();
  }
  return {};
}

} // namespace

TEST_CASE("CurlHttpClient::perform") {
  FaultServer& server = velocity::net::testing::shared_fault_server();
  CurlHttpClient client(quick_options());

  SUBCASE("returns status, headers in order with case-insensitive lookup, and body") {
    Response response = client.perform(get(server.url("/headers?h=X-Multi:a&h=x-multi:b")));
    CHECK(response.status == 200);
    CHECK(response.ok());
    CHECK(response.body == "headers\n");
    CHECK(response.attempts == 1);
    CHECK(response.header("X-MULTI") == "a");
    CHECK(response.header_values("x-multi") == std::vector<std::string>{"a", "b"});
    CHECK(response.header("content-length") == "8");
    CHECK_FALSE(response.header("X-Absent").has_value());
  }

  SUBCASE("sends the method, headers and body as given, without curl's extra headers") {
    std::string body(5000, 'b'); // past the size where curl would add Expect: 100-continue
    Request request{.method = "PUT",
                    .url = server.url("/echo"),
                    .headers = {{"X-First", "1"}, {"X-Empty", ""}, {"Content-Type", "text/xml"}},
                    .body = body};
    Response response = client.perform(request);
    REQUIRE(response.status == 200);
    CHECK(response.body.find(R"("method": "PUT")") != std::string::npos);
    CHECK(response.body.find(R"(["X-First", "1"])") != std::string::npos);
    CHECK(response.body.find(R"(["X-Empty", ""])") != std::string::npos);
    CHECK(response.body.find(R"(["Content-Type", "text/xml"])") != std::string::npos);
    CHECK(response.body.find(R"(["User-Agent", "velocity-test"])") != std::string::npos);
    CHECK(response.body.find(R"(["Content-Length", "5000"])") != std::string::npos);
    CHECK(response.body.find("Expect") == std::string::npos);
    CHECK(response.body.find(R"("body": ")" + body + "\"") != std::string::npos);
  }

  SUBCASE("POST without a Content-Type does not get a form Content-Type") {
    Response response =
      client.perform(Request{.method = "POST", .url = server.url("/echo"), .body = "a=1"});
    CHECK(response.body.find(R"("method": "POST")") != std::string::npos);
    CHECK(response.body.find("x-www-form-urlencoded") == std::string::npos);
    CHECK(response.body.find(R"(["Content-Length", "3"])") != std::string::npos);
  }

  SUBCASE("HEAD gets the headers without a body") {
    Response response = client.perform(Request{.method = "HEAD", .url = server.url("/ok")});
    CHECK(response.status == 200);
    CHECK(response.header("Content-Length") == "3");
    CHECK(response.body.empty());
  }

  SUBCASE("retries 500s and succeeds after N failures") {
    Response response = client.perform(get(server.url("/fail/2?key=f2")));
    CHECK(response.status == 200);
    CHECK(response.attempts == 3);
    CHECK(attempts_seen(client, server, "f2") == 3);
  }

  SUBCASE("stops after max_retries and returns the last response") {
    ClientOptions options = quick_options();
    options.max_retries = 2;
    CurlHttpClient bounded(options);
    Response response = bounded.perform(get(server.url("/status/503?key=s503")));
    CHECK(response.status == 503);
    CHECK(response.attempts == 3);
    CHECK(attempts_seen(client, server, "s503") == 3);
  }

  SUBCASE("does not retry a status that is not retryable") {
    Response response = client.perform(get(server.url("/status/404?key=s404")));
    CHECK(response.status == 404);
    CHECK(response.attempts == 1);
    CHECK(attempts_seen(client, server, "s404") == 1);
  }

  SUBCASE("does not retry a request whose policy says never") {
    Request request = get(server.url("/fail/1?key=never"));
    request.retry = velocity::net::RetryPolicy::never;
    Response response = client.perform(request);
    CHECK(response.status == 500);
    CHECK(response.attempts == 1);
  }

  SUBCASE("honours Retry-After in seconds") {
    Response response = client.perform(get(server.url("/throttle?key=ra&times=1&retry_after=1")));
    CHECK(response.status == 200);
    CHECK(response.attempts == 2);
    CHECK(response.elapsed >= 1000ms);
  }

  SUBCASE("honours Retry-After as an HTTP-date") {
    // The date has whole seconds, so "now + 2 s" is between 1 and 2 seconds away.
    Response response =
      client.perform(get(server.url("/throttle?key=rd&times=1&retry_after=2&date=1")));
    CHECK(response.status == 200);
    CHECK(response.attempts == 2);
    CHECK(response.elapsed >= 900ms);
  }

  SUBCASE("returns a 429 at once when Retry-After is longer than max_retry_after") {
    auto started = std::chrono::steady_clock::now();
    Response response =
      client.perform(get(server.url("/throttle?key=long&times=1&retry_after=3600")));
    CHECK(response.status == 429);
    CHECK(response.attempts == 1);
    CHECK(response.header("Retry-After") == "3600");
    CHECK(std::chrono::steady_clock::now() - started < 1s);
  }

  SUBCASE("a provider's classifier makes an XML Throttling error retryable") {
    ClientOptions options = quick_options();
    options.retry_classifier = [](const Response& response) {
      if (response.status == 400 &&
          response.body.find("<Code>Throttling</Code>") != std::string::npos) {
        return std::optional<std::chrono::milliseconds>(0ms);
      }
      return velocity::net::default_retry_classifier(response);
    };
    CurlHttpClient aws_like(options);
    Response response = aws_like.perform(get(server.url("/xml-error?key=x1&times=2")));
    CHECK(response.status == 200);
    CHECK(response.attempts == 3);

    Response plain = client.perform(get(server.url("/xml-error?key=x2&times=2")));
    CHECK(plain.status == 400);
    CHECK(plain.attempts == 1);
  }

  SUBCASE("tells the retry observer why and how long it waits") {
    ClientOptions options = quick_options();
    std::vector<std::string> reasons;
    options.on_retry = [&reasons](const Request&, int failed, std::chrono::milliseconds delay,
                                  const std::string& reason) {
      CHECK(delay <= 40ms);
      reasons.push_back(std::to_string(failed) + ":" + reason);
    };
    CurlHttpClient observed(options);
    observed.perform(get(server.url("/fail/2?key=obs&code=502")));
    CHECK(reasons == std::vector<std::string>{"1:HTTP 502", "2:HTTP 502"});
  }

  SUBCASE("enforces the attempt timeout") {
    ClientOptions options = quick_options();
    options.attempt_timeout = 300ms;
    options.max_retries = 1;
    CurlHttpClient impatient(options);
    auto started = std::chrono::steady_clock::now();
    std::string message = remote_error(impatient, get(server.url("/slow?ms=3000")));
    auto took = std::chrono::steady_clock::now() - started;
    CHECK(message.find("timed out") != std::string::npos);
    CHECK(message.find("(after 2 attempts)") != std::string::npos);
    CHECK(took >= 600ms);
    CHECK(took < 2000ms);
  }

  SUBCASE("a per-request timeout overrides the client's") {
    Request request = get(server.url("/slow?ms=2000"));
    request.timeout = 200ms;
    request.retry = velocity::net::RetryPolicy::never;
    std::string message = remote_error(client, request);
    CHECK(message.find("within 200 ms") != std::string::npos);
  }

  SUBCASE("retries after a connection reset and succeeds") {
    Response response = client.perform(get(server.url("/reset?key=rs&times=1")));
    CHECK(response.status == 200);
    CHECK(response.attempts == 2);
  }

  SUBCASE("a connection that keeps resetting ends in a RemoteError") {
    std::string message = remote_error(client, get(server.url("/reset")));
    CHECK(message.find("connection reset") != std::string::npos);
    CHECK(message.find("(after 4 attempts)") != std::string::npos);
  }

  SUBCASE("a connection closed without an answer ends in a RemoteError") {
    std::string message = remote_error(client, get(server.url("/close")));
    CHECK(message.find("without a response") != std::string::npos);
  }

  SUBCASE("a truncated body is an error, not a short response") {
    std::string message = remote_error(client, get(server.url("/truncated?length=100&send=10")));
    CHECK(message.find("truncated: received 10 of 100 bytes") != std::string::npos);
  }

  SUBCASE("an invalid XML or JSON body is returned as it came") {
    CHECK(client.perform(get(server.url("/bad-xml"))).body.ends_with("</Buck"));
    CHECK(client.perform(get(server.url("/bad-json"))).body.starts_with("{\"items\""));
  }

  SUBCASE("a connection refused names the endpoint and the attempts") {
    ClientOptions options = quick_options();
    options.max_retries = 3;
    CurlHttpClient refused(options);
    int port = velocity::net::testing::unused_port();
    std::string url = "http://127.0.0.1:" + std::to_string(port) + "/x";
    CHECK(remote_error(refused, get(url)) ==
          "GET " + url + ": connection refused (after 4 attempts)");
  }

  SUBCASE("a DNS failure names the host") {
    ClientOptions options = quick_options();
    options.max_retries = 0;
    CurlHttpClient lookup(options);
    std::string message = remote_error(lookup, get("https://velocity-test.invalid/x"));
    CHECK(message.find("cannot resolve host velocity-test.invalid") != std::string::npos);
    CHECK(message.find("(after 1 attempt)") != std::string::npos);
  }

  SUBCASE("plain http to another machine is refused before anything is sent") {
    ClientOptions options = quick_options();
    options.max_retries = 0;
    CurlHttpClient client_for_remote(options);
    Request request = get("http://velocity-test.invalid/x");
    request.headers.emplace_back("Authorization", "Bearer secret-token");
    try {
      client_for_remote.perform(request);
      FAIL("expected the request to be refused");
    } catch (const velocity::UsageError& error) {
      const std::string message = error.what();
      CHECK(message.find("refused to send credentials in cleartext to "
                         "http://velocity-test.invalid") != std::string::npos);
      CHECK(message.find("secret-token") == std::string::npos);
    }
    options.allow_insecure_http = true;
    CurlHttpClient allowed(options);
    CHECK(
      remote_error(allowed, get("http://velocity-test.invalid/x")).find("cannot resolve host") !=
      std::string::npos);
  }

  SUBCASE("plain http to this machine needs no permission") {
    CHECK(client.perform(get(server.url("/count/loopback"))).status == 200);
  }

  SUBCASE("TLS to a server that does not speak it fails with a TLS error") {
    ClientOptions options = quick_options();
    options.max_retries = 0;
    CurlHttpClient tls(options);
    std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/ok";
    std::string message = remote_error(tls, get(url));
    CHECK(message.find("TLS") != std::string::npos);
  }

  SUBCASE("error messages carry no header values and no URL credentials") {
    int port = velocity::net::testing::unused_port();
    Request request = get("http://user:pw-secret@127.0.0.1:" + std::to_string(port) +
                          "/x?X-Amz-Signature=sig-secret&Action=List");
    request.headers = {{"Authorization", "Bearer token-secret"}};
    request.retry = velocity::net::RetryPolicy::never;
    std::string message = remote_error(client, request);
    CHECK(message.find("secret") == std::string::npos);
    CHECK(message.find("X-Amz-Signature=REDACTED&Action=List") != std::string::npos);
  }

  SUBCASE("a line break in a header is refused before anything is sent") {
    Request request = get(server.url("/ok?key=crlf"));
    request.headers = {{"X-Injected", "a\r\nEvil: 1"}};
    CHECK_THROWS_AS(client.perform(request), velocity::UsageError);
    CHECK(attempts_seen(client, server, "crlf") == 0);
  }

  SUBCASE("a method that is not a plain token is refused") {
    Request request = get(server.url("/ok"));
    request.method = "GET /other HTTP/1.1\r\nX:";
    CHECK_THROWS_AS(client.perform(request), velocity::UsageError);
  }

  SUBCASE("an unsupported scheme is a usage error") {
    CHECK_THROWS_AS(client.perform(get("file:///etc/passwd")), velocity::UsageError);
  }
}

TEST_CASE("CurlHttpClient::perform body cap") {
  FaultServer& server = velocity::net::testing::shared_fault_server();
  ClientOptions options = quick_options();
  options.max_body_bytes = 1 << 20;
  CurlHttpClient client(options);

  SUBCASE("a body at the limit arrives whole") {
    CHECK(client.perform(get(server.url("/big?bytes=1048576"))).body.size() == 1048576);
    CHECK(client.perform(get(server.url("/big?bytes=1048576&chunked=1"))).body.size() == 1048576);
  }

  SUBCASE("a larger body with Content-Length fails without retrying") {
    std::string message = remote_error(client, get(server.url("/big?bytes=1048577")));
    CHECK(message.find("larger than the limit of 1048576 bytes (after 1 attempt)") !=
          std::string::npos);
  }

  SUBCASE("a larger chunked body fails once it passes the limit") {
    std::string message = remote_error(client, get(server.url("/big?bytes=8388608&chunked=1")));
    CHECK(message.find("larger than the limit of 1048576 bytes (after 1 attempt)") !=
          std::string::npos);
  }
}

TEST_CASE("CurlHttpClient::CurlHttpClient") {
  SUBCASE("refuses a CA bundle it cannot read") {
    ClientOptions options;
    options.ca_bundle = "/nonexistent/ca.pem";
    CHECK_THROWS_AS(CurlHttpClient{options}, velocity::UsageError);
  }

  SUBCASE("refuses a concurrency of zero") {
    ClientOptions options;
    options.max_concurrency = 0;
    CHECK_THROWS_AS(CurlHttpClient{options}, velocity::UsageError);
  }
}
