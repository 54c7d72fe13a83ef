#pragma once

// Internal to the AWS provider: reading the XML answers of the query and rest-xml protocols,
// shared by the parsers of each service (parse.cpp, parse_iam.cpp, parse_storage.cpp).

#include <velocity/providers/aws/parse.hpp>

#include <fmt/format.h>
#include <pugixml.hpp>

#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace velocity::providers::aws::xml {

// `body` as an XML document whose root is `root_name`; MalformedResponse otherwise.
inline pugi::xml_document load(std::string_view body, std::string_view root_name) {
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
inline pugi::xml_node result_of(const pugi::xml_document& doc, const char* result_name) {
  pugi::xml_node node = doc.document_element().child(result_name);
  if (!node) {
    throw MalformedResponse(fmt::format("the answer has no <{}>", result_name));
  }
  return node;
}

inline std::string text(pugi::xml_node node, const char* name) {
  return node.child_value(name);
}

inline bool flag(pugi::xml_node node, const char* name) {
  return std::strcmp(node.child_value(name), "true") == 0;
}

inline nlohmann::json optional_text(pugi::xml_node node, const char* name) {
  pugi::xml_node child = node.child(name);
  if (!child) {
    return nullptr;
  }
  return std::string(child.child_value());
}

// "true"/"false" as booleans, short digit strings as numbers, anything else as text.
inline nlohmann::json typed_value(std::string_view value) {
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

} // namespace velocity::providers::aws::xml
