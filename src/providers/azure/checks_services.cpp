#include "checks.hpp"

#include <velocity/providers/findings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

// The evaluators of subscription-wide settings (Defender for Cloud plans, the activity log's
// export and alerts) and of Key Vault and virtual machine resources.
namespace velocity::providers::azure {

namespace {

bool same_text(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Defender for Cloud plan (the pricing's name) -> the check that wants it on the Standard tier.
struct DefenderPlan {
  const char* pricing;
  const char* check;
};
constexpr std::array k_defender_plans{
  DefenderPlan{"CloudPosture", "azure_defender_ensure_defender_cspm_is_on"},
  DefenderPlan{"VirtualMachines", "azure_defender_ensure_defender_for_server_is_on"},
  DefenderPlan{"AppServices", "azure_defender_ensure_defender_for_app_services_is_on"},
  DefenderPlan{"Containers", "azure_defender_ensure_defender_for_containers_is_on"},
  DefenderPlan{"StorageAccounts", "azure_defender_ensure_defender_for_storage_is_on"},
  DefenderPlan{"CosmosDbs", "azure_defender_ensure_defender_for_cosmosdb_is_on"},
  DefenderPlan{"OpenSourceRelationalDatabases",
               "azure_defender_ensure_defender_for_os_relational_databases_is_on"},
  DefenderPlan{"SqlServers", "azure_defender_ensure_defender_for_azure_sql_databases_is_on"},
  DefenderPlan{"SqlServerVirtualMachines", "azure_defender_ensure_defender_for_sql_servers_is_on"},
  DefenderPlan{"KeyVaults", "azure_defender_ensure_defender_for_keyvault_is_on"},
  DefenderPlan{"Arm", "azure_defender_ensure_defender_for_arm_is_on"},
};

// The activity log categories the benchmark wants a diagnostic setting to export.
constexpr std::array k_activity_categories{"Administrative", "Alert", "Policy", "Security"};

// An activity log alert condition the benchmark wants: `field` equals `value`.
struct AlertRule {
  const char* check;
  const char* field;
  const char* value;
};
constexpr std::array k_alert_rules{
  AlertRule{"azure_monitor_alert_create_policy_assignment", "operationName",
            "Microsoft.Authorization/policyAssignments/write"},
  AlertRule{"azure_monitor_alert_delete_policy_assignment", "operationName",
            "Microsoft.Authorization/policyAssignments/delete"},
  AlertRule{"azure_monitor_alert_create_update_nsg", "operationName",
            "Microsoft.Network/networkSecurityGroups/write"},
  AlertRule{"azure_monitor_alert_delete_nsg", "operationName",
            "Microsoft.Network/networkSecurityGroups/delete"},
  AlertRule{"azure_monitor_alert_create_update_security_solution", "operationName",
            "Microsoft.Security/securitySolutions/write"},
  AlertRule{"azure_monitor_alert_delete_security_solution", "operationName",
            "Microsoft.Security/securitySolutions/delete"},
  AlertRule{"azure_monitor_alert_create_update_sqlserver_fr", "operationName",
            "Microsoft.Sql/servers/firewallRules/write"},
  AlertRule{"azure_monitor_alert_delete_sqlserver_fr", "operationName",
            "Microsoft.Sql/servers/firewallRules/delete"},
  AlertRule{"azure_monitor_alert_create_update_public_ip_address_rule", "operationName",
            "Microsoft.Network/publicIPAddresses/write"},
  AlertRule{"azure_monitor_alert_delete_public_ip_address_rule", "operationName",
            "Microsoft.Network/publicIPAddresses/delete"},
  AlertRule{"azure_monitor_alert_service_health_exists", "category", "ServiceHealth"},
};

// True when one of `conditions` (an allOf or anyOf list) is `field` equals `value`.
bool has_condition(const nlohmann::json& conditions, const AlertRule& rule) {
  for (const nlohmann::json& condition : conditions) {
    if (!condition.is_object()) {
      continue;
    }
    if (same_text(condition.value("field", ""), rule.field) &&
        same_text(condition.value("equals", ""), rule.value)) {
      return true;
    }
    if (has_condition(condition.value("anyOf", nlohmann::json::array()), rule)) {
      return true;
    }
  }
  return false;
}

// Whether `alert` fires for `rule` on the whole subscription `scope`.
bool alert_covers(const nlohmann::json& alert, const AlertRule& rule, const std::string& scope) {
  const nlohmann::json props = alert.value("properties", nlohmann::json::object());
  if (!props.value("enabled", true)) {
    return false;
  }
  const nlohmann::json scopes = props.value("scopes", nlohmann::json::array());
  const bool whole = std::any_of(scopes.begin(), scopes.end(), [&](const nlohmann::json& at) {
    return at.is_string() && same_text(at.get<std::string>(), scope);
  });
  return whole && has_condition(props.value("condition", nlohmann::json::object())
                                  .value("allOf", nlohmann::json::array()),
                                rule);
}

// The categories in `k_activity_categories` that diagnostic `setting` does not export.
std::vector<std::string> missing_categories(const nlohmann::json& setting) {
  const nlohmann::json logs =
    setting.value("properties", nlohmann::json::object()).value("logs", nlohmann::json::array());
  auto exported = [&](const char* category) {
    return std::any_of(logs.begin(), logs.end(), [&](const nlohmann::json& log) {
      return log.value("enabled", false) && (same_text(log.value("category", ""), category) ||
                                             same_text(log.value("categoryGroup", ""), "allLogs"));
    });
  };
  std::vector<std::string> missing;
  for (const char* category : k_activity_categories) {
    if (!exported(category)) {
      missing.emplace_back(category);
    }
  }
  return missing;
}

// The keys or secrets of a vault without an expiry date among those enabled; the check is the
// one for the vault's permission model (RBAC or access policies), as the benchmark splits them.
void check_expiry(Batch& batch, size_t index, const nlohmann::json& items, const char* what,
                  const char* check) {
  std::vector<std::string> unbounded;
  for (const nlohmann::json& item : items) {
    const nlohmann::json attributes = item.value("properties", nlohmann::json::object())
                                        .value("attributes", nlohmann::json::object());
    if (attributes.value("enabled", true) && !attributes.contains("exp")) {
      unbounded.push_back(item.value("name", "?"));
    }
  }
  add_finding(
    batch, index, check, unbounded.empty() ? Status::pass : Status::fail,
    unbounded.empty()
      ? fmt::format("every enabled {} has an expiration date ({} in all)", what, items.size())
      : fmt::format("enabled {}s without an expiration date: {}", what, comma_list(unbounded)));
}

void check_key_vault_items(Batch& batch, size_t index, bool rbac) {
  const nlohmann::json& data = batch.evidence[index].data;
  if (data.contains("keys")) {
    check_expiry(batch, index, data["keys"], "key",
                 rbac ? "azure_keyvault_rbac_key_expiration_set"
                      : "azure_keyvault_key_expiration_set_in_non_rbac");
  }
  if (data.contains("secrets")) {
    check_expiry(batch, index, data["secrets"], "secret",
                 rbac ? "azure_keyvault_rbac_secret_expiration_set"
                      : "azure_keyvault_non_rbac_secret_expiration_set");
  }
}

} // namespace

void check_defender_plan(Batch& batch, size_t index) {
  const nlohmann::json& plan = batch.evidence[index].data["plan"];
  const std::string name = plan.value("name", "");
  const auto found =
    std::find_if(k_defender_plans.begin(), k_defender_plans.end(),
                 [&](const DefenderPlan& p) { return same_text(p.pricing, name); });
  if (found == k_defender_plans.end()) {
    return;
  }
  const std::string tier =
    plan.value("properties", nlohmann::json::object()).value("pricingTier", "");
  add_finding(batch, index, found->check, tier == "Standard" ? Status::pass : Status::fail,
              fmt::format("Defender plan {} is on the {} tier", name, tier.empty() ? "?" : tier));
}

void check_activity_log_diagnostics(Batch& batch, size_t index) {
  const nlohmann::json settings =
    batch.evidence[index].data.value("settings", nlohmann::json::array());
  std::vector<std::string> names;
  for (const nlohmann::json& setting : settings) {
    names.push_back(setting.value("name", "?"));
  }
  add_finding(batch, index, "azure_monitor_diagnostic_settings_exists",
              settings.empty() ? Status::fail : Status::pass,
              settings.empty() ? "no diagnostic setting exports the subscription's activity log"
                               : "the activity log is exported by " + comma_list(names));
  std::string best_name;
  std::vector<std::string> best_missing(k_activity_categories.begin(), k_activity_categories.end());
  for (const nlohmann::json& setting : settings) {
    std::vector<std::string> missing = missing_categories(setting);
    if (missing.size() < best_missing.size() || best_name.empty()) {
      best_missing = std::move(missing);
      best_name = setting.value("name", "?");
    }
  }
  add_finding(
    batch, index, "azure_monitor_diagnostic_setting_with_appropriate_categories",
    !settings.empty() && best_missing.empty() ? Status::pass : Status::fail,
    settings.empty() ? "no diagnostic setting exports the subscription's activity log"
    : best_missing.empty()
      ? fmt::format("{} exports the Administrative, Alert, Policy and Security categories",
                    best_name)
      : fmt::format("no diagnostic setting exports every needed category ({} lacks {})", best_name,
                    comma_list(best_missing)));
}

void check_activity_log_alerts(Batch& batch, size_t index) {
  const nlohmann::json alerts = batch.evidence[index].data.value("alerts", nlohmann::json::array());
  const std::string scope = "/subscriptions/" + batch.evidence[index].account_id;
  for (const AlertRule& rule : k_alert_rules) {
    std::vector<std::string> covering;
    for (const nlohmann::json& alert : alerts) {
      if (alert_covers(alert, rule, scope)) {
        covering.push_back(alert.value("name", "?"));
      }
    }
    add_finding(
      batch, index, rule.check, covering.empty() ? Status::fail : Status::pass,
      covering.empty()
        ? fmt::format("no enabled activity log alert on the subscription for {} = {}", rule.field,
                      rule.value)
        : fmt::format("{} = {} alerts through {}", rule.field, rule.value, comma_list(covering)));
  }
}

void check_key_vault(Batch& batch, size_t index) {
  const nlohmann::json props =
    batch.evidence[index].data["vault"].value("properties", nlohmann::json::object());
  // Soft delete is on for every vault since 2020 and cannot be turned off; only an explicit
  // false (an older vault) says otherwise.
  const bool soft_delete = props.value("enableSoftDelete", true);
  const bool purge_protection = props.value("enablePurgeProtection", false);
  add_finding(batch, index, "azure_keyvault_recoverable",
              soft_delete && purge_protection ? Status::pass : Status::fail,
              !soft_delete        ? "soft delete is off: deleted keys and secrets are gone at once"
              : !purge_protection ? "purge protection is off: a deleted vault can be purged at once"
                                  : "soft delete and purge protection are on");
  const bool rbac = props.value("enableRbacAuthorization", false);
  add_finding(batch, index, "azure_keyvault_rbac_enabled", rbac ? Status::pass : Status::fail,
              rbac ? "data access is authorised by Azure RBAC"
                   : "data access is authorised by vault access policies");
  check_key_vault_items(batch, index, rbac);
  const std::string public_access = props.value("publicNetworkAccess", "Enabled");
  add_finding(batch, index, "azure_keyvault_public_network_access_disabled",
              public_access == "Disabled" ? Status::pass : Status::fail,
              fmt::format("public network access is {}", public_access));
  const size_t endpoints =
    props.value("privateEndpointConnections", nlohmann::json::array()).size();
  add_finding(batch, index, "azure_keyvault_private_endpoints",
              endpoints > 0 ? Status::pass : Status::fail,
              endpoints > 0 ? fmt::format("{} private endpoint connection(s)", endpoints)
                            : "no private endpoint connection");
}

void check_virtual_machine(Batch& batch, size_t index) {
  const nlohmann::json props =
    batch.evidence[index].data["vm"].value("properties", nlohmann::json::object());
  const nlohmann::json storage = props.value("storageProfile", nlohmann::json::object());
  std::vector<std::string> unmanaged;
  const nlohmann::json os_disk = storage.value("osDisk", nlohmann::json::object());
  if (!os_disk.contains("managedDisk")) {
    unmanaged.push_back(os_disk.value("name", "OS disk"));
  }
  for (const nlohmann::json& disk : storage.value("dataDisks", nlohmann::json::array())) {
    if (!disk.contains("managedDisk")) {
      unmanaged.push_back(disk.value("name", "data disk"));
    }
  }
  add_finding(batch, index, "azure_vm_ensure_using_managed_disks",
              unmanaged.empty() ? Status::pass : Status::fail,
              unmanaged.empty() ? "every disk is a managed disk"
                                : "unmanaged (VHD blob) disks: " + comma_list(unmanaged));
  const bool at_host =
    props.value("securityProfile", nlohmann::json::object()).value("encryptionAtHost", false);
  add_finding(batch, index, "azure_vm_encryption_at_host_enabled",
              at_host ? Status::pass : Status::fail,
              at_host ? "encryption at host is on: temp disk and caches are encrypted"
                      : "encryption at host is off: temp disk and disk caches are not encrypted");
}

} // namespace velocity::providers::azure
