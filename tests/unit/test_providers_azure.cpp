#include <velocity/core/error.hpp>
#include <velocity/providers/azure/provider.hpp>

#include <doctest/doctest.h>

#include <optional>

using namespace velocity;
using namespace velocity::providers;

namespace {

constexpr const char* k_subscription = "00000000-0000-0000-0000-000000000000";

std::vector<Status> statuses(nlohmann::json data, const std::string& check) {
  Batch batch;
  batch.type = "configurations";
  batch.account_id = k_subscription;
  batch.evidence.push_back(Evidence{.type = "configurations",
                                    .resource_id = "r",
                                    .account_id = k_subscription,
                                    .region = "",
                                    .data = std::move(data),
                                    .raw_sha256 = ""});
  azure::run_checks(batch, k_subscription);
  std::vector<Status> out;
  for (const Finding& finding : batch.findings) {
    if (finding.check_id == check) {
      out.push_back(finding.status);
    }
  }
  return out;
}

nlohmann::json storage(nlohmann::json properties, const char* sku) {
  return {{"kind", "storage_account"},
          {"account", {{"properties", std::move(properties)}, {"sku", {{"name", sku}}}}}};
}

nlohmann::json nsg(nlohmann::json rule) {
  return {
    {"kind", "network_security_group"},
    {"group", {{"properties", {{"securityRules", {{{"name", "r1"}, {"properties", rule}}}}}}}}};
}

} // namespace

TEST_CASE("port_in_range") {
  CHECK(azure::port_in_range("*", 22));
  CHECK(azure::port_in_range("22", 22));
  CHECK(azure::port_in_range("20-25", 22));
  CHECK_FALSE(azure::port_in_range("443", 22));
  CHECK_FALSE(azure::port_in_range("3390-4000", 3389));
}

