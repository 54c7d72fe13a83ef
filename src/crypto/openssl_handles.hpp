#pragma once

#include <velocity/core/error.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

// What the crypto sources that call OpenSSL share, private to the module: owners of its handles,
// the byte views its calls take, and the one way a failed call is reported.
namespace velocity::crypto {

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Bio = std::unique_ptr<BIO, BioDeleter>;

inline const unsigned char* as_uchar(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

inline unsigned char* as_uchar(std::string& s, std::size_t offset = 0) {
  return reinterpret_cast<unsigned char*>(s.data() + offset);
}

// OpenSSL failed where velocity's input cannot be the cause. Its error queue is cleared so that
// the next call on this thread does not report a stale error.
[[noreturn]] inline void fail(const char* what) {
  ERR_clear_error();
  throw Error(ExitCode::state, std::string("OpenSSL failed: ") + what);
}

} // namespace velocity::crypto
