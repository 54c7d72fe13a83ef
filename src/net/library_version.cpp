#include <velocity/net/library_version.hpp>

#include <curl/curl.h>

#include <string>

namespace velocity::net {

std::string curl_version() {
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  std::string text = info->version;
  if (info->ssl_version != nullptr) {
    text += std::string(" (") + info->ssl_version + ")";
  }
  return text;
}

} // namespace velocity::net
