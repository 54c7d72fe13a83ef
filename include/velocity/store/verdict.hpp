#pragma once

#include <array>
#include <optional>
#include <string_view>

// A check's verdict on one resource and how much a failure matters: what the providers produce,
// what the store keeps (as text only in its SQL) and what reports count. Here, in the lowest
// module that holds findings, so every module above passes the enums, never their spelling.
namespace velocity::store {

// How much a failing check matters; --fail-on compares against it (low < ... < critical).
enum class Severity { low, medium, high, critical };

// Every severity, from low to critical.
inline constexpr std::array<Severity, 4> k_severities = {Severity::low, Severity::medium,
                                                         Severity::high, Severity::critical};

// "low", "medium", "high", "critical".
std::string_view to_string(Severity severity) noexcept;
// Parses a severity name (case-insensitive); nothing when unknown.
std::optional<Severity> parse_severity(std::string_view text);

// A check's verdict on one resource.
enum class Status { pass, fail };

// "PASS" or "FAIL".
std::string_view to_string(Status status) noexcept;
// Parses "PASS"/"FAIL" (case-insensitive); nothing when unknown.
std::optional<Status> parse_status(std::string_view text);

} // namespace velocity::store
