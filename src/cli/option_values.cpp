#include "option_values.hpp"

#include <velocity/core/error.hpp>
#include <velocity/core/suggest.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

namespace velocity::cli {

namespace {

CLI::Validator lower_bound(bool inclusive) {
  return CLI::Validator(
    [inclusive](std::string& input) -> std::string {
      double value = 0;
      if (!CLI::detail::lexical_cast(input, value)) {
        return "'" + input + "' is not a number";
      }
      if (inclusive ? value >= 0 : value > 0) {
        return {};
      }
      return (inclusive ? "must be 0 or more, not " : "must be more than 0, not ") + input;
    },
    inclusive ? "NONNEGATIVE" : "POSITIVE");
}

} // namespace

CLI::Validator non_negative() {
  return lower_bound(true);
}

CLI::Validator positive() {
  return lower_bound(false);
}

CLI::Validator within(double min, double max) {
  return CLI::Validator(
    [min, max](std::string& input) -> std::string {
      double value = 0;
      if (!CLI::detail::lexical_cast(input, value)) {
        return "'" + input + "' is not a number";
      }
      if (value >= min && value <= max) {
        return {};
      }
      return fmt::format("must be from {} to {}, not {}", min, max, input);
    },
    fmt::format("{}-{}", min, max));
}

// More known values than this are not listed in the hint (there are hundreds of check ids).
constexpr size_t k_listed_values = 20;

std::string require_one_of(std::string_view option, std::string_view what, const std::string& value,
                           std::vector<std::string> known) {
  std::sort(known.begin(), known.end());
  known.erase(std::unique(known.begin(), known.end()), known.end());
  if (std::find(known.begin(), known.end(), value) != known.end()) {
    return value;
  }
  const std::string guess = suggest::closest(value, known);
  throw UsageError(fmt::format("{} {}: no check has this {}{}", option, value, what,
                               guess.empty() ? "" : fmt::format(" (did you mean {}?)", guess)),
                   known.size() <= k_listed_values
                     ? fmt::format("the values are: {}", fmt::join(known, ", "))
                     : std::string("`velocity checks list` shows them"));
}

store::Severity severity_value(std::string_view option, const std::string& text) {
  if (const auto severity = store::parse_severity(text)) {
    return *severity;
  }
  throw UsageError(fmt::format("{} {} is not a severity", option, text),
                   "use low, medium, high or critical");
}

std::vector<std::string> split_comma_lists(const std::vector<std::string>& values) {
  std::vector<std::string> items;
  for (const std::string& value : values) {
    size_t start = 0;
    while (start <= value.size()) {
      const size_t comma = value.find(',', start);
      std::string item =
        value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!item.empty()) {
        items.push_back(std::move(item));
      }
      if (comma == std::string::npos) {
        break;
      }
      start = comma + 1;
    }
  }
  return items;
}

void add_sarif_anchor_option(CLI::App& command, std::string& anchor) {
  command
    .add_option("--sarif-anchor", anchor,
                "with --format sarif-github: the repository file every result points at, since "
                "GitHub code scanning refuses a result without one (default README.md)")
    ->option_text("FILE")
    ->check(
      [](const std::string& path) -> std::string {
        // GitHub resolves the URI against the repository's root.
        if (path.empty() || path.starts_with('/') || path.find("://") != std::string::npos) {
          return "give a file's path relative to the repository root, not '" + path + "'";
        }
        return "";
      },
      "PATH");
}

} // namespace velocity::cli
