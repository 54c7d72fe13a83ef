#include <velocity/core/time.hpp>

#include <fmt/format.h>

#include <cstdio>
#include <ctime>

namespace velocity::time {

TimePoint now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(Clock::now());
}

std::string to_iso8601(TimePoint t) {
  const int64_t ms = to_unix_ms(t);
  const std::time_t seconds = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  const int64_t millis = ms - static_cast<int64_t>(seconds) * 1000;
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

std::optional<TimePoint> parse_iso8601(std::string_view text) {
  const std::string s(text);
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &year, &month, &day, &consumed) != 3 ||
      consumed != 10) {
    return std::nullopt;
  }
  std::string_view rest = text.substr(10);
  if (!rest.empty()) {
    if (rest.front() != 'T' && rest.front() != ' ') {
      return std::nullopt;
    }
    const std::string time_part(rest.substr(1));
    if (std::sscanf(time_part.c_str(), "%2d:%2d:%2d%n", &hour, &minute, &second, &consumed) != 3 ||
        consumed != 8) {
      return std::nullopt;
    }
    std::string_view tail = rest.substr(1 + 8);
    if (!tail.empty() && tail.front() == '.') {
      tail.remove_prefix(1);
      int digits = 0;
      while (!tail.empty() && tail.front() >= '0' && tail.front() <= '9') {
        if (digits < 3) {
          millis = millis * 10 + (tail.front() - '0');
        }
        ++digits;
        tail.remove_prefix(1);
      }
      for (; digits < 3; ++digits) {
        millis *= 10;
      }
    }
    if (tail != "Z" && tail != "" && tail != "+00:00") {
      return std::nullopt;
    }
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year(year),
                                        std::chrono::month(static_cast<unsigned>(month)),
                                        std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) {
    return std::nullopt;
  }
  const auto days = std::chrono::sys_days(ymd);
  return TimePoint(std::chrono::time_point_cast<std::chrono::milliseconds>(days) +
                   std::chrono::hours(hour) + std::chrono::minutes(minute) +
                   std::chrono::seconds(second) + std::chrono::milliseconds(millis));
}

int64_t to_unix_ms(TimePoint t) {
  return t.time_since_epoch().count();
}

TimePoint from_unix_ms(int64_t ms) {
  return TimePoint(std::chrono::milliseconds(ms));
}

} // namespace velocity::time
