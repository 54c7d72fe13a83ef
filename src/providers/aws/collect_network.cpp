// The EC2 evidence types of CIS AWS sections 3 and 5, each asked in every enabled region:
// `vpc_network` (VPCs with their flow logs, network ACLs), `ebs_encryption` (encryption by
// default, volumes) and `instances` (instance metadata options, instance profile).

#include "checks_support.hpp"
#include "collect.hpp"

#include <velocity/providers/aws/parse.hpp>

#include <map>
#include <set>

namespace velocity::providers::aws {

namespace {

using ItemHandler =
  std::function<void(const std::string& region, const nlohmann::json& item, const CallResult&)>;

// Every page of the EC2 listing `operation` in every region; `item` sees each element of
// `list_key`. `failed` is told of a region whose listing was refused or unreadable.
void ec2_list(TypeRun& run, const std::string& operation, const char* list_key,
              const std::string& max_results, ItemHandler item,
              std::function<void(const std::string& region)> failed) {
  paginate_regions(
    run,
    [operation, max_results](const std::string& region, const std::optional<std::string>& token) {
      std::vector<std::pair<std::string, std::string>> params = {{"MaxResults", max_results}};
      if (token) {
        params.emplace_back("NextToken", *token);
      }
      return ec2_call(operation, region, std::move(params));
    },
    [operation, list_key, item](const std::string& region,
                                CallResult& result) -> std::optional<std::string> {
      const nlohmann::json answer = parse_xml_tree(result.body, operation + "Response");
      for (const nlohmann::json& element : list_at(answer, list_key)) {
        item(region, element, result);
      }
      const std::string next = str(answer, "nextToken");
      return next.empty() ? std::nullopt : std::optional<std::string>(next);
    },
    std::move(failed));
}

struct Held {
  std::string region;
  nlohmann::json data;
  Sources sources;
};

class VpcNetworkCollector final : public Collector {
public:
  void start(TypeRun& run) override {
    auto ignore = [](const std::string&) {};
    ec2_list(
      run, "DescribeVpcs", "vpcSet", "1000",
      [this](const std::string& in, const nlohmann::json& vpc, const CallResult& result) {
        const std::string id = str(vpc, "vpcId");
        Held& held = m_vpcs[id];
        held.region = in;
        held.data = {{"kind", "vpc"},
                     {"vpc_id", id},
                     {"is_default", str(vpc, "isDefault") == "true"},
                     {"cidr", str(vpc, "cidrBlock")}};
        held.sources.add(result);
        m_order.push_back(id);
      },
      ignore);
    ec2_list(
      run, "DescribeFlowLogs", "flowLogSet", "1000",
      [this](const std::string& in, const nlohmann::json& log, const CallResult& result) {
        m_flow_logs[str(log, "resourceId")].push_back(
          {{"id", str(log, "flowLogId")},
           {"status", str(log, "flowLogStatus")},
           {"traffic_type", str(log, "trafficType")},
           {"destination_type", str(log, "logDestinationType")}});
        m_flow_sources[in].add(result);
      },
      [this](const std::string& in) { m_flow_failed.insert(in); });
    ec2_list(
      run, "DescribeNetworkAcls", "networkAclSet", "1000",
      [&run](const std::string& in, const nlohmann::json& acl, const CallResult& result) {
        nlohmann::json entries = nlohmann::json::array();
        for (const nlohmann::json& entry : list_at(acl, "entrySet")) {
          const nlohmann::json range = entry.value("portRange", nlohmann::json::object());
          nlohmann::json from = nullptr;
          nlohmann::json to = nullptr;
          if (range.is_object() && range.contains("from") && range.contains("to")) {
            from = std::strtoll(str(range, "from").c_str(), nullptr, 10);
            to = std::strtoll(str(range, "to").c_str(), nullptr, 10);
          }
          entries.push_back(
            {{"rule_number", std::strtoll(str(entry, "ruleNumber").c_str(), nullptr, 10)},
             {"protocol", str(entry, "protocol")},
             {"action", str(entry, "ruleAction")},
             {"egress", str(entry, "egress") == "true"},
             {"ipv4", str(entry, "cidrBlock")},
             {"ipv6", str(entry, "ipv6CidrBlock")},
             {"from_port", from},
             {"to_port", to}});
        }
        const std::string id = str(acl, "networkAclId");
        Sources sources;
        sources.add(result);
        run.add_evidence(id, in,
                         {{"kind", "network_acl"},
                          {"acl_id", id},
                          {"vpc_id", str(acl, "vpcId")},
                          {"is_default", str(acl, "default") == "true"},
                          {"entries", std::move(entries)}},
                         sources);
      },
      ignore);
  }

