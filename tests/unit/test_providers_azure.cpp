#include <velocity/core/error.hpp>
#include <velocity/providers/azure/provider.hpp>

#include <doctest/doctest.h>

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

nlohmann::json storage(nlohmann::json properties) {
  return {{"kind", "storage_account"}, {"account", {{"properties", std::move(properties)}}}};
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
    const nlohmann::json good = storage({{"supportsHttpsTrafficOnly", true},
                                         {"minimumTlsVersion", "TLS1_2"},
                                         {"allowBlobPublicAccess", false}});
    CHECK(statuses(good, "azure_storage_https_only") == std::vector{Status::pass});
    CHECK(statuses(good, "azure_storage_min_tls_12") == std::vector{Status::pass});
    CHECK(statuses(good, "azure_storage_no_public_blob") == std::vector{Status::pass});
    const nlohmann::json bad = storage({{"supportsHttpsTrafficOnly", false},
                                        {"minimumTlsVersion", "TLS1_0"},
                                        {"allowBlobPublicAccess", true}});
    CHECK(statuses(bad, "azure_storage_https_only") == std::vector{Status::fail});
    CHECK(statuses(bad, "azure_storage_min_tls_12") == std::vector{Status::fail});
    CHECK(statuses(bad, "azure_storage_no_public_blob") == std::vector{Status::fail});
    const nlohmann::json legacy = storage(nlohmann::json::object());
    CHECK(statuses(legacy, "azure_storage_min_tls_12") == std::vector{Status::fail});
    CHECK(statuses(legacy, "azure_storage_no_public_blob") == std::vector{Status::fail});
  }
  SUBCASE("network security groups") {
    const std::string check = "azure_nsg_no_ingress_world_ssh_rdp";
    CHECK(statuses(nsg({{"access", "Allow"},
                        {"direction", "Inbound"},
                        {"sourceAddressPrefix", "*"},
                        {"destinationPortRange", "22"}}),
                   check) == std::vector{Status::fail});
    CHECK(statuses(nsg({{"access", "Allow"},
                        {"direction", "Inbound"},
                        {"sourceAddressPrefix", "Internet"},
                        {"destinationPortRanges", {"443", "3389"}}}),
                   check) == std::vector{Status::fail});
    CHECK(statuses(nsg({{"access", "Allow"},
                        {"direction", "Inbound"},
                        {"sourceAddressPrefixes", {"0.0.0.0/0"}},
                        {"destinationPortRange", "20-25"}}),
                   check) == std::vector{Status::fail});
    CHECK(statuses(nsg({{"access", "Allow"},
                        {"direction", "Inbound"},
                        {"sourceAddressPrefix", "10.0.0.0/8"},
                        {"destinationPortRange", "22"}}),
                   check) == std::vector{Status::pass});
    CHECK(statuses(nsg({{"access", "Deny"},
                        {"direction", "Inbound"},
                        {"sourceAddressPrefix", "*"},
                        {"destinationPortRange", "3389"}}),
                   check) == std::vector{Status::pass});
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
}

TEST_CASE("Settings::validate") {
  azure::Settings settings;
  settings.tenant_id = "t";
  settings.client_id = "c";
  settings.subscription_id = "s";
  CHECK_NOTHROW(settings.validate());
  settings.subscription_id = "";
  CHECK_THROWS_AS(settings.validate(), UsageError);
}