TEST_CASE("run_checks") {
  SUBCASE("storage accounts") {
    const nlohmann::json good =
      storage({{"supportsHttpsTrafficOnly", true},
               {"minimumTlsVersion", "TLS1_2"},
               {"allowBlobPublicAccess", false},
               {"allowSharedKeyAccess", false},
               {"allowCrossTenantReplication", false},
               {"defaultToOAuthAuthentication", true},
               {"publicNetworkAccess", "Disabled"},
               {"networkAcls", {{"defaultAction", "Deny"}, {"bypass", "Logging, AzureServices"}}},
               {"encryption", {{"requireInfrastructureEncryption", true}}},
               {"keyPolicy", {{"keyExpirationPeriodInDays", 60}}}},
              "Standard_RAGZRS");
    const nlohmann::json bad =
      storage({{"supportsHttpsTrafficOnly", false},
               {"minimumTlsVersion", "TLS1_0"},
               {"allowBlobPublicAccess", true},
               {"allowSharedKeyAccess", true},
               {"allowCrossTenantReplication", true},
               {"defaultToOAuthAuthentication", false},
               {"publicNetworkAccess", "Enabled"},
               {"networkAcls", {{"defaultAction", "Allow"}, {"bypass", "None"}}},
               {"encryption", {{"requireInfrastructureEncryption", false}}},
               {"keyPolicy", {{"keyExpirationPeriodInDays", 365}}}},
              "Standard_ZRS");
    const nlohmann::json legacy = storage(nlohmann::json::object(), "");
    for (const char* check :
         {"azure_storage_secure_transfer_required_is_enabled",
          "azure_storage_ensure_minimum_tls_version_12",
          "azure_storage_blob_public_access_level_is_disabled",
          "azure_storage_account_key_access_disabled",
          "azure_storage_cross_tenant_replication_disabled",
          "azure_storage_default_to_entra_authorization_enabled",
          "azure_storage_account_public_network_access_disabled",
          "azure_storage_default_network_access_rule_is_denied",
          "azure_storage_ensure_azure_services_are_trusted_to_access_is_enabled",
          "azure_storage_infrastructure_encryption_is_enabled",
          "azure_storage_key_rotation_90_days", "azure_storage_geo_redundant_enabled"}) {
      CAPTURE(check);
      CHECK(statuses(good, check) == std::vector{Status::pass});
      CHECK(statuses(bad, check) == std::vector{Status::fail});
    }
    CHECK(statuses(storage({{"privateEndpointConnections", {{{"name", "pe"}}}}}, ""),
                   "azure_storage_ensure_private_endpoints_in_storage_accounts") ==
          std::vector{Status::pass});
    CHECK(statuses(bad, "azure_storage_ensure_private_endpoints_in_storage_accounts") ==
          std::vector{Status::fail});
    // Unset properties take Azure's old defaults: HTTPS only, but TLS 1.0, public blobs, shared
    // keys and cross-tenant replication allowed, no firewall.
    CHECK(statuses(legacy, "azure_storage_secure_transfer_required_is_enabled") ==
          std::vector{Status::pass});
    for (const char* check : {"azure_storage_ensure_minimum_tls_version_12",
                              "azure_storage_blob_public_access_level_is_disabled",
                              "azure_storage_account_key_access_disabled",
                              "azure_storage_cross_tenant_replication_disabled",
                              "azure_storage_account_public_network_access_disabled",
                              "azure_storage_default_network_access_rule_is_denied",
                              "azure_storage_key_rotation_90_days"}) {
      CAPTURE(check);
      CHECK(statuses(legacy, check) == std::vector{Status::fail});
    }
  }
  SUBCASE("network security groups") {
    const nlohmann::json ssh_anywhere = nsg({{"access", "Allow"},
                                             {"direction", "Inbound"},
                                             {"sourceAddressPrefix", "*"},
                                             {"destinationPortRange", "22"}});
    CHECK(statuses(ssh_anywhere, "azure_network_ssh_internet_access_restricted") ==
          std::vector{Status::fail});
    CHECK(statuses(ssh_anywhere, "azure_network_rdp_internet_access_restricted") ==
          std::vector{Status::pass});
    CHECK(statuses(nsg({{"access", "Allow"},
                        {"direction", "Inbound"},
                        {"sourceAddressPrefix", "Internet"},
                        {"destinationPortRanges", {"443", "3389"}}}),
                   "azure_network_rdp_internet_access_restricted") == std::vector{Status::fail});
    CHECK(statuses(nsg({{"access", "Allow"},
                        {"direction", "Inbound"},
                        {"sourceAddressPrefixes", {"0.0.0.0/0"}},
                        {"destinationPortRange", "20-25"}}),
                   "azure_network_ssh_internet_access_restricted") == std::vector{Status::fail});
    CHECK(statuses(nsg({{"access", "Allow"},
                        {"direction", "Inbound"},
                        {"sourceAddressPrefix", "10.0.0.0/8"},
                        {"destinationPortRange", "22"}}),
                   "azure_network_ssh_internet_access_restricted") == std::vector{Status::pass});
    CHECK(statuses(nsg({{"access", "Deny"},
                        {"direction", "Inbound"},
                        {"sourceAddressPrefix", "*"},
                        {"destinationPortRange", "3389"}}),
                   "azure_network_rdp_internet_access_restricted") == std::vector{Status::pass});
    const nlohmann::json web = nsg({{"access", "Allow"},
                                    {"direction", "Inbound"},
                                    {"protocol", "Tcp"},
                                    {"sourceAddressPrefix", "Internet"},
                                    {"destinationPortRange", "80"}});
    CHECK(statuses(web, "azure_network_http_internet_access_restricted") ==
          std::vector{Status::fail});
    CHECK(statuses(web, "azure_network_udp_internet_access_restricted") ==
          std::vector{Status::pass});
    const nlohmann::json udp = nsg({{"access", "Allow"},
                                    {"direction", "Inbound"},
                                    {"protocol", "Udp"},
                                    {"sourceAddressPrefix", "0.0.0.0"},
                                    {"destinationPortRange", "53"}});
    CHECK(statuses(udp, "azure_network_udp_internet_access_restricted") ==
          std::vector{Status::fail});
    // A UDP rule on port 22 opens no SSH, which is TCP.
    CHECK(statuses(nsg({{"access", "Allow"},
                        {"direction", "Inbound"},
                        {"protocol", "Udp"},
                        {"sourceAddressPrefix", "*"},
                        {"destinationPortRange", "22"}}),
                   "azure_network_ssh_internet_access_restricted") == std::vector{Status::pass});
  }
  SUBCASE("owners at subscription scope only") {
    const std::string scope = std::string("/subscriptions/") + k_subscription;
    nlohmann::json rows = nlohmann::json::array();
    for (int i = 0; i < 3; ++i) {
      rows.push_back({{"role_name", "Owner"}, {"scope", scope}});
    }
    rows.push_back({{"role_name", "Owner"}, {"scope", scope + "/resourceGroups/rg"}});
    rows.push_back({{"role_name", "Contributor"}, {"scope", scope}});
    const std::string check = "azure_rbac_owner_count_limited";
    CHECK(statuses({{"kind", "role_assignments"}, {"assignments", rows}}, check) ==
          std::vector{Status::pass});
    rows.push_back({{"role_name", "Owner"}, {"scope", scope}});
    CHECK(statuses({{"kind", "role_assignments"}, {"assignments", rows}}, check) ==
          std::vector{Status::fail});
  }
  SUBCASE("Defender plans: Standard passes, Free fails, unknown plans are not judged") {
    auto plan = [](const char* name, const char* tier) {
      return nlohmann::json{{"kind", "defender_plan"},
                            {"plan", {{"name", name}, {"properties", {{"pricingTier", tier}}}}}};
    };
    CHECK(statuses(plan("VirtualMachines", "Standard"),
                   "azure_defender_ensure_defender_for_server_is_on") == std::vector{Status::pass});
    CHECK(
      statuses(plan("KeyVaults", "Free"), "azure_defender_ensure_defender_for_keyvault_is_on") ==
      std::vector{Status::fail});
    CHECK(statuses(plan("cloudposture", "Free"), "azure_defender_ensure_defender_cspm_is_on") ==
          std::vector{Status::fail});
    Batch batch;
    batch.evidence.push_back(Evidence{.type = "defender",
                                      .resource_id = "r",
                                      .account_id = k_subscription,
                                      .region = "",
                                      .data = plan("Dns", "Standard"),
                                      .raw_sha256 = ""});
    azure::run_checks(batch, k_subscription);
    CHECK(batch.findings.empty());
  }
  SUBCASE("activity log diagnostic settings") {
    auto settings = [](nlohmann::json logs) {
      return nlohmann::json{
        {"kind", "activity_log_diagnostics"},
        {"settings", {{{"name", "s1"}, {"properties", {{"logs", std::move(logs)}}}}}}};
    };
    const std::string exists = "azure_monitor_diagnostic_settings_exists";
    const std::string categories = "azure_monitor_diagnostic_setting_with_appropriate_categories";
    const nlohmann::json none = {{"kind", "activity_log_diagnostics"},
                                 {"settings", nlohmann::json::array()}};
    CHECK(statuses(none, exists) == std::vector{Status::fail});
    CHECK(statuses(none, categories) == std::vector{Status::fail});
    nlohmann::json logs = nlohmann::json::array();
    for (const char* category : {"Administrative", "Alert", "Policy", "Security"}) {
      logs.push_back({{"category", category}, {"enabled", true}});
    }
    CHECK(statuses(settings(logs), exists) == std::vector{Status::pass});
    CHECK(statuses(settings(logs), categories) == std::vector{Status::pass});
    logs[3]["enabled"] = false;
    CHECK(statuses(settings(logs), exists) == std::vector{Status::pass});
    CHECK(statuses(settings(logs), categories) == std::vector{Status::fail});
    CHECK(statuses(settings({{{"categoryGroup", "allLogs"}, {"enabled", true}}}), categories) ==
          std::vector{Status::pass});
  }
  SUBCASE("activity log alerts: enabled, on the subscription, for the operation") {
    const std::string subscription = std::string("/subscriptions/") + k_subscription;
    auto alerts = [&](bool enabled, const std::string& scope) {
      nlohmann::json conditions = {
        {{"field", "category"}, {"equals", "Administrative"}},
        {{"field", "operationName"}, {"equals", "microsoft.network/networksecuritygroups/write"}}};
      return nlohmann::json{{"kind", "activity_log_alerts"},
                            {"alerts",
                             {{{"name", "a1"},
                               {"properties",
                                {{"enabled", enabled},
                                 {"scopes", {scope}},
                                 {"condition", {{"allOf", conditions}}}}}}}}};
    };
    const std::string check = "azure_monitor_alert_create_update_nsg";
    CHECK(statuses(alerts(true, subscription), check) == std::vector{Status::pass});
    CHECK(statuses(alerts(true, subscription), "azure_monitor_alert_delete_nsg") ==
          std::vector{Status::fail});
    CHECK(statuses(alerts(false, subscription), check) == std::vector{Status::fail});
    CHECK(statuses(alerts(true, subscription + "/resourceGroups/rg"), check) ==
          std::vector{Status::fail});
    CHECK(statuses(alerts(true, subscription), "azure_monitor_alert_service_health_exists") ==
          std::vector{Status::fail});
  }
  SUBCASE("key vaults") {
    auto vault = [](nlohmann::json properties) {
      return nlohmann::json{{"kind", "key_vault"},
                            {"vault", {{"properties", std::move(properties)}}}};
    };
    const nlohmann::json good = vault({{"enableSoftDelete", true},
                                       {"enablePurgeProtection", true},
                                       {"enableRbacAuthorization", true},
                                       {"privateEndpointConnections", {{{"id", "pe"}}}}});
    const nlohmann::json old = vault({{"enableSoftDelete", true}});
    for (const char* check : {"azure_keyvault_recoverable", "azure_keyvault_rbac_enabled",
                              "azure_keyvault_private_endpoints"}) {
      CAPTURE(check);
      CHECK(statuses(good, check) == std::vector{Status::pass});
      CHECK(statuses(old, check) == std::vector{Status::fail});
    }
    CHECK(statuses(vault({{"publicNetworkAccess", "Disabled"}}),
                   "azure_keyvault_public_network_access_disabled") == std::vector{Status::pass});
    CHECK(statuses(old, "azure_keyvault_public_network_access_disabled") ==
          std::vector{Status::fail});
    CHECK(statuses(vault({{"enableSoftDelete", false}, {"enablePurgeProtection", true}}),
                   "azure_keyvault_recoverable") == std::vector{Status::fail});
  }
  SUBCASE("virtual machines") {
    auto vm = [](nlohmann::json properties) {
      return nlohmann::json{{"kind", "virtual_machine"},
                            {"vm", {{"properties", std::move(properties)}}}};
    };
    const nlohmann::json managed = vm({{"storageProfile",
                                        {{"osDisk", {{"managedDisk", {{"id", "d"}}}}},
                                         {"dataDisks", {{{"managedDisk", {{"id", "d2"}}}}}}}},
                                       {"securityProfile", {{"encryptionAtHost", true}}}});
    CHECK(statuses(managed, "azure_vm_ensure_using_managed_disks") == std::vector{Status::pass});
    CHECK(statuses(managed, "azure_vm_encryption_at_host_enabled") == std::vector{Status::pass});
    const nlohmann::json mixed = vm({{"storageProfile",
                                      {{"osDisk", {{"managedDisk", {{"id", "d"}}}}},
                                       {"dataDisks", {{{"vhd", {{"uri", "https://x"}}}}}}}}});
    CHECK(statuses(mixed, "azure_vm_ensure_using_managed_disks") == std::vector{Status::fail});
    CHECK(statuses(mixed, "azure_vm_encryption_at_host_enabled") == std::vector{Status::fail});
  }
}

