#pragma once

#include <velocity/providers/model.hpp>

#include <string>
#include <string_view>
#include <vector>

// What every platform's evaluators share: recording a check's verdict on one resource.
namespace velocity::providers {

// Appends the verdict of check `check_id` on `batch.evidence[index]` to the batch's findings,
// with the resource, account and region of that evidence. The check's severity comes from its
// catalogue entry when the runner stores the batch.
void add_finding(Batch& batch, size_t index, std::string_view check_id, Status status,
                 std::string reason);

// "a, b, c": the resources or settings a reason names.
std::string comma_list(const std::vector<std::string>& items);

} // namespace velocity::providers
