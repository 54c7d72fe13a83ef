// Responses of the GitHub, Google Cloud and Azure REST APIs: a collection runs against a fake
// HTTP client that answers every call with the input (the first byte picks the platform), so
// the providers' own response parsing and the checks over what they build are what is fuzzed.
#include "fuzz_support.hpp"

#include <velocity/core/fs.hpp>
#include <velocity/providers/azure/provider.hpp>
#include <velocity/providers/gcp/provider.hpp>
#include <velocity/providers/github/provider.hpp>

#include <vector>

using namespace velocity;

namespace {

// Answers the first calls with the input and the rest with 404, so that a body that always names
// a next page cannot page forever.
class InputClient : public net::HttpClient {
public:
  explicit InputClient(std::string body) : m_body(std::move(body)) {}

  std::vector<net::Outcome> perform_all(std::span<const net::Request> requests) override {
    std::vector<net::Outcome> outcomes;
    for (size_t i = 0; i < requests.size(); ++i) {
      net::Response response;
      response.attempts = 1;
      response.headers = {{"Content-Type", "application/json"}};
      if (m_calls++ < k_answered_calls) {
        response.status = 200;
        response.body = m_body;
      } else {
        response.status = 404;
        response.body = R"({"message":"Not Found"})";
      }
      outcomes.emplace_back(std::move(response));
    }
    return outcomes;
  }

private:
  static constexpr int k_answered_calls = 48;
  std::string m_body;
  int m_calls = 0;
};

class DiscardSink : public providers::CollectionSink {
public:
  void on_part(providers::Batch) override {}
  void on_batch(providers::Batch) override {}
};

providers::IntegrationConfig config_for(uint8_t selector) {
  constexpr const char* k_local = "http://127.0.0.1:9";
  switch (selector % 3) {
  case 0: {
    providers::github::Settings settings;
    settings.org = "acme";
    settings.api_url = k_local;
    settings.max_wait_seconds = 0;
    return {"fuzz", "github", settings.to_json(), "ghp_fuzz"};
  }
  case 1: {
    static const std::string key =
      fs::read_file(VELOCITY_TESTS_DIR "/fakes/keys/gcp-sa.json", size_t{1} << 20);
    providers::gcp::Settings settings;
    settings.project_id = "fuzz-project";
    settings.token_uri = std::string(k_local) + "/token";
    settings.api_endpoint = k_local;
    return {"fuzz", "gcp", settings.to_json(), key};
  }
  default: {
    providers::azure::Settings settings;
    settings.tenant_id = "00000000-0000-0000-0000-000000000000";
    settings.client_id = "11111111-1111-1111-1111-111111111111";
    settings.subscription_id = "22222222-2222-2222-2222-222222222222";
    nlohmann::json json = settings.to_json();
    json["arm_endpoint"] = k_local;
    json["authority_host"] = k_local;
    return {"fuzz", "azure", json, "fuzz-secret"};
  }
  }
}

const providers::Platform& platform_for(uint8_t selector) {
  switch (selector % 3) {
  case 0:
    return providers::github::platform();
  case 1:
    return providers::gcp::platform();
  default:
    return providers::azure::platform();
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const providers::Platform& platform = platform_for(data[0]);
  providers::ProviderOptions options;
  options.http = std::make_shared<InputClient>(std::string(fuzz::as_text(data + 1, size - 1)));
  options.max_wait = std::chrono::seconds(0);
  fuzz::refuse_cleanly([&] {
    const auto provider = platform.open(config_for(data[0]), options);
    DiscardSink sink;
    try {
      provider->collect(platform.select_types({}), sink);
    } catch (const nlohmann::json::exception&) {
      // collect_integration turns a field of an unexpected type into a RemoteError (exit 6)
      // for that integration; what is left to find here are crashes and other exceptions.
    }
  });
  return 0;
}
