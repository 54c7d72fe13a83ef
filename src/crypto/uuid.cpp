#include <velocity/core/error.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/crypto/uuid.hpp>

#include <fmt/format.h>

#include <optional>

namespace velocity::crypto {

namespace {

std::string canonical(std::string_view bytes) {
  const std::string hex = to_hex(bytes);
  return fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4),
                     hex.substr(16, 4), hex.substr(20));
}

// The 16 bytes of a UUID in canonical text, or nothing when `text` is not one.
std::optional<std::string> uuid_bytes(std::string_view text) {
  if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' ||
      text[23] != '-') {
    return std::nullopt;
  }
  std::string hex(text);
  std::erase(hex, '-');
  return hex.size() == 32 ? from_hex(hex) : std::nullopt;
}

} // namespace

std::string uuid_v5(std::string_view namespace_uuid, std::string_view name) {
  const auto space = uuid_bytes(namespace_uuid);
  if (!space) {
    throw UsageError(fmt::format("'{}' is not a UUID to name other UUIDs in", namespace_uuid));
  }
  std::string bytes = sha1(*space + std::string(name)).substr(0, 16);
  bytes[6] = static_cast<char>((static_cast<unsigned char>(bytes[6]) & 0x0f) | 0x50);
  bytes[8] = static_cast<char>((static_cast<unsigned char>(bytes[8]) & 0x3f) | 0x80);
  return canonical(bytes);
}

} // namespace velocity::crypto
