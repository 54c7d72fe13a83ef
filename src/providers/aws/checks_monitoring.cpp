// CIS AWS 4.1-4.15: a multi-region logging trail sends its events to a CloudWatch Logs group,
// a metric filter on that group counts the events of the recommendation, an alarm watches the
// filter's metric and notifies an SNS topic that has a confirmed subscriber. One evaluator, one
// table of the benchmark's filter patterns.
//
// Matching a pattern: a filter passes when its pattern contains every required term below,
// compared term by term after removing whitespace and quotes, in any order and among any other
// terms. The required terms are what the benchmark's pattern counts (event names, error codes,
// the root identity ...). Its eventSource restrictions and, for 4.1, its two exclusions
// (delivery.logs.amazonaws.com, HeadBucket) are not required: leaving them out only widens
// what the filter counts. Extra terms in the user's pattern are not judged.

#include "checks_support.hpp"

#include <velocity/providers/findings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace velocity::providers::aws {

namespace {

struct MonitoringRule {
  const char* check;
  const char* events; // what the filter counts, for messages
  std::vector<std::string> terms;
};

std::vector<std::string> event_names(std::initializer_list<const char*> names) {
  std::vector<std::string> terms;
  for (const char* name : names) {
    terms.push_back(std::string("$.eventName=") + name);
  }
  return terms;
}

const std::vector<MonitoringRule>& rules() {
  static const std::vector<MonitoringRule> table = {
    {"aws_cloudwatch_log_metric_filter_unauthorized_api_calls",
     "unauthorised API calls",
     {"$.errorCode=*UnauthorizedOperation", "$.errorCode=AccessDenied*"}},
    {"aws_cloudwatch_log_metric_filter_sign_in_without_mfa",
     "console sign-ins without MFA",
     {"$.eventName=ConsoleLogin", "$.additionalEventData.MFAUsed!=Yes"}},
    {"aws_cloudwatch_log_metric_filter_root_usage",
     "use of the root user",
     {"$.userIdentity.type=Root", "$.userIdentity.invokedBy NOT EXISTS",
      "$.eventType!=AwsServiceEvent"}},
    {"aws_cloudwatch_log_metric_filter_policy_changes", "IAM policy changes",
     event_names({"DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy",
                  "PutRolePolicy", "PutUserPolicy", "CreatePolicy", "DeletePolicy",
                  "CreatePolicyVersion", "DeletePolicyVersion", "AttachRolePolicy",
                  "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy",
                  "DetachGroupPolicy"})},
    {"aws_cloudwatch_log_metric_filter_and_alarm_for_cloudtrail_configuration_changes_enabled",
     "CloudTrail configuration changes",
     event_names({"CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"})},
    {"aws_cloudwatch_log_metric_filter_authentication_failures",
     "failed console sign-ins",
     {"$.eventName=ConsoleLogin", "$.errorMessage=Failedauthentication"}},
    {"aws_cloudwatch_log_metric_filter_disable_or_scheduled_deletion_of_kms_cmk",
     "disabling or scheduled deletion of KMS keys",
     event_names({"DisableKey", "ScheduleKeyDeletion"})},
    {"aws_cloudwatch_log_metric_filter_for_s3_bucket_policy_changes", "S3 bucket policy changes",
     event_names({"PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle",
                  "PutBucketReplication", "DeleteBucketPolicy", "DeleteBucketCors",
                  "DeleteBucketLifecycle", "DeleteBucketReplication"})},
    {"aws_cloudwatch_log_metric_filter_and_alarm_for_aws_config_configuration_changes_enabled",
     "AWS Config configuration changes",
     event_names({"StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel",
                  "PutConfigurationRecorder"})},
    {"aws_cloudwatch_log_metric_filter_security_group_changes", "security group changes",
     event_names({"AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress",
                  "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress", "CreateSecurityGroup",
                  "DeleteSecurityGroup"})},
    {"aws_cloudwatch_changes_to_network_acls_alarm_configured", "network ACL changes",
     event_names({"CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl",
                  "DeleteNetworkAclEntry", "ReplaceNetworkAclEntry",
                  "ReplaceNetworkAclAssociation"})},
    {"aws_cloudwatch_changes_to_network_gateways_alarm_configured", "network gateway changes",
     event_names({"CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway",
                  "CreateInternetGateway", "DeleteInternetGateway", "DetachInternetGateway"})},
    {"aws_cloudwatch_changes_to_network_route_tables_alarm_configured", "route table changes",
     event_names({"CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation",
                  "DeleteRouteTable", "DeleteRoute", "DisassociateRouteTable"})},
    {"aws_cloudwatch_changes_to_vpcs_alarm_configured", "VPC changes",
     event_names({"CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection",
                  "CreateVpcPeeringConnection", "DeleteVpcPeeringConnection",
                  "RejectVpcPeeringConnection", "AttachClassicLinkVpc", "DetachClassicLinkVpc",
                  "DisableVpcClassicLink", "EnableVpcClassicLink"})},
    {"aws_cloudwatch_log_metric_filter_aws_organizations_changes", "AWS Organizations changes",
     event_names({"AcceptHandshake", "AttachPolicy", "CreateAccount", "CreateOrganizationalUnit",
                  "CreatePolicy", "DeclineHandshake", "DeleteOrganization",
                  "DeleteOrganizationalUnit", "DeletePolicy", "DetachPolicy", "DisablePolicyType",
                  "EnablePolicyType", "InviteAccountToOrganization", "LeaveOrganization",
                  "MoveAccount", "RemoveAccountFromOrganization", "UpdatePolicy",
                  "UpdateOrganizationalUnit"})},
  };
  return table;
}

bool is_field_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '[' ||
         c == ']' || c == '-';
}

