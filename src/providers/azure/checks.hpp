#pragma once

#include <velocity/providers/model.hpp>

#include <string>
#include <vector>

// The evaluators of the Azure checks, one function per kind of evidence; run_checks
// (provider.hpp) dispatches on the evidence's `kind`.
namespace velocity::providers::azure {

void check_storage_account(Batch& batch, size_t index);
void check_network_security_group(Batch& batch, size_t index);
void check_owners(Batch& batch, size_t index, const std::string& subscription_id);
void check_defender_plan(Batch& batch, size_t index);
void check_activity_log_diagnostics(Batch& batch, size_t index);
void check_activity_log_alerts(Batch& batch, size_t index);
void check_key_vault(Batch& batch, size_t index);
void check_virtual_machine(Batch& batch, size_t index);
void check_sql_server(Batch& batch, size_t index);
void check_web_app(Batch& batch, size_t index);

} // namespace velocity::providers::azure
