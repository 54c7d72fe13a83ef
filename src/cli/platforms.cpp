#include "platforms.hpp"

#include "option_values.hpp"

#include <velocity/compliance/finding_json.hpp>
#include <velocity/core/env.hpp>
#include <velocity/core/error.hpp>
#include <velocity/providers/aws/provider.hpp>
#include <velocity/providers/azure/provider.hpp>
#include <velocity/providers/gcp/provider.hpp>
#include <velocity/providers/github/provider.hpp>

#include <fmt/format.h>

#include <map>
#include <memory>

namespace velocity::cli {

const std::vector<const providers::Platform*>& platforms() {
  static const std::vector<const providers::Platform*> all = {
    &providers::aws::platform(), &providers::gcp::platform(), &providers::azure::platform(),
    &providers::github::platform()};
  return all;
}

const providers::Platform& find_platform(std::string_view name) {
  for (const providers::Platform* platform : platforms()) {
    if (platform->name == name) {
      return *platform;
    }
  }
  std::string known;
  for (const providers::Platform* platform : platforms()) {
    known += (known.empty() ? "" : ", ") + platform->name;
  }
  throw UsageError(fmt::format("unknown platform '{}'", name),
                   fmt::format("velocity connects to: {}", known));
}

std::vector<compliance::Evaluator> evaluators() {
  std::vector<compliance::Evaluator> all;
  for (const providers::Platform* platform : platforms()) {
    for (const providers::CheckInfo& check : platform->checks) {
      all.push_back({platform->name, check.id, check.evidence_type});
    }
  }
  return all;
}

const compliance::CheckCatalogue& validated_checks(compliance::Library& library) {
  library.validate_checks(evaluators());
  return library.checks();
}

void add_http_options(CLI::App& command, HttpOptions& options, bool with_jobs) {
  command
    .add_option("--ca-bundle", options.ca_bundle,
                "PEM file of CA certificates to trust (env AWS_CA_BUNDLE); TLS "
                "verification stays on")
    ->option_text("PEM");
  command
    .add_option("--timeout", options.timeout_seconds,
                "seconds one attempt of a call may take (0.1-3600, default 60)")
    ->option_text("SECONDS")
    ->check(within(0.1, 3600));
  command
    .add_option("--retries", options.retries,
                "retries of a throttled or failed call (0-10, default 3)")
    ->option_text("N")
    ->check(within(0, 10));
  if (with_jobs) {
    command.add_option("-j,--jobs", options.jobs, "API calls in flight at once (1-256, default 8)")
      ->option_text("N")
      ->check(within(1, 256));
  }
}

providers::ProviderOptions provider_options(const HttpOptions& options) {
  providers::ProviderOptions result;
  result.client.max_concurrency = static_cast<size_t>(options.jobs);
  result.client.max_retries = options.retries;
  result.client.attempt_timeout =
    std::chrono::milliseconds(static_cast<int64_t>(options.timeout_seconds * 1000));
  result.client.connect_timeout =
    std::min(result.client.connect_timeout, result.client.attempt_timeout);
  result.client.user_agent = "velocity/" VELOCITY_VERSION;
  if (options.ca_bundle) {
    result.client.ca_bundle = *options.ca_bundle;
  } else if (auto bundle = env::get("AWS_CA_BUNDLE")) {
    result.client.ca_bundle = *bundle;
  }
  return result;
}

const nlohmann::json& controls_of(const std::string& check_id) {
  static std::unique_ptr<compliance::Library> library;
  static std::unique_ptr<compliance::CheckControls> controls;
  static const nlohmann::json none = nlohmann::json::array();
  static bool unavailable = false;
  if (unavailable) {
    return none;
  }
  try {
    if (!controls) {
      library = std::make_unique<compliance::Library>(compliance::Library::open(std::nullopt));
      controls = std::make_unique<compliance::CheckControls>(*library);
    }
    return controls->of(check_id);
  } catch (const Error&) {
    unavailable = true; // a broken custom catalogue must not stop collection
    return none;
  }
}

audit::EventInput integration_event(audit::Category category, const char* action,
                                    const std::string& name, nlohmann::json details,
                                    audit::Outcome outcome) {
  return {category, action, "integration", name, outcome, std::move(details)};
}

nlohmann::json finding_json(const store::FindingRecord& finding) {
  return compliance::finding_json(finding, controls_of(finding.check_id));
}

} // namespace velocity::cli
