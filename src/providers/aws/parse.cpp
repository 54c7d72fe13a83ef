#include <velocity/crypto/digest.hpp>
#include <velocity/providers/aws/parse.hpp>

#include <fmt/format.h>
#include <pugixml.hpp>

#include <cstdlib>
#include <cstring>

namespace velocity::providers::aws {

namespace {

pugi::xml_document load(std::string_view body, std::string_view root_name) {
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed =
    doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) {
    throw MalformedResponse(fmt::format("invalid XML ({} at byte {}, {} bytes received)",
                                        parsed.description(), parsed.offset, body.size()));
  }
  const std::string_view name = doc.document_element().name();
  if (name != root_name) {
    throw MalformedResponse(fmt::format("expected an XML <{}> document, got <{}>", root_name,
                                        name.empty() ? "nothing" : name));
  }
  return doc;
}

// The <XResult> element of a query answer <XResponse>.
pugi::xml_node result_of(const pugi::xml_document& doc, const char* result_name) {
  pugi::xml_node node = doc.document_element().child(result_name);
  if (!node) {
    throw MalformedResponse(fmt::format("the answer has no <{}>", result_name));
  }
  return node;
}

std::string text(pugi::xml_node node, const char* name) {
  return node.child_value(name);
}

bool flag(pugi::xml_node node, const char* name) {
  return std::strcmp(node.child_value(name), "true") == 0;
}

nlohmann::json optional_text(pugi::xml_node node, const char* name) {
  pugi::xml_node child = node.child(name);
  if (!child) {
    return nullptr;
  }
  return std::string(child.child_value());
}

nlohmann::json typed_value(std::string_view value) {
  if (value == "true") {
    return true;
  }
  if (value == "false") {
    return false;
  }
  if (!value.empty() && value.find_first_not_of("0123456789") == std::string_view::npos &&
      value.size() < 18) {
    return std::strtoll(std::string(value).c_str(), nullptr, 10);
  }
  return std::string(value);
}

// A query-protocol listing: the members of <XResult><list>, and the Marker when IsTruncated.
template <typename Visit>
Page query_page(std::string_view body, const char* operation, const char* list, Visit visit) {
  const std::string response = std::string(operation) + "Response";
  const std::string result = std::string(operation) + "Result";
  pugi::xml_document doc = load(body, response);
  pugi::xml_node node = result_of(doc, result.c_str());
  Page page;
  for (pugi::xml_node member : node.child(list).children("member")) {
    page.items.push_back(visit(member));
  }
  if (flag(node, "IsTruncated") && !text(node, "Marker").empty()) {
    page.next = text(node, "Marker");
  }
  return page;
}

nlohmann::json ip_ranges(pugi::xml_node permission, const char* list, const char* field) {
  nlohmann::json ranges = nlohmann::json::array();
  for (pugi::xml_node item : permission.child(list).children("item")) {
    ranges.push_back(text(item, field));
  }
  return ranges;
}

// An element as JSON: text for a leaf, an array for a list (children named item or member),
// else an object of its children. `depth` bounds hostile nesting.
nlohmann::json tree_of(pugi::xml_node node, int depth) {
  if (depth > 64) {
    throw MalformedResponse("XML nested deeper than 64 levels");
  }
  pugi::xml_node first = node.first_child();
  while (first && first.type() != pugi::node_element) {
    first = first.next_sibling();
  }
  if (!first) {
    return node.text().get();
  }
  const std::string_view first_name = first.name();
  if (first_name == "item" || first_name == "member") {
    nlohmann::json list = nlohmann::json::array();
    for (pugi::xml_node child : node.children()) {
      if (child.type() == pugi::node_element) {
        list.push_back(tree_of(child, depth + 1));
      }
    }
    return list;
  }
  nlohmann::json object = nlohmann::json::object();
  for (pugi::xml_node child : node.children()) {
    if (child.type() == pugi::node_element) {
      object[child.name()] = tree_of(child, depth + 1);
    }
  }
  return object;
}

} // namespace

nlohmann::json parse_caller_identity(std::string_view body) {
  pugi::xml_document doc = load(body, "GetCallerIdentityResponse");
  pugi::xml_node node = result_of(doc, "GetCallerIdentityResult");
  return {{"account", text(node, "Account")},
          {"arn", text(node, "Arn")},
          {"user_id", text(node, "UserId")}};
}

Credentials parse_assume_role(std::string_view body) {
  pugi::xml_document doc = load(body, "AssumeRoleResponse");
  pugi::xml_node node = result_of(doc, "AssumeRoleResult").child("Credentials");
  Credentials credentials{text(node, "AccessKeyId"), text(node, "SecretAccessKey"),
                          text(node, "SessionToken")};
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    throw MalformedResponse("the AssumeRole answer has no credentials");
  }
  return credentials;
}

