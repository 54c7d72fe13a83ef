// The IAM checks (CIS AWS 5.0 section 1) as pure functions of the `policies` evidence.

#include "test_providers_aws_support.hpp"

#include <velocity/providers/aws/checks.hpp>

#include <doctest/doctest.h>

using namespace velocity;
using namespace velocity::providers;
using namespace velocity::providers::aws;
using namespace velocity::providers::aws::testing;

namespace {

// A credential report row with the columns the checks read; `changes` overrides them.
nlohmann::json row(const std::string& user, nlohmann::json changes) {
  nlohmann::json base = {{"user", user},
                         {"user_creation_time", "2026-11-01T00:00:00+00:00"},
                         {"password_enabled", "false"},
                         {"password_last_used", "not_supported"},
                         {"password_last_changed", "not_supported"},
                         {"mfa_active", "false"},
                         {"access_key_1_active", "false"},
                         {"access_key_1_last_rotated", "N/A"},
                         {"access_key_1_last_used_date", "N/A"},
                         {"access_key_2_active", "false"},
                         {"access_key_2_last_rotated", "N/A"},
                         {"access_key_2_last_used_date", "N/A"}};
  base.update(changes);
  return base;
}

nlohmann::json user(const std::string& name, nlohmann::json credentials,
                    nlohmann::json attached = nlohmann::json::array(),
                    nlohmann::json inline_policies = nlohmann::json::array()) {
  return {{"kind", "user"},
          {"name", name},
          {"credentials", std::move(credentials)},
          {"attached", std::move(attached)},
          {"inline", std::move(inline_policies)}};
}

nlohmann::json root(nlohmann::json summary, nlohmann::json devices, nlohmann::json credentials) {
  return {{"kind", "root_user"},
          {"summary", std::move(summary)},
          {"virtual_mfa_devices", std::move(devices)},
          {"credentials", std::move(credentials)}};
}

nlohmann::json holders(nlohmann::json support_roles, nlohmann::json shell_users) {
  const nlohmann::json none = nlohmann::json::array();
  return {{"AWSSupportAccess", {{"users", none}, {"groups", none}, {"roles", support_roles}}},
          {"AWSCloudShellFullAccess", {{"users", shell_users}, {"groups", none}, {"roles", none}}}};
}

} // namespace

TEST_CASE("evaluate_checks: the root user") {
  const nlohmann::json none = nlohmann::json::array();
  SUBCASE("MFA, access keys, hardware MFA") {
    auto batch = batch_of(
      "policies", {root({{"AccountMFAEnabled", 1}, {"AccountAccessKeysPresent", 0}}, none, nullptr),
                   root({{"AccountMFAEnabled", 1}, {"AccountAccessKeysPresent", 1}},
                        {{{"serial", "arn:aws:iam::123456789012:mfa/root-account-mfa-device"},
                          {"user_arn", "arn:aws:iam::123456789012:root"}}},
                        nullptr),
                   root({{"AccountMFAEnabled", 0}, {"AccountAccessKeysPresent", 0}}, none, nullptr),
                   root({{"AccountMFAEnabled", 1}}, nullptr, nullptr)});
    CHECK(status(batch, "aws_iam_root_mfa_enabled", 0) == "PASS");
    CHECK(status(batch, "aws_iam_root_mfa_enabled", 2) == "FAIL");
    CHECK(status(batch, "aws_iam_no_root_access_key", 0) == "PASS");
    CHECK(status(batch, "aws_iam_no_root_access_key", 1) == "FAIL");
    CHECK(status(batch, "aws_iam_root_hardware_mfa_enabled", 0) == "PASS");
    CHECK(status(batch, "aws_iam_root_hardware_mfa_enabled", 1) == "FAIL");
    CHECK(reason(batch, "aws_iam_root_hardware_mfa_enabled", 1).find("virtual device") !=
          std::string::npos);
    CHECK(status(batch, "aws_iam_root_hardware_mfa_enabled", 2) == "FAIL");
    // ListVirtualMFADevices not answered: not evaluated, never PASS.
    CHECK(status(batch, "aws_iam_root_hardware_mfa_enabled", 3) == "none");
    // No credential report row: root usage not evaluated.
    CHECK(status(batch, "aws_iam_avoid_root_usage", 0) == "none");
  }
  SUBCASE("aws_iam_avoid_root_usage: used in the last 30 days fails") {
    auto batch = batch_of(
      "policies",
      {root({}, none, row("<root_account>", {{"password_last_used", "2026-11-20T10:00:00+00:00"}})),
       root({}, none,
            row("<root_account>", {{"password_last_used", "2026-01-20T10:00:00+00:00"},
                                   {"access_key_1_last_used_date", "2026-11-22T00:00:00+00:00"}})),
       root({}, none, row("<root_account>", {{"password_last_used", "2026-08-01T00:00:00+00:00"}})),
       root({}, none, row("<root_account>", {{"password_last_used", "no_information"}}))});
    CHECK(status(batch, "aws_iam_avoid_root_usage", 0) == "FAIL");
    CHECK(reason(batch, "aws_iam_avoid_root_usage", 0).find("2 day(s) ago (password)") !=
          std::string::npos);
    CHECK(status(batch, "aws_iam_avoid_root_usage", 1) == "FAIL");
    CHECK(reason(batch, "aws_iam_avoid_root_usage", 1).find("access key 1") != std::string::npos);
    CHECK(status(batch, "aws_iam_avoid_root_usage", 2) == "PASS");
    CHECK(status(batch, "aws_iam_avoid_root_usage", 3) == "PASS");
  }
}

