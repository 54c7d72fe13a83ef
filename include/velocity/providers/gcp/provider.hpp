#pragma once

#include <velocity/providers/provider.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

// Google Cloud as a velocity platform: the projects a service-account key can read.
namespace velocity::providers::gcp {

// The plain (not secret) settings of a GCP integration, stored as JSON. The service-account
// key file is the integration's secret.
struct Settings {
  // The key's project (or connect --project): the one the connection test reads, and the only
  // one collected unless `all_projects`.
  std::string project_id;
  // Collect every ACTIVE project the key can list (connect without --project).
  bool all_projects = false;
  std::string client_email;
  // Where the JWT-bearer grant is posted (also the JWT's audience).
  std::string token_uri = "https://oauth2.googleapis.com/token";
  // Sends every API call to this base URL instead of the googleapis.com hosts (--api-endpoint).
  std::optional<std::string> api_endpoint;
  std::string credential_source;

  // Throws UsageError for a malformed project id or a non-http(s) URL.
  void validate() const;
  nlohmann::json to_json() const;
  static Settings from_json(const nlohmann::json& json);
};

// What velocity needs from a service-account key file (JSON as Google issues it).
struct ServiceAccountKey {
  std::string client_email;
  std::string private_key_id;
  std::string private_key; // PEM
  std::string project_id;
  std::string token_uri;
};

// Reads a key file's JSON; throws UsageError naming `origin` when it is not a service-account
// key (wrong type, missing client_email or private_key, or a key that is not RSA PEM).
ServiceAccountKey parse_key(const std::string& json_text, const std::string& origin);

// The GCP platform: its evidence types and the checks it evaluates.
const Platform& platform();

// Adds the findings of the checks that read `batch`'s evidence (by its `kind` in data).
void run_checks(Batch& batch);

} // namespace velocity::providers::gcp
