#pragma once

// Internal to the cli module: option checks for numbers. CLI11's NonNegativeNumber and
// PositiveNumber name the largest double as their bound, a 300-digit error message.

#include <CLI/CLI.hpp>

namespace velocity::cli {

// Accepts a number >= 0: "--audit-cost: must be 0 or more, not -1".
CLI::Validator non_negative();

// Accepts a number > 0: "--hourly-rate: must be more than 0, not 0".
CLI::Validator positive();

} // namespace velocity::cli
