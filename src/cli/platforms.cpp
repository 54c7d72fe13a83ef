#include "platforms.hpp"

#include "option_values.hpp"

#include <velocity/compliance/library.hpp>
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

nlohmann::json controls_of(const std::string& check_id) {
  static std::map<std::string, nlohmann::json> cache;
  static std::unique_ptr<compliance::Library> library;
  static bool unavailable = false;
  if (auto found = cache.find(check_id); found != cache.end()) {
    return found->second;
  }
  nlohmann::json controls = nlohmann::json::array();
  if (!unavailable) {
    try {
      if (!library) {
        library = std::make_unique<compliance::Library>(compliance::Library::open(std::nullopt));
      }
      for (const compliance::CheckMapping& mapping : library->controls_for_check(check_id)) {
        controls.push_back(
          {{"framework", mapping.framework}, {"control", mapping.control}, {"why", mapping.why}});
      }
    } catch (const Error&) {
      unavailable = true; // a broken custom catalogue must not stop collection
    }
  }
  cache[check_id] = controls;
  return controls;
}

audit::EventInput integration_event(audit::Category category, const char* action,
                                    const std::string& name, nlohmann::json details,
                                    audit::Outcome outcome) {
  return {category, action, "integration", name, outcome, std::move(details)};
}

nlohmann::json finding_json(const store::FindingRecord& finding) {
  auto optional = [](const std::optional<std::string>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
  };
  return {{"id", finding.id},
          {"evidence_id",
           finding.evidence_id ? nlohmann::json(*finding.evidence_id) : nlohmann::json(nullptr)},
          {"integration", finding.integration},
          {"platform", finding.platform},
          {"evidence_type", finding.evidence_type},
          {"check_id", finding.check_id},
          {"severity", finding.severity},
          {"status", finding.status},
          {"resource_id", finding.resource_id},
          {"account_id", finding.account_id},
          {"region", finding.region},
          {"reason", finding.reason},
          {"first_seen_at", finding.first_seen_at},
          {"first_failed_at", optional(finding.first_failed_at)},
          {"last_seen_at", finding.last_seen_at},
          {"passed_again_at", optional(finding.passed_again_at)},
          {"controls", controls_of(finding.check_id)}};
}

} // namespace velocity::cli
