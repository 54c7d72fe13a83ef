#pragma once

#include <string>

namespace velocity::crypto {

// The OpenSSL velocity runs with (not the headers it was built against): "OpenSSL 3.0.17 1 Jul
// 2025", as `velocity --version` prints it.
std::string openssl_version();

} // namespace velocity::crypto
