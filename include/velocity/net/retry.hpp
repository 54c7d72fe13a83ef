#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

// The arithmetic of retrying: backoff with jitter and the Retry-After header.
namespace velocity::net {

// The wait before retry number `retry` (1 for the first retry): uniformly random in
// [0, min(cap, base * 2^(retry-1))] ("full jitter"), so clients that failed together spread out.
std::chrono::milliseconds backoff_delay(int retry, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, std::mt19937_64& rng);

// The wait a Retry-After header value asks for: delta-seconds ("120") or an HTTP-date
// ("Wed, 21 Oct 2015 07:28:00 GMT") relative to `now`; a date in the past means zero.
// Returns nothing for a value that is neither.
std::optional<std::chrono::milliseconds>
parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now);

} // namespace velocity::net