// The value after an operator: a quoted string (quotes dropped) or a bare word.
std::string read_value(std::string_view pattern, size_t& at) {
  while (at < pattern.size() && pattern[at] == ' ') {
    ++at;
  }
  std::string value;
  if (at < pattern.size() && pattern[at] == '"') {
    for (++at; at < pattern.size() && pattern[at] != '"'; ++at) {
      value += pattern[at];
    }
    ++at;
  } else {
    for (; at < pattern.size() &&
           std::string_view(" )|&}").find(pattern[at]) == std::string_view::npos;
         ++at) {
      value += pattern[at];
    }
  }
  value.erase(std::remove(value.begin(), value.end(), ' '), value.end());
  return value;
}

// The filters on `log_group` (in `region`) whose pattern has every term of `rule`.
std::vector<const nlohmann::json*> matching_filters(const nlohmann::json& monitoring,
                                                    const MonitoringRule& rule) {
  std::vector<const nlohmann::json*> found;
  for (const nlohmann::json& filter : list_at(monitoring, "metric_filters")) {
    const std::set<std::string> terms = filter_terms(str(filter, "pattern"));
    if (std::all_of(rule.terms.begin(), rule.terms.end(),
                    [&terms](const std::string& term) { return terms.contains(term); })) {
      found.push_back(&filter);
    }
  }
  return found;
}

} // namespace

std::set<std::string> filter_terms(std::string_view pattern) {
  std::string flat(pattern);
  std::replace_if(
    flat.begin(), flat.end(), [](char c) { return c == '\n' || c == '\t'; }, ' ');
  std::set<std::string> terms;
  for (size_t at = flat.find("$."); at != std::string::npos; at = flat.find("$.", at)) {
    size_t end = at + 2;
    while (end < flat.size() && is_field_char(flat[end])) {
      ++end;
    }
    const std::string field = flat.substr(at, end - at);
    size_t op = end;
    while (op < flat.size() && flat[op] == ' ') {
      ++op;
    }
    at = op;
    if (flat.compare(op, 2, "!=") == 0) {
      at = op + 2;
      terms.insert(field + "!=" + read_value(flat, at));
    } else if (flat.compare(op, 1, "=") == 0) {
      at = op + 1;
      terms.insert(field + "=" + read_value(flat, at));
    } else if (flat.compare(op, 10, "NOT EXISTS") == 0) {
      at = op + 10;
      terms.insert(field + " NOT EXISTS");
    } else if (at == end) {
      ++at;
    }
  }
  return terms;
}

std::vector<const char*> monitoring_check_ids() {
  std::vector<const char*> ids;
  for (const MonitoringRule& rule : rules()) {
    ids.push_back(rule.check);
  }
  return ids;
}

void check_log_monitoring(Batch& batch, size_t index) {
  const nlohmann::json& monitoring = batch.evidence[index].data;
  bool unknown = !list_at(monitoring, "not_collected").empty();
  // log group -> the trail that feeds it everything 3.1 asks for
  std::map<std::pair<std::string, std::string>, std::string> groups;
  for (size_t i : trails_of(batch)) {
    const nlohmann::json& trail = batch.evidence[i].data;
    unknown = unknown || trail_unknown(trail);
    if (records_everything(trail) && !str(trail, "log_group").empty()) {
      groups.emplace(std::make_pair(str(trail, "log_group_region"), str(trail, "log_group")),
                     str(trail, "name"));
    }
  }
  for (const MonitoringRule& rule : rules()) {
    if (groups.empty()) {
      add_account_finding(batch, index, rule.check, false, unknown,
                          "no multi-region logging trail that records all management events "
                          "sends them to CloudWatch Logs");
      continue;
    }
    std::string best = fmt::format("no metric filter on log group {} counts {}",
                                   groups.begin()->first.second, rule.events);
    bool pass = false;
    for (const nlohmann::json* filter : matching_filters(monitoring, rule)) {
      const auto group = groups.find({str(*filter, "region"), str(*filter, "log_group")});
      if (group == groups.end()) {
        continue;
      }
      best = fmt::format("metric filter {} on log group {} has no alarm", str(*filter, "name"),
                         group->first.second);
      for (const nlohmann::json& alarm : list_at(monitoring, "alarms")) {
        const bool watches =
          std::any_of(list_at(*filter, "metrics").begin(), list_at(*filter, "metrics").end(),
                      [&](const nlohmann::json& metric) {
                        return str(metric, "name") == str(alarm, "metric") &&
                               str(metric, "namespace") == str(alarm, "namespace") &&
                               str(alarm, "region") == group->first.first;
                      });
        if (!watches) {
          continue;
        }
        best = fmt::format("alarm {} on metric filter {} notifies no SNS topic with a confirmed "
                           "subscriber",
                           str(alarm, "name"), str(*filter, "name"));
        if (!alarm.value("actions_enabled", true)) {
          continue;
        }
        for (const nlohmann::json& action : list_at(alarm, "actions")) {
          const nlohmann::json topics = monitoring.value("topics", nlohmann::json::object());
          const auto topic = topics.find(action.get<std::string>());
          if (topic != topics.end() && topic->value("subscribers", 0) > 0) {
            pass = true;
            best = fmt::format("trail {} -> log group {} -> metric filter {} -> alarm {} -> "
                               "topic {} ({} subscriber{})",
                               group->second, group->first.second, str(*filter, "name"),
                               str(alarm, "name"), action.get<std::string>(),
                               topic->value("subscribers", 0),
                               topic->value("subscribers", 0) == 1 ? "" : "s");
            break;
          }
        }
        if (pass) {
          break;
        }
      }
      if (pass) {
        break;
      }
    }
    add_account_finding(batch, index, rule.check, pass, unknown, best);
  }
}

} // namespace velocity::providers::aws
