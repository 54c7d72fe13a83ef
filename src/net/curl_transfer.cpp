#include "curl_transfer.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>

namespace velocity::net::detail {

namespace {

// Response headers beyond this are a broken or hostile server, not an API.
constexpr size_t k_max_header_bytes = size_t{1} << 20;

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                           text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t bytes = size * count;
  if (bytes > transfer->max_body_bytes - transfer->body.size()) {
    transfer->body_too_large = true;
    return 0; // Anything but `bytes` makes libcurl stop with CURLE_WRITE_ERROR.
  }
  transfer->body.append(data, bytes);
  return bytes;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t bytes = size * count;
  transfer->header_bytes += bytes;
  if (transfer->header_bytes > k_max_header_bytes) {
    transfer->headers_too_large = true;
    return 0;
  }
  std::string_view line(data, bytes);
  if (line.starts_with("HTTP/")) {
    // A new status line: what came before was a 100 Continue or a proxy's CONNECT answer.
    transfer->headers.clear();
    return bytes;
  }
  if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
    // An obsolete folded continuation line belongs to the previous header.
    if (!transfer->headers.empty()) {
      transfer->headers.back().second += ' ';
      transfer->headers.back().second += trim(line);
    }
    return bytes;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    return bytes; // The blank line ending the headers, or garbage: neither is a field.
  }
  transfer->headers.emplace_back(std::string(trim(line.substr(0, colon))),
                                 std::string(trim(line.substr(colon + 1))));
  return bytes;
}

bool has_line_break(std::string_view text) noexcept {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

bool has_header(const Request& request, std::string_view name) noexcept {
  for (const auto& [key, value] : request.headers) {
    if (iequals(key, name)) {
      return true;
    }
  }
  return false;
}

// Applies every option or reports the first that libcurl refused.
class Setter {
public:
  explicit Setter(CURL* easy) : m_easy(easy) {}

  template <typename T> Setter& set(CURLoption option, T value) {
    if (m_result == CURLE_OK) {
      m_result = curl_easy_setopt(m_easy, option, value);
    }
    return *this;
  }
  CURLcode result() const noexcept { return m_result; }

private:
  CURL* m_easy;
  CURLcode m_result = CURLE_OK;
};

std::string attempts_text(int attempts) {
  return std::to_string(attempts) + (attempts == 1 ? " attempt" : " attempts");
}

std::string detail_or(const Transfer& transfer, CURLcode code) {
  if (transfer.error_buffer[0] != '\0') {
    return std::string(trim(transfer.error_buffer.data()));
  }
  return curl_easy_strerror(code);
}

// Why `url` may not be sent: plain http:// to a host that is not this machine would put the
// request's credential on the network in cleartext.
std::optional<std::string> cleartext_reason(const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parsed(curl_url(), &curl_url_cleanup);
  if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return std::nullopt; // libcurl reports the malformed URL itself
  }
  char* scheme = nullptr;
  char* host = nullptr;
  curl_url_get(parsed.get(), CURLUPART_SCHEME, &scheme, 0);
  curl_url_get(parsed.get(), CURLUPART_HOST, &host, 0);
  const std::string scheme_text = scheme != nullptr ? scheme : "";
  const std::string host_text = host != nullptr ? host : "";
  curl_free(scheme);
  curl_free(host);
  if (scheme_text != "http") {
    return std::nullopt;
  }
  const bool loopback = host_text == "localhost" || host_text.starts_with("127.") ||
                        host_text == "[::1]" || host_text == "::1";
  if (loopback) {
    return std::nullopt;
  }
  return "refused to send credentials in cleartext to http://" + host_text +
         " (not this machine): use https://, or connect the integration again with "
         "--allow-insecure-http if this network is trusted";
}

} // namespace

