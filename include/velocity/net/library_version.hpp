#pragma once

#include <string>

namespace velocity::net {

// The libcurl velocity runs with, and the TLS library it uses: "8.14.1 (OpenSSL/3.0.17)".
std::string curl_version();

} // namespace velocity::net