TEST_CASE("run_checks: blob service and key vault items") {
  auto account = [](nlohmann::json blob_service) {
    return nlohmann::json{{"kind", "storage_account"},
                          {"account", {{"properties", nlohmann::json::object()}}},
                          {"blob_service", std::move(blob_service)}};
  };
  const nlohmann::json protected_blobs =
    account({{"deleteRetentionPolicy", {{"enabled", true}}},
             {"containerDeleteRetentionPolicy", {{"enabled", true}}},
             {"isVersioningEnabled", true}});
  CHECK(statuses(protected_blobs, "azure_storage_ensure_soft_delete_is_enabled") ==
        std::vector{Status::pass});
  CHECK(statuses(protected_blobs, "azure_storage_blob_versioning_is_enabled") ==
        std::vector{Status::pass});
  // Blob soft delete without container soft delete meets only half of what the benchmark asks.
  const nlohmann::json half = account({{"deleteRetentionPolicy", {{"enabled", true}}}});
  CHECK(statuses(half, "azure_storage_ensure_soft_delete_is_enabled") == std::vector{Status::fail});
  CHECK(statuses(half, "azure_storage_blob_versioning_is_enabled") == std::vector{Status::fail});
  const nlohmann::json unread = {{"kind", "storage_account"},
                                 {"account", nlohmann::json::object()}};
  CHECK(statuses(unread, "azure_storage_ensure_soft_delete_is_enabled").empty());

  auto vault = [](bool rbac, nlohmann::json keys, nlohmann::json secrets) {
    return nlohmann::json{{"kind", "key_vault"},
                          {"vault", {{"properties", {{"enableRbacAuthorization", rbac}}}}},
                          {"keys", std::move(keys)},
                          {"secrets", std::move(secrets)}};
  };
  auto item = [](const char* name, std::optional<int64_t> exp, bool enabled) {
    nlohmann::json attributes = {{"enabled", enabled}};
    if (exp) {
      attributes["exp"] = *exp;
    }
    return nlohmann::json{{"name", name}, {"properties", {{"attributes", attributes}}}};
  };
  const nlohmann::json bounded = vault(true, {item("k1", 1893456000, true), item("k0", {}, false)},
                                       nlohmann::json::array({item("s1", 1893456000, true)}));
  CHECK(statuses(bounded, "azure_keyvault_rbac_key_expiration_set") == std::vector{Status::pass});
  CHECK(statuses(bounded, "azure_keyvault_rbac_secret_expiration_set") ==
        std::vector{Status::pass});
  CHECK(statuses(bounded, "azure_keyvault_key_expiration_set_in_non_rbac").empty());
  const nlohmann::json legacy = vault(false, nlohmann::json::array({item("k1", {}, true)}),
                                      nlohmann::json::array({item("s1", {}, true)}));
  CHECK(statuses(legacy, "azure_keyvault_key_expiration_set_in_non_rbac") ==
        std::vector{Status::fail});
  CHECK(statuses(legacy, "azure_keyvault_non_rbac_secret_expiration_set") ==
        std::vector{Status::fail});
  CHECK(statuses(legacy, "azure_keyvault_rbac_key_expiration_set").empty());
}

