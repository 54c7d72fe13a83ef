#pragma once

#include <velocity/net/client.hpp>

#include <memory>
#include <span>
#include <vector>

namespace velocity::net {

// The HttpClient over libcurl's multi interface. Connections are kept alive and reused between
// requests and batches; TLS peer and host verification are always on; the proxy environment
// variables (https_proxy, no_proxy, ...) apply as in curl.
//
// Safe to share between threads: each concurrent call borrows its own session (a multi handle
// with its easy handles and connection cache) from a pool, so a thread calling alone keeps
// reusing the same connections. The option callbacks may then run on several threads at once.
// Concurrency within a call comes from perform_all(), bounded by max_concurrency.
class CurlHttpClient final : public HttpClient {
public:
  // Throws UsageError when an option is out of range or the CA bundle cannot be read.
  explicit CurlHttpClient(ClientOptions options = {});
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  std::vector<Outcome> perform_all(std::span<const Request> requests) override;

  const ClientOptions& options() const noexcept;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace velocity::net
