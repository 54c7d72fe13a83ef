#pragma once

// Internal to the AWS provider: reading JSON answers and normalised evidence (collectors and
// evaluators alike), the rule predicates the evaluators share, and the hooks through which
// checks.cpp reaches the evaluators of other files.

#include <velocity/core/time.hpp>
#include <velocity/providers/findings.hpp>
#include <velocity/providers/model.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace velocity::providers::aws {

// The string at `key`, or "" when absent or not a string.
std::string str(const nlohmann::json& data, const char* key);
// The array at `key`, or an empty one (an XML tree gives "" for an empty list).
const nlohmann::json& list_at(const nlohmann::json& data, const char* key);
// true, non-zero, or "true".
bool truthy(const nlohmann::json& value);
// The value at `key` is truthy; false when absent or null.
bool flag(const nlohmann::json& data, const char* key);

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

// IAM (checks_iam.cpp): kinds root_user, account, user, policy, server_certificate,
// access_analyzer_region; false when `kind` is not one of them.
bool evaluate_iam(Batch& batch, size_t index, const std::string& kind, time::TimePoint now);
// Storage (checks_storage.cpp): kinds bucket, account_public_access_block, db_instance,
// file_system; false when `kind` is not one of them.
bool evaluate_storage(Batch& batch, size_t index, const std::string& kind);

// A security group rule that admits any IPv4 (0.0.0.0/0) or IPv6 (::/0) address.
bool from_world(const nlohmann::json& rule);
// A security group rule that admits every protocol, or every TCP port.
bool all_traffic(const nlohmann::json& rule);
// A security group rule that admits TCP `port` (directly, by a range, or by all traffic).
bool opens_port(const nlohmann::json& rule, int64_t port);

// Logging and monitoring (checks_logging.cpp): CloudTrail, Config recorders, KMS, Security Hub,
// CloudWatch metric filters and alarms.
const std::vector<CheckInfo>& logging_checks();
void evaluate_logging(Batch& batch, size_t index);

// An account-wide verdict that a failed call could have turned: recorded only when it passes or
// when everything it depends on was collected (else the check is not evaluated).
void add_account_finding(Batch& batch, size_t index, const char* check, bool pass, bool unknown,
                         const std::string& reason);
// A trail the benchmark's 3.1 accepts: multi-region, logging, read and write management events.
bool records_everything(const nlohmann::json& trail);
// A trail whose status or event selectors could not be read.
bool trail_unknown(const nlohmann::json& trail);
// The indexes of the batch's trails.
std::vector<size_t> trails_of(const Batch& batch);

// The CloudWatch monitoring recommendations 4.1-4.15 (checks_monitoring.cpp).
std::vector<const char*> monitoring_check_ids();
void check_log_monitoring(Batch& batch, size_t index);
// The terms of a CloudWatch Logs filter pattern, each "$.field=value", "$.field!=value" or
// "$.field NOT EXISTS" with whitespace and quotes removed.
std::set<std::string> filter_terms(std::string_view pattern);

// Networking and EC2 (checks_network.cpp): VPCs, flow logs, network ACLs, EBS, instances and the
// security group rules CIS section 5 adds.
const std::vector<CheckInfo>& network_checks();
void evaluate_network(Batch& batch, size_t index);

} // namespace velocity::providers::aws
