#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace velocity::time {

using Clock = std::chrono::system_clock;
using TimePoint = std::chrono::time_point<Clock, std::chrono::milliseconds>;

// The current UTC time, to the millisecond.
TimePoint now();

// "2026-11-23T07:59:04.123Z".
std::string to_iso8601(TimePoint t);

// Parses "2026-11-23", "2026-11-23T07:59:04Z" or "2026-11-23T07:59:04.123Z" (UTC), or nothing.
std::optional<TimePoint> parse_iso8601(std::string_view text);

// Milliseconds since the Unix epoch, and back.
int64_t to_unix_ms(TimePoint t);
TimePoint from_unix_ms(int64_t ms);

} // namespace velocity::time
