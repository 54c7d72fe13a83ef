#include "openssl_handles.hpp"

#include <velocity/core/error.hpp>
#include <velocity/crypto/rsa.hpp>

#include <openssl/bio.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

namespace velocity::crypto {

namespace {

struct DecoderDeleter {
  void operator()(OSSL_DECODER_CTX* ctx) const { OSSL_DECODER_CTX_free(ctx); }
};
using Decoder = std::unique_ptr<OSSL_DECODER_CTX, DecoderDeleter>;

Bio memory_bio(std::string_view text) {
  Bio bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) {
    fail("BIO_new_mem_buf");
  }
  return bio;
}

// A passphrase callback that refuses: OpenSSL's default would prompt on the terminal.
int no_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) {
  return -1;
}

bool is_rsa(const EVP_PKEY* key) {
  // RSA-PSS keys are excluded on purpose: RS256 is PKCS#1 v1.5 only.
  return EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA;
}

[[noreturn]] void bad_key(std::string_view origin, const std::string& reason, std::string help) {
  ERR_clear_error();
  throw UsageError("cannot read " + std::string(origin) + ": " + reason, std::move(help));
}

// Copies the public half of `key` into a key of its own.
Pkey public_half(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(key, &der);
  if (length <= 0) {
    fail("i2d_PUBKEY");
  }
  const unsigned char* cursor = der;
  Pkey copy(d2i_PUBKEY(nullptr, &cursor, length));
  OPENSSL_free(der);
  if (!copy) {
    fail("d2i_PUBKEY");
  }
  return copy;
}

} // namespace

struct RsaPublicKey::Impl {
  Pkey key;
};

struct RsaPrivateKey::Impl {
  Pkey key;
};

RsaPublicKey::RsaPublicKey(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
RsaPublicKey::RsaPublicKey(RsaPublicKey&&) noexcept = default;
RsaPublicKey& RsaPublicKey::operator=(RsaPublicKey&&) noexcept = default;
RsaPublicKey::~RsaPublicKey() = default;

RsaPublicKey RsaPublicKey::from_pem(std::string_view pem, std::string_view origin) {
  if (pem.find("-----BEGIN ") == std::string_view::npos) {
    bad_key(origin, "it is not PEM (no -----BEGIN line)",
            "give a PEM public key (-----BEGIN PUBLIC KEY-----)");
  }
  // The decoder reads both SubjectPublicKeyInfo and PKCS#1 "RSA PUBLIC KEY" without the
  // deprecated RSA_* functions.
  EVP_PKEY* raw = nullptr;
  Decoder decoder(OSSL_DECODER_CTX_new_for_pkey(&raw, "PEM", nullptr, "RSA", EVP_PKEY_PUBLIC_KEY,
                                                nullptr, nullptr));
  if (!decoder) {
    fail("OSSL_DECODER_CTX_new_for_pkey");
  }
  const unsigned char* data = as_uchar(pem);
  size_t length = pem.size();
  if (OSSL_DECODER_from_data(decoder.get(), &data, &length) != 1 || raw == nullptr) {
    bad_key(
      origin, "it is not an RSA public key",
      "give a PEM RSA public key (-----BEGIN PUBLIC KEY----- or -----BEGIN RSA PUBLIC KEY-----)");
  }
  Pkey key(raw);
  if (!is_rsa(key.get())) {
    bad_key(origin, "it is not an RSA key", "RS256 needs an RSA key");
  }
  return RsaPublicKey(std::make_unique<Impl>(Impl{std::move(key)}));
}

bool RsaPublicKey::verify_rs256(std::string_view message, std::string_view signature) const {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx) {
    fail("EVP_MD_CTX_new");
  }
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, m_impl->key.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    fail("EVP_DigestVerifyInit");
  }
  const int ok = EVP_DigestVerify(ctx.get(), as_uchar(signature), signature.size(),
                                  as_uchar(message), message.size());
  ERR_clear_error(); // a bad signature leaves an entry behind
  return ok == 1;
}

std::string RsaPublicKey::to_pem() const {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), m_impl->key.get()) != 1) {
    fail("PEM_write_bio_PUBKEY");
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length));
}

int RsaPublicKey::bits() const {
  return EVP_PKEY_get_bits(m_impl->key.get());
}

RsaPrivateKey::RsaPrivateKey(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
RsaPrivateKey::RsaPrivateKey(RsaPrivateKey&&) noexcept = default;
RsaPrivateKey& RsaPrivateKey::operator=(RsaPrivateKey&&) noexcept = default;
RsaPrivateKey::~RsaPrivateKey() = default;

RsaPrivateKey RsaPrivateKey::from_pem(std::string_view pem, std::string_view origin) {
  if (pem.find("-----BEGIN ") == std::string_view::npos) {
    bad_key(
      origin, "it is not PEM (no -----BEGIN line)",
      "give the PEM text of the key (-----BEGIN PRIVATE KEY-----), as in a service-account JSON");
  }
  if (pem.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string_view::npos ||
      pem.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos) {
    bad_key(origin, "the private key is encrypted with a passphrase",
            "decrypt it first (openssl pkey -in KEY -out PLAIN) and store the result securely");
  }
  const Bio bio = memory_bio(pem);
  Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) {
    bad_key(
      origin, "it is not a PEM private key",
      "give the PEM text of the key (-----BEGIN PRIVATE KEY-----), as in a service-account JSON");
  }
  if (!is_rsa(key.get())) {
    bad_key(origin, "it is not an RSA key", "RS256 needs an RSA private key");
  }
  return RsaPrivateKey(std::make_unique<Impl>(Impl{std::move(key)}));
}

std::string RsaPrivateKey::sign_rs256(std::string_view message) const {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx) {
    fail("EVP_MD_CTX_new");
  }
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, m_impl->key.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    fail("EVP_DigestSignInit");
  }
  size_t length = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &length, as_uchar(message), message.size()) != 1) {
    fail("EVP_DigestSign (size)");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     as_uchar(message), message.size()) != 1) {
    fail("EVP_DigestSign");
  }
  signature.resize(length);
  return signature;
}

RsaPublicKey RsaPrivateKey::public_key() const {
  return RsaPublicKey(
    std::make_unique<RsaPublicKey::Impl>(RsaPublicKey::Impl{public_half(m_impl->key.get())}));
}

int RsaPrivateKey::bits() const {
  return EVP_PKEY_get_bits(m_impl->key.get());
}

} // namespace velocity::crypto
