#include <velocity/crypto/library_version.hpp>

#include <openssl/crypto.h>

namespace velocity::crypto {

std::string openssl_version() {
  return OpenSSL_version(OPENSSL_VERSION);
}

} // namespace velocity::crypto
