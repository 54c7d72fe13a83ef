// The regional evidence types: `security_groups` (EC2), `audit_logs` (CloudTrail) and
// `compliance_rules` (Config), each asked in every enabled region of the account.

#include "collect.hpp"

#include <velocity/providers/aws/parse.hpp>

#include <map>

namespace velocity::providers::aws {

namespace {

constexpr std::string_view k_cloudtrail_target =
  "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101";
constexpr std::string_view k_config_target = "StarlingDoveService";

class SecurityGroupCollector final : public Collector {
public:
  void start(TypeRun& run) override {
    for (const std::string& region : run.account().regions) {
      paginate(
        run,
        [region](const std::optional<std::string>& token) {
          std::vector<std::pair<std::string, std::string>> params = {{"MaxResults", "1000"}};
          if (token) {
            params.emplace_back("NextToken", *token);
          }
          return ec2_call("DescribeSecurityGroups", region, std::move(params));
        },
        [&run, region](CallResult& result) -> std::optional<std::string> {
          if (!result.ok()) {
            run.unexpected(result);
            return std::nullopt;
          }
          Page page = parse_security_groups(result.body);
          Sources sources;
          sources.add(result);
          for (nlohmann::json& group : page.items) {
            group["kind"] = "security_group";
            const std::string id = group.value("group_id", "");
            run.add_evidence(id, region, std::move(group), sources);
          }
          return page.next;
        });
    }
  }

  void finish(TypeRun&) override {}
};

struct Trail {
  nlohmann::json data;
  Sources sources;
};

class TrailCollector final : public Collector {
public:
  void start(TypeRun& run) override {
    for (const std::string& region : run.account().regions) {
      run.call(json_call("cloudtrail", "DescribeTrails", region, k_cloudtrail_target,
                         {{"includeShadowTrails", true}}),
               [this, &run](CallResult& result) {
                 if (!result.ok()) {
                   return run.unexpected(result);
                 }
                 const nlohmann::json answer = parse_json_object(result.body);
                 m_describe_sources.add(result);
                 for (const nlohmann::json& trail :
                      answer.value("trailList", nlohmann::json::array())) {
                   add_trail(run, trail, result);
                 }
               });
    }
  }

  void finish(TypeRun& run) override {
    for (const std::string& arn : m_order) {
      Trail& trail = m_trails[arn];
      std::string home = trail.data.value("home_region", "");
      run.add_evidence(arn, std::move(home), std::move(trail.data), trail.sources);
    }
    nlohmann::json summary = {{"kind", "trails_summary"},
                              {"trails", m_order.size()},
                              {"regions", run.account().regions.size()}};
    run.add_evidence(run.account().root_arn(), "", std::move(summary), m_describe_sources);
  }

private:
  void add_trail(TypeRun& run, const nlohmann::json& trail, const CallResult& listed) {
    const std::string arn = trail.value("TrailARN", "");
    if (arn.empty() || m_trails.contains(arn)) {
      if (!arn.empty()) {
        m_trails[arn].sources.add(listed);
      }
      return; // a multi-region trail shows up in every region
    }
    const std::string home = trail.value("HomeRegion", run.account().home_region);
    Trail& entry = m_trails[arn];
    entry.data = {{"kind", "trail"},
                  {"name", trail.value("Name", "")},
                  {"arn", arn},
                  {"home_region", home},
                  {"multi_region", trail.value("IsMultiRegionTrail", false)},
                  {"log_file_validation", trail.value("LogFileValidationEnabled", false)},
                  {"organization_trail", trail.value("IsOrganizationTrail", false)},
                  {"s3_bucket", trail.value("S3BucketName", "")},
                  {"kms_key_id", trail.contains("KmsKeyId") ? trail["KmsKeyId"] : nullptr},
                  {"is_logging", nullptr}};
    entry.sources.add(listed);
    m_order.push_back(arn);
    run.call(json_call("cloudtrail", "GetTrailStatus", home, k_cloudtrail_target, {{"Name", arn}}),
             [this, &run, arn](CallResult& result) {
               if (!result.ok()) {
                 return run.unexpected(result);
               }
               const nlohmann::json status = parse_json_object(result.body);
               Trail& target = m_trails[arn];
               target.data["is_logging"] = status.value("IsLogging", false);
               target.sources.add(result);
             });
  }

