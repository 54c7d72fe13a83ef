#pragma once

#include <velocity/providers/aws/parse.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

// Reading the IAM bulk answers: the credential report and the account authorization details,
// which give every user, group, role and policy in a number of calls that grows with pages.
namespace velocity::providers::aws {

// IAM GenerateCredentialReport: the State ("STARTED", "INPROGRESS" or "COMPLETE").
std::string parse_credential_report_state(std::string_view body);

// IAM GetCredentialReport: one object per CSV row, keyed by the header's column names ("user",
// "arn", "password_enabled", "mfa_active", "access_key_1_active", ...), values as text. The root
// user is the row whose user is "<root_account>". Throws MalformedResponse on a report without
// a "user" column.
nlohmann::json parse_credential_report(std::string_view body);

// IAM GetAccountAuthorizationDetails, one page.
struct AuthorizationDetails {
  // [{"name", "arn", "groups": [name], "attached": [{"name", "arn"}], "inline": [name]}]
  nlohmann::json users = nlohmann::json::array();
  // [{"name", "arn", "attached": [...], "inline": [...]}]
  nlohmann::json groups = nlohmann::json::array();
  // [{"name", "arn", "attached": [...], "inline": [...]}]
  nlohmann::json roles = nlohmann::json::array();
  // [{"name", "arn", "default_version", "attachment_count", "document"}] with the default
  // version's document (null when unreadable)
  nlohmann::json policies = nlohmann::json::array();
  std::optional<std::string> next;
};
AuthorizationDetails parse_authorization_details(std::string_view body);

// IAM ListVirtualMFADevices: [{"serial", "user_arn", "enable_date"}]; Marker.
Page parse_virtual_mfa_devices(std::string_view body);

// IAM ListServerCertificates: [{"name", "arn", "expiration"}]; Marker.
Page parse_server_certificates(std::string_view body);

} // namespace velocity::providers::aws
