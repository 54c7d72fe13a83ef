#include "open.hpp"

#include <velocity/core/error.hpp>
#include <velocity/net/http.hpp>
#include <velocity/providers/azure/provider.hpp>

#include <fmt/format.h>

#include <utility>

// The Azure integration's settings and the platform's table: evidence types, their calls, and
// the checks each feeds.
namespace velocity::providers::azure {

void Settings::validate() const {
  const std::string hint = "set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, and "
                           "AZURE_SUBSCRIPTION_ID to collect one subscription only (or pass "
                           "--credentials-file)";
  for (const auto& [value, name] :
       {std::pair{&tenant_id, "AZURE_TENANT_ID"}, std::pair{&client_id, "AZURE_CLIENT_ID"}}) {
    if (value->empty() || value->find_first_of("/?# ") != std::string::npos) {
      throw UsageError(fmt::format("{} is missing or malformed", name), hint);
    }
  }
  // Without a subscription, collect reads every subscription the credentials can list.
  if (subscription_id.find_first_of("/?# ") != std::string::npos) {
    throw UsageError("AZURE_SUBSCRIPTION_ID is malformed", hint);
  }
  if (!net::is_http_url(authority_host) || !net::is_http_url(arm_endpoint)) {
    throw UsageError("--authority-host and --arm-endpoint must be http(s) URLs");
  }
}

nlohmann::json Settings::to_json() const {
  return {{"tenant_id", tenant_id},
          {"client_id", client_id},
          {"subscription_id", subscription_id},
          {"account_id", subscription_id.empty() ? tenant_id : subscription_id},
          {"authority_host", authority_host},
          {"arm_endpoint", arm_endpoint},
          {"credential_source", credential_source}};
}

Settings Settings::from_json(const nlohmann::json& json) {
  Settings settings;
  settings.tenant_id = json.value("tenant_id", "");
  settings.client_id = json.value("client_id", "");
  settings.subscription_id = json.value("subscription_id", "");
  settings.authority_host = json.value("authority_host", settings.authority_host);
  settings.arm_endpoint = json.value("arm_endpoint", settings.arm_endpoint);
  settings.credential_source = json.value("credential_source", "");
  return settings;
}

const Platform& platform() {
  static const Platform azure{
    .name = "azure",
    .title = "Microsoft Azure",
    .evidence_types =
      {EvidenceTypeInfo{.id = "configurations",
                        .description = "resource groups, storage accounts, network security "
                                       "groups, key vaults with their keys and secrets, virtual "
                                       "machines",
                        .calls = {"resourceGroups.list", "storageAccounts.list",
                                  "networkSecurityGroups.list", "blobServices.getServiceProperties",
                                  "vaults.listBySubscription", "keys.list", "secrets.list",
                                  "virtualMachines.listAll"}},
       EvidenceTypeInfo{.id = "defender",
                        .description = "Microsoft Defender for Cloud plans "
                                       "(pricing tier of each)",
                        .calls = {"pricings.list"}},
       EvidenceTypeInfo{.id = "monitoring",
                        .description = "activity log diagnostic settings and "
                                       "activity log alerts of the subscription",
                        .calls = {"subscriptionDiagnosticSettings.list",
                                  "activityLogAlerts.listBySubscriptionId"}},
       EvidenceTypeInfo{.id = "databases",
                        .description = "SQL servers with firewall rules, auditing, "
                                       "Entra administrators and database TDE",
                        .calls = {"servers.list", "firewallRules.listByServer",
                                  "serverBlobAuditingPolicies.listByServer",
                                  "serverAzureADAdministrators.listByServer",
                                  "databases.listByServer", "transparentDataEncryptions.get"}},
       EvidenceTypeInfo{.id = "app_services",
                        .description = "App Service apps with their site "
                                       "configuration",
                        .calls = {"webApps.list", "webApps.getConfiguration"}},
       EvidenceTypeInfo{.id = "policies",
                        .description = "role assignments at the subscription with role names",
                        .calls = {"roleDefinitions.list", "roleAssignments.list"}}},
    .checks =
      {CheckInfo{.id = "azure_storage_secure_transfer_required_is_enabled",
                 .evidence_type = "configurations"},
       CheckInfo{.id = "azure_storage_ensure_minimum_tls_version_12",
                 .evidence_type = "configurations"},
       CheckInfo{.id = "azure_storage_blob_public_access_level_is_disabled",
                 .evidence_type = "configurations"},
       CheckInfo{.id = "azure_storage_account_key_access_disabled",
                 .evidence_type = "configurations"},
       CheckInfo{.id = "azure_storage_cross_tenant_replication_disabled",
                 .evidence_type = "configurations"},
       CheckInfo{.id = "azure_storage_default_to_entra_authorization_enabled",
                 .evidence_type = "configurations"},
       CheckInfo{.id = "azure_storage_account_public_network_access_disabled",
                 .evidence_type = "configurations"},
       CheckInfo{.id = "azure_storage_default_network_access_rule_is_denied",
                 .evidence_type = "configurations"},
       CheckInfo{.id = "azure_storage_ensure_azure_services_are_trusted_to_access_is_enabled",
                 .evidence_type = "configurations"},
       CheckInfo{.id = "azure_storage_infrastructure_encryption_is_enabled",
                 .evidence_type = "configurations"},
       CheckInfo{.id = "azure_storage_key_rotation_90_days", .evidence_type = "configurations"},
       CheckInfo{.id = "azure_storage_geo_redundant_enabled", .evidence_type = "configurations"},
       CheckInfo{.id = "azure_network_ssh_internet_access_restricted",
                 .evidence_type = "configurations"},
       CheckInfo{.id = "azure_network_rdp_internet_access_restricted",
                 .evidence_type = "configurations"},
       CheckInfo{.id = "azure_network_http_internet_access_restricted",
                 .evidence_type = "configurations"},
       CheckInfo{.id = "azure_network_udp_internet_access_restricted",
                 .evidence_type = "configurations"},
       CheckInfo{.id = "azure_keyvault_recoverable", .evidence_type = "configurations"},
       CheckInfo{.id = "azure_keyvault_rbac_enabled", .evidence_type = "configurations"},
       CheckInfo{.id = "azure_keyvault_private_endpoints", .evidence_type = "configurations"},
       CheckInfo{.id = "azure_vm_ensure_using_managed_disks", .evidence_type = "configurations"},
       CheckInfo{.id = "azure_vm_encryption_at_host_enabled", .evidence_type = "configurations"},
       CheckInfo{.id = "azure_defender_ensure_defender_cspm_is_on", .evidence_type = "defender"},
       CheckInfo{.id = "azure_defender_ensure_defender_for_server_is_on",
                 .evidence_type = "defender"},
       CheckInfo{.id = "azure_defender_ensure_defender_for_app_services_is_on",
                 .evidence_type = "defender"},
       CheckInfo{.id = "azure_defender_ensure_defender_for_containers_is_on",
                 .evidence_type = "defender"},
       CheckInfo{.id = "azure_defender_ensure_defender_for_storage_is_on",
                 .evidence_type = "defender"},
       CheckInfo{.id = "azure_defender_ensure_defender_for_cosmosdb_is_on",
                 .evidence_type = "defender"},
       CheckInfo{.id = "azure_defender_ensure_defender_for_os_relational_databases_is_on",
                 .evidence_type = "defender"},
       CheckInfo{.id = "azure_defender_ensure_defender_for_azure_sql_databases_is_on",
                 .evidence_type = "defender"},
       CheckInfo{.id = "azure_defender_ensure_defender_for_sql_servers_is_on",
                 .evidence_type = "defender"},
       CheckInfo{.id = "azure_defender_ensure_defender_for_keyvault_is_on",
                 .evidence_type = "defender"},
       CheckInfo{.id = "azure_defender_ensure_defender_for_arm_is_on", .evidence_type = "defender"},
       CheckInfo{.id = "azure_monitor_diagnostic_settings_exists", .evidence_type = "monitoring"},
       CheckInfo{.id = "azure_monitor_diagnostic_setting_with_appropriate_categories",
                 .evidence_type = "monitoring"},
       CheckInfo{.id = "azure_monitor_alert_create_policy_assignment",
                 .evidence_type = "monitoring"},
       CheckInfo{.id = "azure_monitor_alert_delete_policy_assignment",
                 .evidence_type = "monitoring"},
       CheckInfo{.id = "azure_monitor_alert_create_update_nsg", .evidence_type = "monitoring"},
       CheckInfo{.id = "azure_monitor_alert_delete_nsg", .evidence_type = "monitoring"},
       CheckInfo{.id = "azure_monitor_alert_create_update_security_solution",
                 .evidence_type = "monitoring"},
       CheckInfo{.id = "azure_monitor_alert_delete_security_solution",
                 .evidence_type = "monitoring"},
       CheckInfo{.id = "azure_monitor_alert_create_update_sqlserver_fr",
                 .evidence_type = "monitoring"},
       CheckInfo{.id = "azure_monitor_alert_delete_sqlserver_fr", .evidence_type = "monitoring"},
       CheckInfo{.id = "azure_monitor_alert_create_update_public_ip_address_rule",
                 .evidence_type = "monitoring"},
       CheckInfo{.id = "azure_monitor_alert_delete_public_ip_address_rule",
                 .evidence_type = "monitoring"},
       CheckInfo{.id = "azure_monitor_alert_service_health_exists", .evidence_type = "monitoring"},
       CheckInfo{.id = "azure_rbac_owner_count_limited", .evidence_type = "policies"},
       CheckInfo{.id = "azure_storage_ensure_private_endpoints_in_storage_accounts",
                 .evidence_type = "configurations"},
       CheckInfo{.id = "azure_keyvault_public_network_access_disabled",
                 .evidence_type = "configurations"},
       CheckInfo{.id = "azure_storage_ensure_soft_delete_is_enabled",
                 .evidence_type = "configurations"},
       CheckInfo{.id = "azure_storage_blob_versioning_is_enabled",
                 .evidence_type = "configurations"},
       CheckInfo{.id = "azure_keyvault_rbac_key_expiration_set", .evidence_type = "configurations"},
       CheckInfo{.id = "azure_keyvault_key_expiration_set_in_non_rbac",
                 .evidence_type = "configurations"},
       CheckInfo{.id = "azure_keyvault_rbac_secret_expiration_set",
                 .evidence_type = "configurations"},
       CheckInfo{.id = "azure_keyvault_non_rbac_secret_expiration_set",
                 .evidence_type = "configurations"},
       CheckInfo{.id = "azure_sqlserver_auditing_enabled", .evidence_type = "databases"},
       CheckInfo{.id = "azure_sqlserver_auditing_retention_90_days", .evidence_type = "databases"},
       CheckInfo{.id = "azure_sqlserver_azuread_administrator_enabled",
                 .evidence_type = "databases"},
       CheckInfo{.id = "azure_sqlserver_unrestricted_inbound_access", .evidence_type = "databases"},
       CheckInfo{.id = "azure_sqlserver_tde_encryption_enabled", .evidence_type = "databases"},
       CheckInfo{.id = "azure_sqlserver_recommended_minimal_tls_version",
                 .evidence_type = "databases"},
       CheckInfo{.id = "azure_app_ensure_http_is_redirected_to_https",
                 .evidence_type = "app_services"},
       CheckInfo{.id = "azure_app_minimum_tls_version_12", .evidence_type = "app_services"},
       CheckInfo{.id = "azure_app_ftp_deployment_disabled", .evidence_type = "app_services"},
       CheckInfo{.id = "azure_app_register_with_identity", .evidence_type = "app_services"}},
    .open = [](const IntegrationConfig& config, const ProviderOptions& options)
      -> std::unique_ptr<Provider> { return open_provider(config, options); }};
  return azure;
}

} // namespace velocity::providers::azure
