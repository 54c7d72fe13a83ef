#include "api.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

// Collectors of IAM service accounts, Cloud KMS keys, Cloud Storage buckets and the project's
// logging (sinks, log-based metrics, alerting policies).
namespace velocity::providers::gcp {

namespace {

constexpr std::string_view k_iam = "iam.googleapis.com";
constexpr std::string_view k_kms = "cloudkms.googleapis.com";
constexpr std::string_view k_storage = "storage.googleapis.com";
constexpr std::string_view k_logging = "logging.googleapis.com";
constexpr std::string_view k_monitoring = "monitoring.googleapis.com";

const Needs k_key_needs{
  .checks = {"gcp_iam_sa_no_user_managed_keys", "gcp_iam_sa_user_managed_key_rotate_90_days"},
  .permission = "iam.serviceAccountKeys.list",
  .role = "roles/iam.securityReviewer"};
const Needs k_kms_needs{
  .checks = {"gcp_kms_key_rotation_max_90_days", "gcp_kms_key_not_publicly_accessible"},
  .permission = "cloudkms.keyRings.list and cloudkms.cryptoKeys.list",
  .role = "roles/cloudkms.viewer"};
const Needs k_kms_policy_needs{.checks = {"gcp_kms_key_not_publicly_accessible"},
                               .permission = "cloudkms.cryptoKeys.getIamPolicy",
                               .role = "roles/iam.securityReviewer"};
const Needs k_bucket_needs{.checks = {"gcp_cloudstorage_bucket_public_access",
                                      "gcp_cloudstorage_bucket_uniform_bucket_level_access"},
                           .permission = "storage.buckets.list",
                           .role = "roles/viewer"};
const Needs k_bucket_policy_needs{.checks = {"gcp_cloudstorage_bucket_public_access"},
                                  .permission = "storage.buckets.getIamPolicy",
                                  .role = "roles/iam.securityReviewer"};
const Needs k_sink_needs{
  .checks = {"gcp_logging_sink_created", "gcp_cloudstorage_bucket_log_retention_policy_lock"},
  .permission = "logging.sinks.list",
  .role = "roles/logging.viewer"};
const Needs k_sink_bucket_needs{.checks = {"gcp_cloudstorage_bucket_log_retention_policy_lock"},
                                .permission = "storage.buckets.get",
                                .role = "roles/viewer"};

// The log-metric checks, which need both the metrics and the alerting policies.
const std::vector<std::string_view> k_metric_checks = {
  "gcp_logging_log_metric_filter_and_alert_for_project_ownership_changes_enabled",
  "gcp_logging_log_metric_filter_and_alert_for_audit_configuration_changes_enabled",
  "gcp_logging_log_metric_filter_and_alert_for_custom_role_changes_enabled",
  "gcp_logging_log_metric_filter_and_alert_for_vpc_firewall_rule_changes_enabled",
  "gcp_logging_log_metric_filter_and_alert_for_vpc_network_route_changes_enabled",
  "gcp_logging_log_metric_filter_and_alert_for_vpc_network_changes_enabled",
  "gcp_logging_log_metric_filter_and_alert_for_bucket_permission_changes_enabled",
  "gcp_logging_log_metric_filter_and_alert_for_sql_instance_configuration_changes_enabled"};

// The list's items, or null when it failed (its checks are then not evaluated).
nlohmann::json items_or_null(const Fetched& fetched) {
  return fetched.failed() ? nlohmann::json(nullptr) : fetched.listing.items;
}

} // namespace

void collect_service_accounts(Api& api, Batch& batch) {
  const std::string accounts_url =
    api.base(k_iam) + "/v1/projects/" + api.project() + "/serviceAccounts?pageSize=100";
  const Fetched accounts =
    api.list(accounts_url, "accounts", "serviceAccounts.list " + api.project());
  if (accounts.failed()) {
    record_failure(batch, api, accounts.listing.problem, accounts.failure,
                   Needs{.checks = k_key_needs.checks,
                         .permission = "iam.serviceAccounts.list",
                         .role = k_key_needs.role});
    return;
  }
  for (const nlohmann::json& account : accounts.listing.items) {
    const std::string email = account.value("email", "");
    const std::string keys_url = api.base(k_iam) + "/v1/projects/" + api.project() +
                                 "/serviceAccounts/" + email + "/keys?keyTypes=USER_MANAGED";
    const net::Response keys = api.get(keys_url);
    nlohmann::json data = {{"kind", "service_account"}, {"account", account}, {"keys", nullptr}};
    if (keys.ok()) {
      const nlohmann::json body = nlohmann::json::parse(keys.body, nullptr, false);
      data["keys"] =
        body.is_object() ? body.value("keys", nlohmann::json::array()) : nlohmann::json::array();
    } else {
      record_failure(batch, api,
                     fmt::format("serviceAccounts.keys.list {}: {}", email, error_text(keys)), keys,
                     k_key_needs);
    }
    add_evidence(batch, fmt::format("projects/{}/serviceAccounts/{}", api.project(), email), "",
                 std::move(data), keys.body);
  }
}

void collect_kms_keys(Api& api, Batch& batch) {
  const std::string base = api.base(k_kms) + "/v1/";
  const Fetched locations = api.list(base + "projects/" + api.project() + "/locations", "locations",
                                     "locations.list " + api.project());
  if (locations.failed()) {
    record_failure(batch, api, locations.listing.problem, locations.failure, k_kms_needs);
    return;
  }
  for (const nlohmann::json& location : locations.listing.items) {
    const std::string location_name = location.value("name", "");
    const Fetched rings = api.list(base + location_name + "/keyRings?pageSize=1000", "keyRings",
                                   "keyRings.list " + location_name);
    if (rings.failed()) {
      record_failure(batch, api, rings.listing.problem, rings.failure, k_kms_needs);
      continue;
    }
    for (const nlohmann::json& ring : rings.listing.items) {
      const std::string ring_name = ring.value("name", "");
      const Fetched keys = api.list(base + ring_name + "/cryptoKeys?pageSize=1000", "cryptoKeys",
                                    "cryptoKeys.list " + ring_name);
      if (keys.failed()) {
        record_failure(batch, api, keys.listing.problem, keys.failure, k_kms_needs);
        continue;
      }
      for (const nlohmann::json& key : keys.listing.items) {
        const std::string key_name = key.value("name", "");
        const net::Response policy = api.get(base + key_name + ":getIamPolicy");
        nlohmann::json data = {{"kind", "kms_key"}, {"key", key}, {"policy", nullptr}};
        if (policy.ok()) {
          data["policy"] = nlohmann::json::parse(policy.body, nullptr, false);
        } else {
          record_failure(
            batch, api, fmt::format("cryptoKeys.getIamPolicy {}: {}", key_name, error_text(policy)),
            policy, k_kms_policy_needs);
        }
        add_evidence(batch, key_name, location.value("locationId", ""), std::move(data),
                     keys.listing.raw + policy.body);
      }
    }
  }
}

void collect_storage_buckets(Api& api, Batch& batch) {
  const std::string base = api.base(k_storage) + "/storage/v1/b";
  const Fetched buckets =
    api.list(base + "?project=" + api.project() + "&projection=noAcl&maxResults=1000", "items",
             "buckets.list " + api.project());
  if (buckets.failed()) {
    record_failure(batch, api, buckets.listing.problem, buckets.failure, k_bucket_needs);
    return;
  }
  for (const nlohmann::json& bucket : buckets.listing.items) {
    const std::string name = bucket.value("name", "");
    const net::Response policy = api.get(base + "/" + name + "/iam");
    nlohmann::json data = {{"kind", "bucket"}, {"bucket", bucket}, {"policy", nullptr}};
    if (policy.ok()) {
      data["policy"] = nlohmann::json::parse(policy.body, nullptr, false);
    } else {
      record_failure(batch, api,
                     fmt::format("buckets.getIamPolicy {}: {}", name, error_text(policy)), policy,
                     k_bucket_policy_needs);
    }
    std::string location = bucket.value("location", "");
    std::transform(location.begin(), location.end(), location.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    add_evidence(batch, "projects/_/buckets/" + name, location, std::move(data), policy.body);
  }
}

void collect_logging(Api& api, Batch& batch) {
  const std::string project = "projects/" + api.project();
  const Fetched sinks = api.list(api.base(k_logging) + "/v2/" + project + "/sinks?pageSize=200",
                                 "sinks", "sinks.list " + api.project());
  if (sinks.failed()) {
    record_failure(batch, api, sinks.listing.problem, sinks.failure, k_sink_needs);
  }
  const Fetched metrics = api.list(api.base(k_logging) + "/v2/" + project + "/metrics?pageSize=200",
                                   "metrics", "metrics.list " + api.project());
  if (metrics.failed()) {
    record_failure(batch, api, metrics.listing.problem, metrics.failure,
                   Needs{.checks = k_metric_checks,
                         .permission = "logging.logMetrics.list",
                         .role = "roles/logging.viewer"});
  }
  const Fetched alerts =
    api.list(api.base(k_monitoring) + "/v3/" + project + "/alertPolicies?pageSize=1000",
             "alertPolicies", "alertPolicies.list " + api.project());
  if (alerts.failed()) {
    record_failure(batch, api, alerts.listing.problem, alerts.failure,
                   Needs{.checks = k_metric_checks,
                         .permission = "monitoring.alertPolicies.list",
                         .role = "roles/monitoring.viewer"});
  }
  // The buckets that sinks export to, for their retention policy and its lock.
  nlohmann::json sink_buckets = nlohmann::json::object();
  std::string raw = sinks.listing.raw + metrics.listing.raw + alerts.listing.raw;
  constexpr std::string_view storage_prefix = "storage.googleapis.com/";
  for (const nlohmann::json& sink : sinks.listing.items) {
    const std::string destination = sink.value("destination", "");
    if (!destination.starts_with(storage_prefix)) {
      continue;
    }
    const std::string bucket = destination.substr(storage_prefix.size());
    const net::Response answer = api.get(api.base(k_storage) + "/storage/v1/b/" + bucket);
    raw += answer.body;
    if (answer.ok()) {
      sink_buckets[bucket] = nlohmann::json::parse(answer.body, nullptr, false);
    } else {
      sink_buckets[bucket] = nullptr;
      record_failure(batch, api, fmt::format("buckets.get {}: {}", bucket, error_text(answer)),
                     answer, k_sink_bucket_needs);
    }
  }
  add_evidence(batch, project + "/logging", "",
               {{"kind", "logging"},
                {"sinks", items_or_null(sinks)},
                {"sink_buckets", std::move(sink_buckets)},
                {"metrics", items_or_null(metrics)},
                {"alert_policies", items_or_null(alerts)}},
               raw);
}

} // namespace velocity::providers::gcp
