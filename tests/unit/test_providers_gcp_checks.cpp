#include <velocity/core/time.hpp>
#include <velocity/providers/gcp/provider.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <string>

// The GCP evaluators beyond the project policy: each on one evidence item, passing and failing.
using namespace velocity;
using namespace velocity::providers;

namespace {

// check id -> verdict, for one evidence item of `data` (whose "kind" picks the evaluator).
std::map<std::string, Status> gcp_verdicts(const nlohmann::json& data) {
  Batch batch;
  batch.account_id = "p";
  batch.evidence.push_back(Evidence{.type = "t",
                                    .resource_id = "r",
                                    .account_id = "p",
                                    .region = "",
                                    .data = data,
                                    .raw_sha256 = ""});
  gcp::run_checks(batch);
  std::map<std::string, Status> out;
  for (const Finding& finding : batch.findings) {
    out[finding.check_id] = finding.status;
  }
  return out;
}

std::string days_from_now(int days) {
  return time::to_iso8601(time::now() + std::chrono::hours(24 * days));
}

nlohmann::json policy_with(const std::string& role, const std::string& member) {
  return {{"bindings", {{{"role", role}, {"members", {member}}}}}};
}

} // namespace

TEST_CASE("gcp evaluators: project policy roles") {
  const auto both = [](const char* first, const char* second) {
    return gcp_verdicts({{"kind", "iam_policy"},
                         {"policy",
                          {{"bindings",
                            {{{"role", first}, {"members", {"user:a@example.com"}}},
                             {{"role", second}, {"members", {"user:a@example.com"}}}}}}}});
  };
  auto got = both("roles/iam.serviceAccountAdmin", "roles/iam.serviceAccountUser");
  CHECK(got.at("gcp_iam_role_sa_enforce_separation_of_duties") == Status::fail);
  CHECK(got.at("gcp_iam_no_service_roles_at_project_level") == Status::fail);
  got = both("roles/cloudkms.admin", "roles/cloudkms.cryptoKeyDecrypter");
  CHECK(got.at("gcp_iam_role_kms_enforce_separation_of_duties") == Status::fail);
  CHECK(got.at("gcp_iam_role_sa_enforce_separation_of_duties") == Status::pass);
  got = gcp_verdicts({{"kind", "iam_policy"},
                      {"policy", policy_with("roles/iam.serviceAccountTokenCreator", "group:g")}});
  CHECK(got.at("gcp_iam_no_service_roles_at_project_level") == Status::fail);
  CHECK(got.at("gcp_iam_role_kms_enforce_separation_of_duties") == Status::pass);
}

TEST_CASE("gcp evaluators: audit configuration follows CIS 2.1") {
  const auto audit = [](nlohmann::json configs) {
    return gcp_verdicts({{"kind", "iam_policy"}, {"policy", {{"auditConfigs", configs}}}})
      .at("gcp_iam_audit_logs_enabled");
  };
  const nlohmann::json all_three = {
    {{"logType", "ADMIN_READ"}}, {{"logType", "DATA_READ"}}, {{"logType", "DATA_WRITE"}}};
  CHECK(audit({{{"service", "allServices"}, {"auditLogConfigs", all_three}}}) == Status::pass);
  CHECK(audit({{{"service", "storage.googleapis.com"}, {"auditLogConfigs", all_three}}}) ==
        Status::fail);
  nlohmann::json exempting = all_three;
  exempting[1]["exemptedMembers"] = {"user:bulk@example.com"};
  CHECK(audit({{{"service", "allServices"}, {"auditLogConfigs", exempting}}}) == Status::fail);
}

TEST_CASE("gcp evaluators: enabled services") {
  CHECK(gcp_verdicts({{"kind", "project"}, {"enabled_services", {"cloudasset.googleapis.com"}}})
          .at("gcp_iam_cloud_asset_inventory_enabled") == Status::pass);
  CHECK(gcp_verdicts({{"kind", "project"}, {"enabled_services", {"compute.googleapis.com"}}})
          .at("gcp_iam_cloud_asset_inventory_enabled") == Status::fail);
  // services.list failed: not evaluated rather than failed.
  CHECK(gcp_verdicts({{"kind", "project"}, {"enabled_services", nullptr}}).empty());
}

