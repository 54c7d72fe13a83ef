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

const unsigned char* as_uchar(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

unsigned char* as_uchar(std::string& s, size_t offset = 0) {
  return reinterpret_cast<unsigned char*>(s.data() + offset);
}

[[noreturn]] void fail(const char* what) {
  throw Error(ExitCode::state, std::string("OpenSSL failed: ") + what);
}

CipherCtx new_context() {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) {
    fail("cipher context");
  }
  return ctx;
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

SecretKey::~SecretKey() { OPENSSL_cleanse(m_bytes.data(), m_bytes.size()); }

std::string seal(const SecretKey& key, std::string_view plaintext, std::string_view aad) {
  std::string out(k_nonce_size + plaintext.size() + k_tag_size, '\0');
  const std::string nonce = random_bytes(k_nonce_size);
  std::copy(nonce.begin(), nonce.end(), out.begin());

  CipherCtx ctx = new_context();
  int length = 0;
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, as_uchar(key.bytes()),
                         as_uchar(nonce)) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &length, as_uchar(aad), static_cast<int>(aad.size())) !=
        1 ||
      EVP_EncryptUpdate(ctx.get(), as_uchar(out, k_nonce_size), &length, as_uchar(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), as_uchar(out, k_nonce_size + plaintext.size()), &length) !=
        1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(k_tag_size),
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

  CipherCtx ctx = new_context();
  int length = 0;
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, as_uchar(key.bytes()),
                         as_uchar(nonce)) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &length, as_uchar(aad), static_cast<int>(aad.size())) !=
        1 ||
      EVP_DecryptUpdate(ctx.get(), as_uchar(plaintext), &length, as_uchar(ciphertext),
                        static_cast<int>(ciphertext.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(k_tag_size),
                          tag.data()) != 1) {
    fail("AES-256-GCM decryption");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), as_uchar(plaintext, ciphertext.size()), &length) != 1) {
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
