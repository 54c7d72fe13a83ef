#pragma once

#include <velocity/net/http.hpp>
#include <velocity/providers/provider.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// GitHub (github.com or GitHub Enterprise Server) as a velocity platform: one organisation.
namespace velocity::providers::github {

// The plain (not secret) settings of a GitHub integration, stored as JSON. The token is the
// integration's secret.
struct Settings {
  std::string org;
  // REST API root without a trailing slash; GitHub Enterprise Server: https://HOST/api/v3.
  std::string api_url = "https://api.github.com";
  // The longest a collection waits, in total, for rate limits before giving a call up.
  int64_t max_wait_seconds = 900;
  // Where the token came from, in words (GITHUB_TOKEN, GH_TOKEN, a file).
  std::string credential_source;

  // Throws UsageError for an empty or malformed organisation or a non-http(s) API URL.
  void validate() const;
  nlohmann::json to_json() const;
  static Settings from_json(const nlohmann::json& json);
};

// The GitHub platform: its evidence types and the checks it evaluates.
const Platform& platform();

// The URL of the rel="next" link of a `Link` header, or nothing on the last page.
std::optional<std::string> next_link(std::string_view link_header);

// How long a rate-limited answer asks to wait before trying again, or nothing when `response`
// is not a rate limit: a 429, or a 403 with x-ratelimit-remaining 0, a retry-after, or the
// secondary-limit message. Uses retry-after, else x-ratelimit-reset (epoch seconds, against
// `now_epoch`), else one minute as GitHub's documentation advises.
std::optional<std::chrono::seconds> rate_limit_wait(const net::Response& response,
                                                    int64_t now_epoch);

// Adds the findings of the checks that read `batch`'s evidence (by its `kind` in data).
void run_checks(Batch& batch);

} // namespace velocity::providers::github
