// Evaluators of CIS AWS sections 3 and 4: CloudTrail trails and their event selectors, the
// CloudWatch metric filter + alarm + subscriber chains, AWS Config recorders, KMS key rotation and
// Security Hub.

#include "checks_support.hpp"

#include <velocity/providers/findings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace velocity::providers::aws {

namespace {

// --- trails -------------------------------------------------------------------------------

// The parts of a trail's event selectors the benchmark asks about.
struct Coverage {
  bool management_read = false;
  bool management_write = false;
  bool s3_data_read = false;
  bool s3_data_write = false;
};

void add_read_write(const std::string& type, bool& read, bool& write) {
  read = read || type == "All" || type == "ReadOnly";
  write = write || type == "All" || type == "WriteOnly";
}

bool is_all_buckets(const nlohmann::json& value) {
  // "arn:aws:s3" (every bucket of every account) and "arn:aws:s3:::" mean all buckets; the
  // other partitions write arn:aws-us-gov:s3 and arn:aws-cn:s3.
  if (!value.is_string()) {
    return false;
  }
  std::string arn = value.get<std::string>();
  if (arn.ends_with(":::")) {
    arn.resize(arn.size() - 3);
  }
  return arn.starts_with("arn:") && arn.ends_with(":s3") &&
         std::count(arn.begin(), arn.end(), ':') == 2;
}

// One advanced selector: the values of each field's Equals (StartsWith for resources.ARN), or
// nothing when it uses a condition this reading cannot prove covers everything.
std::optional<std::map<std::string, std::vector<std::string>>>
read_advanced(const nlohmann::json& selector) {
  std::map<std::string, std::vector<std::string>> fields;
  for (const nlohmann::json& field : list_at(selector, "FieldSelectors")) {
    const std::string name = str(field, "Field");
    if (name == "resources.ARN") {
      for (const nlohmann::json& prefix : list_at(field, "StartsWith")) {
        if (!is_all_buckets(prefix)) {
          return std::nullopt;
        }
      }
      for (const char* narrowing :
           {"Equals", "NotEquals", "NotStartsWith", "EndsWith", "NotEndsWith"}) {
        if (!list_at(field, narrowing).empty()) {
          return std::nullopt;
        }
      }
      continue;
    }
    if (name != "eventCategory" && name != "resources.type" && name != "readOnly") {
      return std::nullopt; // eventName, eventSource ... select only part of the events
    }
    for (const nlohmann::json& value : list_at(field, "Equals")) {
      fields[name].push_back(value.is_string() ? value.get<std::string>() : "");
    }
  }
  return fields;
}

bool has(const std::vector<std::string>& values, const char* value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

Coverage coverage_of(const nlohmann::json& selectors) {
  Coverage coverage;
  for (const nlohmann::json& selector : list_at(selectors, "basic")) {
    const std::string type =
      str(selector, "ReadWriteType").empty() ? std::string("All") : str(selector, "ReadWriteType");
    if (!selector.contains("IncludeManagementEvents") ||
        flag(selector, "IncludeManagementEvents")) {
      add_read_write(type, coverage.management_read, coverage.management_write);
    }
    for (const nlohmann::json& resource : list_at(selector, "DataResources")) {
      const nlohmann::json& values = list_at(resource, "Values");
      if (str(resource, "Type") == "AWS::S3::Object" &&
          std::any_of(values.begin(), values.end(), is_all_buckets)) {
        add_read_write(type, coverage.s3_data_read, coverage.s3_data_write);
      }
    }
  }
  for (const nlohmann::json& selector : list_at(selectors, "advanced")) {
    const auto fields = read_advanced(selector);
    if (!fields || !fields->contains("eventCategory")) {
      continue;
    }
    const std::vector<std::string>& category = fields->at("eventCategory");
    const auto read_only = fields->find("readOnly");
    const std::string type = read_only == fields->end() || read_only->second.empty()
                               ? "All"
                               : (read_only->second.front() == "true" ? "ReadOnly" : "WriteOnly");
    if (has(category, "Management")) {
      add_read_write(type, coverage.management_read, coverage.management_write);
    }
    const auto resource_type = fields->find("resources.type");
    if (has(category, "Data") && resource_type != fields->end() &&
        has(resource_type->second, "AWS::S3::Object")) {
      add_read_write(type, coverage.s3_data_read, coverage.s3_data_write);
    }
  }
  return coverage;
}

void check_trail(Batch& batch, size_t index) {
  const nlohmann::json& trail = batch.evidence[index].data;
  const std::string name = str(trail, "name");
  const bool validation = trail.value("log_file_validation", false);
  add_finding(batch, index, "aws_cloudtrail_log_file_validation_enabled",
              validation ? Status::pass : Status::fail,
              validation ? fmt::format("trail {} validates its log files", name)
                         : fmt::format("trail {} has log file validation off", name));
  const nlohmann::json logging = trail.value("is_logging", nlohmann::json());
  if (logging.is_boolean()) {
    add_finding(batch, index, "aws_cloudtrail_logging_on",
                logging.get<bool>() ? Status::pass : Status::fail,
                logging.get<bool>() ? fmt::format("trail {} is logging", name)
                                    : fmt::format("trail {} is not logging", name));
  }
  const std::string key = str(trail, "kms_key_id");
  add_finding(batch, index, "aws_cloudtrail_kms_encryption_enabled",
              key.empty() ? Status::fail : Status::pass,
              key.empty()
                ? fmt::format("trail {} log files are not encrypted with a KMS key", name)
                : fmt::format("trail {} encrypts its log files with KMS key {}", name, key));
  const nlohmann::json bucket_logging = trail.value("bucket_logging", nlohmann::json());
  if (bucket_logging.is_object()) {
    const bool on = bucket_logging.value("enabled", false);
    add_finding(batch, index, "aws_cloudtrail_logs_s3_bucket_access_logging_enabled",
                on ? Status::pass : Status::fail,
                on ? fmt::format("trail {}: bucket {} logs access to {}", name,
                                 str(trail, "s3_bucket"), str(bucket_logging, "target_bucket"))
                   : fmt::format("trail {}: bucket {} has server access logging off", name,
                                 str(trail, "s3_bucket")));
  }
}

} // namespace

std::vector<size_t> trails_of(const Batch& batch) {
  std::vector<size_t> trails;
  for (size_t i = 0; i < batch.evidence.size(); ++i) {
    if (str(batch.evidence[i].data, "kind") == "trail") {
      trails.push_back(i);
    }
  }
  return trails;
}

namespace {

void check_trails_summary(Batch& batch, size_t index) {
  const nlohmann::json& summary = batch.evidence[index].data;
  bool unknown = !list_at(summary, "trails_not_collected").empty();
  std::string everything;
  std::string s3_read;
  std::string s3_write;
  std::vector<std::string> lacking;
  for (size_t i : trails_of(batch)) {
    const nlohmann::json& trail = batch.evidence[i].data;
    const std::string name = str(trail, "name");
    unknown = unknown || trail_unknown(trail);
    if (!records_everything(trail)) {
      std::vector<std::string> missing;
      const Coverage coverage = coverage_of(trail.value("event_selectors", nlohmann::json()));
      if (!trail.value("multi_region", false)) {
        missing.emplace_back("single-region");
      }
      if (trail.value("is_logging", nlohmann::json()) != true) {
        missing.emplace_back("not logging");
      }
      if (!coverage.management_read || !coverage.management_write) {
        missing.emplace_back("not all management events");
      }
      lacking.push_back(fmt::format("{} ({})", name, fmt::join(missing, ", ")));
      continue;
    }
    everything = everything.empty() ? name : everything;
    const Coverage coverage = coverage_of(trail.value("event_selectors", nlohmann::json()));
    if (coverage.s3_data_read && s3_read.empty()) {
      s3_read = name;
    }
    if (coverage.s3_data_write && s3_write.empty()) {
      s3_write = name;
    }
  }
  const std::string none_reason =
    lacking.empty() ? std::string("the account has no CloudTrail trail")
                    : fmt::format("no trail is multi-region, logging and records all management "
                                  "events: {}",
                                  fmt::join(lacking, "; "));
  add_account_finding(
    batch, index, "aws_cloudtrail_multi_region_enabled", !everything.empty(), unknown,
    everything.empty() ? none_reason
                       : fmt::format("trail {} is multi-region, logging and records read and "
                                     "write management events",
                                     everything));
  add_account_finding(
    batch, index, "aws_cloudtrail_s3_dataevents_write_enabled", !s3_write.empty(), unknown,
    s3_write.empty()
      ? std::string("no multi-region logging trail records S3 object writes of all buckets")
      : fmt::format("trail {} records S3 object-level writes of all buckets", s3_write));
  add_account_finding(
    batch, index, "aws_cloudtrail_s3_dataevents_read_enabled", !s3_read.empty(), unknown,
    s3_read.empty()
      ? std::string("no multi-region logging trail records S3 object reads of all buckets")
      : fmt::format("trail {} records S3 object-level reads of all buckets", s3_read));
}

// --- Config, KMS, Security Hub ------------------------------------------------------------

void check_config_region(Batch& batch, size_t index) {
  const nlohmann::json& region = batch.evidence[index].data;
  const std::string name = str(region, "region");
  std::vector<std::string> faults;
  for (const nlohmann::json& recorder : list_at(region, "recorders")) {
    std::vector<std::string> missing;
    if (!recorder.value("all_supported", false)) {
      missing.emplace_back("does not record all resource types");
    }
    if (!recorder.value("recording", false)) {
      missing.emplace_back("is not recording");
    }
    if (str(recorder, "last_status") == "Failure") {
      missing.emplace_back("last delivery failed");
    }
    if (missing.empty()) {
      add_finding(
        batch, index, "aws_config_recorder_all_regions_enabled", Status::pass,
        fmt::format("{}: recorder {} records all resource types", name, str(recorder, "name")));
      return;
    }
    faults.push_back(
      fmt::format("recorder {} {}", str(recorder, "name"), fmt::join(missing, ", ")));
  }
  add_finding(batch, index, "aws_config_recorder_all_regions_enabled", Status::fail,
              faults.empty() ? fmt::format("{}: no AWS Config recorder", name)
                             : fmt::format("{}: {}", name, fmt::join(faults, "; ")));
}

void check_kms_key(Batch& batch, size_t index) {
  const nlohmann::json& key = batch.evidence[index].data;
  if (!key.value("rotation_applies", false) ||
      !key.value("rotation_enabled", nlohmann::json()).is_boolean()) {
    return;
  }
  const bool on = key.value("rotation_enabled", nlohmann::json()).get<bool>();
  add_finding(batch, index, "aws_kms_cmk_rotation_enabled", on ? Status::pass : Status::fail,
              on ? fmt::format("KMS key {} rotates automatically", str(key, "key_id"))
                 : fmt::format("KMS key {} has automatic rotation off", str(key, "key_id")));
}

void check_security_hub(Batch& batch, size_t index) {
  const nlohmann::json& hub = batch.evidence[index].data;
  const bool on = hub.value("enabled", false);
  add_finding(batch, index, "aws_securityhub_enabled", on ? Status::pass : Status::fail,
              on ? fmt::format("{}: Security Hub is enabled", str(hub, "region"))
                 : fmt::format("{}: Security Hub is not enabled", str(hub, "region")));
}

} // namespace

void add_account_finding(Batch& batch, size_t index, const char* check, bool pass, bool unknown,
                         const std::string& reason) {
  if (pass || !unknown) {
    add_finding(batch, index, check, pass ? Status::pass : Status::fail, reason);
  }
}

bool records_everything(const nlohmann::json& trail) {
  const Coverage coverage = coverage_of(trail.value("event_selectors", nlohmann::json()));
  return trail.value("multi_region", false) &&
         trail.value("is_logging", nlohmann::json()) == true && coverage.management_read &&
         coverage.management_write;
}

bool trail_unknown(const nlohmann::json& trail) {
  return !trail.value("is_logging", nlohmann::json()).is_boolean() ||
         !trail.value("event_selectors", nlohmann::json()).is_object();
}

const std::vector<CheckInfo>& logging_checks() {
  static const std::vector<CheckInfo> checks = [] {
    std::vector<CheckInfo> all = {
      {"aws_cloudtrail_multi_region_enabled", "audit_logs"},
      {"aws_cloudtrail_log_file_validation_enabled", "audit_logs"},
      {"aws_cloudtrail_logging_on", "audit_logs"},
      {"aws_cloudtrail_logs_s3_bucket_access_logging_enabled", "audit_logs"},
      {"aws_cloudtrail_kms_encryption_enabled", "audit_logs"},
      {"aws_cloudtrail_s3_dataevents_write_enabled", "audit_logs"},
      {"aws_cloudtrail_s3_dataevents_read_enabled", "audit_logs"},
      {"aws_config_recorder_all_regions_enabled", "config_recorders"},
      {"aws_kms_cmk_rotation_enabled", "kms_keys"},
      {"aws_securityhub_enabled", "security_hub"},
    };
    for (const char* id : monitoring_check_ids()) {
      all.push_back({id, "audit_logs"});
    }
    return all;
  }();
  return checks;
}

void evaluate_logging(Batch& batch, size_t index) {
  const std::string kind = str(batch.evidence[index].data, "kind");
  if (kind == "trail") {
    check_trail(batch, index);
  } else if (kind == "log_monitoring") {
    check_trails_summary(batch, index);
    check_log_monitoring(batch, index);
  } else if (kind == "config_region") {
    check_config_region(batch, index);
  } else if (kind == "kms_key") {
    check_kms_key(batch, index);
  } else if (kind == "security_hub") {
    check_security_hub(batch, index);
  }
}

} // namespace velocity::providers::aws