std::vector<std::string> parse_regions(std::string_view body) {
  pugi::xml_document doc = load(body, "DescribeRegionsResponse");
  std::vector<std::string> regions;
  for (pugi::xml_node item : doc.document_element().child("regionInfo").children("item")) {
    if (text(item, "optInStatus") == "not-opted-in") {
      continue;
    }
    regions.push_back(text(item, "regionName"));
  }
  return regions;
}

nlohmann::json parse_account_summary(std::string_view body) {
  pugi::xml_document doc = load(body, "GetAccountSummaryResponse");
  nlohmann::json summary = nlohmann::json::object();
  for (pugi::xml_node entry :
       result_of(doc, "GetAccountSummaryResult").child("SummaryMap").children("entry")) {
    summary[text(entry, "key")] = typed_value(entry.child_value("value"));
  }
  return summary;
}

nlohmann::json parse_password_policy(std::string_view body) {
  pugi::xml_document doc = load(body, "GetAccountPasswordPolicyResponse");
  nlohmann::json policy = nlohmann::json::object();
  for (pugi::xml_node field :
       result_of(doc, "GetAccountPasswordPolicyResult").child("PasswordPolicy").children()) {
    policy[field.name()] = typed_value(field.child_value());
  }
  return policy;
}

Page parse_users(std::string_view body) {
  return query_page(body, "ListUsers", "Users", [](pugi::xml_node member) {
    return nlohmann::json{{"name", text(member, "UserName")},
                          {"arn", text(member, "Arn")},
                          {"user_id", text(member, "UserId")},
                          {"create_date", text(member, "CreateDate")},
                          {"password_last_used", optional_text(member, "PasswordLastUsed")}};
  });
}

Page parse_mfa_devices(std::string_view body) {
  return query_page(body, "ListMFADevices", "MFADevices", [](pugi::xml_node member) {
    return nlohmann::json{{"serial", text(member, "SerialNumber")},
                          {"enable_date", text(member, "EnableDate")}};
  });
}

Page parse_access_keys(std::string_view body) {
  return query_page(body, "ListAccessKeys", "AccessKeyMetadata", [](pugi::xml_node member) {
    return nlohmann::json{{"id", text(member, "AccessKeyId")},
                          {"status", text(member, "Status")},
                          {"create_date", text(member, "CreateDate")}};
  });
}

nlohmann::json parse_access_key_last_used(std::string_view body) {
  pugi::xml_document doc = load(body, "GetAccessKeyLastUsedResponse");
  pugi::xml_node node = result_of(doc, "GetAccessKeyLastUsedResult").child("AccessKeyLastUsed");
  return {{"last_used_date", optional_text(node, "LastUsedDate")},
          {"service", text(node, "ServiceName")},
          {"region", text(node, "Region")}};
}

nlohmann::json parse_login_profile(std::string_view body) {
  pugi::xml_document doc = load(body, "GetLoginProfileResponse");
  pugi::xml_node node = result_of(doc, "GetLoginProfileResult").child("LoginProfile");
  return {{"create_date", text(node, "CreateDate")},
          {"password_reset_required", flag(node, "PasswordResetRequired")}};
}

Page parse_attached_policies(std::string_view body) {
  return query_page(body, "ListAttachedUserPolicies", "AttachedPolicies",
                    [](pugi::xml_node member) {
                      return nlohmann::json{{"name", text(member, "PolicyName")},
                                            {"arn", text(member, "PolicyArn")}};
                    });
}

Page parse_policies(std::string_view body) {
  return query_page(body, "ListPolicies", "Policies", [](pugi::xml_node member) {
    return nlohmann::json{{"name", text(member, "PolicyName")},
                          {"arn", text(member, "Arn")},
                          {"default_version", text(member, "DefaultVersionId")},
                          {"attachment_count", typed_value(member.child_value("AttachmentCount"))}};
  });
}

nlohmann::json parse_policy_document(std::string_view body) {
  pugi::xml_document doc = load(body, "GetPolicyVersionResponse");
  const std::string document =
    result_of(doc, "GetPolicyVersionResult").child("PolicyVersion").child_value("Document");
  // IAM sends the document URL-encoded; an emulator may send it as it is.
  auto parsed = nlohmann::json::parse(url_decode(document), nullptr, false);
  if (parsed.is_discarded()) {
    parsed = nlohmann::json::parse(document, nullptr, false);
  }
  return parsed.is_discarded() ? nlohmann::json(nullptr) : parsed;
}