TEST_CASE("run_checks: SQL servers and App Service apps") {
  const nlohmann::json good_server = {
    {"kind", "sql_server"},
    {"server", {{"properties", {{"minimalTlsVersion", "1.2"}}}}},
    {"auditing",
     {{{"name", "Default"}, {"properties", {{"state", "Enabled"}, {"retentionDays", 0}}}}}},
    {"administrators",
     {{{"properties", {{"administratorType", "ActiveDirectory"}, {"login", "dba"}}}}}},
    {"firewall_rules",
     {{{"name", "azure"},
       {"properties", {{"startIpAddress", "0.0.0.0"}, {"endIpAddress", "0.0.0.0"}}}}}},
    {"databases", {{{"name", "master"}}, {{"name", "app"}, {"tde_state", "Enabled"}}}}};
  nlohmann::json bad_server = good_server;
  bad_server["server"]["properties"]["minimalTlsVersion"] = "1.0";
  bad_server["auditing"][0]["properties"] = {{"state", "Enabled"}, {"retentionDays", 30}};
  bad_server["administrators"] = nlohmann::json::array();
  bad_server["firewall_rules"][0]["properties"]["endIpAddress"] = "255.255.255.255";
  bad_server["databases"][1]["tde_state"] = "Disabled";
  for (const char* check :
       {"azure_sqlserver_recommended_minimal_tls_version",
        "azure_sqlserver_auditing_retention_90_days",
        "azure_sqlserver_azuread_administrator_enabled",
        "azure_sqlserver_unrestricted_inbound_access", "azure_sqlserver_tde_encryption_enabled"}) {
    CAPTURE(check);
    CHECK(statuses(good_server, check) == std::vector{Status::pass});
    CHECK(statuses(bad_server, check) == std::vector{Status::fail});
  }
  CHECK(statuses(bad_server, "azure_sqlserver_auditing_enabled") == std::vector{Status::pass});
  bad_server["auditing"][0]["properties"]["state"] = "Disabled";
  CHECK(statuses(bad_server, "azure_sqlserver_auditing_enabled") == std::vector{Status::fail});
  // Children whose call failed are left out of the evidence: their checks give no verdict.
  const nlohmann::json bare = {{"kind", "sql_server"}, {"server", nlohmann::json::object()}};
  CHECK(statuses(bare, "azure_sqlserver_auditing_enabled").empty());
  CHECK(statuses(bare, "azure_sqlserver_tde_encryption_enabled").empty());
  CHECK(statuses(bare, "azure_sqlserver_recommended_minimal_tls_version") ==
        std::vector{Status::fail});

  const nlohmann::json good_app = {
    {"kind", "web_app"},
    {"site", {{"identity", {{"type", "SystemAssigned"}}}, {"properties", {{"httpsOnly", true}}}}},
    {"config", {{"minTlsVersion", "1.2"}, {"ftpsState", "FtpsOnly"}}}};
  const nlohmann::json bad_app = {
    {"kind", "web_app"},
    {"site", {{"properties", {{"httpsOnly", false}}}}},
    {"config", {{"minTlsVersion", "1.0"}, {"ftpsState", "AllAllowed"}}}};
  for (const char* check :
       {"azure_app_ensure_http_is_redirected_to_https", "azure_app_minimum_tls_version_12",
        "azure_app_ftp_deployment_disabled", "azure_app_register_with_identity"}) {
    CAPTURE(check);
    CHECK(statuses(good_app, check) == std::vector{Status::pass});
    CHECK(statuses(bad_app, check) == std::vector{Status::fail});
  }
  const nlohmann::json no_config = {{"kind", "web_app"}, {"site", good_app["site"]}};
  CHECK(statuses(no_config, "azure_app_minimum_tls_version_12").empty());
}

TEST_CASE("Settings::validate") {
  azure::Settings settings;
  settings.tenant_id = "t";
  settings.client_id = "c";
  settings.subscription_id = "s";
  CHECK_NOTHROW(settings.validate());
  // No subscription: every subscription the credentials can list.
  settings.subscription_id = "";
  CHECK_NOTHROW(settings.validate());
  CHECK(settings.to_json()["account_id"] == "t");
  settings.subscription_id = "a/b";
  CHECK_THROWS_AS(settings.validate(), UsageError);
  settings.subscription_id = "s";
  settings.client_id = "";
  CHECK_THROWS_AS(settings.validate(), UsageError);
}
