#pragma once

#include <velocity/providers/aws/parse.hpp>

#include <string_view>

// Reading the answers of the storage services beyond S3 (see parse.hpp for S3).
namespace velocity::providers::aws {

// RDS DescribeDBInstances: [{"id", "arn", "engine", "storage_encrypted",
// "auto_minor_version_upgrade", "publicly_accessible", "multi_az"}]; Marker.
Page parse_db_instances(std::string_view body);

} // namespace velocity::providers::aws
