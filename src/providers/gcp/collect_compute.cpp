#include "api.hpp"
#include "checks.hpp"

#include <fmt/format.h>

// Collectors of Compute Engine (networks, firewall rules, subnets, instances, project metadata),
// Cloud DNS (managed zones, DNS policies) and Cloud SQL instances.
namespace velocity::providers::gcp {

namespace {

constexpr std::string_view k_compute = "compute.googleapis.com";
constexpr std::string_view k_dns = "dns.googleapis.com";
constexpr std::string_view k_sqladmin = "sqladmin.googleapis.com";

const Needs k_network_needs{.checks = {"gcp_compute_network_default_in_use",
                                       "gcp_compute_network_not_legacy",
                                       "gcp_compute_network_dns_logging_enabled"},
                            .permission = "compute.networks.list",
                            .role = "roles/compute.viewer"};
const Needs k_firewall_needs{
  .checks = {"gcp_compute_firewall_ssh_access_from_the_internet_allowed",
             "gcp_compute_firewall_rdp_access_from_the_internet_allowed"},
  .permission = "compute.firewalls.list",
  .role = "roles/compute.viewer"};
const Needs k_subnet_needs{.checks = {"gcp_compute_subnet_flow_logs_enabled"},
                           .permission = "compute.subnetworks.list",
                           .role = "roles/compute.viewer"};
const Needs k_zone_needs{.checks = {"gcp_dns_dnssec_disabled",
                                    "gcp_dns_rsasha1_in_use_to_key_sign_in_dnssec",
                                    "gcp_dns_rsasha1_in_use_to_zone_sign_in_dnssec"},
                         .permission = "dns.managedZones.list",
                         .role = "roles/dns.reader"};
const Needs k_dns_policy_needs{.checks = {"gcp_compute_network_dns_logging_enabled"},
                               .permission = "dns.policies.list",
                               .role = "roles/dns.reader"};
// With the Compute Engine or Cloud DNS API disabled, one record names every check it leaves out.
const Needs k_compute_disabled{
  .checks = {"gcp_compute_network_default_in_use", "gcp_compute_network_not_legacy",
             "gcp_compute_network_dns_logging_enabled",
             "gcp_compute_firewall_ssh_access_from_the_internet_allowed",
             "gcp_compute_firewall_rdp_access_from_the_internet_allowed",
             "gcp_compute_subnet_flow_logs_enabled"},
  .permission = "compute.networks.list",
  .role = "roles/compute.viewer"};
const Needs k_dns_disabled{.checks = {"gcp_dns_dnssec_disabled",
                                      "gcp_dns_rsasha1_in_use_to_key_sign_in_dnssec",
                                      "gcp_dns_rsasha1_in_use_to_zone_sign_in_dnssec"},
                           .permission = "dns.managedZones.list",
                           .role = "roles/dns.reader"};
const Needs k_project_needs{.checks = {"gcp_compute_project_os_login_enabled"},
                            .permission = "compute.projects.get",
                            .role = "roles/compute.viewer"};
const Needs k_instance_needs{
  .checks = {"gcp_compute_instance_default_service_account_in_use",
             "gcp_compute_instance_default_service_account_in_use_with_full_api_access",
             "gcp_compute_instance_block_project_wide_ssh_keys_disabled",
             "gcp_compute_instance_serial_ports_in_use", "gcp_compute_instance_shielded_vm_enabled",
             "gcp_compute_instance_ip_forwarding_is_enabled", "gcp_compute_instance_public_ip"},
  .permission = "compute.instances.list",
  .role = "roles/compute.viewer"};
const Needs k_sql_needs{
  .checks = {"gcp_cloudsql_instance_public_ip", "gcp_cloudsql_instance_ssl_connections",
             "gcp_cloudsql_instance_public_access", "gcp_cloudsql_instance_automated_backups",
             "gcp_cloudsql_instance_mysql_local_infile_flag",
             "gcp_cloudsql_instance_mysql_skip_show_database_flag",
             "gcp_cloudsql_instance_postgres_log_connections_flag",
             "gcp_cloudsql_instance_postgres_log_disconnections_flag",
             "gcp_cloudsql_instance_postgres_enable_pgaudit_flag"},
  .permission = "cloudsql.instances.list",
  .role = "roles/cloudsql.viewer"};

// "zones/us-central1-a" (an aggregatedList scope) -> "us-central1-a".
std::string scope_name(const nlohmann::json& item) {
  return last_segment(item.value("_scope", ""));
}

// The firewall rules and subnets of the project whose Compute Engine API base is `compute`.
void collect_firewalls_and_subnets(Api& api, Batch& batch, const std::string& compute) {
  const Fetched firewalls = api.list(compute + "/global/firewalls?maxResults=500", "items",
                                     "firewalls.list " + api.project());
  if (firewalls.failed()) {
    record_failure(batch, api, firewalls.listing.problem, firewalls.failure, k_firewall_needs);
  }
  for (const nlohmann::json& firewall : firewalls.listing.items) {
    add_evidence(
      batch,
      fmt::format("projects/{}/global/firewalls/{}", api.project(), firewall.value("name", "")), "",
      {{"kind", "firewall"}, {"firewall", firewall}}, firewall.dump());
  }

  const Fetched subnets =
    api.aggregated(compute + "/aggregated/subnetworks?maxResults=500", "subnetworks",
                   "subnetworks.aggregatedList " + api.project());
  if (subnets.failed()) {
    record_failure(batch, api, subnets.listing.problem, subnets.failure, k_subnet_needs);
  }
  for (const nlohmann::json& subnet : subnets.listing.items) {
    const std::string region = scope_name(subnet);
    add_evidence(batch,
                 fmt::format("projects/{}/regions/{}/subnetworks/{}", api.project(), region,
                             subnet.value("name", "")),
                 region, {{"kind", "subnet"}, {"subnet", subnet}}, subnet.dump());
  }
}

} // namespace

void collect_networks(Api& api, Batch& batch) {
  const std::string compute = api.base(k_compute) + "/compute/v1/projects/" + api.project();
  const std::string dns = api.base(k_dns) + "/dns/v1/projects/" + api.project();
  const Fetched networks = api.list(compute + "/global/networks?maxResults=500", "items",
                                    "networks.list " + api.project());
  const Fetched policies =
    api.list(dns + "/policies?maxResults=1000", "policies", "dns.policies.list " + api.project());
  const bool compute_disabled = networks.failed() && service_disabled(networks.failure);
  const bool dns_disabled = policies.failed() && service_disabled(policies.failure);
  if (networks.failed()) {
    record_failure(batch, api, networks.listing.problem, networks.failure,
                   compute_disabled ? k_compute_disabled : k_network_needs);
  } else {
    if (policies.failed()) {
      record_failure(batch, api, policies.listing.problem, policies.failure, k_dns_policy_needs);
    }
    nlohmann::json names = nlohmann::json::array();
    for (const nlohmann::json& network : networks.listing.items) {
      names.push_back(network.value("name", ""));
    }
    add_evidence(batch, "projects/" + api.project() + "/global/networks", "",
                 {{"kind", "network_list"}, {"networks", std::move(names)}}, networks.listing.raw);
    for (const nlohmann::json& network : networks.listing.items) {
      // The DNS policies that apply to this network, or null when they could not be listed.
      nlohmann::json applied = nlohmann::json::array();
      for (const nlohmann::json& policy : policies.listing.items) {
        for (const nlohmann::json& target : policy.value("networks", nlohmann::json::array())) {
          const std::string url = target.value("networkUrl", "");
          if (url.ends_with("projects/" + api.project() + "/global/networks/" +
                            network.value("name", ""))) {
            applied.push_back(policy);
          }
        }
      }
      add_evidence(
        batch,
        fmt::format("projects/{}/global/networks/{}", api.project(), network.value("name", "")), "",
        {{"kind", "network"},
         {"network", network},
         {"dns_policies", policies.failed() ? nlohmann::json(nullptr) : applied}},
        networks.listing.raw + policies.listing.raw);
    }
  }

  if (!compute_disabled) {
    collect_firewalls_and_subnets(api, batch, compute);
  }
  if (dns_disabled) {
    record_failure(batch, api, policies.listing.problem, policies.failure, k_dns_disabled);
    return;
  }
  const Fetched zones = api.list(dns + "/managedZones?maxResults=1000", "managedZones",
                                 "managedZones.list " + api.project());
  if (zones.failed()) {
    record_failure(batch, api, zones.listing.problem, zones.failure, k_zone_needs);
  }
  for (const nlohmann::json& zone : zones.listing.items) {
    add_evidence(batch,
                 fmt::format("projects/{}/managedZones/{}", api.project(), zone.value("name", "")),
                 "", {{"kind", "dns_zone"}, {"zone", zone}}, zone.dump());
  }
}

void collect_instances(Api& api, Batch& batch) {
  const std::string compute = api.base(k_compute) + "/compute/v1/projects/" + api.project();
  const net::Response project = api.get(compute);
  nlohmann::json metadata = nullptr;
  if (project.ok()) {
    const nlohmann::json body = nlohmann::json::parse(project.body, nullptr, false);
    metadata = body.is_object() ? body.value("commonInstanceMetadata", nlohmann::json::object())
                                : nlohmann::json::object();
    add_evidence(batch, "projects/" + api.project() + "/compute", "",
                 {{"kind", "compute_project"}, {"metadata", metadata}}, project.body);
  } else {
    record_failure(batch, api,
                   fmt::format("compute projects.get {}: {}", api.project(), error_text(project)),
                   project, k_project_needs);
    if (service_disabled(project)) {
      return;
    }
  }
  const Fetched instances =
    api.aggregated(compute + "/aggregated/instances?maxResults=500", "instances",
                   "instances.aggregatedList " + api.project());
  if (instances.failed()) {
    record_failure(batch, api, instances.listing.problem, instances.failure, k_instance_needs);
  }
  for (const nlohmann::json& instance : instances.listing.items) {
    const std::string zone = scope_name(instance);
    add_evidence(batch,
                 fmt::format("projects/{}/zones/{}/instances/{}", api.project(), zone,
                             instance.value("name", "")),
                 zone,
                 {{"kind", "instance"}, {"instance", instance}, {"project_metadata", metadata}},
                 instance.dump() + project.body);
  }
}

void collect_sql_instances(Api& api, Batch& batch) {
  const Fetched instances =
    api.list(api.base(k_sqladmin) + "/v1/projects/" + api.project() + "/instances", "items",
             "sql instances.list " + api.project());
  if (instances.failed()) {
    record_failure(batch, api, instances.listing.problem, instances.failure, k_sql_needs);
    return;
  }
  for (const nlohmann::json& instance : instances.listing.items) {
    add_evidence(batch,
                 fmt::format("projects/{}/instances/{}", api.project(), instance.value("name", "")),
                 instance.value("region", ""), {{"kind", "sql_instance"}, {"instance", instance}},
                 instance.dump());
  }
}

std::vector<PlannedCall> planned_calls(const Api& api, const std::string& type) {
  struct Call {
    std::string_view service;
    std::string_view operation;
    std::string endpoint;
    std::string_view note;
  };
  const std::string project = "projects/" + api.project();
  const std::string compute = api.base(k_compute) + "/compute/v1/" + project;
  std::vector<Call> calls;
  if (type == "service_accounts") {
    calls = {{"iam", "serviceAccounts.list",
              api.base("iam.googleapis.com") + "/v1/" + project + "/serviceAccounts", "each page"},
             {"iam", "serviceAccounts.keys.list",
              api.base("iam.googleapis.com") + "/v1/" + project + "/serviceAccounts/EMAIL/keys",
              "per service account"}};
  } else if (type == "kms_keys") {
    const std::string kms = api.base("cloudkms.googleapis.com") + "/v1/";
    calls = {
      {"cloudkms", "locations.list", kms + project + "/locations", "each page"},
      {"cloudkms", "keyRings.list", kms + project + "/locations/LOCATION/keyRings",
       "per location, each page"},
      {"cloudkms", "cryptoKeys.list", kms + "KEY_RING/cryptoKeys", "per key ring, each page"},
      {"cloudkms", "cryptoKeys.getIamPolicy", kms + "KEY:getIamPolicy", "per key"}};
  } else if (type == "storage_buckets") {
    const std::string storage = api.base("storage.googleapis.com") + "/storage/v1/b";
    calls = {{"storage", "buckets.list", storage + "?project=" + api.project(), "each page"},
             {"storage", "buckets.getIamPolicy", storage + "/BUCKET/iam", "per bucket"}};
  } else if (type == "logging") {
    const std::string logging = api.base("logging.googleapis.com") + "/v2/" + project;
    calls = {{"logging", "sinks.list", logging + "/sinks", "each page"},
             {"logging", "metrics.list", logging + "/metrics", "each page"},
             {"monitoring", "alertPolicies.list",
              api.base("monitoring.googleapis.com") + "/v3/" + project + "/alertPolicies",
              "each page"},
             {"storage", "buckets.get", api.base("storage.googleapis.com") + "/storage/v1/b/BUCKET",
              "per sink exporting to Cloud Storage"}};
  } else if (type == "networks") {
    const std::string dns = api.base(k_dns) + "/dns/v1/" + project;
    calls = {
      {"compute", "networks.list", compute + "/global/networks", "each page"},
      {"dns", "policies.list", dns + "/policies", "each page"},
      {"compute", "firewalls.list", compute + "/global/firewalls", "each page"},
      {"compute", "subnetworks.aggregatedList", compute + "/aggregated/subnetworks", "each page"},
      {"dns", "managedZones.list", dns + "/managedZones", "each page"}};
  } else if (type == "instances") {
    calls = {
      {"compute", "projects.get", compute, ""},
      {"compute", "instances.aggregatedList", compute + "/aggregated/instances", "each page"}};
  } else if (type == "sql_instances") {
    calls = {{"sqladmin", "instances.list", api.base(k_sqladmin) + "/v1/" + project + "/instances",
              "each page"}};
  }
  std::vector<PlannedCall> planned;
  for (const Call& call : calls) {
    planned.push_back(PlannedCall{.evidence_type = type,
                                  .service = std::string(call.service),
                                  .operation = std::string(call.operation),
                                  .region = "",
                                  .endpoint = call.endpoint,
                                  .note = std::string(call.note)});
  }
  return planned;
}

} // namespace velocity::providers::gcp
