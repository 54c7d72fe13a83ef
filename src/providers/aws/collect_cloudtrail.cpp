// The `audit_logs` evidence type: every CloudTrail trail of the account (asked in every enabled
// region, each trail once) with its status, event selectors and the access logging of the bucket
// it delivers to; and, for the CloudWatch Logs groups the trails send to, the metric filters,
// alarms and alarm subscribers the monitoring recommendations read (collect_monitoring.cpp).

#include "checks_support.hpp"
#include "collect.hpp"
#include "collect_monitoring.hpp"

#include <velocity/net/http.hpp>
#include <velocity/providers/aws/parse.hpp>

#include <fmt/format.h>

#include <map>
#include <set>

namespace velocity::providers::aws {

namespace {

constexpr std::string_view k_cloudtrail_target =
  "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101";

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
      std::string home = str(trail.data, "home_region");
      run.add_evidence(arn, std::move(home), std::move(trail.data), trail.sources);
    }
    // One account-wide item: the trails as a whole (3.1, 3.8, 3.9) and the CloudWatch chain on
    // their log groups (4.1-4.15), named by the account id.
    nlohmann::json account = m_monitoring.evidence(run);
    if (!account["not_collected"].empty()) {
      run.problem(
        fmt::format("the CloudWatch monitoring checks (CIS 4.1-4.15) were not evaluated: "
                    "grant {}",
                    fmt::join(account["not_collected"].get<std::vector<std::string>>(), ", ")));
    }
    account["trails"] = m_order.size();
    account["regions"] = run.account().regions.size();
    account["trails_not_collected"] = nlohmann::json::array();
    if (run.failed_calls().contains("cloudtrail:DescribeTrails")) {
      account["trails_not_collected"].push_back("cloudtrail:DescribeTrails");
    }
    Sources sources = m_describe_sources;
    sources.add_all(m_monitoring.sources());
    run.add_evidence(run.account().id, "", std::move(account), sources);
  }

private:
  void add_trail(TypeRun& run, const nlohmann::json& trail, const CallResult& listed) {
    const std::string arn = str(trail, "TrailARN");
    if (arn.empty() || m_trails.contains(arn)) {
      if (!arn.empty()) {
        m_trails[arn].sources.add(listed);
      }
      return; // a multi-region trail shows up in every region
    }
    const std::string home =
      str(trail, "HomeRegion").empty() ? run.account().home_region : str(trail, "HomeRegion");
    const std::string log_group = str(trail, "CloudWatchLogsLogGroupArn");
    Trail& entry = m_trails[arn];
    entry.data = {
      {"kind", "trail"},
      {"name", str(trail, "Name")},
      {"arn", arn},
      {"home_region", home},
      {"multi_region", flag(trail, "IsMultiRegionTrail")},
      {"log_file_validation", flag(trail, "LogFileValidationEnabled")},
      {"organization_trail", flag(trail, "IsOrganizationTrail")},
      {"s3_bucket", str(trail, "S3BucketName")},
      {"kms_key_id", trail.contains("KmsKeyId") ? trail["KmsKeyId"] : nullptr},
      {"log_group_arn", log_group.empty() ? nlohmann::json() : nlohmann::json(log_group)},
      {"log_group", log_group_of(log_group).name},
      {"log_group_region", log_group_of(log_group).region},
      {"is_logging", nullptr},
      {"event_selectors", nullptr},
      {"bucket_logging", nullptr}};
    entry.sources.add(listed);
    m_order.push_back(arn);
    run.call(json_call("cloudtrail", "GetTrailStatus", home, k_cloudtrail_target, {{"Name", arn}}),
             [this, &run, arn](CallResult& result) {
               if (!result.ok()) {
                 return run.unexpected(result);
               }
               const nlohmann::json status = parse_json_object(result.body);
               Trail& target = m_trails[arn];
               target.data["is_logging"] = flag(status, "IsLogging");
               target.sources.add(result);
             });
    run.call(
      json_call("cloudtrail", "GetEventSelectors", home, k_cloudtrail_target, {{"TrailName", arn}}),
      [this, &run, arn](CallResult& result) {
        if (!result.ok()) {
          return run.unexpected(result);
        }
        const nlohmann::json answer = parse_json_object(result.body);
        Trail& target = m_trails[arn];
        target.data["event_selectors"] = {
          {"basic", answer.value("EventSelectors", nlohmann::json::array())},
          {"advanced", answer.value("AdvancedEventSelectors", nlohmann::json::array())}};
        target.sources.add(result);
      });
    const std::string bucket = str(trail, "S3BucketName");
    if (!bucket.empty()) {
      bucket_logging(run, arn, bucket, home, false);
    }
    if (!log_group.empty()) {
      m_monitoring.watch(run, log_group);
    }
  }

  // GetBucketLogging, asked first in the trail's home region; S3 names the bucket's own region
  // in x-amz-bucket-region when that was the wrong one, and it is asked there once more.
  void bucket_logging(TypeRun& run, const std::string& arn, const std::string& bucket,
                      const std::string& region, bool redirected) {
    run.call(s3_call("GetBucketLogging", region, bucket, "logging"),
             [this, &run, arn, bucket, region, redirected](CallResult& result) {
               if (!result.ok()) {
                 std::optional<std::string> actual;
                 for (const auto& [name, value] : result.headers) {
                   if (net::iequals(name, "x-amz-bucket-region")) {
                     actual = value;
                   }
                 }
                 if (!redirected && actual && *actual != region) {
                   result.expected = true;
                   return bucket_logging(run, arn, bucket, *actual, true);
                 }
                 return run.unexpected(result);
               }
               const nlohmann::json status = parse_xml_tree(result.body, "BucketLoggingStatus");
               Trail& target = m_trails[arn];
               const bool enabled = status.is_object() && status.contains("LoggingEnabled");
               target.data["bucket_logging"] = {
                 {"enabled", enabled},
                 {"target_bucket", enabled && status["LoggingEnabled"].is_object()
                                     ? str(status["LoggingEnabled"], "TargetBucket")
                                     : std::string()}};
               target.sources.add(result);
             });
  }

  std::map<std::string, Trail> m_trails;
  std::vector<std::string> m_order;
  Sources m_describe_sources;
  LogMonitoring m_monitoring;
};

} // namespace

std::unique_ptr<Collector> make_trail_collector() {
  return std::make_unique<TrailCollector>();
}

} // namespace velocity::providers::aws
