#include "findings_summary.hpp"

#include <velocity/report/render.hpp>

#include <fmt/format.h>

namespace velocity::report {

using nlohmann::json;

EvidenceFile evidence_file(const store::EvidenceRecord& record,
                           const std::vector<store::FindingRecord>& findings) {
  json data = json::parse(record.payload, nullptr, false);
  if (data.is_discarded()) {
    data = record.payload; // kept as text rather than lost
  }
  json checks = json::array();
  for (const auto& finding : findings) {
    checks.push_back(finding_json(finding));
  }
  const json file = {{"id", record.id},
                     {"integration", record.integration},
                     {"platform", record.platform},
                     {"type", record.type},
                     {"resource_id", record.resource_id},
                     {"account_id", record.account_id},
                     {"region", record.region},
                     {"raw_sha256", record.raw_sha256},
                     {"first_collected_at", record.first_collected_at},
                     {"collected_at", record.collected_at},
                     {"data", data},
                     {"findings", checks}};
  return {fmt::format("evidence/{}.json", record.id), file.dump(2) + "\n"};
}

} // namespace velocity::report
