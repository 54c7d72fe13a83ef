#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

// Hashes, MACs, encodings and randomness. Byte strings are std::string (binary-safe).
namespace velocity::crypto {

using Sha256Digest = std::array<uint8_t, 32>;

// SHA-256 of `data`.
Sha256Digest sha256(std::string_view data);

// SHA-256 fed in pieces, for data that does not fit in memory at once.
class Sha256 {
public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void update(std::string_view data);
  // The digest of everything fed so far; the hasher must not be used afterwards.
  Sha256Digest finish();

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// SHA-1 of `data` (20 bytes). Broken for collision resistance: only for formats that specify
// it, such as name-based UUIDs (uuid.hpp); never for integrity.
std::string sha1(std::string_view data);

// HMAC-SHA256 of `data` under `key`.
Sha256Digest hmac_sha256(std::string_view key, std::string_view data);

// Lower-case hexadecimal of `bytes`.
std::string to_hex(std::string_view bytes);
std::string to_hex(const Sha256Digest& digest);

// The bytes of hexadecimal text (either case), or nothing when it is not hexadecimal.
std::optional<std::string> from_hex(std::string_view hex);

// The digest's bytes as a string.
std::string to_bytes(const Sha256Digest& digest);

// Standard base64 with padding, and back; decode returns nothing on malformed input.
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

// Base64url without padding (RFC 4648 section 5), as JWTs use.
std::string base64url_encode(std::string_view bytes);

// `count` bytes from the operating system's CSPRNG.
std::string random_bytes(size_t count);

// Compares two byte strings in time that depends only on their length.
bool constant_time_equal(std::string_view a, std::string_view b);

} // namespace velocity::crypto
