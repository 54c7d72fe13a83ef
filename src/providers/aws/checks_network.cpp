// Evaluators of CIS AWS section 5 and of 3.7: network ACLs, security group rules the benchmark
// adds (default groups, CIFS), VPC flow logs, EBS encryption and instance metadata options.

#include "checks_support.hpp"

#include <velocity/providers/findings.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace velocity::providers::aws {

namespace {

// --- network ACLs -------------------------------------------------------------------------

// Whether traffic from anywhere on the internet (IPv4 and IPv6 judged apart) to TCP `port` (or,
// with no port, on every protocol) is let in. Entries are evaluated lowest rule number first and
// the first that matches decides, as AWS does; entries for narrower sources do not decide for
// the whole internet and are passed over.
bool acl_admits(const nlohmann::json& acl, std::optional<int64_t> port) {
  std::vector<const nlohmann::json*> entries;
  for (const nlohmann::json& entry : list_at(acl, "entries")) {
    if (!entry.value("egress", false)) {
      entries.push_back(&entry);
    }
  }
  std::sort(entries.begin(), entries.end(), [](const nlohmann::json* a, const nlohmann::json* b) {
    return a->value("rule_number", int64_t{0}) < b->value("rule_number", int64_t{0});
  });
  for (const char* family : {"ipv4", "ipv6"}) {
    const char* world = std::string_view(family) == "ipv4" ? "0.0.0.0/0" : "::/0";
    for (const nlohmann::json* entry : entries) {
      if (str(*entry, family) != world) {
        continue;
      }
      const std::string protocol = str(*entry, "protocol");
      bool matches = protocol == "-1";
      if (!matches && port && protocol == "6") {
        const nlohmann::json from = entry->value("from_port", nlohmann::json());
        const nlohmann::json to = entry->value("to_port", nlohmann::json());
        matches = !from.is_number() ||
                  (from.get<int64_t>() <= *port && to.is_number() && to.get<int64_t>() >= *port);
      }
      if (matches) {
        if (str(*entry, "action") == "allow") {
          return true;
        }
        break;
      }
    }
  }
  return false;
}

void check_network_acl(Batch& batch, size_t index) {
  const nlohmann::json& acl = batch.evidence[index].data;
  const std::string name =
    fmt::format("network ACL {} (VPC {})", str(acl, "acl_id"), str(acl, "vpc_id"));
  const struct {
    const char* check;
    std::optional<int64_t> port;
    const char* what;
  } rules[] = {{"aws_ec2_networkacl_allow_ingress_tcp_port_22", 22, "port 22"},
               {"aws_ec2_networkacl_allow_ingress_tcp_port_3389", 3389, "port 3389"},
               {"aws_ec2_networkacl_allow_ingress_any_port", std::nullopt, "all traffic"}};
  for (const auto& rule : rules) {
    const bool open = acl_admits(acl, rule.port);
    add_finding(batch, index, rule.check, open ? Status::fail : Status::pass,
                open ? fmt::format("{} allows {} from the internet", name, rule.what)
                     : fmt::format("{} does not allow {} from the internet", name, rule.what));
  }
}

// --- security groups ----------------------------------------------------------------------

void check_security_group_cis(Batch& batch, size_t index) {
  const nlohmann::json& group = batch.evidence[index].data;
  const std::string name = fmt::format("{} ({})", str(group, "group_id"), str(group, "group_name"));
  bool cifs = false;
  for (const nlohmann::json& rule : list_at(group, "ingress")) {
    cifs = cifs || (from_world(rule) && (opens_port(rule, 445) || opens_port(rule, 139)));
  }
  add_finding(batch, index, "aws_ec2_instance_port_cifs_exposed_to_internet",
              cifs ? Status::fail : Status::pass,
              cifs
                ? fmt::format("security group {} allows CIFS (TCP 139/445) from the internet", name)
                : fmt::format("security group {} does not open CIFS to the internet", name));
  if (str(group, "group_name") != "default") {
    return;
  }
  const size_t inbound = list_at(group, "ingress").size();
  const size_t outbound = list_at(group, "egress").size();
  const bool closed = inbound == 0 && outbound == 0;
  add_finding(batch, index, "aws_ec2_securitygroup_default_restrict_traffic",
              closed ? Status::pass : Status::fail,
              closed
                ? fmt::format("default security group {} of VPC {} has no rules",
                              str(group, "group_id"), str(group, "vpc_id"))
                : fmt::format("default security group {} of VPC {} has {} inbound and {} "
                              "outbound rule(s)",
                              str(group, "group_id"), str(group, "vpc_id"), inbound, outbound));
}

// --- VPCs, EBS, instances -----------------------------------------------------------------

void check_vpc(Batch& batch, size_t index) {
  const nlohmann::json& vpc = batch.evidence[index].data;
  if (!vpc.value("flow_logs", nlohmann::json()).is_array()) {
    return;
  }
  std::string active;
  for (const nlohmann::json& log : vpc.value("flow_logs", nlohmann::json())) {
    const std::string traffic = str(log, "traffic_type");
    if (str(log, "status") == "ACTIVE" && (traffic == "ALL" || traffic == "REJECT")) {
      active = str(log, "id");
      break;
    }
  }
  add_finding(
    batch, index, "aws_vpc_flow_logs_enabled", active.empty() ? Status::fail : Status::pass,
    active.empty()
      ? fmt::format("VPC {} has no active flow log of rejected or all traffic", str(vpc, "vpc_id"))
      : fmt::format("VPC {} logs its traffic (flow log {})", str(vpc, "vpc_id"), active));
}

void check_ebs_default(Batch& batch, size_t index) {
  const nlohmann::json& setting = batch.evidence[index].data;
  const bool on = setting.value("enabled", false);
  add_finding(
    batch, index, "aws_ec2_ebs_default_encryption", on ? Status::pass : Status::fail,
    on ? fmt::format("{}: new EBS volumes are encrypted by default", str(setting, "region"))
       : fmt::format("{}: EBS encryption by default is off", str(setting, "region")));
}

void check_volume(Batch& batch, size_t index) {
  const nlohmann::json& volume = batch.evidence[index].data;
  const bool on = volume.value("encrypted", false);
  add_finding(batch, index, "aws_ec2_ebs_volume_encryption", on ? Status::pass : Status::fail,
              on ? fmt::format("EBS volume {} is encrypted", str(volume, "volume_id"))
                 : fmt::format("EBS volume {} is not encrypted", str(volume, "volume_id")));
}

void check_instance(Batch& batch, size_t index) {
  const nlohmann::json& instance = batch.evidence[index].data;
  const std::string state = str(instance, "state");
  if (state == "terminated" || state == "shutting-down") {
    return;
  }
  const std::string id = str(instance, "instance_id");
  const std::string tokens = str(instance, "http_tokens");
  const bool disabled = str(instance, "http_endpoint") == "disabled";
  const bool pass = tokens == "required" || disabled;
  add_finding(batch, index, "aws_ec2_instance_imdsv2_enabled", pass ? Status::pass : Status::fail,
              pass ? fmt::format("instance {} {}", id,
                                 disabled ? "has the metadata service disabled"
                                          : "requires IMDSv2 session tokens")
                   : fmt::format("instance {} accepts IMDSv1 requests (HttpTokens {})", id,
                                 tokens.empty() ? "unknown" : tokens));
  const std::string profile = str(instance, "instance_profile_arn");
  add_finding(batch, index, "aws_ec2_instance_profile_attached",
              profile.empty() ? Status::fail : Status::pass,
              profile.empty() ? fmt::format("instance {} has no IAM instance profile", id)
                              : fmt::format("instance {} has instance profile {}", id, profile));
}

} // namespace