TEST_CASE("evaluate_checks: the account") {
  nlohmann::json strong = {{"MinimumPasswordLength", 14}, {"PasswordReusePrevention", 24}};
  nlohmann::json weak = {{"MinimumPasswordLength", 13}, {"PasswordReusePrevention", 5}};
  auto batch = batch_of(
    "policies",
    {{{"kind", "account"}, {"password_policy", strong}, {"holders", holders({"support"}, {})}},
     {{"kind", "account"}, {"password_policy", weak}, {"holders", holders({}, {"erin"})}},
     {{"kind", "account"}, {"password_policy", nullptr}, {"holders", nullptr}},
     {{"kind", "account"}, {"password_policy", nullptr}, {"password_policy_unknown", true}}});
  CHECK(status(batch, "aws_iam_password_policy_minimum_length_14", 0) == "PASS");
  CHECK(status(batch, "aws_iam_password_policy_reuse_24", 0) == "PASS");
  CHECK(status(batch, "aws_iam_password_policy_minimum_length_14", 1) == "FAIL");
  CHECK(reason(batch, "aws_iam_password_policy_minimum_length_14", 1).find("is 13") !=
        std::string::npos);
  CHECK(status(batch, "aws_iam_password_policy_reuse_24", 1) == "FAIL");
  CHECK(status(batch, "aws_iam_password_policy_minimum_length_14", 2) == "FAIL");
  CHECK(reason(batch, "aws_iam_password_policy_reuse_24", 2) ==
        "no account password policy is set");
  CHECK(status(batch, "aws_iam_password_policy_reuse_24", 3) == "none");
  CHECK(status(batch, "aws_iam_support_role_created", 0) == "PASS");
  CHECK(status(batch, "aws_iam_support_role_created", 1) == "FAIL");
  CHECK(status(batch, "aws_iam_support_role_created", 2) == "none");
  CHECK(status(batch, "aws_iam_policy_cloudshell_admin_not_attached", 0) == "PASS");
  CHECK(status(batch, "aws_iam_policy_cloudshell_admin_not_attached", 1) == "FAIL");
  CHECK(reason(batch, "aws_iam_policy_cloudshell_admin_not_attached", 1).find("user erin") !=
        std::string::npos);
}

