#include "version.hpp"

#include <velocity/build_info.hpp>
#include <velocity/crypto/library_version.hpp>
#include <velocity/net/library_version.hpp>
#include <velocity/store/library_version.hpp>

#include <fmt/format.h>

namespace velocity::cli {

std::string version_text() {
  return fmt::format("velocity {}\n"
                     "commit:  {}\n"
                     "build:   {}\n"
                     "OpenSSL: {}\n"
                     "libcurl: {}\n"
                     "SQLite:  {}",
                     VELOCITY_VERSION, VELOCITY_GIT_COMMIT, VELOCITY_BUILD_TYPE,
                     crypto::openssl_version(), net::curl_version(), store::sqlite_version());
}

nlohmann::json version_json() {
  return {{"version", VELOCITY_VERSION},       {"commit", VELOCITY_GIT_COMMIT},
          {"build_type", VELOCITY_BUILD_TYPE}, {"openssl", crypto::openssl_version()},
          {"libcurl", net::curl_version()},    {"sqlite", store::sqlite_version()}};
}

} // namespace velocity::cli
