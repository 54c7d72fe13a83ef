#include <velocity/store/verdict.hpp>

#include <algorithm>
#include <cctype>

namespace velocity::store {

namespace {

bool iequal(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
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
  for (const Severity severity : k_severities) {
    if (iequal(text, to_string(severity))) {
      return severity;
    }
  }
  return std::nullopt;
}

std::string_view to_string(Status status) noexcept {
  return status == Status::pass ? "PASS" : "FAIL";
}

std::optional<Status> parse_status(std::string_view text) {
  for (const Status status : {Status::pass, Status::fail}) {
    if (iequal(text, to_string(status))) {
      return status;
    }
  }
  return std::nullopt;
}

} // namespace velocity::store