TEST_CASE("evaluate_checks: users from the credential report") {
  auto batch = batch_of(
    "policies",
    {user("alice", row("alice", {{"password_enabled", "true"},
                                 {"password_last_used", "2026-11-20T00:00:00+00:00"},
                                 {"mfa_active", "true"},
                                 {"access_key_1_active", "true"},
                                 {"access_key_1_last_rotated", "2026-10-01T00:00:00+00:00"},
                                 {"access_key_1_last_used_date", "2026-11-22T00:00:00+00:00"}})),
     user("bob", row("bob", {{"password_enabled", "true"},
                             {"password_last_used", "no_information"},
                             {"password_last_changed", "2026-06-01T00:00:00+00:00"},
                             {"access_key_1_active", "true"},
                             {"access_key_1_last_rotated", "2026-05-07T10:11:12+00:00"},
                             {"access_key_1_last_used_date", "N/A"}})),
     user("carol", row("carol", nlohmann::json::object()),
          nlohmann::json::array({{{"name", "ReadOnly"}}}), nlohmann::json::array({"scratch"})),
     user("erin", row("erin", {{"access_key_1_active", "true"},
                               {"access_key_1_last_rotated", "2026-11-01T00:00:00+00:00"},
                               {"access_key_2_active", "true"},
                               {"access_key_2_last_rotated", "2026-11-02T00:00:00+00:00"}})),
     user("frank", nullptr, nullptr, nullptr)});
  CHECK(status(batch, "aws_iam_user_mfa_enabled_console_access", 0) == "PASS");
  CHECK(status(batch, "aws_iam_user_mfa_enabled_console_access", 1) == "FAIL");
  CHECK(status(batch, "aws_iam_user_mfa_enabled_console_access", 2) == "none");
  CHECK(status(batch, "aws_iam_user_no_setup_initial_access_key", 0) == "PASS");
  CHECK(status(batch, "aws_iam_user_no_setup_initial_access_key", 1) == "FAIL");
  CHECK(status(batch, "aws_iam_user_no_setup_initial_access_key", 3) == "none");
  CHECK(status(batch, "aws_iam_user_console_access_unused", 0) == "PASS");
  CHECK(status(batch, "aws_iam_user_console_access_unused", 1) == "FAIL");
  CHECK(status(batch, "aws_iam_user_console_access_unused", 2) == "none");
  CHECK(status(batch, "aws_iam_user_accesskey_unused", 0) == "PASS");
  CHECK(status(batch, "aws_iam_user_accesskey_unused", 1) == "FAIL");
  CHECK(status(batch, "aws_iam_user_accesskey_unused", 2) == "none");
  CHECK(status(batch, "aws_iam_user_accesskey_unused", 3) == "PASS");
  CHECK(status(batch, "aws_iam_rotate_access_key_90_days", 0) == "PASS");
  CHECK(status(batch, "aws_iam_rotate_access_key_90_days", 1) == "FAIL");
  CHECK(reason(batch, "aws_iam_rotate_access_key_90_days", 1).find("access key 1 (199 days old)") !=
        std::string::npos);
  CHECK(status(batch, "aws_iam_user_two_active_access_key", 0) == "PASS");
  CHECK(status(batch, "aws_iam_user_two_active_access_key", 3) == "FAIL");
  CHECK(status(batch, "aws_iam_policy_attached_only_to_group_or_roles", 0) == "PASS");
  CHECK(status(batch, "aws_iam_policy_attached_only_to_group_or_roles", 2) == "FAIL");
  CHECK(reason(batch, "aws_iam_policy_attached_only_to_group_or_roles", 2)
          .find("ReadOnly, scratch (inline)") != std::string::npos);
  // No credential report and no authorization details: nothing is said about frank.
  for (const Finding& finding : batch.findings) {
    CHECK(finding.evidence != 4);
  }
}

TEST_CASE("evaluate_checks: policies and server certificates") {
  auto admin = [](const std::string& scope, nlohmann::json statement) {
    return nlohmann::json{{"kind", "policy"},
                          {"name", scope + "-policy"},
                          {"scope", scope},
                          {"document", {{"Statement", std::move(statement)}}}};
  };
  auto batch = batch_of(
    "policies",
    {admin("customer", {{{"Effect", "Allow"}, {"Action", "*"}, {"Resource", "*"}}}),
     admin("customer", {{{"Effect", "Allow"}, {"Action", {"s3:*", "*"}}, {"Resource", {"*"}}}}),
     admin("customer", {{"Effect", "Allow"}, {"Action", "s3:Get*"}, {"Resource", "*"}}),
     admin("customer", {{{"Effect", "Deny"}, {"Action", "*"}, {"Resource", "*"}}}),
     admin("aws", {{{"Effect", "Allow"}, {"Action", "*"}, {"Resource", "*"}}}),
     admin("aws", {{{"Effect", "Allow"}, {"Action", "support:*"}, {"Resource", "*"}}}),
     {{"kind", "server_certificate"}, {"name", "old"}, {"expiration", "2026-01-01T00:00:00Z"}},
     {{"kind", "server_certificate"}, {"name", "new"}, {"expiration", "2027-01-01T00:00:00Z"}}});
  const char* customer = "aws_iam_customer_attached_policy_no_administrative_privileges";
  const char* aws = "aws_iam_aws_attached_policy_no_administrative_privileges";
  CHECK(status(batch, customer, 0) == "FAIL");
  CHECK(status(batch, customer, 1) == "FAIL");
  CHECK(status(batch, customer, 2) == "PASS");
  CHECK(status(batch, customer, 3) == "PASS");
  CHECK(status(batch, aws, 0) == "none");
  CHECK(status(batch, aws, 4) == "FAIL");
  CHECK(status(batch, customer, 4) == "none");
  CHECK(status(batch, aws, 5) == "PASS");
  CHECK(status(batch, "aws_iam_no_expired_server_certificates_stored", 6) == "FAIL");
  CHECK(status(batch, "aws_iam_no_expired_server_certificates_stored", 7) == "PASS");
}