TEST_CASE("gcp evaluators: service-account keys") {
  const auto keys = [](nlohmann::json list) {
    return gcp_verdicts(
      {{"kind", "service_account"}, {"account", {{"email", "a@p"}}}, {"keys", list}});
  };
  auto got = keys(nlohmann::json::array());
  CHECK(got.at("gcp_iam_sa_no_user_managed_keys") == Status::pass);
  CHECK(got.at("gcp_iam_sa_user_managed_key_rotate_90_days") == Status::pass);
  got = keys(
    {{{"name", "k/new"}, {"keyType", "USER_MANAGED"}, {"validAfterTime", days_from_now(-10)}}});
  CHECK(got.at("gcp_iam_sa_no_user_managed_keys") == Status::fail);
  CHECK(got.at("gcp_iam_sa_user_managed_key_rotate_90_days") == Status::pass);
  got = keys(
    {{{"name", "k/old"}, {"keyType", "USER_MANAGED"}, {"validAfterTime", days_from_now(-91)}},
     {{"name", "k/sys"}, {"keyType", "SYSTEM_MANAGED"}, {"validAfterTime", days_from_now(-900)}}});
  CHECK(got.at("gcp_iam_sa_user_managed_key_rotate_90_days") == Status::fail);
  got = keys({{{"name", "k/off"},
               {"keyType", "USER_MANAGED"},
               {"disabled", true},
               {"validAfterTime", days_from_now(-900)}}});
  CHECK(got.at("gcp_iam_sa_no_user_managed_keys") == Status::pass);
  CHECK(keys(nullptr).empty());
}

TEST_CASE("gcp evaluators: KMS keys") {
  const auto key = [](nlohmann::json fields, nlohmann::json policy) {
    fields["name"] = "projects/p/locations/l/keyRings/r/cryptoKeys/k";
    return gcp_verdicts({{"kind", "kms_key"}, {"key", fields}, {"policy", policy}});
  };
  const nlohmann::json closed =
    policy_with("roles/cloudkms.cryptoKeyDecrypter", "user:a@example.com");
  auto got = key({{"purpose", "ENCRYPT_DECRYPT"},
                  {"rotationPeriod", "7776000s"},
                  {"nextRotationTime", days_from_now(20)}},
                 closed);
  CHECK(got.at("gcp_kms_key_rotation_max_90_days") == Status::pass);
  CHECK(got.at("gcp_kms_key_not_publicly_accessible") == Status::pass);
  CHECK(key({{"purpose", "ENCRYPT_DECRYPT"},
             {"rotationPeriod", "7862400s"},
             {"nextRotationTime", days_from_now(20)}},
            closed)
          .at("gcp_kms_key_rotation_max_90_days") == Status::fail);
  CHECK(key({{"purpose", "ENCRYPT_DECRYPT"}}, closed).at("gcp_kms_key_rotation_max_90_days") ==
        Status::fail);
  CHECK(key({{"purpose", "ENCRYPT_DECRYPT"},
             {"rotationPeriod", "7776000s"},
             {"nextRotationTime", days_from_now(200)}},
            closed)
          .at("gcp_kms_key_rotation_max_90_days") == Status::fail);
  got = key({{"purpose", "ASYMMETRIC_SIGN"}}, policy_with("roles/cloudkms.signer", "allUsers"));
  CHECK(!got.contains("gcp_kms_key_rotation_max_90_days"));
  CHECK(got.at("gcp_kms_key_not_publicly_accessible") == Status::fail);
}