  std::map<std::string, Trail> m_trails;
  std::vector<std::string> m_order;
  Sources m_describe_sources;
};

struct Rule {
  nlohmann::json data;
  Sources sources;
};

class ConfigRuleCollector final : public Collector {
public:
  void start(TypeRun& run) override {
    for (const std::string& region : run.account().regions) {
      paginate(
        run,
        [region](const std::optional<std::string>& token) {
          nlohmann::json body = nlohmann::json::object();
          if (token) {
            body["NextToken"] = *token;
          }
          return json_call("config", "DescribeConfigRules", region, k_config_target, body);
        },
        [this, &run, region](CallResult& result) -> std::optional<std::string> {
          if (!result.ok()) {
            run.unexpected(result);
            return std::nullopt;
          }
          const nlohmann::json answer = parse_json_object(result.body);
          for (const nlohmann::json& rule : answer.value("ConfigRules", nlohmann::json::array())) {
            Rule& entry = m_rules[{region, rule.value("ConfigRuleName", "")}];
            entry.data["kind"] = "config_rule";
            entry.data["name"] = rule.value("ConfigRuleName", "");
            entry.data["arn"] = rule.value("ConfigRuleArn", "");
            entry.data["state"] = rule.value("ConfigRuleState", "");
            entry.data["source"] = rule.contains("Source") ? rule["Source"] : nullptr;
            if (!entry.data.contains("compliance")) {
              entry.data["compliance"] = nullptr;
            }
            entry.sources.add(result);
          }
          return answer.contains("NextToken") && answer["NextToken"].is_string()
                   ? std::optional<std::string>(answer["NextToken"].get<std::string>())
                   : std::nullopt;
        });
      paginate(
        run,
        [region](const std::optional<std::string>& token) {
          nlohmann::json body = nlohmann::json::object();
          if (token) {
            body["NextToken"] = *token;
          }
          return json_call("config", "DescribeComplianceByConfigRule", region, k_config_target,
                           body);
        },
        [this, &run, region](CallResult& result) -> std::optional<std::string> {
          if (!result.ok()) {
            run.unexpected(result);
            return std::nullopt;
          }
          const nlohmann::json answer = parse_json_object(result.body);
          for (const nlohmann::json& item :
               answer.value("ComplianceByConfigRules", nlohmann::json::array())) {
            Rule& entry = m_rules[{region, item.value("ConfigRuleName", "")}];
            const nlohmann::json compliance = item.value("Compliance", nlohmann::json::object());
            entry.data["compliance"] = compliance.value("ComplianceType", "");
            if (compliance.contains("ComplianceContributorCount")) {
              entry.data["non_compliant_resources"] =
                compliance["ComplianceContributorCount"].value("CappedCount", 0);
            }
            entry.sources.add(result);
          }
          return answer.contains("NextToken") && answer["NextToken"].is_string()
                   ? std::optional<std::string>(answer["NextToken"].get<std::string>())
                   : std::nullopt;
        });
    }
  }

  void finish(TypeRun& run) override {
    for (auto& [key, rule] : m_rules) {
      // A compliance answer for a rule DescribeConfigRules did not list is not evidence.
      if (!rule.data.contains("arn")) {
        continue;
      }
      const std::string arn = rule.data.value("arn", "");
      run.add_evidence(arn.empty() ? key.second : arn, key.first, std::move(rule.data),
                       rule.sources);
    }
  }

private:
  std::map<std::pair<std::string, std::string>, Rule> m_rules;
};

} // namespace

std::unique_ptr<Collector> make_security_group_collector() {
  return std::make_unique<SecurityGroupCollector>();
}
std::unique_ptr<Collector> make_trail_collector() {
  return std::make_unique<TrailCollector>();
}
std::unique_ptr<Collector> make_config_rule_collector() {
  return std::make_unique<ConfigRuleCollector>();
}

} // namespace velocity::providers::aws
