// CurlHttpClient::perform_all against tests/fakes/fault_server.py: real concurrency within the
// bound, results in request order, failures isolated, rate limiting, and connection reuse.

#include "test_net_fault_server.hpp"

#include <velocity/core/error.hpp>
#include <velocity/net/curl_client.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using velocity::net::ClientOptions;
using velocity::net::CurlHttpClient;
using velocity::net::Outcome;
using velocity::net::Request;
using velocity::net::testing::FaultServer;
using velocity::net::testing::json_number;

namespace {

using Clock = std::chrono::steady_clock;

ClientOptions batch_options(size_t concurrency) {
  ClientOptions options;
  options.max_concurrency = concurrency;
  options.backoff_base = 10ms;
  options.backoff_cap = 40ms;
  return options;
}

Request batch_get(const std::string& url) {
  return Request{.method = "GET", .url = url};
}

// Connections the server has accepted so far. The probe keeps its own single connection, so
// the difference between two readings is what other clients opened in between.
long connections(CurlHttpClient& probe, const FaultServer& server) {
  return json_number(probe.perform(batch_get(server.url("/stats"))).body, "connections");
}

} // namespace

TEST_CASE("CurlHttpClient::perform_all") {
  FaultServer& server = velocity::net::testing::shared_fault_server();

  SUBCASE("runs up to max_concurrency requests at once and keeps request order") {
    CurlHttpClient client(batch_options(8));
    std::vector<Request> requests;
    for (int i = 0; i < 8; ++i) {
      // Later requests answer sooner, so completion order is the reverse of request order.
      requests.push_back(batch_get(
        server.url("/slow?ms=" + std::to_string(450 - 20 * i) + "&tag=" + std::to_string(i))));
    }
    auto started = Clock::now();
    std::vector<Outcome> outcomes = client.perform_all(requests);
    auto took = Clock::now() - started;
    REQUIRE(outcomes.size() == 8);
    for (int i = 0; i < 8; ++i) {
      REQUIRE(outcomes[i].ok());
      CHECK(outcomes[i].response().status == 200);
      CHECK(outcomes[i].response().body.find("&tag=" + std::to_string(i) + "\n") !=
            std::string::npos);
    }
    CHECK(took >= 450ms);
    CHECK(took < 1000ms);
  }

  SUBCASE("never runs more than max_concurrency at once") {
    CurlHttpClient client(batch_options(2));
    std::vector<Request> requests(4, batch_get(server.url("/slow?ms=300")));
    auto started = Clock::now();
    std::vector<Outcome> outcomes = client.perform_all(requests);
    auto took = Clock::now() - started;
    CHECK(outcomes.size() == 4);
    CHECK(took >= 600ms);
    CHECK(took < 1150ms); // one at a time would take 1200 ms
  }

  SUBCASE("a failed request does not fail the others") {
    CurlHttpClient client(batch_options(4));
    int port = velocity::net::testing::unused_port();
    std::string refused = "http://127.0.0.1:" + std::to_string(port) + "/down";
    std::vector<Request> requests = {batch_get(server.url("/ok")), batch_get(refused),
                                     batch_get(server.url("/status/404")),
                                     batch_get(server.url("/fail/1?key=batch"))};
    std::vector<Outcome> outcomes = client.perform_all(requests);
    REQUIRE(outcomes.size() == 4);
    CHECK(outcomes[0].response().status == 200);
    REQUIRE_FALSE(outcomes[1].ok());
    CHECK(outcomes[1].error().kind == velocity::net::TransportFailure::connection_refused);
    CHECK(outcomes[1].error().attempts == 4);
    CHECK(outcomes[1].error().message ==
          "GET " + refused + ": connection refused (after 4 attempts)");
    CHECK_THROWS_AS(outcomes[1].response(), velocity::RemoteError);
    CHECK(outcomes[2].response().status == 404);
    CHECK(outcomes[3].response().status == 200);
    CHECK(outcomes[3].response().attempts == 2);
  }

  SUBCASE("a request waiting for its retry does not hold up the others") {
    CurlHttpClient client(batch_options(1));
    std::vector<Request> requests = {
      batch_get(server.url("/throttle?key=wait&times=1&retry_after=1")),
      batch_get(server.url("/slow?ms=200")), batch_get(server.url("/slow?ms=200"))};
    auto started = Clock::now();
    std::vector<Outcome> outcomes = client.perform_all(requests);
    auto took = Clock::now() - started;
    CHECK(outcomes[0].response().attempts == 2);
    CHECK(outcomes[1].response().status == 200);
    CHECK(outcomes[2].response().status == 200);
    // Sequential waits would take 1 s + 2 * 200 ms.
    CHECK(took < 1300ms);
  }

  SUBCASE("spaces request starts to max_requests_per_second") {
    ClientOptions options = batch_options(8);
    options.max_requests_per_second = 10;
    CurlHttpClient client(options);
    std::vector<Request> requests(5, batch_get(server.url("/ok")));
    auto started = Clock::now();
    std::vector<Outcome> outcomes = client.perform_all(requests);
    auto took = Clock::now() - started;
    CHECK(outcomes.size() == 5);
    CHECK(took >= 400ms);
    CHECK(took < 1000ms);
  }

  SUBCASE("an empty batch returns nothing") {
    CurlHttpClient client(batch_options(2));
    CHECK(client.perform_all({}).empty());
  }
}

TEST_CASE("CurlHttpClient connection reuse") {
  FaultServer& server = velocity::net::testing::shared_fault_server();

  CurlHttpClient probe(batch_options(1));
  long before = connections(probe, server);

  SUBCASE("sequential requests share one kept-alive connection") {
    CurlHttpClient client(batch_options(8));
    for (int i = 0; i < 10; ++i) {
      CHECK(client.perform(batch_get(server.url("/ok"))).status == 200);
    }
    CHECK(connections(probe, server) - before == 1);
  }

  SUBCASE("a second batch reuses the connections of the first") {
    CurlHttpClient client(batch_options(4));
    std::vector<Request> requests(4, batch_get(server.url("/slow?ms=100")));
    client.perform_all(requests);
    client.perform_all(requests);
    client.perform_all(requests);
    CHECK(connections(probe, server) - before == 4);
  }

  SUBCASE("a reset connection is replaced by a new one") {
    CurlHttpClient client(batch_options(1));
    CHECK(client.perform(batch_get(server.url("/ok"))).status == 200);
    CHECK(client.perform(batch_get(server.url("/reset?key=reuse&times=1"))).status == 200);
    CHECK(client.perform(batch_get(server.url("/ok"))).status == 200);
    CHECK(connections(probe, server) - before == 2);
  }

  SUBCASE("threads sharing a client each get a working session") {
    CurlHttpClient client(batch_options(2));
    std::vector<std::thread> threads;
    std::vector<int> statuses(4, 0);
    for (size_t i = 0; i < statuses.size(); ++i) {
      threads.emplace_back(
        [&, i] { statuses[i] = client.perform(batch_get(server.url("/slow?ms=100"))).status; });
    }
    for (std::thread& thread : threads) {
      thread.join();
    }
    CHECK(statuses == std::vector<int>(4, 200));
  }
}
