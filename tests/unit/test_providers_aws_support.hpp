#pragma once

// What the AWS evaluator tests share: a batch of normalised evidence run through the checks, and
// the status one check gave one item.

#include <velocity/providers/aws/checks.hpp>

#include <string>
#include <vector>

namespace velocity::providers::aws::testing {

inline const time::TimePoint k_now = *time::parse_iso8601("2026-11-23T00:00:00Z");

inline Batch batch_of(const std::string& type, std::vector<nlohmann::json> items) {
  Batch batch;
  batch.type = type;
  batch.account_id = "123456789012";
  for (size_t i = 0; i < items.size(); ++i) {
    batch.evidence.push_back(Evidence{.type = type,
                                      .resource_id = "r" + std::to_string(i),
                                      .account_id = "123456789012",
                                      .region = "us-east-1",
                                      .data = std::move(items[i]),
                                      .raw_sha256 = ""});
  }
  evaluate_checks(batch, k_now);
  return batch;
}

// The status of `check` on evidence `index`, or "none".
inline std::string status(const Batch& batch, const std::string& check, size_t index = 0) {
  for (const Finding& finding : batch.findings) {
    if (finding.check_id == check && finding.evidence == index) {
      return std::string(to_string(finding.status));
    }
  }
  return "none";
}

// The reason of `check` on evidence `index`, or "".
inline std::string reason(const Batch& batch, const std::string& check, size_t index = 0) {
  for (const Finding& finding : batch.findings) {
    if (finding.check_id == check && finding.evidence == index) {
      return finding.reason;
    }
  }
  return "";
}

} // namespace velocity::providers::aws::testing
