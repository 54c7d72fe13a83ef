#include "xml.hpp"

#include <velocity/crypto/digest.hpp>
#include <velocity/providers/aws/parse_iam.hpp>

#include <fmt/format.h>

namespace velocity::providers::aws {

using namespace xml;

namespace {

std::vector<std::string> split_line(std::string_view line) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    fields.emplace_back(
      line.substr(start, comma == std::string_view::npos ? line.npos : comma - start));
    if (comma == std::string_view::npos) {
      return fields;
    }
    start = comma + 1;
  }
}

nlohmann::json attached_policies(pugi::xml_node node) {
  nlohmann::json list = nlohmann::json::array();
  for (pugi::xml_node member : node.child("AttachedManagedPolicies").children("member")) {
    list.push_back({{"name", text(member, "PolicyName")}, {"arn", text(member, "PolicyArn")}});
  }
  return list;
}

nlohmann::json inline_policy_names(pugi::xml_node node, const char* list) {
  nlohmann::json names = nlohmann::json::array();
  for (pugi::xml_node member : node.child(list).children("member")) {
    names.push_back(text(member, "PolicyName"));
  }
  return names;
}

nlohmann::json principal(pugi::xml_node member, const char* name_field, const char* inline_list) {
  return {{"name", text(member, name_field)},
          {"arn", text(member, "Arn")},
          {"attached", attached_policies(member)},
          {"inline", inline_policy_names(member, inline_list)}};
}

} // namespace

std::string parse_credential_report_state(std::string_view body) {
  pugi::xml_document doc = load(body, "GenerateCredentialReportResponse");
  return text(result_of(doc, "GenerateCredentialReportResult"), "State");
}

nlohmann::json parse_credential_report(std::string_view body) {
  pugi::xml_document doc = load(body, "GetCredentialReportResponse");
  const std::string content = text(result_of(doc, "GetCredentialReportResult"), "Content");
  const std::optional<std::string> decoded = crypto::base64_decode(content);
  if (!decoded) {
    throw MalformedResponse("the credential report's Content is not base64");
  }
  std::vector<std::vector<std::string>> lines;
  size_t start = 0;
  while (start < decoded->size()) {
    size_t end = decoded->find('\n', start);
    if (end == std::string::npos) {
      end = decoded->size();
    }
    std::string_view line(decoded->data() + start, end - start);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (!line.empty()) {
      lines.push_back(split_line(line));
    }
    start = end + 1;
  }
  if (lines.empty() || lines.front().empty() || lines.front().front() != "user") {
    throw MalformedResponse("the credential report has no header line starting with 'user'");
  }
  const std::vector<std::string>& header = lines.front();
  nlohmann::json rows = nlohmann::json::array();
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].size() != header.size()) {
      throw MalformedResponse(fmt::format("credential report line {} has {} fields, the header {}",
                                          i + 1, lines[i].size(), header.size()));
    }
    nlohmann::json row = nlohmann::json::object();
    for (size_t column = 0; column < header.size(); ++column) {
      row[header[column]] = lines[i][column];
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

AuthorizationDetails parse_authorization_details(std::string_view body) {
  pugi::xml_document doc = load(body, "GetAccountAuthorizationDetailsResponse");
  pugi::xml_node node = result_of(doc, "GetAccountAuthorizationDetailsResult");
  AuthorizationDetails details;
  for (pugi::xml_node member : node.child("UserDetailList").children("member")) {
    nlohmann::json user = principal(member, "UserName", "UserPolicyList");
    user["groups"] = nlohmann::json::array();
    for (pugi::xml_node group : member.child("GroupList").children("member")) {
      user["groups"].push_back(std::string(group.child_value()));
    }
    details.users.push_back(std::move(user));
  }
  for (pugi::xml_node member : node.child("GroupDetailList").children("member")) {
    details.groups.push_back(principal(member, "GroupName", "GroupPolicyList"));
  }
  for (pugi::xml_node member : node.child("RoleDetailList").children("member")) {
    details.roles.push_back(principal(member, "RoleName", "RolePolicyList"));
  }
  for (pugi::xml_node member : node.child("Policies").children("member")) {
    nlohmann::json document = nullptr;
    for (pugi::xml_node version : member.child("PolicyVersionList").children("member")) {
      if (flag(version, "IsDefaultVersion")) {
        document = decode_policy_document(version.child_value("Document"));
      }
    }
    details.policies.push_back(
      {{"name", text(member, "PolicyName")},
       {"arn", text(member, "Arn")},
       {"default_version", text(member, "DefaultVersionId")},
       {"attachment_count", typed_value(member.child_value("AttachmentCount"))},
       {"document", std::move(document)}});
  }
  if (flag(node, "IsTruncated") && !text(node, "Marker").empty()) {
    details.next = text(node, "Marker");
  }
  return details;
}

Page parse_virtual_mfa_devices(std::string_view body) {
  return query_page(body, "ListVirtualMFADevices", "VirtualMFADevices", [](pugi::xml_node member) {
    return nlohmann::json{{"serial", text(member, "SerialNumber")},
                          {"user_arn", text(member.child("User"), "Arn")},
                          {"enable_date", optional_text(member, "EnableDate")}};
  });
}

Page parse_server_certificates(std::string_view body) {
  return query_page(body, "ListServerCertificates", "ServerCertificateMetadataList",
                    [](pugi::xml_node member) {
                      return nlohmann::json{{"name", text(member, "ServerCertificateName")},
                                            {"arn", text(member, "Arn")},
                                            {"expiration", text(member, "Expiration")}};
                    });
}

} // namespace velocity::providers::aws