const std::vector<CheckInfo>& network_checks() {
  static const std::vector<CheckInfo> checks = {
    {"aws_ec2_networkacl_allow_ingress_tcp_port_22", "vpc_network"},
    {"aws_ec2_networkacl_allow_ingress_tcp_port_3389", "vpc_network"},
    {"aws_ec2_networkacl_allow_ingress_any_port", "vpc_network"},
    {"aws_vpc_flow_logs_enabled", "vpc_network"},
    {"aws_ec2_securitygroup_default_restrict_traffic", "security_groups"},
    {"aws_ec2_instance_port_cifs_exposed_to_internet", "security_groups"},
    {"aws_ec2_ebs_default_encryption", "ebs_encryption"},
    {"aws_ec2_ebs_volume_encryption", "ebs_encryption"},
    {"aws_ec2_instance_imdsv2_enabled", "instances"},
    {"aws_ec2_instance_profile_attached", "instances"},
  };
  return checks;
}

void evaluate_network(Batch& batch, size_t index) {
  const std::string kind = str(batch.evidence[index].data, "kind");
  if (kind == "network_acl") {
    check_network_acl(batch, index);
  } else if (kind == "security_group") {
    check_security_group_cis(batch, index);
  } else if (kind == "vpc") {
    check_vpc(batch, index);
  } else if (kind == "ebs_default_encryption") {
    check_ebs_default(batch, index);
  } else if (kind == "volume") {
    check_volume(batch, index);
  } else if (kind == "instance") {
    check_instance(batch, index);
  }
}

} // namespace velocity::providers::aws
