// The regional evidence types `security_groups` (EC2) and `compliance_rules` (Config), each
// asked in every enabled region of the account (`audit_logs` is collect_cloudtrail.cpp).

#include "collect.hpp"

#include <velocity/providers/aws/parse.hpp>

#include <map>

namespace velocity::providers::aws {

namespace {

class SecurityGroupCollector final : public Collector {
public:
  void start(TypeRun& run) override {
    paginate_regions(
      run,
      [](const std::string& region, const std::optional<std::string>& token) {
        std::vector<std::pair<std::string, std::string>> params = {{"MaxResults", "1000"}};
        if (token) {
          params.emplace_back("NextToken", *token);
        }
        return ec2_call("DescribeSecurityGroups", region, std::move(params));
      },
      [&run](const std::string& region, CallResult& result) -> std::optional<std::string> {
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

  void finish(TypeRun&) override {}
};

// A Config listing's request body: {} or {"NextToken": ...}.
nlohmann::json with_next_token(const std::optional<std::string>& token) {
  nlohmann::json body = nlohmann::json::object();
  if (token) {
    body["NextToken"] = *token;
  }
  return body;
}

std::optional<std::string> next_token(const nlohmann::json& answer) {
  return answer.contains("NextToken") && answer["NextToken"].is_string()
           ? std::optional<std::string>(answer["NextToken"].get<std::string>())
           : std::nullopt;
}

struct Rule {
  nlohmann::json data;
  Sources sources;
};

class ConfigRuleCollector final : public Collector {
public:
  void start(TypeRun& run) override {
    paginate_regions(
      run,
      [](const std::string& region, const std::optional<std::string>& token) {
        return json_call("config", "DescribeConfigRules", region, k_config_target,
                         with_next_token(token));
      },
      [this](const std::string& region, CallResult& result) -> std::optional<std::string> {
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
        return next_token(answer);
      });
    paginate_regions(
      run,
      [](const std::string& region, const std::optional<std::string>& token) {
        return json_call("config", "DescribeComplianceByConfigRule", region, k_config_target,
                         with_next_token(token));
      },
      [this](const std::string& region, CallResult& result) -> std::optional<std::string> {
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
        return next_token(answer);
      });
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
std::unique_ptr<Collector> make_config_rule_collector() {
  return std::make_unique<ConfigRuleCollector>();
}

} // namespace velocity::providers::aws
