#pragma once

#include <memory>
#include <string>
#include <string_view>

// RSA keys for RS256 (RSASSA-PKCS1-v1_5 with SHA-256), as service-account JWTs use.
namespace velocity::crypto {

// An RSA public key: verifies RS256 signatures.
class RsaPublicKey {
public:
  // Reads a PEM public key ("PUBLIC KEY" SubjectPublicKeyInfo or "RSA PUBLIC KEY" PKCS#1).
  // Throws UsageError naming `origin` (e.g. the file) when the text is not an RSA public key.
  static RsaPublicKey from_pem(std::string_view pem, std::string_view origin = "the public key");

  RsaPublicKey(RsaPublicKey&&) noexcept;
  RsaPublicKey& operator=(RsaPublicKey&&) noexcept;
  ~RsaPublicKey();

  // True when `signature` is an RS256 signature of exactly `message` under this key.
  bool verify_rs256(std::string_view message, std::string_view signature) const;
  // The key as PEM SubjectPublicKeyInfo ("-----BEGIN PUBLIC KEY-----").
  std::string to_pem() const;
  // The modulus size in bits.
  int bits() const;

private:
  struct Impl;
  friend class RsaPrivateKey;
  explicit RsaPublicKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

// An RSA private key. A secret: never logged, never written out by velocity.
class RsaPrivateKey {
public:
  // Reads an unencrypted PEM private key: PKCS#8 "PRIVATE KEY" (the `private_key` of a Google
  // service-account JSON) or PKCS#1 "RSA PRIVATE KEY". Never prompts for a passphrase. Throws
  // UsageError naming `origin` when the text is not PEM, is encrypted, or is not an RSA key.
  static RsaPrivateKey from_pem(std::string_view pem, std::string_view origin = "the private key");

  RsaPrivateKey(RsaPrivateKey&&) noexcept;
  RsaPrivateKey& operator=(RsaPrivateKey&&) noexcept;
  ~RsaPrivateKey();

  // The RS256 signature of `message`: bits()/8 raw bytes. PKCS#1 v1.5 is deterministic, so
  // the same key and message always give the same bytes.
  std::string sign_rs256(std::string_view message) const;
  RsaPublicKey public_key() const;
  // The modulus size in bits.
  int bits() const;

private:
  struct Impl;
  explicit RsaPrivateKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

} // namespace velocity::crypto
