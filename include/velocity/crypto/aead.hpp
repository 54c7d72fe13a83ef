#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace velocity::crypto {

// A 256-bit symmetric key, wiped from memory when destroyed.
class SecretKey {
public:
  static constexpr size_t k_size = 32;

  // A fresh key from the operating system's CSPRNG.
  static SecretKey generate();
  // The key made of exactly `k_size` bytes, or nothing when `bytes` has another size.
  static std::optional<SecretKey> from_bytes(std::string_view bytes);

  SecretKey(const SecretKey&) = default;
  SecretKey& operator=(const SecretKey&) = default;
  ~SecretKey();

  std::string_view bytes() const noexcept {
    return {reinterpret_cast<const char*>(m_bytes.data()), m_bytes.size()};
  }

private:
  SecretKey() = default;
  std::array<uint8_t, k_size> m_bytes{};
};

// Sizes of the AES-256-GCM envelope: a 96-bit nonce before the ciphertext, a 128-bit tag after it.
inline constexpr size_t k_nonce_size = 12;
inline constexpr size_t k_tag_size = 16;

// AES-256-GCM of `plaintext` under `key` with a fresh random nonce, authenticating `aad` too.
// Returns nonce || ciphertext || tag.
std::string seal(const SecretKey& key, std::string_view plaintext, std::string_view aad);

// Opens what seal() produced. Nothing when the key, the associated data or any byte is wrong.
std::optional<std::string> open(const SecretKey& key, std::string_view sealed,
                                std::string_view aad);

// scrypt cost parameters, kept in the state beside the salt.
struct ScryptParams {
  uint64_t n = 1U << 15;
  uint64_t r = 8;
  uint64_t p = 1;
};

// Stretches `passphrase` with scrypt into a 256-bit key.
SecretKey derive_from_passphrase(std::string_view passphrase, std::string_view salt,
                                 const ScryptParams& params);

} // namespace velocity::crypto
