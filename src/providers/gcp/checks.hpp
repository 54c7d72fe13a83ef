#pragma once

// Internal to the GCP provider: what the evaluators share, and the Compute Engine, Cloud DNS and
// Cloud SQL evaluators (checks_compute.cpp) that run_checks dispatches to.

#include <velocity/providers/model.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace velocity::providers::gcp {

// The part after the last '/': a resource's short name from its full name or URL.
std::string last_segment(const std::string& path);

// PASS with `good` when nothing is `offending`, else FAIL with "`bad`: a, b".
void verdict(Batch& batch, size_t index, std::string_view check,
             const std::vector<std::string>& offending, const std::string& good,
             const std::string& bad);

void check_network_list(Batch& batch, size_t index);
void check_network(Batch& batch, size_t index);
void check_firewall(Batch& batch, size_t index);
void check_subnet(Batch& batch, size_t index);
void check_dns_zone(Batch& batch, size_t index);
void check_compute_project(Batch& batch, size_t index);
void check_instance(Batch& batch, size_t index);
void check_sql_instance(Batch& batch, size_t index);

} // namespace velocity::providers::gcp
