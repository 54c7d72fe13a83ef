#pragma once

#include <velocity/store/findings.hpp>
#include <velocity/store/verdict.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// What every cloud provider produces: evidence (one resource as the API described it) and
// findings (one automated check's verdict on one resource). Shared by AWS, GCP, Azure, GitHub.
namespace velocity::providers {

// Severity and Status are the store's (velocity/store/verdict.hpp): findings carry them as enums
// all the way into the state and back.
using store::parse_severity;
using store::parse_status;
using store::Severity;
using store::Status;
using store::to_string;

// One automated check a platform evaluates: its stable id (`aws_s3_bucket_object_versioning`) and
// the evidence type it reads. Everything else about it (severity, title, risk, remediation, the
// controls it tests) is its entry in the check catalogue,
// frameworks/checks/<platform>[-<service>].yaml.
struct CheckInfo {
  std::string id;
  std::string evidence_type;
};

// One evidence type of a platform (`security_groups`) and the API calls behind it.
struct EvidenceTypeInfo {
  std::string id;
  std::string description;
  std::vector<std::string> calls;
};

// One resource as collected. `data` is the normalised description the checks read (it is
// stored encrypted); `raw_sha256` is the SHA-256 (hex) over the raw response bodies it was
// built from, in call order, so an auditor can tie it to what the API answered.
struct Evidence {
  std::string type;
  std::string resource_id; // an ARN, or the bucket name / group id
  std::string account_id;  // the cloud account (AWS account id, GCP project, ...)
  std::string region;      // "" for global resources
  nlohmann::json data;
  std::string raw_sha256;
};

// One check's verdict on one resource; `evidence` indexes the Batch's evidence it came from. It
// is what the store takes, so a batch's findings go into the state as they are. The evaluator
// leaves `severity` alone: the runner sets it from the check's catalogue entry.
using Finding = store::FindingInput;

// Everything one evidence type produced for one account: the unit stored in one transaction.
// An incomplete batch (a call was denied or failed) still carries what was collected.
struct Batch {
  std::string type;
  std::string account_id;
  std::vector<Evidence> evidence;
  std::vector<Finding> findings;
  // Why the batch is incomplete, one line per failed call; empty when complete.
  std::vector<std::string> problems;
  // What was left out on purpose and does not make the batch incomplete: a region where a
  // service is not offered or not enabled, one line each.
  std::vector<std::string> notes;

  bool complete() const noexcept { return problems.empty(); }
};

// One API call a collection would make, for --dry-run: nothing is sent.
struct PlannedCall {
  std::string evidence_type; // the type it feeds ("" for identity/discovery calls)
  std::string service;       // "iam", "ec2", ...
  std::string operation;     // "ListUsers"
  std::string region;        // a region, "" for global, or a note such as "each enabled region"
  std::string endpoint;      // the URL it would go to
  std::string note;          // "per user", "each page", ...
};

// How a connection test went.
enum class Health { healthy, degraded, unhealthy, unknown };

std::string_view to_string(Health health) noexcept;

// Why a connection test is not healthy, so every platform's failures map to the same exit
// codes (rejected credentials 3, denied 4, unreachable or other 6).
enum class TestFailure { none, rejected_credentials, denied, unreachable, other };

// The result of a connection test (for AWS, STS GetCallerIdentity).
struct ConnectionTest {
  TestFailure failure = TestFailure::none;
  Health status = Health::unknown;
  int64_t response_time_ms = 0;
  std::string account_id;
  std::string identity; // the caller's ARN or principal
  std::string region;
  std::string message;    // why it is not healthy; "" when healthy
  std::string error_code; // the remote error code when one came back
};

} // namespace velocity::providers