TEST_CASE("gcp evaluators: buckets") {
  auto got = gcp_verdicts(
    {{"kind", "bucket"},
     {"bucket", {{"iamConfiguration", {{"uniformBucketLevelAccess", {{"enabled", true}}}}}}},
     {"policy", policy_with("roles/storage.objectViewer", "group:g@example.com")}});
  CHECK(got.at("gcp_cloudstorage_bucket_uniform_bucket_level_access") == Status::pass);
  CHECK(got.at("gcp_cloudstorage_bucket_public_access") == Status::pass);
  got =
    gcp_verdicts({{"kind", "bucket"},
                  {"bucket", nlohmann::json::object()},
                  {"policy", policy_with("roles/storage.objectViewer", "allAuthenticatedUsers")}});
  CHECK(got.at("gcp_cloudstorage_bucket_uniform_bucket_level_access") == Status::fail);
  CHECK(got.at("gcp_cloudstorage_bucket_public_access") == Status::fail);
}

TEST_CASE("gcp evaluators: logging") {
  const std::string metric_filter = R"(resource.type="gcs_bucket"
    AND protoPayload.methodName = "storage.setIamPermissions")";
  const nlohmann::json metrics = {{{"name", "bucket-iam"}, {"filter", metric_filter}}};
  const auto alert = [](bool enabled) {
    return nlohmann::json::array(
      {{{"name", "projects/p/alertPolicies/1"},
        {"displayName", "bucket iam"},
        {"enabled", enabled},
        {"conditions",
         {{{"conditionThreshold",
            {{"filter", R"(metric.type = "logging.googleapis.com/user/bucket-iam")"}}}}}}}});
  };
  const char* bucket_check =
    "gcp_logging_log_metric_filter_and_alert_for_bucket_permission_changes_enabled";
  auto got = gcp_verdicts(
    {{"kind", "logging"},
     {"sinks", {{{"name", "all"}, {"destination", "storage.googleapis.com/logs"}}}},
     {"sink_buckets",
      {{"logs", {{"retentionPolicy", {{"retentionPeriod", "1"}, {"isLocked", true}}}}}}},
     {"metrics", metrics},
     {"alert_policies", alert(true)}});
  CHECK(got.at("gcp_logging_sink_created") == Status::pass);
  CHECK(got.at("gcp_cloudstorage_bucket_log_retention_policy_lock") == Status::pass);
  CHECK(got.at(bucket_check) == Status::pass);
  CHECK(got.at("gcp_logging_log_metric_filter_and_alert_for_vpc_network_changes_enabled") ==
        Status::fail);
  got =
    gcp_verdicts({{"kind", "logging"},
                  {"sinks",
                   {{{"name", "errors"},
                     {"filter", "severity>=ERROR"},
                     {"destination", "storage.googleapis.com/logs"}}}},
                  {"sink_buckets", {{"logs", {{"retentionPolicy", {{"retentionPeriod", "1"}}}}}}},
                  {"metrics", metrics},
                  {"alert_policies", alert(false)}});
  CHECK(got.at("gcp_logging_sink_created") == Status::fail);
  CHECK(got.at("gcp_cloudstorage_bucket_log_retention_policy_lock") == Status::fail);
  CHECK(got.at(bucket_check) == Status::fail);
  // Metrics or alerting policies that could not be listed: those checks are not evaluated.
  got = gcp_verdicts({{"kind", "logging"},
                      {"sinks", nullptr},
                      {"sink_buckets", nlohmann::json::object()},
                      {"metrics", metrics},
                      {"alert_policies", nullptr}});
  CHECK(got.empty());
}

