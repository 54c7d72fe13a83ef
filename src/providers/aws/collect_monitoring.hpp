#pragma once

// Internal to the AWS provider: what the CloudWatch monitoring recommendations read, gathered
// for the log groups CloudTrail trails deliver to. Each log group's metric filters, each
// region's alarms and each alarm topic's subscriptions are asked once.

#include "collect.hpp"

#include <map>
#include <set>
#include <string>

namespace velocity::providers::aws {

class LogMonitoring {
public:
  // Queues the metric filters of the log group `log_group_arn` and the alarms of its region.
  void watch(TypeRun& run, const std::string& log_group_arn);
  // {"kind": "log_monitoring", "metric_filters": [{"log_group", "name", "pattern",
  // "metrics": [{"name", "namespace"}]}], "alarms": [{"name", "region", "metric", "namespace",
  // "actions": [...]}], "topics": {arn: {"subscribers": n, "pending": n}},
  // "not_collected": ["logs:DescribeMetricFilters", ...]}
  nlohmann::json evidence(const TypeRun& run) const;
  const Sources& sources() const { return m_sources; }

private:
  void alarms(TypeRun& run, const std::string& region);
  void topic(TypeRun& run, const std::string& arn);

  std::set<std::string> m_log_groups;
  std::set<std::string> m_alarm_regions;
  std::set<std::string> m_topic_arns;
  nlohmann::json m_filters = nlohmann::json::array();
  nlohmann::json m_alarms = nlohmann::json::array();
  nlohmann::json m_topics = nlohmann::json::object();
  Sources m_sources;
};

// The name and region of a CloudWatch Logs log group ARN
// ("arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*"); empty when it is not one.
struct LogGroupRef {
  std::string name;
  std::string region;
};
LogGroupRef log_group_of(const std::string& arn);

} // namespace velocity::providers::aws
