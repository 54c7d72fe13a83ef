// CurlHttpClient over HTTPS against fault_server.py with a throwaway self-signed certificate:
// verification is on by default, a CA bundle makes the certificate trusted, and the host name
// is still checked.

#include "test_net_fault_server.hpp"

#include <velocity/core/error.hpp>
#include <velocity/net/curl_client.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using velocity::net::ClientOptions;
using velocity::net::CurlHttpClient;
using velocity::net::Request;
using velocity::net::testing::FaultServer;

namespace {

// A temporary directory holding a self-signed certificate for 127.0.0.1 (IP SAN only).
class SelfSignedCertificate {
public:
  SelfSignedCertificate() {
    std::string pattern = (std::filesystem::temp_directory_path() / "velocity-tls-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    m_dir = pattern;
    std::string command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
                          "-nodes -days 2 -subj /CN=127.0.0.1 "
                          "-addext subjectAltName=IP:127.0.0.1 -keyout '" +
                          key().string() + "' -out '" + cert().string() + "' 2>/dev/null";
    m_ok = std::system(command.c_str()) == 0 && std::filesystem::exists(cert());
  }
  ~SelfSignedCertificate() {
    std::error_code ignored;
    std::filesystem::remove_all(m_dir, ignored);
  }
  SelfSignedCertificate(const SelfSignedCertificate&) = delete;
  SelfSignedCertificate& operator=(const SelfSignedCertificate&) = delete;

  bool ok() const { return m_ok; }
  std::filesystem::path cert() const { return m_dir / "cert.pem"; }
  std::filesystem::path key() const { return m_dir / "key.pem"; }

private:
  std::filesystem::path m_dir;
  bool m_ok = false;
};

std::string tls_error(CurlHttpClient& client, const std::string& url) {
  try {
    client.perform(Request{.method = "GET", .url = url});
    FAIL("expected a RemoteError");
  } catch (const velocity::RemoteError& error) {
    return error.what();
  }
  return {};
}

// One certificate and one HTTPS server for every subcase: each costs about a second to make.
struct TlsFixture {
  SelfSignedCertificate certificate;
  std::optional<FaultServer> server;

  TlsFixture() {
    if (certificate.ok()) {
      server.emplace(60, std::vector<std::string>{"--tls-cert", certificate.cert().string(),
                                                  "--tls-key", certificate.key().string()});
    }
  }
};

TlsFixture& tls_fixture() {
  static TlsFixture fixture;
  return fixture;
}

} // namespace

TEST_CASE("CurlHttpClient::perform over TLS") {
  TlsFixture& fixture = tls_fixture();
  if (!fixture.server) {
    MESSAGE("skipped: the openssl command cannot make a test certificate");
    return;
  }
  const SelfSignedCertificate& certificate = fixture.certificate;
  FaultServer& server = *fixture.server;
  ClientOptions options;
  options.backoff_base = 10ms;
  options.backoff_cap = 20ms;

  SUBCASE("an untrusted certificate is refused, without retrying") {
    CurlHttpClient client(options);
    int attempts = 0;
    std::string url = server.https_url("127.0.0.1", "/ok?key=untrusted");
    try {
      client.perform(Request{.method = "GET", .url = url});
      FAIL("expected a RemoteError");
    } catch (const velocity::RemoteError& error) {
      std::string message = error.what();
      CHECK(message.find("TLS verification failed") != std::string::npos);
      CHECK(message.find("(after 1 attempt)") != std::string::npos);
      CHECK(error.help().find("--ca-bundle") != std::string::npos);
      attempts = 1;
    }
    CHECK(attempts == 1);
  }

  SUBCASE("the CA bundle option makes it trusted") {
    options.ca_bundle = certificate.cert();
    CurlHttpClient client(options);
    auto response =
      client.perform(Request{.method = "GET", .url = server.https_url("127.0.0.1", "/echo")});
    CHECK(response.status == 200);
    CHECK(response.body.find(R"("method": "GET")") != std::string::npos);
  }

  SUBCASE("a trusted certificate for another host name is still refused") {
    options.ca_bundle = certificate.cert();
    options.max_retries = 0;
    CurlHttpClient client(options);
    std::string message = tls_error(client, server.https_url("localhost", "/ok"));
    CHECK(message.find("TLS verification failed") != std::string::npos);
  }
}
