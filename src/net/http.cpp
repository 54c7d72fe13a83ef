#include <velocity/net/http.hpp>

#include <array>
#include <cstddef>

namespace velocity::net {

namespace {

char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool icontains(std::string_view haystack, std::string_view needle) noexcept {
  if (needle.size() > haystack.size()) {
    return false;
  }
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (iequals(haystack.substr(i, needle.size()), needle)) {
      return true;
    }
  }
  return false;
}

// Query parameter names whose values are credentials: presigned-URL signatures and security
// tokens, OAuth tokens, API keys.
bool is_secret_parameter(std::string_view name) noexcept {
  constexpr std::array<std::string_view, 7> k_secret_words = {
    "signature", "token", "key", "secret", "password", "credential", "auth"};
  for (std::string_view word : k_secret_words) {
    if (icontains(name, word)) {
      return true;
    }
  }
  return false;
}

std::string redact_query(std::string_view query) {
  std::string out;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) {
      end = query.size();
    }
    std::string_view pair = query.substr(start, end - start);
    size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    if (start > 0) {
      out += '&';
    }
    if (eq != std::string_view::npos && is_secret_parameter(name)) {
      out += name;
      out += "=REDACTED";
    } else {
      out += pair;
    }
    start = end + 1;
  }
  return out;
}

// The authority of `url` ("user@host:port") and where it starts, or npos when there is none.
std::pair<size_t, size_t> authority_span(std::string_view url) noexcept {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return {std::string_view::npos, 0};
  }
  size_t start = scheme_end + 3;
  size_t end = url.find_first_of("/?#", start);
  if (end == std::string_view::npos) {
    end = url.size();
  }
  return {start, end - start};
}

} // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) {
      return false;
    }
  }
  return true;
}

std::optional<std::string> Response::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) {
      return value;
    }
  }
  return std::nullopt;
}

std::vector<std::string> Response::header_values(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) {
      values.push_back(value);
    }
  }
  return values;
}

std::string redact_url(std::string_view url) {
  std::string out;
  auto [auth_start, auth_size] = authority_span(url);
  if (auth_start != std::string_view::npos) {
    std::string_view authority = url.substr(auth_start, auth_size);
    size_t at = authority.rfind('@');
    out.append(url.substr(0, auth_start));
    out.append(at == std::string_view::npos ? authority : authority.substr(at + 1));
    url.remove_prefix(auth_start + auth_size);
  }
  size_t fragment = url.find('#');
  if (fragment != std::string_view::npos) {
    url = url.substr(0, fragment);
  }
  size_t query = url.find('?');
  if (query == std::string_view::npos) {
    out.append(url);
    return out;
  }
  out.append(url.substr(0, query + 1));
  out.append(redact_query(url.substr(query + 1)));
  return out;
}

bool is_http_url(std::string_view url) noexcept {
  return url.starts_with("https://") || url.starts_with("http://");
}

std::string uri_encode(std::string_view bytes, SlashEncoding slash) {
  static constexpr std::string_view k_hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 3);
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved || (c == '/' && slash == SlashEncoding::keep)) {
      out.push_back(c);
      continue;
    }
    out.push_back('%');
    out.push_back(k_hex[byte >> 4]);
    out.push_back(k_hex[byte & 0x0f]);
  }
  return out;
}

std::string url_host(std::string_view url) {
  auto [auth_start, auth_size] = authority_span(url);
  if (auth_start == std::string_view::npos) {
    return {};
  }
  std::string_view host = url.substr(auth_start, auth_size);
  size_t at = host.rfind('@');
  if (at != std::string_view::npos) {
    host.remove_prefix(at + 1);
  }
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    return std::string(host.substr(0, close == std::string_view::npos ? host.size() : close + 1));
  }
  return std::string(host.substr(0, host.find(':')));
}

} // namespace velocity::net
