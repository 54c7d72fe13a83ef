#pragma once

#include <velocity/providers/provider.hpp>

#include <nlohmann/json.hpp>

#include <string>

// Microsoft Azure as a velocity platform: one subscription, read by a service principal with a
// client secret (client-credentials grant).
namespace velocity::providers::azure {

// The plain (not secret) settings of an Azure integration, stored as JSON. The client secret
// is the integration's secret.
struct Settings {
  std::string tenant_id;
  std::string client_id;
  std::string subscription_id;
  std::string authority_host = "https://login.microsoftonline.com";
  std::string arm_endpoint = "https://management.azure.com";
  std::string credential_source;

  // Throws UsageError for a missing id or a non-http(s) URL.
  void validate() const;
  nlohmann::json to_json() const;
  static Settings from_json(const nlohmann::json& json);
};

// The Azure platform: its evidence types and the checks it evaluates.
const Platform& platform();

// Adds the findings of the checks that read `batch`'s evidence (by its `kind` in data).
// `subscription_id` tells subscription-scope role assignments from narrower ones.
void run_checks(Batch& batch, const std::string& subscription_id);

// True when destination port `port` is inside an NSG port expression ("*", "22", "20-25").
bool port_in_range(const std::string& range, int port);

} // namespace velocity::providers::azure
