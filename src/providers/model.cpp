#include <velocity/providers/model.hpp>

#include <algorithm>
#include <cctype>

namespace velocity::providers {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

} // namespace

std::string_view to_string(Severity severity) noexcept {
  switch (severity) {
  case Severity::low:
    return "low";
  case Severity::medium:
    return "medium";
  case Severity::high:
    return "high";
  case Severity::critical:
    return "critical";
  }
  return "medium";
}

std::optional<Severity> parse_severity(std::string_view text) {
  const std::string name = lower(text);
  for (Severity severity : {Severity::low, Severity::medium, Severity::high, Severity::critical}) {
    if (name == to_string(severity)) {
      return severity;
    }
  }
  return std::nullopt;
}

std::string_view to_string(Status status) noexcept {
  return status == Status::pass ? "PASS" : "FAIL";
}

std::optional<Status> parse_status(std::string_view text) {
  const std::string name = lower(text);
  if (name == "pass") {
    return Status::pass;
  }
  if (name == "fail") {
    return Status::fail;
  }
  return std::nullopt;
}

std::string_view to_string(Health health) noexcept {
  switch (health) {
  case Health::healthy:
    return "healthy";
  case Health::degraded:
    return "degraded";
  case Health::unhealthy:
    return "unhealthy";
  case Health::unknown:
    return "unknown";
  }
  return "unknown";
}

} // namespace velocity::providers
