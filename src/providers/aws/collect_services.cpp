// Region-wide services of CIS AWS sections 3 and 4, asked in every enabled region:
// `config_recorders` (AWS Config recorders and their status) and `security_hub` (DescribeHub).

#include "checks_support.hpp"
#include "collect.hpp"

#include <velocity/providers/aws/parse.hpp>

#include <map>
#include <set>

namespace velocity::providers::aws {

namespace {

class ConfigRecorderCollector final : public Collector {
public:
  void start(TypeRun& run) override {
    for (const std::string& region : run.account().regions) {
      run.call(json_call("config", "DescribeConfigurationRecorders", region, k_config_target,
                         nlohmann::json::object()),
               [this, &run, region](CallResult& result) {
                 if (!result.ok()) {
                   return run.unexpected(result);
                 }
                 const nlohmann::json answer = parse_json_object(result.body);
                 Region& entry = m_regions[region];
                 entry.sources.add(result);
                 entry.recorders_read = true;
                 for (const nlohmann::json& recorder : list_at(answer, "ConfigurationRecorders")) {
                   const nlohmann::json group =
                     recorder.value("recordingGroup", nlohmann::json::object());
                   entry.recorders[str(recorder, "name")] = {
                     {"name", str(recorder, "name")},
                     {"all_supported", flag(group, "allSupported")},
                     {"include_global_resource_types", flag(group, "includeGlobalResourceTypes")},
                     {"recording", false},
                     {"last_status", ""}};
                 }
               });
      run.call(json_call("config", "DescribeConfigurationRecorderStatus", region, k_config_target,
                         nlohmann::json::object()),
               [this, &run, region](CallResult& result) {
                 if (!result.ok()) {
                   return run.unexpected(result);
                 }
                 const nlohmann::json answer = parse_json_object(result.body);
                 Region& entry = m_regions[region];
                 entry.sources.add(result);
                 entry.status_read = true;
                 for (const nlohmann::json& status :
                      list_at(answer, "ConfigurationRecordersStatus")) {
                   entry.status[str(status, "name")] = status;
                 }
               });
    }
  }

  void finish(TypeRun& run) override {
    for (const std::string& region : run.account().regions) {
      // A region is judged only when both of its answers were read.
      Region& entry = m_regions[region];
      if (!entry.recorders_read || !entry.status_read) {
        continue;
      }
      nlohmann::json recorders = nlohmann::json::array();
      for (auto& [name, recorder] : entry.recorders) {
        if (entry.status.contains(name)) {
          recorder["recording"] = flag(entry.status[name], "recording");
          recorder["last_status"] = str(entry.status[name], "lastStatus");
        }
        recorders.push_back(recorder);
      }
      run.add_evidence(
        region, region,
        {{"kind", "config_region"}, {"region", region}, {"recorders", std::move(recorders)}},
        entry.sources);
    }
  }

private:
  struct Region {
    std::map<std::string, nlohmann::json> recorders;
    std::map<std::string, nlohmann::json> status;
    Sources sources;
    bool recorders_read = false;
    bool status_read = false;
  };
  std::map<std::string, Region> m_regions;
};

// Security Hub's answers for an account that has not enabled it in the region.
bool is_not_enabled(const CallResult& result) {
  const std::string& code = result.error->code;
  return code == "InvalidAccessException" || code == "ResourceNotFoundException";
}

class SecurityHubCollector final : public Collector {
public:
  void start(TypeRun& run) override {
    for (const std::string& region : run.account().regions) {
      run.call(rest_json_call("securityhub", "DescribeHub", region, "/accounts", ""),
               [&run, region](CallResult& result) {
                 Sources sources;
                 nlohmann::json data = {{"kind", "security_hub"}, {"region", region}};
                 if (result.ok()) {
                   const nlohmann::json hub = parse_json_object(result.body);
                   data["enabled"] = true;
                   data["hub_arn"] = str(hub, "HubArn");
                   data["subscribed_at"] = str(hub, "SubscribedAt");
                 } else if (is_not_enabled(result)) {
                   result.expected = true;
                   data["enabled"] = false;
                 } else {
                   return run.unexpected(result);
                 }
                 sources.add(result);
                 run.add_evidence(region, region, std::move(data), sources);
               });
    }
  }

  void finish(TypeRun&) override {}
};

} // namespace

std::unique_ptr<Collector> make_config_recorder_collector() {
  return std::make_unique<ConfigRecorderCollector>();
}
std::unique_ptr<Collector> make_security_hub_collector() {
  return std::make_unique<SecurityHubCollector>();
}

} // namespace velocity::providers::aws
