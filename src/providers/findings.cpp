#include <velocity/providers/findings.hpp>

#include <fmt/format.h>

namespace velocity::providers {

void add_finding(Batch& batch, size_t index, std::string_view check_id, Status status,
                 std::string reason) {
  const Evidence& evidence = batch.evidence[index];
  batch.findings.push_back(Finding{.check_id = std::string(check_id),
                                   .status = status,
                                   .resource_id = evidence.resource_id,
                                   .account_id = evidence.account_id,
                                   .region = evidence.region,
                                   .reason = std::move(reason),
                                   .evidence = index});
}

std::string comma_list(const std::vector<std::string>& items) {
  return fmt::format("{}", fmt::join(items, ", "));
}

} // namespace velocity::providers
