#include "number_checks.hpp"

#include <string>

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

} // namespace velocity::cli