  void finish(TypeRun& run) override {
    for (const std::string& id : m_order) {
      Held& vpc = m_vpcs[id];
      // Without the region's flow logs nothing can be said about the VPC's.
      if (m_flow_failed.contains(vpc.region)) {
        vpc.data["flow_logs"] = nullptr;
      } else {
        vpc.data["flow_logs"] =
          m_flow_logs.contains(id) ? m_flow_logs[id] : nlohmann::json::array();
        if (m_flow_sources.contains(vpc.region)) {
          vpc.sources.add_all(m_flow_sources[vpc.region]);
        }
      }
      run.add_evidence(id, vpc.region, std::move(vpc.data), vpc.sources);
    }
  }

private:
  std::map<std::string, Held> m_vpcs;
  std::vector<std::string> m_order;
  std::map<std::string, nlohmann::json> m_flow_logs;
  std::map<std::string, Sources> m_flow_sources;
  std::set<std::string> m_flow_failed;
};

class EbsEncryptionCollector final : public Collector {
public:
  void start(TypeRun& run) override {
    for (const std::string& region : run.account().regions) {
      run.call(ec2_call("GetEbsEncryptionByDefault", region, {}),
               [&run, region](CallResult& result) {
                 if (!result.ok()) {
                   return run.unexpected(result);
                 }
                 const nlohmann::json answer =
                   parse_xml_tree(result.body, "GetEbsEncryptionByDefaultResponse");
                 Sources sources;
                 sources.add(result);
                 run.add_evidence(region, region,
                                  {{"kind", "ebs_default_encryption"},
                                   {"region", region},
                                   {"enabled", str(answer, "ebsEncryptionByDefault") == "true"}},
                                  sources);
               });
    }
    ec2_list(
      run, "DescribeVolumes", "volumeSet", "500",
      [&run](const std::string& in, const nlohmann::json& volume, const CallResult& result) {
        const std::string id = str(volume, "volumeId");
        Sources sources;
        sources.add(result);
        run.add_evidence(id, in,
                         {{"kind", "volume"},
                          {"volume_id", id},
                          {"state", str(volume, "status")},
                          {"encrypted", str(volume, "encrypted") == "true"},
                          {"kms_key_id", str(volume, "kmsKeyId")}},
                         sources);
      },
      [](const std::string&) {});
  }

  void finish(TypeRun&) override {}
};

class InstanceCollector final : public Collector {
public:
  void start(TypeRun& run) override {
    ec2_list(
      run, "DescribeInstances", "reservationSet", "1000",
      [&run](const std::string& in, const nlohmann::json& reservation, const CallResult& result) {
        for (const nlohmann::json& instance : list_at(reservation, "instancesSet")) {
          const std::string id = str(instance, "instanceId");
          const nlohmann::json state = instance.value("instanceState", nlohmann::json::object());
          const nlohmann::json metadata =
            instance.value("metadataOptions", nlohmann::json::object());
          const nlohmann::json profile =
            instance.value("iamInstanceProfile", nlohmann::json::object());
          Sources sources;
          sources.add(result);
          run.add_evidence(
            id, in,
            {{"kind", "instance"},
             {"instance_id", id},
             {"state", state.is_object() ? str(state, "name") : std::string()},
             {"http_tokens", metadata.is_object() ? str(metadata, "httpTokens") : ""},
             {"http_endpoint", metadata.is_object() ? str(metadata, "httpEndpoint") : ""},
             {"instance_profile_arn", profile.is_object() ? str(profile, "arn") : ""}},
            sources);
        }
      },
      [](const std::string&) {});
  }

  void finish(TypeRun&) override {}
};

} // namespace

std::unique_ptr<Collector> make_vpc_network_collector() {
  return std::make_unique<VpcNetworkCollector>();
}
std::unique_ptr<Collector> make_ebs_encryption_collector() {
  return std::make_unique<EbsEncryptionCollector>();
}
std::unique_ptr<Collector> make_instance_collector() {
  return std::make_unique<InstanceCollector>();
}

} // namespace velocity::providers::aws
