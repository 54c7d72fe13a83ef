#include <velocity/providers/azure/provider.hpp>
#include <velocity/providers/findings.hpp>

#include <fmt/format.h>

#include <cstdlib>

namespace velocity::providers::azure {

namespace {

constexpr int64_t k_max_owners = 3;

void check_storage(Batch& batch, size_t index) {
  const nlohmann::json props =
    batch.evidence[index].data["account"].value("properties", nlohmann::json::object());
  // supportsHttpsTrafficOnly defaults to true since API version 2019-04-01; only an explicit
  // false lets plain HTTP in.
  const bool https = props.value("supportsHttpsTrafficOnly", true);
  add_finding(batch, index, "azure_storage_https_only", https ? Status::pass : Status::fail,
              https ? "only HTTPS is accepted" : "plain HTTP is accepted");
  // An account without minimumTlsVersion accepts TLS 1.0 (the old default).
  const std::string tls = props.value("minimumTlsVersion", "");
  const bool tls12 = tls == "TLS1_2" || tls == "TLS1_3";
  add_finding(batch, index, "azure_storage_min_tls_12", tls12 ? Status::pass : Status::fail,
              tls12
                ? fmt::format("minimum TLS version is {}", tls)
                : fmt::format("minimum TLS version is {}", tls.empty() ? "not set (TLS1_0)" : tls));
  // Without allowBlobPublicAccess, an older account allows containers to be made public.
  const bool public_blob = props.value("allowBlobPublicAccess", true);
  add_finding(batch, index, "azure_storage_no_public_blob",
              public_blob ? Status::fail : Status::pass,
              public_blob ? (props.contains("allowBlobPublicAccess")
                               ? "public blob access is allowed"
                               : "allowBlobPublicAccess is not set, so public access is allowed")
                          : "public blob access is disallowed");
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

bool is_world(const std::string& source) {
  return source == "*" || source == "Internet" || source == "0.0.0.0/0" || source == "::/0" ||
         source == "Any" || source == "<nw>/0" || source == "/0";
}

void check_nsg(Batch& batch, size_t index) {
  const nlohmann::json& group = batch.evidence[index].data["group"];
  const nlohmann::json props = group.value("properties", nlohmann::json::object());
  std::vector<std::string> open;
  for (const nlohmann::json& rule : props.value("securityRules", nlohmann::json::array())) {
    const nlohmann::json rule_props = rule.value("properties", nlohmann::json::object());
    if (rule_props.value("access", "") != "Allow" ||
        rule_props.value("direction", "") != "Inbound") {
      continue;
    }
    const std::string protocol = rule_props.value("protocol", "*");
    if (protocol != "*" && protocol != "Tcp" && protocol != "TCP") {
      continue;
    }
    bool world = false;
    for (const std::string& source :
         strings(rule_props, "sourceAddressPrefix", "sourceAddressPrefixes")) {
      world = world || is_world(source);
    }
    if (!world) {
      continue;
    }
    for (const std::string& range :
         strings(rule_props, "destinationPortRange", "destinationPortRanges")) {
      for (const int port : {22, 3389}) {
        if (port_in_range(range, port)) {
          open.push_back(fmt::format("{} (port {})", rule.value("name", "?"), port));
        }
      }
    }
  }
  std::string listed;
  for (const std::string& item : open) {
    listed += (listed.empty() ? "" : ", ") + item;
  }
  add_finding(batch, index, "azure_nsg_no_ingress_world_ssh_rdp",
              open.empty() ? Status::pass : Status::fail,
              open.empty() ? "no inbound rule allows SSH or RDP from the internet"
                           : "SSH/RDP open to the internet: " + listed);
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

} // namespace

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
      check_storage(batch, index);
    } else if (kind == "network_security_group") {
      check_nsg(batch, index);
    } else if (kind == "role_assignments") {
      check_owners(batch, index, subscription_id);
    }
  }
}

} // namespace velocity::providers::azure
