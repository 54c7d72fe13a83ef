#include "checks.hpp"

#include <velocity/providers/findings.hpp>

#include <fmt/format.h>

#include <string>
#include <vector>

// The evaluators of Azure SQL servers and App Service apps. A member missing from the
// evidence (its call failed) leaves the checks reading it without a verdict.
namespace velocity::providers::azure {

namespace {

constexpr int64_t k_min_audit_retention_days = 90;

bool modern_tls(const std::string& version) {
  return version == "1.2" || version == "1.3";
}

void check_sql_auditing(Batch& batch, size_t index, const nlohmann::json& settings) {
  nlohmann::json policy = nlohmann::json::object();
  for (const nlohmann::json& setting : settings) {
    policy = setting.value("properties", nlohmann::json::object());
  }
  const bool enabled = policy.value("state", "") == "Enabled";
  add_finding(batch, index, "azure_sqlserver_auditing_enabled",
              enabled ? Status::pass : Status::fail,
              enabled ? "server auditing is enabled" : "server auditing is disabled");
  // retentionDays 0 keeps audit records without limit.
  const int64_t days = policy.value("retentionDays", int64_t{0});
  const bool kept = enabled && (days == 0 || days >= k_min_audit_retention_days);
  add_finding(batch, index, "azure_sqlserver_auditing_retention_90_days",
              kept ? Status::pass : Status::fail,
              !enabled    ? "server auditing is disabled, so nothing is retained"
              : days == 0 ? "audit records are kept without limit"
                          : fmt::format("audit records are kept {} days (at least {})", days,
                                        k_min_audit_retention_days));
}

void check_sql_firewall(Batch& batch, size_t index, const nlohmann::json& rules) {
  std::vector<std::string> open;
  for (const nlohmann::json& rule : rules) {
    const nlohmann::json props = rule.value("properties", nlohmann::json::object());
    if (props.value("startIpAddress", "") == "0.0.0.0" &&
        props.value("endIpAddress", "") == "255.255.255.255") {
      open.push_back(rule.value("name", "?"));
    }
  }
  add_finding(batch, index, "azure_sqlserver_unrestricted_inbound_access",
              open.empty() ? Status::pass : Status::fail,
              open.empty() ? "no firewall rule admits 0.0.0.0-255.255.255.255"
                           : "firewall rules admitting every address: " + comma_list(open));
}

void check_sql_databases(Batch& batch, size_t index, const nlohmann::json& databases) {
  std::vector<std::string> plain;
  size_t user_databases = 0;
  for (const nlohmann::json& database : databases) {
    if (!database.contains("tde_state")) {
      continue;
    }
    ++user_databases;
    if (database.value("tde_state", "") != "Enabled") {
      plain.push_back(database.value("name", "?"));
    }
  }
  if (user_databases == 0) {
    return;
  }
  add_finding(batch, index, "azure_sqlserver_tde_encryption_enabled",
              plain.empty() ? Status::pass : Status::fail,
              plain.empty() ? fmt::format("TDE is on for all {} database(s)", user_databases)
                            : "TDE is off for " + comma_list(plain));
}

} // namespace

void check_sql_server(Batch& batch, size_t index) {
  const nlohmann::json& data = batch.evidence[index].data;
  const std::string tls =
    data["server"].value("properties", nlohmann::json::object()).value("minimalTlsVersion", "");
  add_finding(batch, index, "azure_sqlserver_recommended_minimal_tls_version",
              modern_tls(tls) ? Status::pass : Status::fail,
              fmt::format("minimal TLS version is {}", tls.empty() ? "not set (any)" : tls));
  if (data.contains("auditing")) {
    check_sql_auditing(batch, index, data["auditing"]);
  }
  if (data.contains("administrators")) {
    std::string admin;
    for (const nlohmann::json& item : data["administrators"]) {
      const nlohmann::json props = item.value("properties", nlohmann::json::object());
      if (props.value("administratorType", "") == "ActiveDirectory") {
        admin = props.value("login", "?");
      }
    }
    add_finding(batch, index, "azure_sqlserver_azuread_administrator_enabled",
                admin.empty() ? Status::fail : Status::pass,
                admin.empty() ? "no Microsoft Entra administrator is set"
                              : "Microsoft Entra administrator: " + admin);
  }
  if (data.contains("firewall_rules")) {
    check_sql_firewall(batch, index, data["firewall_rules"]);
  }
  if (data.contains("databases")) {
    check_sql_databases(batch, index, data["databases"]);
  }
}

void check_web_app(Batch& batch, size_t index) {
  const nlohmann::json& data = batch.evidence[index].data;
  const nlohmann::json site = data.value("site", nlohmann::json::object());
  const bool https_only =
    site.value("properties", nlohmann::json::object()).value("httpsOnly", false);
  add_finding(batch, index, "azure_app_ensure_http_is_redirected_to_https",
              https_only ? Status::pass : Status::fail,
              https_only ? "HTTP is redirected to HTTPS" : "the app answers plain HTTP");
  const std::string identity =
    site.value("identity", nlohmann::json::object()).value("type", "None");
  const bool has_identity = identity != "None" && !identity.empty();
  add_finding(batch, index, "azure_app_register_with_identity",
              has_identity ? Status::pass : Status::fail,
              has_identity ? "managed identity: " + identity : "no managed identity");
  if (!data.contains("config")) {
    return;
  }
  const nlohmann::json& config = data["config"];
  const std::string tls = config.value("minTlsVersion", "");
  add_finding(batch, index, "azure_app_minimum_tls_version_12",
              modern_tls(tls) ? Status::pass : Status::fail,
              fmt::format("minimum TLS version is {}", tls.empty() ? "not set" : tls));
  // FTPS only and Disabled both keep credentials and content off plain FTP.
  const std::string ftps = config.value("ftpsState", "AllAllowed");
  add_finding(batch, index, "azure_app_ftp_deployment_disabled",
              ftps == "AllAllowed" ? Status::fail : Status::pass,
              ftps == "AllAllowed" ? "plain FTP deployment is allowed (ftpsState AllAllowed)"
                                   : fmt::format("ftpsState is {}", ftps));
}

} // namespace velocity::providers::azure
