#pragma once

#include <string>
#include <string_view>

// Name-based UUIDs (RFC 9562, version 5): the same namespace and name give the same UUID on
// every machine and every run, so documents that name objects by UUID can be compared.
namespace velocity::crypto {

// The RFC 9562 namespace for URLs, 6ba7b811-9dad-11d1-80b4-00c04fd430c8.
inline constexpr std::string_view k_uuid_namespace_url = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";

// The version 5 UUID of `name` in `namespace_uuid` (canonical text, either case), in lower-case
// canonical text. Throws UsageError when `namespace_uuid` is not a UUID.
std::string uuid_v5(std::string_view namespace_uuid, std::string_view name);

} // namespace velocity::crypto