TEST_CASE("gcp evaluators: networks and DNS") {
  CHECK(gcp_verdicts({{"kind", "network_list"}, {"networks", {"prod", "default"}}})
          .at("gcp_compute_network_default_in_use") == Status::fail);
  CHECK(gcp_verdicts({{"kind", "network_list"}, {"networks", {"prod"}}})
          .at("gcp_compute_network_default_in_use") == Status::pass);
  auto got = gcp_verdicts({{"kind", "network"},
                           {"network", {{"name", "old"}, {"IPv4Range", "10.0.0.0/16"}}},
                           {"dns_policies", {{{"name", "p"}, {"enableLogging", true}}}}});
  CHECK(got.at("gcp_compute_network_not_legacy") == Status::fail);
  CHECK(got.at("gcp_compute_network_dns_logging_enabled") == Status::pass);
  got =
    gcp_verdicts({{"kind", "network"}, {"network", {{"name", "n"}}}, {"dns_policies", nullptr}});
  CHECK(got.at("gcp_compute_network_not_legacy") == Status::pass);
  CHECK(!got.contains("gcp_compute_network_dns_logging_enabled"));

  const auto firewall = [](nlohmann::json rule) {
    return gcp_verdicts({{"kind", "firewall"}, {"firewall", rule}});
  };
  got = firewall({{"sourceRanges", {"0.0.0.0/0"}},
                  {"allowed", {{{"IPProtocol", "tcp"}, {"ports", {"20-25"}}}}}});
  CHECK(got.at("gcp_compute_firewall_ssh_access_from_the_internet_allowed") == Status::fail);
  CHECK(got.at("gcp_compute_firewall_rdp_access_from_the_internet_allowed") == Status::pass);
  got = firewall({{"sourceRanges", {"::/0"}}, {"allowed", {{{"IPProtocol", "all"}}}}});
  CHECK(got.at("gcp_compute_firewall_rdp_access_from_the_internet_allowed") == Status::fail);
  got = firewall({{"sourceRanges", {"0.0.0.0/0"}},
                  {"direction", "EGRESS"},
                  {"allowed", {{{"IPProtocol", "all"}}}}});
  CHECK(got.at("gcp_compute_firewall_ssh_access_from_the_internet_allowed") == Status::pass);
  got = firewall({{"sourceRanges", {"10.0.0.0/8"}}, {"allowed", {{{"IPProtocol", "tcp"}}}}});
  CHECK(got.at("gcp_compute_firewall_ssh_access_from_the_internet_allowed") == Status::pass);

  CHECK(gcp_verdicts({{"kind", "subnet"}, {"subnet", {{"logConfig", {{"enable", true}}}}}})
          .at("gcp_compute_subnet_flow_logs_enabled") == Status::pass);
  CHECK(gcp_verdicts({{"kind", "subnet"}, {"subnet", {{"purpose", "PRIVATE"}}}})
          .at("gcp_compute_subnet_flow_logs_enabled") == Status::fail);
  CHECK(gcp_verdicts({{"kind", "subnet"}, {"subnet", {{"purpose", "REGIONAL_MANAGED_PROXY"}}}})
          .empty());

  got = gcp_verdicts(
    {{"kind", "dns_zone"},
     {"zone",
      {{"visibility", "public"},
       {"dnssecConfig",
        {{"state", "on"},
         {"defaultKeySpecs", {{{"keyType", "keySigning"}, {"algorithm", "rsasha1"}}}}}}}}});
  CHECK(got.at("gcp_dns_dnssec_disabled") == Status::pass);
  CHECK(got.at("gcp_dns_rsasha1_in_use_to_key_sign_in_dnssec") == Status::fail);
  CHECK(got.at("gcp_dns_rsasha1_in_use_to_zone_sign_in_dnssec") == Status::pass);
  got = gcp_verdicts({{"kind", "dns_zone"}, {"zone", {{"visibility", "public"}}}});
  CHECK(got.at("gcp_dns_dnssec_disabled") == Status::fail);
  CHECK(gcp_verdicts({{"kind", "dns_zone"}, {"zone", {{"visibility", "private"}}}}).empty());
}

