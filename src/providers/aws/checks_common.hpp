#pragma once

// Internal to the AWS provider: reading normalised evidence in the evaluators (checks*.cpp),
// and the evaluators of each service file, which checks.cpp dispatches to by evidence kind.

#include <velocity/core/time.hpp>
#include <velocity/providers/findings.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace velocity::providers::aws {

// data[key] when it is a string, else "".
std::string str(const nlohmann::json& data, const char* key);
// data[key], or null when `data` is not an object or has no `key` (operator[] on a const
// object must not be asked for a missing key).
const nlohmann::json& field(const nlohmann::json& data, const char* key);
// object[key] as an integer (numbers and digit strings), else 0.
int64_t number(const nlohmann::json& object, const char* key);
// IAM and S3 dates ("2026-11-23T06:05:03Z", with microseconds or an offset); the second is
// all the checks need. Nothing for "N/A", "no_information" and other non-dates.
std::optional<time::TimePoint> parse_date(const std::string& text);
// Whole days from `then` to `now`.
int64_t days_between(time::TimePoint then, time::TimePoint now);
// "a, b, c"
std::string join(const std::vector<std::string>& items);

// Evaluates IAM evidence (kinds root_user, account, user, policy, server_certificate,
// access_analyzer_region); false
// when `kind` is not one of them.
bool evaluate_iam(Batch& batch, size_t index, const std::string& kind, time::TimePoint now);

// Evaluates storage evidence (kinds bucket, account_public_access_block, db_instance,
// file_system); false
// when `kind` is not one of them.
bool evaluate_storage(Batch& batch, size_t index, const std::string& kind);

} // namespace velocity::providers::aws
