#include "openssl_handles.hpp"

#include <velocity/core/error.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/crypto/ed25519.hpp>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace velocity::crypto {

namespace {

constexpr size_t k_raw_size = 32;
constexpr size_t k_signature_size = 64;

} // namespace

struct VerifyKey::Impl {
  Pkey key;
};

struct SigningKey::Impl {
  Pkey key;
};

VerifyKey::VerifyKey(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
VerifyKey::VerifyKey(VerifyKey&&) noexcept = default;
VerifyKey& VerifyKey::operator=(VerifyKey&&) noexcept = default;
VerifyKey::~VerifyKey() = default;

std::optional<VerifyKey> VerifyKey::from_pem(std::string_view pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    fail("BIO");
  }
  Pkey key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key || EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519) {
    return std::nullopt;
  }
  return VerifyKey(std::make_unique<Impl>(Impl{std::move(key)}));
}

std::optional<VerifyKey> VerifyKey::from_raw(std::string_view raw) {
  if (raw.size() != k_raw_size) {
    return std::nullopt;
  }
  Pkey key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, as_uchar(raw), raw.size()));
  if (!key) {
    return std::nullopt;
  }
  return VerifyKey(std::make_unique<Impl>(Impl{std::move(key)}));
}

bool VerifyKey::verify(std::string_view message, std::string_view signature) const {
  if (signature.size() != k_signature_size) {
    return false;
  }
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, m_impl->key.get()) != 1) {
    fail("Ed25519 verify init");
  }
  return EVP_DigestVerify(ctx.get(), as_uchar(signature), signature.size(), as_uchar(message),
                          message.size()) == 1;
}

std::string VerifyKey::to_pem() const {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), m_impl->key.get()) != 1) {
    fail("PEM encoding");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

std::string VerifyKey::raw() const {
  std::string out(k_raw_size, '\0');
  size_t size = out.size();
  if (EVP_PKEY_get_raw_public_key(m_impl->key.get(), reinterpret_cast<unsigned char*>(out.data()),
                                  &size) != 1) {
    fail("Ed25519 public key");
  }
  return out;
}

std::string VerifyKey::fingerprint() const {
  return "SHA256:" + to_hex(sha256(raw()));
}

SigningKey::SigningKey(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
SigningKey::SigningKey(SigningKey&&) noexcept = default;
SigningKey& SigningKey::operator=(SigningKey&&) noexcept = default;
SigningKey::~SigningKey() = default;

SigningKey SigningKey::generate() {
  return *from_seed(random_bytes(k_raw_size));
}

std::optional<SigningKey> SigningKey::from_seed(std::string_view seed) {
  if (seed.size() != k_raw_size) {
    return std::nullopt;
  }
  Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, as_uchar(seed), seed.size()));
  if (!key) {
    fail("Ed25519 private key");
  }
  return SigningKey(std::make_unique<Impl>(Impl{std::move(key)}));
}

std::string SigningKey::sign(std::string_view message) const {
  MdCtx ctx(EVP_MD_CTX_new());
  std::string signature(k_signature_size, '\0');
  size_t size = signature.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, m_impl->key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     as_uchar(message), message.size()) != 1) {
    fail("Ed25519 signing");
  }
  return signature;
}

std::string SigningKey::seed() const {
  std::string out(k_raw_size, '\0');
  size_t size = out.size();
  if (EVP_PKEY_get_raw_private_key(m_impl->key.get(), reinterpret_cast<unsigned char*>(out.data()),
                                   &size) != 1) {
    fail("Ed25519 private key");
  }
  return out;
}

VerifyKey SigningKey::verify_key() const {
  std::string raw(k_raw_size, '\0');
  size_t size = raw.size();
  if (EVP_PKEY_get_raw_public_key(m_impl->key.get(), reinterpret_cast<unsigned char*>(raw.data()),
                                  &size) != 1) {
    fail("Ed25519 public key");
  }
  return *VerifyKey::from_raw(raw);
}

} // namespace velocity::crypto