TEST_CASE("gcp evaluators: instances") {
  const nlohmann::json hardened = {
    {"name", "web"},
    {"metadata", {{"items", {{{"key", "block-project-ssh-keys"}, {"value", "TRUE"}}}}}},
    {"serviceAccounts", {{{"email", "app@p.iam.gserviceaccount.com"}}}},
    {"shieldedInstanceConfig", {{"enableVtpm", true}, {"enableIntegrityMonitoring", true}}},
    {"networkInterfaces", {{{"name", "nic0"}}}}};
  const nlohmann::json serial_on = {
    {"items", {{{"key", "serial-port-enable"}, {"value", "true"}}}}};
  auto got =
    gcp_verdicts({{"kind", "instance"}, {"instance", hardened}, {"project_metadata", nullptr}});
  CHECK(got.size() == 7);
  for (const auto& verdict : got) {
    CHECK_MESSAGE(verdict.second == Status::pass, verdict.first);
  }
  // The project's serial-port-enable applies when the instance says nothing.
  CHECK(
    gcp_verdicts({{"kind", "instance"}, {"instance", hardened}, {"project_metadata", serial_on}})
      .at("gcp_compute_instance_serial_ports_in_use") == Status::fail);

  const nlohmann::json exposed = {
    {"name", "legacy"},
    {"serviceAccounts",
     {{{"email", "1-compute@developer.gserviceaccount.com"},
       {"scopes", {"https://www.googleapis.com/auth/cloud-platform"}}}}},
    {"canIpForward", true},
    {"networkInterfaces", {{{"accessConfigs", {{{"natIP", "34.1.2.3"}}}}}}}};
  got =
    gcp_verdicts({{"kind", "instance"}, {"instance", exposed}, {"project_metadata", serial_on}});
  CHECK(got.size() == 7);
  for (const auto& verdict : got) {
    CHECK_MESSAGE(verdict.second == Status::fail, verdict.first);
  }
  nlohmann::json gke = exposed;
  gke["name"] = "gke-pool-1-abc";
  got = gcp_verdicts({{"kind", "instance"}, {"instance", gke}, {"project_metadata", nullptr}});
  CHECK(!got.contains("gcp_compute_instance_default_service_account_in_use"));
  CHECK(got.at("gcp_compute_instance_shielded_vm_enabled") == Status::fail);

  CHECK(gcp_verdicts({{"kind", "compute_project"},
                      {"metadata", {{"items", {{{"key", "enable-oslogin"}, {"value", "TRUE"}}}}}}})
          .at("gcp_compute_project_os_login_enabled") == Status::pass);
  CHECK(gcp_verdicts({{"kind", "compute_project"}, {"metadata", nlohmann::json::object()}})
          .at("gcp_compute_project_os_login_enabled") == Status::fail);
}

TEST_CASE("gcp evaluators: Cloud SQL") {
  const nlohmann::json private_pg = {
    {"databaseVersion", "POSTGRES_15"},
    {"ipAddresses", {{{"type", "PRIVATE"}, {"ipAddress", "10.0.0.3"}}}},
    {"settings",
     {{"ipConfiguration", {{"ipv4Enabled", false}, {"sslMode", "ENCRYPTED_ONLY"}}},
      {"backupConfiguration", {{"enabled", true}}},
      {"databaseFlags",
       {{{"name", "log_connections"}, {"value", "on"}},
        {{"name", "log_disconnections"}, {"value", "on"}},
        {{"name", "cloudsql.enable_pgaudit"}, {"value", "ON"}}}}}}};
  auto got = gcp_verdicts({{"kind", "sql_instance"}, {"instance", private_pg}});
  CHECK(got.size() == 7);
  for (const auto& verdict : got) {
    CHECK_MESSAGE(verdict.second == Status::pass, verdict.first);
  }
  const nlohmann::json public_mysql = {
    {"databaseVersion", "MYSQL_8_0"},
    {"ipAddresses", {{{"type", "PRIMARY"}, {"ipAddress", "35.1.2.3"}}}},
    {"settings",
     {{"ipConfiguration",
       {{"sslMode", "ALLOW_UNENCRYPTED_AND_ENCRYPTED"},
        {"requireSsl", true},
        {"authorizedNetworks", {{{"value", "0.0.0.0/0"}}}}}}}}};
  got = gcp_verdicts({{"kind", "sql_instance"}, {"instance", public_mysql}});
  CHECK(got.size() == 6);
  for (const auto& verdict : got) {
    CHECK_MESSAGE(verdict.second == Status::fail, verdict.first);
  }
  nlohmann::json replica = public_mysql;
  replica["instanceType"] = "READ_REPLICA_INSTANCE";
  CHECK(!gcp_verdicts({{"kind", "sql_instance"}, {"instance", replica}})
           .contains("gcp_cloudsql_instance_automated_backups"));
}
