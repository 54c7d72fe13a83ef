#include "checks.hpp"

#include <velocity/providers/azure/provider.hpp>
#include <velocity/providers/findings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <initializer_list>

namespace velocity::providers::azure {

namespace {

constexpr int64_t k_max_owners = 3;
constexpr int64_t k_max_key_rotation_days = 90;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// One verdict from a boolean: `passed` picks the status and which of the two reasons is given.
void verdict(Batch& batch, size_t index, std::string_view check, bool passed, std::string if_pass,
             std::string if_fail) {
  add_finding(batch, index, check, passed ? Status::pass : Status::fail,
              passed ? std::move(if_pass) : std::move(if_fail));
}

// A boolean account property: its value, or `absent` (what Azure assumes) when it is not set.
bool flag(const nlohmann::json& props, const char* name, bool absent) {
  const auto found = props.find(name);
  return found != props.end() && found->is_boolean() ? found->get<bool>() : absent;
}

void check_storage_transport(Batch& batch, size_t index, const nlohmann::json& props) {
  // supportsHttpsTrafficOnly defaults to true since API version 2019-04-01; only an explicit
  // false lets plain HTTP in.
  verdict(batch, index, "azure_storage_secure_transfer_required_is_enabled",
          flag(props, "supportsHttpsTrafficOnly", true), "only HTTPS is accepted",
          "plain HTTP is accepted");
  // An account without minimumTlsVersion accepts TLS 1.0 (the old default).
  const std::string tls = props.value("minimumTlsVersion", "");
  verdict(batch, index, "azure_storage_ensure_minimum_tls_version_12",
          tls == "TLS1_2" || tls == "TLS1_3", fmt::format("minimum TLS version is {}", tls),
          fmt::format("minimum TLS version is {}", tls.empty() ? "not set (TLS1_0)" : tls));
}

void check_storage_access(Batch& batch, size_t index, const nlohmann::json& props) {
  // Without allowBlobPublicAccess, an older account allows containers to be made public.
  verdict(batch, index, "azure_storage_blob_public_access_level_is_disabled",
          !flag(props, "allowBlobPublicAccess", true), "public blob access is disallowed",
          props.contains("allowBlobPublicAccess")
            ? "public blob access is allowed"
            : "allowBlobPublicAccess is not set, so public access is allowed");
  // allowSharedKeyAccess null means true: account keys and SAS signed with them work.
  verdict(batch, index, "azure_storage_account_key_access_disabled",
          !flag(props, "allowSharedKeyAccess", true), "shared key access is disallowed",
          "shared key (account key) access is allowed");
  // Accounts created before December 2023 without the property allow cross-tenant replication.
  verdict(batch, index, "azure_storage_cross_tenant_replication_disabled",
          !flag(props, "allowCrossTenantReplication", true),
          "cross-tenant object replication is disallowed",
          props.contains("allowCrossTenantReplication")
            ? "cross-tenant object replication is allowed"
            : "allowCrossTenantReplication is not set, so older accounts allow it");
  verdict(batch, index, "azure_storage_default_to_entra_authorization_enabled",
          flag(props, "defaultToOAuthAuthentication", false),
          "the portal authorises with Microsoft Entra ID by default",
          "the portal authorises with the account key by default");
  const size_t endpoints =
    props.value("privateEndpointConnections", nlohmann::json::array()).size();
  verdict(batch, index, "azure_storage_ensure_private_endpoints_in_storage_accounts", endpoints > 0,
          fmt::format("{} private endpoint connection(s)", endpoints),
          "no private endpoint connection");
  const std::string public_access = props.value("publicNetworkAccess", "");
  verdict(batch, index, "azure_storage_account_public_network_access_disabled",
          public_access == "Disabled", "public network access is disabled",
          fmt::format("public network access is {}",
                      public_access.empty() ? "not set (enabled)" : public_access));
}

void check_storage_network(Batch& batch, size_t index, const nlohmann::json& props) {
  const nlohmann::json acls = props.value("networkAcls", nlohmann::json::object());
  const std::string default_action = acls.value("defaultAction", "Allow");
  verdict(batch, index, "azure_storage_default_network_access_rule_is_denied",
          default_action == "Deny", "the firewall denies networks not listed by default",
          fmt::format("the firewall's default action is {}", default_action));
  // bypass is a comma-separated list such as "Logging, Metrics, AzureServices".
  const std::string bypass = acls.value("bypass", "");
  verdict(batch, index, "azure_storage_ensure_azure_services_are_trusted_to_access_is_enabled",
          bypass.find("AzureServices") != std::string::npos,
          "trusted Microsoft services may pass the firewall",
          fmt::format("trusted Microsoft services may not pass the firewall (bypass: {})",
                      bypass.empty() ? "None" : bypass));
}

void check_storage_resilience(Batch& batch, size_t index, const nlohmann::json& account,
                              const nlohmann::json& props) {
  const bool infrastructure = props.value("encryption", nlohmann::json::object())
                                .value("requireInfrastructureEncryption", false);
  verdict(batch, index, "azure_storage_infrastructure_encryption_is_enabled", infrastructure,
          "data is encrypted twice (service and infrastructure)",
          "infrastructure encryption is off: data is encrypted once");
  const nlohmann::json policy = props.value("keyPolicy", nlohmann::json::object());
  const int64_t days = policy.value("keyExpirationPeriodInDays", int64_t{0});
  verdict(batch, index, "azure_storage_key_rotation_90_days",
          days > 0 && days <= k_max_key_rotation_days,
          fmt::format("account keys are due for rotation every {} days", days),
          days > 0 ? fmt::format("account keys are due for rotation every {} days (more than {})",
                                 days, k_max_key_rotation_days)
                   : "no key expiration period is set, so no rotation reminder");
  const std::string sku = account.value("sku", nlohmann::json::object()).value("name", "");
  verdict(batch, index, "azure_storage_geo_redundant_enabled",
          sku.find("GRS") != std::string::npos || sku.find("GZRS") != std::string::npos,
          fmt::format("replicated to a second region ({})", sku),
          fmt::format("not replicated to a second region ({})", sku.empty() ? "no SKU" : sku));
}

// The blob service of an account: soft delete for blobs and containers (both, as the benchmark
// asks in 9.2.1 and 9.2.2) and versioning.
void check_blob_service(Batch& batch, size_t index, const nlohmann::json& service) {
  std::vector<std::string> off;
  for (const auto& [policy, what] : {std::pair{"deleteRetentionPolicy", "blobs"},
                                     std::pair{"containerDeleteRetentionPolicy", "containers"}}) {
    if (!service.value(policy, nlohmann::json::object()).value("enabled", false)) {
      off.emplace_back(what);
    }
  }
  verdict(batch, index, "azure_storage_ensure_soft_delete_is_enabled", off.empty(),
          "soft delete is on for blobs and containers",
          "soft delete is off for " + comma_list(off));
  verdict(batch, index, "azure_storage_blob_versioning_is_enabled",
          service.value("isVersioningEnabled", false), "blob versioning is on",
          "blob versioning is off");
}

std::vector<std::string> strings(const nlohmann::json& props, const char* one, const char* many) {
  std::vector<std::string> out;
  if (props.contains(one) && props[one].is_string() && !props[one].get<std::string>().empty()) {
    out.push_back(props[one].get<std::string>());
  }
  for (const nlohmann::json& item : props.value(many, nlohmann::json::array())) {
    if (item.is_string()) {
      out.push_back(item.get<std::string>());
    }
  }
  return out;
}

// The source spellings the benchmark's audit treats as "from anywhere".
bool is_world(const std::string& source) {
  const std::string text = lower(source);
  return text == "*" || text == "internet" || text == "0.0.0.0" || text == "0.0.0.0/0" ||
         text == "::/0" || text == "any" || text == "<nw>/0" || text == "/0";
}

// Which internet-facing inbound exposure a network check looks for.
struct Exposure {
  const char* check;
  const char* what;                 // "SSH", in reasons
  const char* protocol;             // "tcp" or "udp" (lower case); "*" rules match both
  std::initializer_list<int> ports; // empty: any port
};

void check_exposure(Batch& batch, size_t index, const nlohmann::json& rules,
                    const Exposure& exposure) {
  std::vector<std::string> open;
  for (const nlohmann::json& rule : rules) {
    const nlohmann::json props = rule.value("properties", nlohmann::json::object());
    if (props.value("access", "") != "Allow" || props.value("direction", "") != "Inbound") {
      continue;
    }
    const std::string protocol = lower(props.value("protocol", "*"));
    if (protocol != "*" && protocol != exposure.protocol) {
      continue;
    }
    const std::vector<std::string> sources =
      strings(props, "sourceAddressPrefix", "sourceAddressPrefixes");
    if (std::none_of(sources.begin(), sources.end(), is_world)) {
      continue;
    }
    for (const std::string& range :
         strings(props, "destinationPortRange", "destinationPortRanges")) {
      if (exposure.ports.size() == 0) {
        open.push_back(fmt::format("{} (ports {})", rule.value("name", "?"), range));
      }
      for (const int port : exposure.ports) {
        if (port_in_range(range, port)) {
          open.push_back(fmt::format("{} (port {})", rule.value("name", "?"), port));
        }
      }
    }
  }
  verdict(batch, index, exposure.check, open.empty(),
          fmt::format("no inbound rule allows {} from the internet", exposure.what),
          fmt::format("{} open to the internet: {}", exposure.what, comma_list(open)));
}

} // namespace

void check_storage_account(Batch& batch, size_t index) {
  const nlohmann::json account = batch.evidence[index].data["account"];
  const nlohmann::json props = account.value("properties", nlohmann::json::object());
  check_storage_transport(batch, index, props);
  check_storage_access(batch, index, props);
  check_storage_network(batch, index, props);
  check_storage_resilience(batch, index, account, props);
  if (batch.evidence[index].data.contains("blob_service")) {
    check_blob_service(batch, index, batch.evidence[index].data["blob_service"]);
  }
}

void check_network_security_group(Batch& batch, size_t index) {
  const nlohmann::json rules = batch.evidence[index]
                                 .data["group"]
                                 .value("properties", nlohmann::json::object())
                                 .value("securityRules", nlohmann::json::array());
  for (const Exposure& exposure :
       {Exposure{"azure_network_ssh_internet_access_restricted", "SSH", "tcp", {22}},
        Exposure{"azure_network_rdp_internet_access_restricted", "RDP", "tcp", {3389}},
        Exposure{"azure_network_http_internet_access_restricted", "HTTP(S)", "tcp", {80, 443}},
        Exposure{"azure_network_udp_internet_access_restricted", "UDP", "udp", {}}}) {
    check_exposure(batch, index, rules, exposure);
  }
}

void check_owners(Batch& batch, size_t index, const std::string& subscription_id) {
  const std::string scope = "/subscriptions/" + subscription_id;
  int64_t owners = 0;
  for (const nlohmann::json& assignment :
       batch.evidence[index].data.value("assignments", nlohmann::json::array())) {
    std::string at = assignment.value("scope", "");
    if (assignment.value("role_name", "") == "Owner" &&
        (at.empty() || at == scope || at == "/" || at.starts_with("/providers/"))) {
      ++owners;
    }
  }
  add_finding(batch, index, "azure_rbac_owner_count_limited",
              owners <= k_max_owners ? Status::pass : Status::fail,
              fmt::format("{} Owner assignment{} on the subscription (at most {})", owners,
                          owners == 1 ? "" : "s", k_max_owners));
}

bool port_in_range(const std::string& range, int port) {
  if (range == "*") {
    return true;
  }
  const size_t dash = range.find('-');
  if (dash == std::string::npos) {
    return std::atoi(range.c_str()) == port;
  }
  const int low = std::atoi(range.substr(0, dash).c_str());
  const int high = std::atoi(range.substr(dash + 1).c_str());
  return low <= port && port <= high;
}

void run_checks(Batch& batch, const std::string& subscription_id) {
  for (size_t index = 0; index < batch.evidence.size(); ++index) {
    const std::string kind = batch.evidence[index].data.value("kind", "");
    if (kind == "storage_account") {
      check_storage_account(batch, index);
    } else if (kind == "network_security_group") {
      check_network_security_group(batch, index);
    } else if (kind == "role_assignments") {
      check_owners(batch, index, subscription_id);
    } else if (kind == "defender_plan") {
      check_defender_plan(batch, index);
    } else if (kind == "activity_log_diagnostics") {
      check_activity_log_diagnostics(batch, index);
    } else if (kind == "activity_log_alerts") {
      check_activity_log_alerts(batch, index);
    } else if (kind == "key_vault") {
      check_key_vault(batch, index);
    } else if (kind == "virtual_machine") {
      check_virtual_machine(batch, index);
    } else if (kind == "sql_server") {
      check_sql_server(batch, index);
    } else if (kind == "web_app") {
      check_web_app(batch, index);
    }
  }
}

} // namespace velocity::providers::azure
