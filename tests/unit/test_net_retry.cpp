#include <velocity/net/retry.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <ctime>
#include <random>
#include <string>

using namespace std::chrono_literals;
using velocity::net::backoff_delay;
using velocity::net::parse_retry_after;

namespace {

// `t` as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT").
std::string http_date(std::chrono::system_clock::time_point t) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  std::strftime(buffer, sizeof(buffer), "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return buffer;
}

} // namespace

TEST_CASE("backoff_delay") {
  std::mt19937_64 rng(42);

  SUBCASE("stays within [0, base * 2^(retry-1)] and reaches its upper part") {
    for (int retry = 1; retry <= 4; ++retry) {
      auto ceiling = 100ms * (1 << (retry - 1));
      std::chrono::milliseconds largest{0};
      for (int i = 0; i < 500; ++i) {
        auto delay = backoff_delay(retry, 100ms, 10s, rng);
        CHECK(delay >= 0ms);
        CHECK(delay <= ceiling);
        largest = std::max(largest, delay);
      }
      CHECK(largest >= ceiling * 3 / 4);
    }
  }

  SUBCASE("never exceeds the cap, even for huge retry numbers") {
    for (int retry : {5, 20, 62, 63, 64, 1000}) {
      for (int i = 0; i < 50; ++i) {
        CHECK(backoff_delay(retry, 100ms, 1s, rng) <= 1s);
      }
    }
  }

  SUBCASE("is zero before the first retry or with a zero base") {
    CHECK(backoff_delay(0, 100ms, 1s, rng) == 0ms);
    CHECK(backoff_delay(3, 0ms, 1s, rng) == 0ms);
  }
}

TEST_CASE("parse_retry_after") {
  auto now = std::chrono::system_clock::now();

  SUBCASE("delta-seconds") {
    CHECK(parse_retry_after("120", now) == 120s);
    CHECK(parse_retry_after(" 0 ", now) == 0ms);
    CHECK(parse_retry_after("99999999999999999999999", now) == std::chrono::milliseconds::max());
  }

  SUBCASE("an HTTP-date in the future is the time until then") {
    auto wait = parse_retry_after(http_date(now + 30s), now);
    REQUIRE(wait.has_value());
    CHECK(*wait > 28s);
    CHECK(*wait <= 30s);
  }

  SUBCASE("an HTTP-date in the past means no wait") {
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now) == 0ms);
  }

  SUBCASE("anything else is not a Retry-After") {
    CHECK_FALSE(parse_retry_after("", now).has_value());
    CHECK_FALSE(parse_retry_after("-1", now).has_value());
    CHECK_FALSE(parse_retry_after("1.5", now).has_value());
    CHECK_FALSE(parse_retry_after("soon", now).has_value());
  }
}
