#include "openssl_handles.hpp"

#include <velocity/core/error.hpp>
#include <velocity/crypto/aead.hpp>
#include <velocity/crypto/digest.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <memory>

namespace velocity::crypto {

namespace {

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

struct CipherDeleter {
  void operator()(EVP_CIPHER* cipher) const { EVP_CIPHER_free(cipher); }
};

// OpenSSL 3 looks the algorithm up in its providers on every implicit use, which costs more than
// sealing a kilobyte; fetch it once, and keep one context per thread.
const EVP_CIPHER* aes_256_gcm() {
  static const std::unique_ptr<EVP_CIPHER, CipherDeleter> cipher(
    EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr));
  if (!cipher) {
    fail("AES-256-GCM is not available");
  }
  return cipher.get();
}

// A per-thread context that keeps the expanded key of the last key it was given, so sealing many
// values under one data key sets the key up once.
class ThreadCipher {
public:
  EVP_CIPHER_CTX* with_key(const SecretKey& key, int encrypt) {
    if (!m_ctx) {
      fail("cipher context");
    }
    if (!m_has_key || m_encrypt != encrypt || !constant_time_equal(m_key, key.bytes())) {
      if (EVP_CipherInit_ex2(m_ctx.get(), aes_256_gcm(), as_uchar(key.bytes()), nullptr, encrypt,
                             nullptr) != 1) {
        fail("AES-256-GCM key setup");
      }
      m_key.assign(key.bytes());
      m_encrypt = encrypt;
      m_has_key = true;
    }
    return m_ctx.get();
  }

  ~ThreadCipher() { OPENSSL_cleanse(m_key.data(), m_key.size()); }

private:
  CipherCtx m_ctx{EVP_CIPHER_CTX_new()};
  std::string m_key;
  int m_encrypt = -1;
  bool m_has_key = false;
};

EVP_CIPHER_CTX* context_for(const SecretKey& key, int encrypt) {
  thread_local ThreadCipher cipher;
  return cipher.with_key(key, encrypt);
}

// Nonces come from the CSPRNG in blocks: one RAND_bytes call per value costs more than sealing it.
std::string fresh_nonce() {
  constexpr size_t k_block = 4096 / k_nonce_size * k_nonce_size;
  thread_local std::string pool;
  thread_local size_t used = k_block;
  if (used == k_block) {
    pool = random_bytes(k_block);
    used = 0;
  }
  std::string nonce = pool.substr(used, k_nonce_size);
  OPENSSL_cleanse(pool.data() + used, k_nonce_size);
  used += k_nonce_size;
  return nonce;
}

} // namespace

SecretKey SecretKey::generate() {
  return *from_bytes(random_bytes(k_size));
}

std::optional<SecretKey> SecretKey::from_bytes(std::string_view bytes) {
  if (bytes.size() != k_size) {
    return std::nullopt;
  }
  SecretKey key;
  std::copy(bytes.begin(), bytes.end(), reinterpret_cast<char*>(key.m_bytes.data()));
  return key;
}

SecretKey::~SecretKey() {
  OPENSSL_cleanse(m_bytes.data(), m_bytes.size());
}

std::string seal(const SecretKey& key, std::string_view plaintext, std::string_view aad) {
  std::string out(k_nonce_size + plaintext.size() + k_tag_size, '\0');
  const std::string nonce = fresh_nonce();
  std::copy(nonce.begin(), nonce.end(), out.begin());

  EVP_CIPHER_CTX* ctx = context_for(key, 1);
  int length = 0;
  if (EVP_EncryptInit_ex2(ctx, nullptr, nullptr, as_uchar(nonce), nullptr) != 1 ||
      EVP_EncryptUpdate(ctx, nullptr, &length, as_uchar(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx, as_uchar(out, k_nonce_size), &length, as_uchar(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx, as_uchar(out, k_nonce_size + plaintext.size()), &length) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(k_tag_size),
                          as_uchar(out, k_nonce_size + plaintext.size())) != 1) {
    fail("AES-256-GCM encryption");
  }
  return out;
}

std::optional<std::string> open(const SecretKey& key, std::string_view sealed,
                                std::string_view aad) {
  if (sealed.size() < k_nonce_size + k_tag_size) {
    return std::nullopt;
  }
  const std::string_view nonce = sealed.substr(0, k_nonce_size);
  const std::string_view ciphertext =
    sealed.substr(k_nonce_size, sealed.size() - k_nonce_size - k_tag_size);
  std::string tag(sealed.substr(sealed.size() - k_tag_size));
  std::string plaintext(ciphertext.size(), '\0');

  EVP_CIPHER_CTX* ctx = context_for(key, 0);
  int length = 0;
  if (EVP_DecryptInit_ex2(ctx, nullptr, nullptr, as_uchar(nonce), nullptr) != 1 ||
      EVP_DecryptUpdate(ctx, nullptr, &length, as_uchar(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx, as_uchar(plaintext), &length, as_uchar(ciphertext),
                        static_cast<int>(ciphertext.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(k_tag_size), tag.data()) !=
        1) {
    fail("AES-256-GCM decryption");
  }
  if (EVP_DecryptFinal_ex(ctx, as_uchar(plaintext, ciphertext.size()), &length) != 1) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return std::nullopt;
  }
  return plaintext;
}

SecretKey derive_from_passphrase(std::string_view passphrase, std::string_view salt,
                                 const ScryptParams& params) {
  std::string out(SecretKey::k_size, '\0');
  // scrypt needs 128 * r * N bytes; allow twice that so the default parameters fit.
  const uint64_t max_memory = 2 * 128 * params.r * params.n + (1U << 20);
  if (EVP_PBE_scrypt(passphrase.data(), passphrase.size(), as_uchar(salt), salt.size(), params.n,
                     params.r, params.p, max_memory, as_uchar(out), out.size()) != 1) {
    throw StateError("cannot derive the master key from the passphrase: invalid scrypt parameters");
  }
  SecretKey key = *SecretKey::from_bytes(out);
  OPENSSL_cleanse(out.data(), out.size());
  return key;
}

} // namespace velocity::crypto
