// The IAM checks (CIS AWS Foundations Benchmark v5.0.0 section 1), over the `policies` evidence
// that collect_iam.cpp builds from the credential report and the authorization details.

#include "checks_support.hpp"

#include <fmt/format.h>

#include <array>

namespace velocity::providers::aws {

namespace {

constexpr int64_t k_key_max_age_days = 90;
constexpr int64_t k_unused_credential_days = 45;
constexpr int64_t k_root_recent_use_days = 30;
constexpr int64_t k_min_password_length = 14;
constexpr int64_t k_password_reuse = 24;

// --- the root user ------------------------------------------------------------------------

void check_root_user(Batch& batch, size_t index, time::TimePoint now) {
  const nlohmann::json& root = batch.evidence[index].data;
  const nlohmann::json& summary = field(root, "summary");
  const bool mfa = number(summary, "AccountMFAEnabled") == 1;
  add_finding(batch, index, "aws_iam_root_mfa_enabled", mfa ? Status::pass : Status::fail,
              mfa ? "the root user has MFA enabled" : "the root user has no MFA device");

  const int64_t keys = number(summary, "AccountAccessKeysPresent");
  add_finding(batch, index, "aws_iam_no_root_access_key", keys == 0 ? Status::pass : Status::fail,
              keys == 0 ? "the root user has no access key"
                        : "the root user has an access key (AccountAccessKeysPresent = 1)");

  const nlohmann::json& devices = field(root, "virtual_mfa_devices");
  if (devices.is_array()) {
    std::string virtual_serial;
    for (const nlohmann::json& device : devices) {
      const std::string serial = str(device, "serial");
      if (str(device, "user_arn").ends_with(":root") ||
          serial.find("root-account-mfa-device") != std::string::npos) {
        virtual_serial = serial;
      }
    }
    if (!mfa) {
      add_finding(batch, index, "aws_iam_root_hardware_mfa_enabled", Status::fail,
                  "the root user has no MFA device at all");
    } else if (!virtual_serial.empty()) {
      add_finding(batch, index, "aws_iam_root_hardware_mfa_enabled", Status::fail,
                  fmt::format("the root user's MFA is a virtual device ({})", virtual_serial));
    } else {
      add_finding(batch, index, "aws_iam_root_hardware_mfa_enabled", Status::pass,
                  "the root user's MFA is not a virtual device");
    }
  }

  const nlohmann::json& credentials = field(root, "credentials");
  if (credentials.is_object()) {
    std::optional<time::TimePoint> last;
    std::string how;
    for (const auto& [column, label] : std::array<std::pair<const char*, const char*>, 3>{
           {{"password_last_used", "password"},
            {"access_key_1_last_used_date", "access key 1"},
            {"access_key_2_last_used_date", "access key 2"}}}) {
      const auto used = parse_date(str(credentials, column));
      if (used && (!last || *used > *last)) {
        last = used;
        how = label;
      }
    }
    if (last && days_between(*last, now) < k_root_recent_use_days) {
      add_finding(
        batch, index, "aws_iam_avoid_root_usage", Status::fail,
        fmt::format("the root user was used {} day(s) ago ({})", days_between(*last, now), how));
    } else {
      add_finding(batch, index, "aws_iam_avoid_root_usage", Status::pass,
                  last ? fmt::format("the root user was last used {} days ago ({})",
                                     days_between(*last, now), how)
                       : std::string("the root user has no recorded use"));
    }
  }
}

// --- the account: password policy, support role, CloudShell -----------------------------

void check_account(Batch& batch, size_t index) {
  const nlohmann::json& account = batch.evidence[index].data;
  if (!account.value("password_policy_unknown", false)) {
    const nlohmann::json& policy = field(account, "password_policy");
    if (!policy.is_object()) {
      for (const char* check :
           {"aws_iam_password_policy_minimum_length_14", "aws_iam_password_policy_reuse_24"}) {
        add_finding(batch, index, check, Status::fail, "no account password policy is set");
      }
    } else {
      const int64_t length = number(policy, "MinimumPasswordLength");
      add_finding(batch, index, "aws_iam_password_policy_minimum_length_14",
                  length >= k_min_password_length ? Status::pass : Status::fail,
                  fmt::format("the password policy's minimum length is {} ({} required)", length,
                              k_min_password_length));
      const int64_t reuse = number(policy, "PasswordReusePrevention");
      add_finding(batch, index, "aws_iam_password_policy_reuse_24",
                  reuse >= k_password_reuse ? Status::pass : Status::fail,
                  reuse == 0
                    ? std::string("the password policy does not prevent password reuse")
                    : fmt::format("the password policy remembers {} passwords ({} required)", reuse,
                                  k_password_reuse));
    }
  }
  const nlohmann::json& holders = field(account, "holders");
  if (!holders.is_object()) {
    return;
  }
  const nlohmann::json& support = field(field(holders, "AWSSupportAccess"), "roles");
  if (support.is_array() && !support.empty()) {
    add_finding(
      batch, index, "aws_iam_support_role_created", Status::pass,
      fmt::format("role {} has the AWSSupportAccess policy", support[0].get<std::string>()));
  } else {
    add_finding(batch, index, "aws_iam_support_role_created", Status::fail,
                "no IAM role has the AWSSupportAccess policy attached");
  }
  std::vector<std::string> shell;
  for (const char* kind : {"users", "groups", "roles"}) {
    for (const nlohmann::json& name : field(field(holders, "AWSCloudShellFullAccess"), kind)) {
      shell.push_back(
        fmt::format("{} {}", std::string_view(kind).substr(0, std::string_view(kind).size() - 1),
                    name.get<std::string>()));
    }
  }
  add_finding(batch, index, "aws_iam_policy_cloudshell_admin_not_attached",
              shell.empty() ? Status::pass : Status::fail,
              shell.empty()
                ? std::string("AWSCloudShellFullAccess is attached to no one")
                : fmt::format("AWSCloudShellFullAccess is attached to {}", comma_list(shell)));
}

// --- users ----------------------------------------------------------------------------------

struct AccessKey {
  int number;
  std::optional<time::TimePoint> rotated;
  std::optional<time::TimePoint> used;
  bool never_used;
};

std::vector<AccessKey> active_keys(const nlohmann::json& credentials) {
  std::vector<AccessKey> keys;
  for (int key = 1; key <= 2; ++key) {
    const std::string prefix = fmt::format("access_key_{}_", key);
    if (str(credentials, (prefix + "active").c_str()) != "true") {
      continue;
    }
    const std::string used = str(credentials, (prefix + "last_used_date").c_str());
    keys.push_back({key, parse_date(str(credentials, (prefix + "last_rotated").c_str())),
                    parse_date(used), !parse_date(used).has_value()});
  }
  return keys;
}

void check_user_credentials(Batch& batch, size_t index, time::TimePoint now) {
  const nlohmann::json& user = batch.evidence[index].data;
  const nlohmann::json& credentials = field(user, "credentials");
  const std::string name = str(user, "name");
  const bool console = str(credentials, "password_enabled") == "true";
  const std::vector<AccessKey> keys = active_keys(credentials);

  if (console) {
    const bool mfa = str(credentials, "mfa_active") == "true";
    add_finding(batch, index, "aws_iam_user_mfa_enabled_console_access",
                mfa ? Status::pass : Status::fail,
                mfa ? fmt::format("user {} signs in to the console with MFA", name)
                    : fmt::format("user {} has a console password and no MFA device", name));

    std::vector<std::string> unused_initial;
    for (const AccessKey& key : keys) {
      if (key.never_used) {
        unused_initial.push_back(fmt::format("access key {}", key.number));
      }
    }
    add_finding(batch, index, "aws_iam_user_no_setup_initial_access_key",
                unused_initial.empty() ? Status::pass : Status::fail,
                unused_initial.empty()
                  ? fmt::format("user {} has no active access key that was never used", name)
                  : fmt::format("user {} has a console password and an active, never used {}", name,
                                comma_list(unused_initial)));

    // A password never used counts from when it was set (or the user was created).
    auto used = parse_date(str(credentials, "password_last_used"));
    if (!used) {
      used = parse_date(str(credentials, "password_last_changed"));
    }
    if (!used) {
      used = parse_date(str(credentials, "user_creation_time"));
    }
    if (used) {
      const int64_t days = days_between(*used, now);
      add_finding(batch, index, "aws_iam_user_console_access_unused",
                  days < k_unused_credential_days ? Status::pass : Status::fail,
                  fmt::format("user {}: console password last used or set {} days ago ({} allowed)",
                              name, days, k_unused_credential_days));
    }
  }

  add_finding(batch, index, "aws_iam_user_two_active_access_key",
              keys.size() < 2 ? Status::pass : Status::fail,
              keys.size() < 2
                ? fmt::format("user {} has {} active access key(s)", name, keys.size())
                : fmt::format("user {} has two active access keys", name));
  if (keys.empty()) {
    return;
  }

  std::vector<std::string> unused;
  std::vector<std::string> old;
  for (const AccessKey& key : keys) {
    const auto reference = key.used ? key.used : key.rotated;
    if (!reference || days_between(*reference, now) >= k_unused_credential_days) {
      unused.push_back(reference ? fmt::format("access key {} ({} days)", key.number,
                                               days_between(*reference, now))
                                 : fmt::format("access key {}", key.number));
    }
    if (!key.rotated) {
      old.push_back(fmt::format("access key {} (creation date unknown)", key.number));
    } else if (days_between(*key.rotated, now) > k_key_max_age_days) {
      old.push_back(
        fmt::format("access key {} ({} days old)", key.number, days_between(*key.rotated, now)));
    }
  }
  add_finding(batch, index, "aws_iam_user_accesskey_unused",
              unused.empty() ? Status::pass : Status::fail,
              unused.empty()
                ? fmt::format("user {}: every active access key was used or created in the last {} "
                              "days",
                              name, k_unused_credential_days)
                : fmt::format("user {}: active but unused for {} days or more: {}", name,
                              k_unused_credential_days, comma_list(unused)));
  add_finding(batch, index, "aws_iam_rotate_access_key_90_days",
              old.empty() ? Status::pass : Status::fail,
              old.empty() ? fmt::format("user {}: every active access key is at most {} days old",
                                        name, k_key_max_age_days)
                          : fmt::format("user {}: active access key not rotated in {} days: {}",
                                        name, k_key_max_age_days, comma_list(old)));
}

void check_user_policies(Batch& batch, size_t index) {
  const nlohmann::json& user = batch.evidence[index].data;
  const nlohmann::json& attached = field(user, "attached");
  const nlohmann::json& inline_policies = field(user, "inline");
  if (!attached.is_array() || !inline_policies.is_array()) {
    return;
  }
  std::vector<std::string> direct;
  for (const nlohmann::json& policy : attached) {
    direct.push_back(str(policy, "name"));
  }
  for (const nlohmann::json& name : inline_policies) {
    direct.push_back(fmt::format("{} (inline)", name.get<std::string>()));
  }
  const std::string name = str(user, "name");
  add_finding(batch, index, "aws_iam_policy_attached_only_to_group_or_roles",
              direct.empty() ? Status::pass : Status::fail,
              direct.empty()
                ? fmt::format("user {} has no policy of its own", name)
                : fmt::format("user {} has policies of its own: {}", name, comma_list(direct)));
}

// --- policies -------------------------------------------------------------------------------

bool contains_star(const nlohmann::json& value) {
  if (value.is_string()) {
    return value.get<std::string>() == "*";
  }
  if (value.is_array()) {
    for (const nlohmann::json& item : value) {
      if (item.is_string() && item.get<std::string>() == "*") {
        return true;
      }
    }
  }
  return false;
}

void check_policy(Batch& batch, size_t index) {
  const nlohmann::json& policy = batch.evidence[index].data;
  const nlohmann::json& document = field(policy, "document");
  if (!document.is_object()) {
    return;
  }
  const bool aws = str(policy, "scope") == "aws";
  const char* check = aws ? "aws_iam_aws_attached_policy_no_administrative_privileges"
                          : "aws_iam_customer_attached_policy_no_administrative_privileges";
  nlohmann::json statements = document.value("Statement", nlohmann::json::array());
  if (statements.is_object()) {
    statements = nlohmann::json::array({statements});
  }
  for (const nlohmann::json& statement : statements) {
    if (statement.is_object() && str(statement, "Effect") == "Allow" &&
        contains_star(statement.value("Action", nlohmann::json())) &&
        contains_star(statement.value("Resource", nlohmann::json()))) {
      add_finding(batch, index, check, Status::fail,
                  fmt::format("policy {} allows action * on resource *", str(policy, "name")));
      return;
    }
  }
  add_finding(batch, index, check, Status::pass,
              fmt::format("policy {} allows no '*' action on '*' resource", str(policy, "name")));
}

void check_server_certificate(Batch& batch, size_t index, time::TimePoint now) {
  const nlohmann::json& certificate = batch.evidence[index].data;
  const auto expiration = parse_date(str(certificate, "expiration"));
  if (!expiration) {
    return;
  }
  const std::string name = str(certificate, "name");
  const bool expired = *expiration < now;
  add_finding(batch, index, "aws_iam_no_expired_server_certificates_stored",
              expired ? Status::fail : Status::pass,
              expired ? fmt::format("server certificate {} expired {} days ago", name,
                                    days_between(*expiration, now))
                      : fmt::format("server certificate {} is valid for {} more days", name,
                                    days_between(now, *expiration)));
}

void check_access_analyzers(Batch& batch, size_t index) {
  const nlohmann::json& data = batch.evidence[index].data;
  const std::string region = str(data, "region");
  for (const nlohmann::json& analyzer : field(data, "analyzers")) {
    if (str(analyzer, "status") == "ACTIVE") {
      add_finding(batch, index, "aws_accessanalyzer_enabled", Status::pass,
                  fmt::format("{}: analyzer {} ({}) is active", region, str(analyzer, "name"),
                              str(analyzer, "type")));
      return;
    }
  }
  add_finding(batch, index, "aws_accessanalyzer_enabled", Status::fail,
              field(data, "analyzers").empty()
                ? fmt::format("{} has no IAM Access Analyzer analyzer", region)
                : fmt::format("{} has no active IAM Access Analyzer analyzer", region));
}

} // namespace

bool evaluate_iam(Batch& batch, size_t index, const std::string& kind, time::TimePoint now) {
  if (kind == "root_user") {
    check_root_user(batch, index, now);
  } else if (kind == "account") {
    check_account(batch, index);
  } else if (kind == "user") {
    if (field(batch.evidence[index].data, "credentials").is_object()) {
      check_user_credentials(batch, index, now);
    }
    check_user_policies(batch, index);
  } else if (kind == "policy") {
    check_policy(batch, index);
  } else if (kind == "server_certificate") {
    check_server_certificate(batch, index, now);
  } else if (kind == "access_analyzer_region") {
    check_access_analyzers(batch, index);
  } else {
    return false;
  }
  return true;
}

} // namespace velocity::providers::aws