std::optional<Failure> configure(Transfer& transfer, const Request& request,
                                 const ClientOptions& options) {
  CURL* easy = transfer.easy.get();
  // A reset easy handle keeps its connection and TLS session caches but no option of the
  // previous request, so nothing leaks from one request to the next.
  curl_easy_reset(easy);
  transfer.max_body_bytes = options.max_body_bytes;

  bool method_ok = !request.method.empty() &&
                   std::all_of(request.method.begin(), request.method.end(),
                               [](char c) { return (c >= 'A' && c <= 'Z') || c == '-'; });
  if (!method_ok) {
    return Failure{TransportFailure::invalid_request, "invalid HTTP method", false};
  }
  if (!options.allow_insecure_http) {
    if (auto reason = cleartext_reason(request.url)) {
      return Failure{TransportFailure::invalid_request, std::move(*reason), false};
    }
  }
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || has_line_break(name) || has_line_break(value) ||
        name.find(':') != std::string::npos) {
      return Failure{TransportFailure::invalid_request,
                     "invalid header name or value for header '" +
                       (has_line_break(name) ? std::string("?") : name) + "'",
                     false};
    }
    // "Name;" is libcurl's spelling of a header sent with an empty value ("Name:" removes it).
    transfer.request_headers.append(value.empty() ? name + ";" : name + ": " + value);
  }
  // libcurl would otherwise add these on its own: "Expect: 100-continue" costs a round trip on
  // large bodies, and a form Content-Type would be wrong for XML or JSON bodies.
  if (!has_header(request, "Expect")) {
    transfer.request_headers.append("Expect:");
  }
  if (!has_header(request, "Content-Type")) {
    transfer.request_headers.append("Content-Type:");
  }

  auto timeout = request.timeout.value_or(options.attempt_timeout);
  Setter set(easy);
  set.set(CURLOPT_URL, request.url.c_str())
    .set(CURLOPT_PROTOCOLS_STR, "http,https")
    .set(CURLOPT_NOSIGNAL, 1L)
    .set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1))
    .set(CURLOPT_TCP_KEEPALIVE, 1L)
    .set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()))
    .set(CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()))
    // These are libcurl's defaults; set anyway so no code path can ever run without them.
    .set(CURLOPT_SSL_VERIFYPEER, 1L)
    .set(CURLOPT_SSL_VERIFYHOST, 2L)
    .set(CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2))
    .set(CURLOPT_USERAGENT, options.user_agent.c_str())
    .set(CURLOPT_ACCEPT_ENCODING, "")
    .set(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_body_bytes))
    .set(CURLOPT_WRITEFUNCTION, &on_body)
    .set(CURLOPT_WRITEDATA, static_cast<void*>(&transfer))
    .set(CURLOPT_HEADERFUNCTION, &on_header)
    .set(CURLOPT_HEADERDATA, static_cast<void*>(&transfer))
    .set(CURLOPT_ERRORBUFFER, transfer.error_buffer.data())
    .set(CURLOPT_PRIVATE, static_cast<void*>(&transfer))
    .set(CURLOPT_HTTPHEADER, transfer.request_headers.get());
  if (options.ca_bundle) {
    set.set(CURLOPT_CAINFO, options.ca_bundle->c_str());
  }
  if (request.method == "GET" && request.body.empty()) {
    set.set(CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    set.set(CURLOPT_NOBODY, 1L);
  } else {
    // Any other verb sends the body as given (possibly empty, with Content-Length: 0).
    set.set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()))
      .set(CURLOPT_POSTFIELDS, request.body.data());
    if (request.method != "POST") {
      set.set(CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  }
  if (set.result() != CURLE_OK) {
    return Failure{TransportFailure::invalid_request,
                   std::string("cannot set up the request: ") + curl_easy_strerror(set.result()),
                   false};
  }
  return std::nullopt;
}

