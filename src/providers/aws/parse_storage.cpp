#include "xml.hpp"

#include <velocity/providers/aws/parse_storage.hpp>

namespace velocity::providers::aws {

using namespace xml;

Page parse_db_instances(std::string_view body) {
  pugi::xml_document doc = load(body, "DescribeDBInstancesResponse");
  pugi::xml_node node = result_of(doc, "DescribeDBInstancesResult");
  Page page;
  for (pugi::xml_node instance : node.child("DBInstances").children("DBInstance")) {
    page.items.push_back({{"id", text(instance, "DBInstanceIdentifier")},
                          {"arn", text(instance, "DBInstanceArn")},
                          {"engine", text(instance, "Engine")},
                          {"storage_encrypted", flag(instance, "StorageEncrypted")},
                          {"auto_minor_version_upgrade", flag(instance, "AutoMinorVersionUpgrade")},
                          {"publicly_accessible", flag(instance, "PubliclyAccessible")},
                          {"multi_az", flag(instance, "MultiAZ")}});
  }
  if (!text(node, "Marker").empty()) {
    page.next = text(node, "Marker");
  }
  return page;
}

} // namespace velocity::providers::aws
