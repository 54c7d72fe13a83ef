#include "checks.hpp"

#include <velocity/providers/findings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

// The evaluators of Compute Engine networks, firewall rules, subnets, instances and project
// metadata, Cloud DNS zones and Cloud SQL instances.
namespace velocity::providers::gcp {

namespace {

std::string lower(std::string text) {
  std::ranges::transform(text, text.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// The value of `key` in Compute Engine metadata ({"items": [{"key", "value"}]}), lower-cased.
std::optional<std::string> metadata_value(const nlohmann::json& metadata, std::string_view key) {
  if (!metadata.is_object()) {
    return std::nullopt;
  }
  for (const nlohmann::json& item : metadata.value("items", nlohmann::json::array())) {
    if (item.value("key", "") == key) {
      return lower(item.value("value", ""));
    }
  }
  return std::nullopt;
}

// Whether a firewall `allowed` entry's ports ("22", "20-30") take in `port`; none means all.
bool opens_port(const nlohmann::json& allowed, int port) {
  const std::string protocol = lower(allowed.value("IPProtocol", ""));
  if (protocol != "tcp" && protocol != "all") {
    return false;
  }
  if (!allowed.contains("ports")) {
    return true;
  }
  for (const nlohmann::json& entry : allowed["ports"]) {
    const std::string range = entry.is_string() ? entry.get<std::string>() : "";
    const size_t dash = range.find('-');
    try {
      const int low = std::stoi(range.substr(0, dash));
      const int high = dash == std::string::npos ? low : std::stoi(range.substr(dash + 1));
      if (low <= port && port <= high) {
        return true;
      }
    } catch (const std::exception&) {
      continue;
    }
  }
  return false;
}

void check_open_port(Batch& batch, size_t index, std::string_view check, int port,
                     std::string_view service) {
  const nlohmann::json& rule = batch.evidence[index].data["firewall"];
  const bool ingress = rule.value("direction", "INGRESS") == "INGRESS";
  const nlohmann::json ranges = rule.value("sourceRanges", nlohmann::json::array());
  const bool from_anywhere = std::ranges::any_of(
    ranges, [](const nlohmann::json& range) { return range == "0.0.0.0/0" || range == "::/0"; });
  const bool opens =
    std::ranges::any_of(rule.value("allowed", nlohmann::json::array()),
                        [port](const nlohmann::json& a) { return opens_port(a, port); });
  const bool open = ingress && !rule.value("disabled", false) && from_anywhere && opens;
  add_finding(
    batch, index, check, open ? Status::fail : Status::pass,
    open ? fmt::format("allows {} (tcp/{}) from the internet ({})", service, port, ranges.dump())
         : fmt::format("does not allow {} (tcp/{}) from 0.0.0.0/0 or ::/0", service, port));
}

// Instances GKE creates for its node pools, which CIS 4.1-4.3 and 4.9 leave out.
bool is_gke_node(const nlohmann::json& instance) {
  return instance.value("name", "").starts_with("gke-") ||
         instance.value("labels", nlohmann::json::object()).contains("goog-gke-node");
}

bool flag_is(const nlohmann::json& instance, std::string_view name, std::string_view value) {
  const nlohmann::json flags = instance.value("settings", nlohmann::json::object())
                                 .value("databaseFlags", nlohmann::json::array());
  return std::ranges::any_of(flags, [&](const nlohmann::json& flag) {
    return flag.value("name", "") == name && lower(flag.value("value", "")) == value;
  });
}

} // namespace

void check_network_list(Batch& batch, size_t index) {
  const nlohmann::json& names = batch.evidence[index].data["networks"];
  const bool has_default =
    std::ranges::any_of(names, [](const nlohmann::json& n) { return n == "default"; });
  add_finding(batch, index, "gcp_compute_network_default_in_use",
              has_default ? Status::fail : Status::pass,
              has_default ? "the project has the default network"
                          : "the project has no network named default");
}

void check_network(Batch& batch, size_t index) {
  const nlohmann::json& data = batch.evidence[index].data;
  const bool legacy = data["network"].contains("IPv4Range");
  add_finding(batch, index, "gcp_compute_network_not_legacy", legacy ? Status::fail : Status::pass,
              legacy ? "a legacy network (one IPv4 range, no subnets)"
                     : "a VPC network with subnets");
  if (!data["dns_policies"].is_array()) {
    return;
  }
  std::vector<std::string> logging;
  for (const nlohmann::json& policy : data["dns_policies"]) {
    if (policy.value("enableLogging", false)) {
      logging.push_back(policy.value("name", ""));
    }
  }
  add_finding(batch, index, "gcp_compute_network_dns_logging_enabled",
              logging.empty() ? Status::fail : Status::pass,
              logging.empty() ? "no DNS policy with logging applies to the network"
                              : "DNS logging on through the policy " + comma_list(logging));
}

void check_firewall(Batch& batch, size_t index) {
  check_open_port(batch, index, "gcp_compute_firewall_ssh_access_from_the_internet_allowed", 22,
                  "SSH");
  check_open_port(batch, index, "gcp_compute_firewall_rdp_access_from_the_internet_allowed", 3389,
                  "RDP");
}

void check_subnet(Batch& batch, size_t index) {
  const nlohmann::json& subnet = batch.evidence[index].data["subnet"];
  // Proxy-only and other special-purpose subnets carry no VM traffic and cannot log flows.
  const std::string purpose = subnet.value("purpose", "PRIVATE");
  if (purpose != "PRIVATE" && purpose != "PRIVATE_RFC_1918") {
    return;
  }
  const bool on = subnet.value("logConfig", nlohmann::json::object()).value("enable", false) ||
                  subnet.value("enableFlowLogs", false);
  add_finding(batch, index, "gcp_compute_subnet_flow_logs_enabled",
              on ? Status::pass : Status::fail,
              on ? "VPC flow logs are on" : "VPC flow logs are off");
}

void check_dns_zone(Batch& batch, size_t index) {
  const nlohmann::json& zone = batch.evidence[index].data["zone"];
  if (zone.value("visibility", "public") != "public") {
    return; // DNSSEC applies to public zones only.
  }
  const nlohmann::json dnssec = zone.value("dnssecConfig", nlohmann::json::object());
  const std::string state = dnssec.value("state", "off");
  const bool on = state == "on";
  add_finding(batch, index, "gcp_dns_dnssec_disabled", on ? Status::pass : Status::fail,
              on ? "DNSSEC is on" : "DNSSEC is " + state);
  if (!on) {
    return;
  }
  for (const auto& [type, check] :
       {std::pair{"keySigning", "gcp_dns_rsasha1_in_use_to_key_sign_in_dnssec"},
        std::pair{"zoneSigning", "gcp_dns_rsasha1_in_use_to_zone_sign_in_dnssec"}}) {
    std::vector<std::string> weak;
    for (const nlohmann::json& spec : dnssec.value("defaultKeySpecs", nlohmann::json::array())) {
      if (spec.value("keyType", "") == type && spec.value("algorithm", "") == "rsasha1") {
        weak.emplace_back("rsasha1");
      }
    }
    verdict(batch, index, check, weak, fmt::format("the {} key does not use RSASHA1", type),
            fmt::format("the DNSSEC {} key uses", type));
  }
}

void check_compute_project(Batch& batch, size_t index) {
  const auto oslogin = metadata_value(batch.evidence[index].data["metadata"], "enable-oslogin");
  const bool on = oslogin == "true";
  add_finding(batch, index, "gcp_compute_project_os_login_enabled",
              on ? Status::pass : Status::fail,
              on ? "project metadata sets enable-oslogin=TRUE"
                 : "project metadata does not set enable-oslogin=TRUE");
}

void check_instance(Batch& batch, size_t index) {
  const nlohmann::json& data = batch.evidence[index].data;
  const nlohmann::json& instance = data["instance"];
  const nlohmann::json metadata = instance.value("metadata", nlohmann::json::object());

  // Serial ports: the instance's own setting, else the project's.
  auto serial = metadata_value(metadata, "serial-port-enable");
  if (!serial) {
    serial = metadata_value(data["project_metadata"], "serial-port-enable");
  }
  const bool serial_on = serial == "true" || serial == "1";
  add_finding(batch, index, "gcp_compute_instance_serial_ports_in_use",
              serial_on ? Status::fail : Status::pass,
              serial_on ? "serial-port-enable is on" : "interactive serial port access is off");

  const nlohmann::json shielded =
    instance.value("shieldedInstanceConfig", nlohmann::json::object());
  const bool is_shielded =
    shielded.value("enableVtpm", false) && shielded.value("enableIntegrityMonitoring", false);
  add_finding(batch, index, "gcp_compute_instance_shielded_vm_enabled",
              is_shielded ? Status::pass : Status::fail,
              is_shielded ? "Shielded VM with vTPM and integrity monitoring"
                          : "vTPM or integrity monitoring is off");

  if (is_gke_node(instance)) {
    return;
  }
  std::vector<std::string> defaults;
  std::vector<std::string> full_access;
  for (const nlohmann::json& account : instance.value("serviceAccounts", nlohmann::json::array())) {
    const std::string email = account.value("email", "");
    if (!email.ends_with("-compute@developer.gserviceaccount.com")) {
      continue;
    }
    defaults.push_back(email);
    const nlohmann::json scopes = account.value("scopes", nlohmann::json::array());
    if (std::ranges::any_of(scopes, [](const nlohmann::json& scope) {
          return scope == "https://www.googleapis.com/auth/cloud-platform";
        })) {
      full_access.push_back(email + " with the cloud-platform scope");
    }
  }
  verdict(batch, index, "gcp_compute_instance_default_service_account_in_use", defaults,
          "does not run as the Compute Engine default service account",
          "runs as the default service account");
  verdict(batch, index, "gcp_compute_instance_default_service_account_in_use_with_full_api_access",
          full_access, "no default service account with access to all Cloud APIs",
          "runs as the default service account with full API access");

  const bool forwards = instance.value("canIpForward", false);
  add_finding(batch, index, "gcp_compute_instance_ip_forwarding_is_enabled",
              forwards ? Status::fail : Status::pass,
              forwards ? "IP forwarding is on (canIpForward)" : "IP forwarding is off");

  const bool blocked = metadata_value(metadata, "block-project-ssh-keys") == "true";
  add_finding(batch, index, "gcp_compute_instance_block_project_wide_ssh_keys_disabled",
              blocked ? Status::pass : Status::fail,
              blocked ? "block-project-ssh-keys is on"
                      : "project-wide SSH keys can log in (block-project-ssh-keys is not true)");

  std::vector<std::string> public_ips;
  for (const nlohmann::json& nic : instance.value("networkInterfaces", nlohmann::json::array())) {
    for (const nlohmann::json& access : nic.value("accessConfigs", nlohmann::json::array())) {
      public_ips.push_back(access.value("natIP", "an ephemeral address"));
    }
  }
  verdict(batch, index, "gcp_compute_instance_public_ip", public_ips,
          "no network interface has an external IP address", "external IP addresses");
}

void check_sql_instance(Batch& batch, size_t index) {
  const nlohmann::json& instance = batch.evidence[index].data["instance"];
  const nlohmann::json settings = instance.value("settings", nlohmann::json::object());
  const nlohmann::json ip = settings.value("ipConfiguration", nlohmann::json::object());

  std::vector<std::string> public_addresses;
  for (const nlohmann::json& address : instance.value("ipAddresses", nlohmann::json::array())) {
    if (address.value("type", "") == "PRIMARY") {
      public_addresses.push_back(address.value("ipAddress", ""));
    }
  }
  if (public_addresses.empty() && ip.value("ipv4Enabled", false)) {
    public_addresses.emplace_back("ipv4Enabled");
  }
  verdict(batch, index, "gcp_cloudsql_instance_public_ip", public_addresses,
          "no public IPv4 address", "public IP addresses");

  const std::string ssl_mode = ip.value("sslMode", "");
  const bool encrypted = ssl_mode == "ENCRYPTED_ONLY" ||
                         ssl_mode == "TRUSTED_CLIENT_CERTIFICATE_REQUIRED" ||
                         (ssl_mode.empty() && ip.value("requireSsl", false));
  add_finding(batch, index, "gcp_cloudsql_instance_ssl_connections",
              encrypted ? Status::pass : Status::fail,
              encrypted ? fmt::format("only encrypted connections ({})",
                                      ssl_mode.empty() ? "requireSsl" : ssl_mode)
                        : fmt::format("unencrypted connections are accepted (sslMode {})",
                                      ssl_mode.empty() ? "unset" : ssl_mode));

  std::vector<std::string> open_networks;
  for (const nlohmann::json& network : ip.value("authorizedNetworks", nlohmann::json::array())) {
    if (network.value("value", "") == "0.0.0.0/0" || network.value("value", "") == "::/0") {
      open_networks.push_back(network.value("name", network.value("value", "")));
    }
  }
  verdict(batch, index, "gcp_cloudsql_instance_public_access", open_networks,
          "no authorized network admits every address", "authorized networks open to the internet");

  // A read replica takes no backups of its own.
  if (instance.value("instanceType", "") != "READ_REPLICA_INSTANCE") {
    const bool backups =
      settings.value("backupConfiguration", nlohmann::json::object()).value("enabled", false);
    add_finding(batch, index, "gcp_cloudsql_instance_automated_backups",
                backups ? Status::pass : Status::fail,
                backups ? "automated backups are on" : "automated backups are off");
  }

  struct FlagRule {
    std::string_view engine;
    std::string_view check;
    std::string_view flag;
    std::string_view value;
  };
  static const std::vector<FlagRule> flag_rules = {
    {"MYSQL", "gcp_cloudsql_instance_mysql_local_infile_flag", "local_infile", "off"},
    {"MYSQL", "gcp_cloudsql_instance_mysql_skip_show_database_flag", "skip_show_database", "on"},
    {"POSTGRES", "gcp_cloudsql_instance_postgres_log_connections_flag", "log_connections", "on"},
    {"POSTGRES", "gcp_cloudsql_instance_postgres_log_disconnections_flag", "log_disconnections",
     "on"},
    {"POSTGRES", "gcp_cloudsql_instance_postgres_enable_pgaudit_flag", "cloudsql.enable_pgaudit",
     "on"}};
  const std::string version = instance.value("databaseVersion", "");
  for (const FlagRule& rule : flag_rules) {
    if (!version.starts_with(rule.engine)) {
      continue;
    }
    const bool set = flag_is(instance, rule.flag, rule.value);
    add_finding(batch, index, rule.check, set ? Status::pass : Status::fail,
                fmt::format("{} is {}set to {}", rule.flag, set ? "" : "not ", rule.value));
  }
}

} // namespace velocity::providers::gcp
