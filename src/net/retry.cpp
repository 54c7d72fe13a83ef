#include <velocity/net/retry.hpp>

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <string>

namespace velocity::net {

std::chrono::milliseconds backoff_delay(int retry, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, std::mt19937_64& rng) {
  using std::chrono::milliseconds;
  if (retry < 1 || base.count() <= 0 || cap.count() <= 0) {
    return milliseconds{0};
  }
  // Doubling past 2^30 overflows nothing useful: the cap has long been reached by then.
  int64_t ceiling = cap.count();
  int shift = std::min(retry - 1, 30);
  if (base.count() <= ceiling >> shift) {
    ceiling = base.count() << shift;
  }
  std::uniform_int_distribution<int64_t> pick(0, ceiling);
  return milliseconds{pick(rng)};
}

std::optional<std::chrono::milliseconds>
parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
    value.remove_prefix(1);
  }
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
    value.remove_suffix(1);
  }
  if (value.empty()) {
    return std::nullopt;
  }
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int64_t seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc{} || end != value.data() + value.size()) {
      // More digits than fit in 64 bits: as good as forever.
      return milliseconds::max();
    }
    if (seconds > milliseconds::max().count() / 1000) {
      return milliseconds::max();
    }
    return milliseconds{seconds * 1000};
  }
  // curl_getdate reads the three date formats RFC 9110 allows (IMF-fixdate, RFC 850, asctime).
  std::string text(value);
  time_t when = curl_getdate(text.c_str(), nullptr);
  if (when == -1) {
    return std::nullopt;
  }
  auto target = system_clock::from_time_t(when);
  if (target <= now) {
    return milliseconds{0};
  }
  return duration_cast<milliseconds>(target - now);
}

} // namespace velocity::net
