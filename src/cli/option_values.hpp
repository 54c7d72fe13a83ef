#pragma once

// Internal to the cli module: reading option values. The number checks replace CLI11's
// NonNegativeNumber and PositiveNumber, which name the largest double as their bound, a 300-digit
// error message.

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace velocity::cli {

// Accepts a number >= 0: "--audit-cost: must be 0 or more, not -1".
CLI::Validator non_negative();

// Accepts a number > 0: "--hourly-rate: must be more than 0, not 0".
CLI::Validator positive();

// The items of repeated comma-separated values: {"a,b", "c"} is {"a", "b", "c"}; empty items
// are dropped.
std::vector<std::string> split_comma_lists(const std::vector<std::string>& values);

} // namespace velocity::cli
