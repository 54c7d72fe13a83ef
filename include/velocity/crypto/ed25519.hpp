#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace velocity::crypto {

// An Ed25519 public key: verifies signatures, prints itself as PEM (SubjectPublicKeyInfo).
class VerifyKey {
public:
  // Reads a PEM public key; nothing when the text is not an Ed25519 public key.
  static std::optional<VerifyKey> from_pem(std::string_view pem);
  // The key from its 32 raw bytes; nothing when the size is wrong.
  static std::optional<VerifyKey> from_raw(std::string_view raw);

  VerifyKey(VerifyKey&&) noexcept;
  VerifyKey& operator=(VerifyKey&&) noexcept;
  ~VerifyKey();

  // True when `signature` (64 bytes) is this key's signature of exactly `message`.
  bool verify(std::string_view message, std::string_view signature) const;
  std::string to_pem() const;
  // The 32 raw public key bytes.
  std::string raw() const;
  // "SHA256:" + hex SHA-256 of the raw public key.
  std::string fingerprint() const;

private:
  struct Impl;
  explicit VerifyKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

// An Ed25519 private key.
class SigningKey {
public:
  static SigningKey generate();
  // The key from its 32-byte seed; nothing when the size is wrong.
  static std::optional<SigningKey> from_seed(std::string_view seed);

  SigningKey(SigningKey&&) noexcept;
  SigningKey& operator=(SigningKey&&) noexcept;
  ~SigningKey();

  // The 64-byte signature of `message`.
  std::string sign(std::string_view message) const;
  // The 32-byte seed; a secret: store it encrypted.
  std::string seed() const;
  VerifyKey verify_key() const;

private:
  struct Impl;
  explicit SigningKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

} // namespace velocity::crypto