std::optional<Failure> classify(CURLcode code, const Transfer& transfer, const Request& request,
                                const ClientOptions& options) {
  CURL* easy = transfer.easy.get();
  switch (code) {
  case CURLE_OK:
    return std::nullopt;
  case CURLE_COULDNT_RESOLVE_HOST:
    return Failure{TransportFailure::dns,
                   "cannot resolve host " + url_host(request.url) + " (DNS lookup failed)", true};
  case CURLE_COULDNT_RESOLVE_PROXY:
    return Failure{TransportFailure::dns, "cannot resolve the proxy's host (DNS lookup failed)",
                   true};
  case CURLE_COULDNT_CONNECT: {
    long os_errno = 0;
    curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
    if (os_errno == ECONNREFUSED) {
      return Failure{TransportFailure::connection_refused, "connection refused", true};
    }
    std::string reason =
      os_errno != 0 ? std::strerror(static_cast<int>(os_errno)) : detail_or(transfer, code);
    return Failure{TransportFailure::connect_failed,
                   "cannot connect to " + url_host(request.url) + ": " + reason, true};
  }
  case CURLE_OPERATION_TIMEDOUT: {
    curl_off_t connected_us = 0;
    curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connected_us);
    if (connected_us == 0) {
      return Failure{TransportFailure::timeout,
                     "timed out connecting to " + url_host(request.url) + " after " +
                       std::to_string(options.connect_timeout.count()) + " ms",
                     true};
    }
    auto timeout = request.timeout.value_or(options.attempt_timeout);
    return Failure{
      TransportFailure::timeout,
      "timed out: no complete response within " + std::to_string(timeout.count()) + " ms", true};
  }
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
    return Failure{TransportFailure::reset, "connection reset (" + detail_or(transfer, code) + ")",
                   true};
  case CURLE_GOT_NOTHING:
    return Failure{TransportFailure::reset, "server closed the connection without a response",
                   true};
  case CURLE_PARTIAL_FILE: {
    curl_off_t received = 0;
    curl_off_t expected = -1;
    curl_easy_getinfo(easy, CURLINFO_SIZE_DOWNLOAD_T, &received);
    curl_easy_getinfo(easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &expected);
    std::string sizes = expected >= 0 ? ": received " + std::to_string(received) + " of " +
                                          std::to_string(expected) + " bytes"
                                      : "";
    return Failure{TransportFailure::truncated, "response body truncated" + sizes, true};
  }
  case CURLE_FILESIZE_EXCEEDED:
  case CURLE_WRITE_ERROR:
    if (transfer.headers_too_large) {
      return Failure{TransportFailure::body_too_large, "response headers larger than 1 MiB", false};
    }
    return Failure{TransportFailure::body_too_large,
                   "response body larger than the limit of " +
                     std::to_string(options.max_body_bytes) + " bytes",
                   false};
  case CURLE_SSL_CONNECT_ERROR:
    // Also what a reset during the handshake looks like, so worth another attempt.
    return Failure{TransportFailure::tls,
                   "TLS handshake failed (" + detail_or(transfer, code) + ")", true};
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_CRL_BADFILE:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_INVALIDCERTSTATUS:
  case CURLE_SSL_ENGINE_INITFAILED:
  case CURLE_SSL_ENGINE_NOTFOUND:
  case CURLE_SSL_ENGINE_SETFAILED:
  case CURLE_USE_SSL_FAILED:
    return Failure{TransportFailure::tls,
                   "TLS verification failed (" + detail_or(transfer, code) + ")", false};
  case CURLE_URL_MALFORMAT:
  case CURLE_UNSUPPORTED_PROTOCOL:
    return Failure{TransportFailure::invalid_request,
                   "invalid or unsupported URL (" + detail_or(transfer, code) + ")", false};
  default:
    return Failure{TransportFailure::other, detail_or(transfer, code), false};
  }
}

std::string failure_message(const Request& request, const std::string& cause, int attempts) {
  return request.method + " " + redact_url(request.url) + ": " + cause + " (after " +
         attempts_text(attempts) + ")";
}

} // namespace velocity::net::detail