Page parse_security_groups(std::string_view body) {
  pugi::xml_document doc = load(body, "DescribeSecurityGroupsResponse");
  pugi::xml_node root = doc.document_element();
  Page page;
  for (pugi::xml_node group : root.child("securityGroupInfo").children("item")) {
    auto rules_of = [&group](const char* list) {
      nlohmann::json rules = nlohmann::json::array();
      for (pugi::xml_node permission : group.child(list).children("item")) {
        nlohmann::json rule = {{"protocol", text(permission, "ipProtocol")},
                               {"ipv4", ip_ranges(permission, "ipRanges", "cidrIp")},
                               {"ipv6", ip_ranges(permission, "ipv6Ranges", "cidrIpv6")}};
        rule["from_port"] = permission.child("fromPort")
                              ? nlohmann::json(typed_value(permission.child_value("fromPort")))
                              : nlohmann::json(nullptr);
        rule["to_port"] = permission.child("toPort")
                            ? nlohmann::json(typed_value(permission.child_value("toPort")))
                            : nlohmann::json(nullptr);
        rules.push_back(std::move(rule));
      }
      return rules;
    };
    page.items.push_back({{"group_id", text(group, "groupId")},
                          {"group_name", text(group, "groupName")},
                          {"vpc_id", text(group, "vpcId")},
                          {"arn", text(group, "securityGroupArn")},
                          {"owner_id", text(group, "ownerId")},
                          {"ingress", rules_of("ipPermissions")},
                          {"egress", rules_of("ipPermissionsEgress")}});
  }
  if (!text(root, "nextToken").empty()) {
    page.next = text(root, "nextToken");
  }
  return page;
}

Page parse_buckets(std::string_view body) {
  pugi::xml_document doc = load(body, "ListAllMyBucketsResult");
  pugi::xml_node root = doc.document_element();
  Page page;
  for (pugi::xml_node bucket : root.child("Buckets").children("Bucket")) {
    page.items.push_back({{"name", text(bucket, "Name")},
                          {"creation_date", text(bucket, "CreationDate")},
                          {"region", text(bucket, "BucketRegion")}});
  }
  if (!text(root, "ContinuationToken").empty()) {
    page.next = text(root, "ContinuationToken");
  }
  return page;
}

nlohmann::json parse_bucket_encryption(std::string_view body) {
  pugi::xml_document doc = load(body, "ServerSideEncryptionConfiguration");
  nlohmann::json rules = nlohmann::json::array();
  for (pugi::xml_node rule : doc.document_element().children("Rule")) {
    pugi::xml_node by_default = rule.child("ApplyServerSideEncryptionByDefault");
    rules.push_back({{"algorithm", text(by_default, "SSEAlgorithm")},
                     {"kms_key_id", text(by_default, "KMSMasterKeyID")},
                     {"bucket_key", flag(rule, "BucketKeyEnabled")}});
  }
  return {{"rules", std::move(rules)}};
}

nlohmann::json parse_public_access_block(std::string_view body) {
  pugi::xml_document doc = load(body, "PublicAccessBlockConfiguration");
  pugi::xml_node node = doc.document_element();
  return {{"BlockPublicAcls", flag(node, "BlockPublicAcls")},
          {"IgnorePublicAcls", flag(node, "IgnorePublicAcls")},
          {"BlockPublicPolicy", flag(node, "BlockPublicPolicy")},
          {"RestrictPublicBuckets", flag(node, "RestrictPublicBuckets")}};
}

nlohmann::json parse_bucket_versioning(std::string_view body) {
  // S3 answers <VersioningConfiguration>; moto <GetBucketVersioningResponse>, same children.
  const bool emulator = body.find("<GetBucketVersioningResponse") != std::string_view::npos;
  pugi::xml_document doc =
    load(body, emulator ? "GetBucketVersioningResponse" : "VersioningConfiguration");
  pugi::xml_node node = doc.document_element();
  return {{"status", text(node, "Status")}, {"mfa_delete", text(node, "MfaDelete")}};
}

nlohmann::json parse_json_object(std::string_view body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    throw MalformedResponse(fmt::format("invalid JSON ({} bytes received)", body.size()));
  }
  return json;
}

nlohmann::json parse_xml_tree(std::string_view body, std::string_view root_name) {
  const pugi::xml_document doc = load(body, root_name);
  return tree_of(doc.document_element(), 0);
}

std::string url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      if (const auto byte = crypto::from_hex(text.substr(i + 1, 2))) {
        out += *byte;
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

} // namespace velocity::providers::aws
