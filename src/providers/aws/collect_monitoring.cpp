// CloudWatch Logs metric filters, CloudWatch alarms and SNS subscriptions behind the log groups
// of CloudTrail trails: the evidence of CIS AWS recommendations 4.1-4.15.

#include "collect_monitoring.hpp"

#include "checks_support.hpp"

#include <velocity/providers/aws/parse.hpp>

namespace velocity::providers::aws {

namespace {

constexpr std::string_view k_logs_target = "Logs_20140328";
constexpr std::string_view k_cloudwatch_version = "2010-08-01";
constexpr std::string_view k_sns_version = "2010-03-31";

// The i-th ':'-separated field of an ARN, or "".
std::string arn_field(const std::string& arn, size_t index) {
  size_t start = 0;
  for (size_t i = 0; i < index; ++i) {
    start = arn.find(':', start);
    if (start == std::string::npos) {
      return "";
    }
    ++start;
  }
  const size_t end = arn.find(':', start);
  return arn.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// A list in a parse_xml_tree answer: an empty list comes back as "".
std::optional<std::string> next_token(const nlohmann::json& node, const char* key) {
  const std::string token = str(node, key);
  return token.empty() ? std::nullopt : std::optional<std::string>(token);
}

} // namespace

LogGroupRef log_group_of(const std::string& arn) {
  const std::string marker = ":log-group:";
  const size_t at = arn.find(marker);
  if (!arn.starts_with("arn:") || at == std::string::npos) {
    return {};
  }
  std::string name = arn.substr(at + marker.size());
  if (name.ends_with(":*")) {
    name.resize(name.size() - 2);
  }
  return {name, arn_field(arn, 3)};
}

void LogMonitoring::watch(TypeRun& run, const std::string& log_group_arn) {
  const LogGroupRef group = log_group_of(log_group_arn);
  if (group.name.empty() || !m_log_groups.insert(log_group_arn).second) {
    return;
  }
  paginate(
    run,
    [group](const std::optional<std::string>& token) {
      nlohmann::json body = {{"logGroupName", group.name}};
      if (token) {
        body["nextToken"] = *token;
      }
      return json_call("logs", "DescribeMetricFilters", group.region, k_logs_target, body);
    },
    [this, &run, group](CallResult& result) -> std::optional<std::string> {
      if (!result.ok()) {
        run.unexpected(result);
        return std::nullopt;
      }
      const nlohmann::json answer = parse_json_object(result.body);
      m_sources.add(result);
      for (const nlohmann::json& filter : answer.value("metricFilters", nlohmann::json::array())) {
        nlohmann::json metrics = nlohmann::json::array();
        for (const nlohmann::json& metric :
             filter.value("metricTransformations", nlohmann::json::array())) {
          metrics.push_back(
            {{"name", str(metric, "metricName")}, {"namespace", str(metric, "metricNamespace")}});
        }
        m_filters.push_back({{"log_group", group.name},
                             {"region", group.region},
                             {"name", str(filter, "filterName")},
                             {"pattern", str(filter, "filterPattern")},
                             {"metrics", std::move(metrics)}});
      }
      return answer.contains("nextToken") && answer["nextToken"].is_string()
               ? std::optional<std::string>(answer["nextToken"].get<std::string>())
               : std::nullopt;
    });
  alarms(run, group.region);
}

void LogMonitoring::alarms(TypeRun& run, const std::string& region) {
  if (!m_alarm_regions.insert(region).second) {
    return;
  }
  paginate(
    run,
    [region](const std::optional<std::string>& token) {
      std::vector<std::pair<std::string, std::string>> params = {{"MaxRecords", "100"}};
      if (token) {
        params.emplace_back("NextToken", *token);
      }
      return query_call("monitoring", "DescribeAlarms", region, std::string(k_cloudwatch_version),
                        std::move(params));
    },
    [this, &run, region](CallResult& result) -> std::optional<std::string> {
      if (!result.ok()) {
        run.unexpected(result);
        return std::nullopt;
      }
      const nlohmann::json answer = parse_xml_tree(result.body, "DescribeAlarmsResponse")
                                      .value("DescribeAlarmsResult", nlohmann::json::object());
      m_sources.add(result);
      for (const nlohmann::json& alarm : list_at(answer, "MetricAlarms")) {
        nlohmann::json actions = nlohmann::json::array();
        for (const nlohmann::json& action : list_at(alarm, "AlarmActions")) {
          if (action.is_string()) {
            actions.push_back(action);
            if (action.get<std::string>().starts_with("arn:") &&
                arn_field(action.get<std::string>(), 2) == "sns") {
              topic(run, action.get<std::string>());
            }
          }
        }
        m_alarms.push_back({{"name", str(alarm, "AlarmName")},
                            {"region", region},
                            {"metric", str(alarm, "MetricName")},
                            {"namespace", str(alarm, "Namespace")},
                            {"actions_enabled", str(alarm, "ActionsEnabled") != "false"},
                            {"actions", std::move(actions)}});
      }
      return next_token(answer, "NextToken");
    });
}

void LogMonitoring::topic(TypeRun& run, const std::string& arn) {
  if (!m_topic_arns.insert(arn).second) {
    return;
  }
  m_topics[arn] = {{"subscribers", 0}, {"pending", 0}};
  const std::string region = arn_field(arn, 3);
  paginate(
    run,
    [arn, region](const std::optional<std::string>& token) {
      std::vector<std::pair<std::string, std::string>> params = {{"TopicArn", arn}};
      if (token) {
        params.emplace_back("NextToken", *token);
      }
      return query_call("sns", "ListSubscriptionsByTopic", region, std::string(k_sns_version),
                        std::move(params));
    },
    [this, &run, arn](CallResult& result) -> std::optional<std::string> {
      if (!result.ok()) {
        if (result.error->code == "NotFound") {
          result.expected = true; // the alarm notifies a topic that no longer exists
          m_topics[arn]["missing"] = true;
          return std::nullopt;
        }
        run.unexpected(result);
        return std::nullopt;
      }
      const nlohmann::json answer =
        parse_xml_tree(result.body, "ListSubscriptionsByTopicResponse")
          .value("ListSubscriptionsByTopicResult", nlohmann::json::object());
      m_sources.add(result);
      for (const nlohmann::json& subscription : list_at(answer, "Subscriptions")) {
        const std::string id = str(subscription, "SubscriptionArn");
        // A subscription waiting for its endpoint to confirm delivers nothing yet.
        const char* key = id.starts_with("arn:") ? "subscribers" : "pending";
        m_topics[arn][key] = m_topics[arn][key].get<int64_t>() + 1;
      }
      return next_token(answer, "NextToken");
    });
}

nlohmann::json LogMonitoring::evidence(const TypeRun& run) const {
  nlohmann::json not_collected = nlohmann::json::array();
  for (const char* call : {"logs:DescribeMetricFilters", "cloudwatch:DescribeAlarms",
                           "sns:ListSubscriptionsByTopic"}) {
    if (run.failed_calls().contains(call)) {
      not_collected.push_back(call);
    }
  }
  return {{"kind", "log_monitoring"},
          {"metric_filters", m_filters},
          {"alarms", m_alarms},
          {"topics", m_topics},
          {"not_collected", std::move(not_collected)}};
}

} // namespace velocity::providers::aws
