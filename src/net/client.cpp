#include <velocity/core/error.hpp>
#include <velocity/net/client.hpp>

#include <stdexcept>

namespace velocity::net {

std::optional<std::chrono::milliseconds> default_retry_classifier(const Response& response) {
  switch (response.status) {
  case 429:
  case 500:
  case 502:
  case 503:
  case 504:
    return std::chrono::milliseconds{0};
  default:
    return std::nullopt;
  }
}

void throw_transport_error(const TransportError& error) {
  if (error.kind == TransportFailure::invalid_request) {
    throw UsageError(error.message);
  }
  std::string help;
  switch (error.kind) {
  case TransportFailure::tls:
    help = "check the server's certificate, or pass --ca-bundle with the CA that signed it";
    break;
  case TransportFailure::dns:
  case TransportFailure::connection_refused:
  case TransportFailure::connect_failed:
    help = "check the endpoint URL, the network and the proxy settings (https_proxy, no_proxy)";
    break;
  default:
    break;
  }
  throw RemoteError(error.message, std::move(help));
}

const Response& Outcome::response() const& {
  if (const auto* error = std::get_if<TransportError>(&m_value)) {
    throw_transport_error(*error);
  }
  return std::get<Response>(m_value);
}

Response&& Outcome::response() && {
  if (const auto* error = std::get_if<TransportError>(&m_value)) {
    throw_transport_error(*error);
  }
  return std::get<Response>(std::move(m_value));
}

const TransportError& Outcome::error() const {
  if (const auto* error = std::get_if<TransportError>(&m_value)) {
    return *error;
  }
  throw std::logic_error("Outcome::error() called on an outcome that holds a response");
}

Response HttpClient::perform(const Request& request) {
  std::vector<Outcome> outcomes = perform_all(std::span<const Request>(&request, 1));
  if (outcomes.size() != 1) {
    throw std::logic_error("HttpClient::perform_all returned the wrong number of outcomes");
  }
  return std::move(outcomes.front()).response();
}

} // namespace velocity::net
