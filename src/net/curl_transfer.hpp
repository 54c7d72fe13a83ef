#pragma once

#include "curl_handles.hpp"

#include <velocity/net/client.hpp>

#include <array>
#include <cstddef>
#include <optional>
#include <string>

// One attempt of one request on an easy handle: setting it up, collecting what arrives, and
// naming what went wrong. Private to the net module.
namespace velocity::net::detail {

// What libcurl writes into during an attempt. Its address is handed to libcurl's callbacks and
// CURLOPT_PRIVATE, so it must not move while the attempt runs.
struct Transfer {
  size_t job = 0;
  EasyHandle easy;
  HeaderList request_headers;
  Headers headers;
  std::string body;
  size_t header_bytes = 0;
  size_t max_body_bytes = 0;
  bool body_too_large = false;
  bool headers_too_large = false;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};
};

// Why an attempt got no response, and whether another attempt could help.
struct Failure {
  TransportFailure kind = TransportFailure::other;
  std::string cause;
  bool retryable = false;
};

// Sets `transfer.easy` up to send `request` under `options`. Returns a failure (never
// retryable) for a request that cannot be sent as given, e.g. a line break in a header.
std::optional<Failure> configure(Transfer& transfer, const Request& request,
                                 const ClientOptions& options);

// Names the failure of a finished attempt whose libcurl result is `code`, or nothing when a
// response arrived.
std::optional<Failure> classify(CURLcode code, const Transfer& transfer, const Request& request,
                                const ClientOptions& options);

// "GET https://host/path: <cause> (after 3 attempts)", with credentials removed from the URL.
std::string failure_message(const Request& request, const std::string& cause, int attempts);

} // namespace velocity::net::detail
