#include "checks.hpp"

#include <velocity/core/time.hpp>
#include <velocity/providers/findings.hpp>
#include <velocity/providers/gcp/provider.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

// The evaluators of the project's IAM policy and services, service accounts, Cloud KMS keys,
// Cloud Storage buckets and logging.
namespace velocity::providers::gcp {

namespace {

constexpr int64_t k_ninety_days_seconds = 90LL * 24 * 3600;

bool is_primitive(const std::string& role) {
  return role == "roles/owner" || role == "roles/editor";
}

// Administrative roles a service account should not hold (CIS 1.6): the primitive owner/editor
// and any predefined "...Admin" / "...admin" role (roles/iam.securityAdmin, roles/storage.admin).
bool is_admin_role(const std::string& role) {
  if (is_primitive(role)) {
    return true;
  }
  const size_t dot = role.rfind('.');
  const std::string last = role.substr(dot == std::string::npos ? 0 : dot + 1);
  return last.ends_with("Admin") || last.ends_with("admin");
}

bool is_public(const std::string& member) {
  return member == "allUsers" || member == "allAuthenticatedUsers";
}

// member -> the roles the policy binds it to.
std::map<std::string, std::set<std::string>> roles_by_member(const nlohmann::json& policy) {
  std::map<std::string, std::set<std::string>> roles;
  if (!policy.is_object()) {
    return roles;
  }
  for (const nlohmann::json& binding : policy.value("bindings", nlohmann::json::array())) {
    const std::string role = binding.value("role", "");
    for (const nlohmann::json& member : binding.value("members", nlohmann::json::array())) {
      if (member.is_string()) {
        roles[member.get<std::string>()].insert(role);
      }
    }
  }
  return roles;
}

// Members holding a role of `first` together with a role of `second` (separation of duties).
std::vector<std::string> combined(const std::map<std::string, std::set<std::string>>& roles,
                                  const std::set<std::string>& first,
                                  const std::set<std::string>& second) {
  std::vector<std::string> out;
  for (const auto& entry : roles) {
    const std::set<std::string>& held = entry.second;
    const auto in = [&held](const std::set<std::string>& wanted) {
      return std::ranges::any_of(held,
                                 [&wanted](const std::string& r) { return wanted.contains(r); });
    };
    if (in(first) && in(second)) {
      out.push_back(entry.first);
    }
  }
  return out;
}

void check_policy(Batch& batch, size_t index) {
  const nlohmann::json& policy = batch.evidence[index].data["policy"];
  const auto roles = roles_by_member(policy);
  std::vector<std::string> primitive_users;
  std::vector<std::string> public_members;
  std::vector<std::string> admin_accounts;
  std::vector<std::string> impersonators;
  for (const auto& [member, held] : roles) {
    for (const std::string& role : held) {
      const std::string entry = fmt::format("{} ({})", member, role);
      if (member.starts_with("user:") && is_primitive(role)) {
        primitive_users.push_back(entry);
      }
      if (is_public(member)) {
        public_members.push_back(entry);
      }
      if (member.starts_with("serviceAccount:") && is_admin_role(role)) {
        admin_accounts.push_back(entry);
      }
      if (role == "roles/iam.serviceAccountUser" ||
          role == "roles/iam.serviceAccountTokenCreator") {
        impersonators.push_back(entry);
      }
    }
  }
  verdict(batch, index, "gcp_iam_no_primitive_roles_for_users", primitive_users,
          "no user holds roles/owner or roles/editor", "primitive roles bound to users");
  verdict(batch, index, "gcp_iam_no_public_members", public_members,
          "no binding grants allUsers or allAuthenticatedUsers", "public members");
  verdict(batch, index, "gcp_iam_sa_no_administrative_privileges", admin_accounts,
          "no service account holds an owner, editor or admin role",
          "service accounts with admin roles");
  verdict(batch, index, "gcp_iam_no_service_roles_at_project_level", impersonators,
          "nobody holds Service Account User or Token Creator on the whole project",
          "project-wide service-account impersonation granted to");
  verdict(batch, index, "gcp_iam_role_sa_enforce_separation_of_duties",
          combined(roles, {"roles/iam.serviceAccountAdmin"}, {"roles/iam.serviceAccountUser"}),
          "nobody holds both Service Account Admin and Service Account User",
          "Service Account Admin and User held together by");
  verdict(batch, index, "gcp_iam_role_kms_enforce_separation_of_duties",
          combined(roles, {"roles/cloudkms.admin"},
                   {"roles/cloudkms.cryptoKeyEncrypterDecrypter",
                    "roles/cloudkms.cryptoKeyEncrypter", "roles/cloudkms.cryptoKeyDecrypter"}),
          "nobody holds Cloud KMS Admin together with an encrypter or decrypter role",
          "Cloud KMS Admin and a CryptoKey encrypter/decrypter role held together by");

  // CIS 2.1: allServices logs every type of access and exempts nobody.
  std::set<std::string> logged;
  std::vector<std::string> exempted;
  for (const nlohmann::json& config : policy.value("auditConfigs", nlohmann::json::array())) {
    if (config.value("service", "") != "allServices") {
      continue;
    }
    for (const nlohmann::json& log : config.value("auditLogConfigs", nlohmann::json::array())) {
      logged.insert(log.value("logType", ""));
      for (const nlohmann::json& member : log.value("exemptedMembers", nlohmann::json::array())) {
        exempted.push_back(fmt::format("{} exempts {}", log.value("logType", ""),
                                       member.is_string() ? member.get<std::string>() : ""));
      }
    }
  }
  std::vector<std::string> missing;
  for (const char* type : {"ADMIN_READ", "DATA_READ", "DATA_WRITE"}) {
    if (!logged.contains(type)) {
      missing.push_back(std::string("no ") + type);
    }
  }
  missing.insert(missing.end(), exempted.begin(), exempted.end());
  verdict(batch, index, "gcp_iam_audit_logs_enabled", missing,
          "allServices audit logging covers ADMIN_READ, DATA_READ and DATA_WRITE, exempting nobody",
          "allServices audit logging");
}

void check_project(Batch& batch, size_t index) {
  const nlohmann::json& services = batch.evidence[index].data["enabled_services"];
  if (!services.is_array()) {
    return; // services.list failed: the batch names the problem.
  }
  const bool enabled = std::ranges::any_of(
    services, [](const nlohmann::json& service) { return service == "cloudasset.googleapis.com"; });
  add_finding(batch, index, "gcp_iam_cloud_asset_inventory_enabled",
              enabled ? Status::pass : Status::fail,
              enabled ? "the Cloud Asset API (cloudasset.googleapis.com) is enabled"
                      : "the Cloud Asset API (cloudasset.googleapis.com) is not enabled");
}

void check_service_account(Batch& batch, size_t index) {
  const nlohmann::json& keys = batch.evidence[index].data["keys"];
  if (!keys.is_array()) {
    return;
  }
  std::vector<std::string> user_managed;
  std::vector<std::string> stale;
  const int64_t now = time::to_unix_ms(time::now()) / 1000;
  for (const nlohmann::json& key : keys) {
    if (key.value("keyType", "USER_MANAGED") != "USER_MANAGED" || key.value("disabled", false)) {
      continue;
    }
    const std::string id = last_segment(key.value("name", ""));
    const std::string created = key.value("validAfterTime", "");
    user_managed.push_back(fmt::format("{} (created {})", id, created));
    const auto since = time::parse_iso8601(created);
    if (!since || now - time::to_unix_ms(*since) / 1000 > k_ninety_days_seconds) {
      stale.push_back(fmt::format("{} (created {})", id, created));
    }
  }
  verdict(batch, index, "gcp_iam_sa_no_user_managed_keys", user_managed,
          "the account has no enabled user-managed key", "enabled user-managed keys");
  verdict(batch, index, "gcp_iam_sa_user_managed_key_rotate_90_days", stale,
          user_managed.empty() ? "the account has no enabled user-managed key"
                               : "every enabled user-managed key is at most 90 days old",
          "keys older than 90 days");
}

// `check` on the resource's own IAM policy (data["policy"]): no role for allUsers or
// allAuthenticatedUsers. A policy that could not be read leaves it unevaluated.
void check_not_public(Batch& batch, size_t index, std::string_view check) {
  const nlohmann::json& policy = batch.evidence[index].data["policy"];
  if (!policy.is_object()) {
    return;
  }
  std::vector<std::string> exposed;
  for (const auto& [member, held] : roles_by_member(policy)) {
    if (is_public(member)) {
      for (const std::string& role : held) {
        exposed.push_back(fmt::format("{} ({})", member, role));
      }
    }
  }
  verdict(batch, index, check, exposed, "no binding grants allUsers or allAuthenticatedUsers",
          "public members");
}

// "7776000s" -> 7776000.
std::optional<int64_t> duration_seconds(const std::string& text) {
  if (text.size() < 2 || text.back() != 's') {
    return std::nullopt;
  }
  try {
    return static_cast<int64_t>(std::stod(text.substr(0, text.size() - 1)));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void check_kms_key(Batch& batch, size_t index) {
  const nlohmann::json& data = batch.evidence[index].data;
  const nlohmann::json& key = data["key"];
  // Only symmetric keys rotate automatically; CIS 1.11 concerns those.
  if (key.value("purpose", "") == "ENCRYPT_DECRYPT") {
    const auto period = duration_seconds(key.value("rotationPeriod", ""));
    const auto next = time::parse_iso8601(key.value("nextRotationTime", ""));
    const int64_t now = time::to_unix_ms(time::now()) / 1000;
    std::string problem;
    if (!period) {
      problem = "no rotation period is set";
    } else if (*period > k_ninety_days_seconds) {
      problem = fmt::format("the rotation period is {} days", *period / 86400);
    } else if (!next) {
      problem = "no next rotation time is set";
    } else if (time::to_unix_ms(*next) / 1000 - now > k_ninety_days_seconds) {
      problem =
        "the next rotation is more than 90 days away (" + key.value("nextRotationTime", "") + ")";
    }
    add_finding(batch, index, "gcp_kms_key_rotation_max_90_days",
                problem.empty() ? Status::pass : Status::fail,
                problem.empty() ? fmt::format("rotates every {} days", *period / 86400) : problem);
  }
  check_not_public(batch, index, "gcp_kms_key_not_publicly_accessible");
}

void check_bucket(Batch& batch, size_t index) {
  const nlohmann::json& data = batch.evidence[index].data;
  const nlohmann::json uniform = data["bucket"]
                                   .value("iamConfiguration", nlohmann::json::object())
                                   .value("uniformBucketLevelAccess", nlohmann::json::object());
  const bool on = uniform.value("enabled", false);
  add_finding(batch, index, "gcp_cloudstorage_bucket_uniform_bucket_level_access",
              on ? Status::pass : Status::fail,
              on ? "uniform bucket-level access is enabled"
                 : "uniform bucket-level access is off: object ACLs still grant access");
  check_not_public(batch, index, "gcp_cloudstorage_bucket_public_access");
}

struct MetricRule {
  std::string_view check;
  std::string_view what;
  // Terms the metric's filter must contain (compared without white space), from the
  // benchmark's audit procedure.
  std::vector<std::string_view> terms;
};

const std::vector<MetricRule>& metric_rules() {
  static const std::vector<MetricRule> rules = {
    {"gcp_logging_log_metric_filter_and_alert_for_project_ownership_changes_enabled",
     "project ownership changes",
     {R"(protoPayload.serviceName="cloudresourcemanager.googleapis.com")", "ProjectOwnership",
      "projectOwnerInvitee", R"(bindingDeltas.action="REMOVE")", R"(bindingDeltas.action="ADD")",
      R"(bindingDeltas.role="roles/owner")"}},
    {"gcp_logging_log_metric_filter_and_alert_for_audit_configuration_changes_enabled",
     "audit configuration changes",
     {R"(protoPayload.methodName="SetIamPolicy")",
      "protoPayload.serviceData.policyDelta.auditConfigDeltas:*"}},
    {"gcp_logging_log_metric_filter_and_alert_for_custom_role_changes_enabled",
     "custom role changes",
     {R"(resource.type="iam_role")", "google.iam.admin.v1.CreateRole",
      "google.iam.admin.v1.DeleteRole", "google.iam.admin.v1.UpdateRole"}},
    {"gcp_logging_log_metric_filter_and_alert_for_vpc_firewall_rule_changes_enabled",
     "VPC firewall rule changes",
     {R"(resource.type="gce_firewall_rule")", "compute.firewalls.patch", "compute.firewalls.insert",
      "compute.firewalls.delete"}},
    {"gcp_logging_log_metric_filter_and_alert_for_vpc_network_route_changes_enabled",
     "VPC route changes",
     {R"(resource.type="gce_route")", "compute.routes.delete", "compute.routes.insert"}},
    {"gcp_logging_log_metric_filter_and_alert_for_vpc_network_changes_enabled",
     "VPC network changes",
     {R"(resource.type="gce_network")", "compute.networks.insert", "compute.networks.patch",
      "compute.networks.delete", "compute.networks.removePeering", "compute.networks.addPeering"}},
    {"gcp_logging_log_metric_filter_and_alert_for_bucket_permission_changes_enabled",
     "Cloud Storage IAM permission changes",
     {R"(resource.type="gcs_bucket")", R"(protoPayload.methodName="storage.setIamPermissions")"}},
    {"gcp_logging_log_metric_filter_and_alert_for_sql_instance_configuration_changes_enabled",
     "Cloud SQL instance configuration changes",
     {R"(protoPayload.methodName="cloudsql.instances.update")"}}};
  return rules;
}

std::string without_spaces(std::string text) {
  std::erase_if(text, [](unsigned char c) { return std::isspace(c) != 0; });
  return text;
}

// The enabled alerting policies whose conditions watch the log-based metric `metric`.
std::vector<std::string> alerts_on(const nlohmann::json& policies, const std::string& metric) {
  const std::string wanted = R"(metric.type="logging.googleapis.com/user/)" + metric + "\"";
  std::vector<std::string> out;
  for (const nlohmann::json& policy : policies) {
    if (!policy.value("enabled", true)) {
      continue;
    }
    for (const nlohmann::json& condition : policy.value("conditions", nlohmann::json::array())) {
      for (const char* kind : {"conditionThreshold", "conditionAbsent"}) {
        const std::string filter =
          without_spaces(condition.value(kind, nlohmann::json::object()).value("filter", ""));
        if (filter.find(wanted) != std::string::npos) {
          out.push_back(policy.value("displayName", policy.value("name", "")));
        }
      }
    }
  }
  return out;
}

void check_logging(Batch& batch, size_t index) {
  const nlohmann::json& data = batch.evidence[index].data;
  if (data["sinks"].is_array()) {
    std::vector<std::string> all_entries;
    for (const nlohmann::json& sink : data["sinks"]) {
      if (sink.value("filter", "").empty() && !sink.value("disabled", false)) {
        all_entries.push_back(sink.value("name", ""));
      }
    }
    add_finding(
      batch, index, "gcp_logging_sink_created", all_entries.empty() ? Status::fail : Status::pass,
      all_entries.empty() ? "no enabled sink without a filter: not every log entry is exported"
                          : "sinks exporting every log entry: " + comma_list(all_entries));
    std::vector<std::string> locked;
    std::vector<std::string> unlocked;
    for (const auto& [name, bucket] : data["sink_buckets"].items()) {
      if (!bucket.is_object()) {
        continue;
      }
      const nlohmann::json retention = bucket.value("retentionPolicy", nlohmann::json::object());
      (retention.value("isLocked", false) ? locked : unlocked)
        .push_back(retention.contains("retentionPeriod") ? name : name + " (no retention policy)");
    }
    if (!locked.empty() || !unlocked.empty()) {
      verdict(batch, index, "gcp_cloudstorage_bucket_log_retention_policy_lock", unlocked,
              "log export buckets with a locked retention policy: " + comma_list(locked),
              "log export buckets without a locked retention policy");
    }
  }
  if (!data["metrics"].is_array() || !data["alert_policies"].is_array()) {
    return;
  }
  for (const MetricRule& rule : metric_rules()) {
    std::vector<std::string> matching;
    std::vector<std::string> alerted;
    for (const nlohmann::json& metric : data["metrics"]) {
      const std::string filter = without_spaces(metric.value("filter", ""));
      if (!std::ranges::all_of(rule.terms, [&filter](std::string_view term) {
            return filter.find(term) != std::string::npos;
          })) {
        continue;
      }
      const std::string name = metric.value("name", "");
      matching.push_back(name);
      for (const std::string& alert : alerts_on(data["alert_policies"], name)) {
        alerted.push_back(fmt::format("metric {} alerted by {}", name, alert));
      }
    }
    std::string reason;
    if (!alerted.empty()) {
      reason = comma_list(alerted);
    } else if (matching.empty()) {
      reason = fmt::format("no log-based metric filters {}", rule.what);
    } else {
      reason = fmt::format("no enabled alerting policy watches the metric for {}: {}", rule.what,
                           comma_list(matching));
    }
    add_finding(batch, index, rule.check, alerted.empty() ? Status::fail : Status::pass, reason);
  }
}

} // namespace

void verdict(Batch& batch, size_t index, std::string_view check,
             const std::vector<std::string>& offending, const std::string& good,
             const std::string& bad) {
  add_finding(batch, index, check, offending.empty() ? Status::pass : Status::fail,
              offending.empty() ? good : bad + ": " + comma_list(offending));
}

std::string last_segment(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void run_checks(Batch& batch) {
  static const std::map<std::string, void (*)(Batch&, size_t), std::less<>> evaluators = {
    {"iam_policy", check_policy},
    {"project", check_project},
    {"service_account", check_service_account},
    {"kms_key", check_kms_key},
    {"bucket", check_bucket},
    {"logging", check_logging},
    {"network_list", check_network_list},
    {"network", check_network},
    {"firewall", check_firewall},
    {"subnet", check_subnet},
    {"dns_zone", check_dns_zone},
    {"compute_project", check_compute_project},
    {"instance", check_instance},
    {"sql_instance", check_sql_instance}};
  for (size_t index = 0; index < batch.evidence.size(); ++index) {
    const auto evaluator = evaluators.find(batch.evidence[index].data.value("kind", ""));
    if (evaluator != evaluators.end()) {
      evaluator->second(batch, index);
    }
  }
}

} // namespace velocity::providers::gcp
