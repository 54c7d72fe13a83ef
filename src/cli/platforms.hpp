#pragma once

// Internal to the cli module: the platforms velocity can connect to, and what the connect,
// collect and evidence commands share.

#include <velocity/audit/event.hpp>
#include <velocity/cli/context.hpp>
#include <velocity/compliance/library.hpp>
#include <velocity/providers/provider.hpp>
#include <velocity/store/findings.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace velocity::cli {

// Every platform, in the order `connect --help` lists them. GCP, Azure and GitHub add theirs.
const std::vector<const providers::Platform*>& platforms();

// The platform called `name`; throws UsageError listing the known ones.
const providers::Platform& find_platform(std::string_view name);

// Every check the platforms evaluate, for checking the check catalogue against.
std::vector<compliance::Evaluator> evaluators();
// The check catalogue of `library`, checked against the evaluators: an entry without an
// evaluator or an evaluator without an entry is a UsageError (exit 2) naming file and line.
const compliance::CheckCatalogue& validated_checks(compliance::Library& library);

// HTTP settings the commands that call a platform share.
struct HttpOptions {
  std::optional<std::string> ca_bundle;
  double timeout_seconds = 60;
  int retries = 3;
  int jobs = 8;
};

// Adds --ca-bundle, --timeout and --retries (and --jobs when `with_jobs`) to `command`.
void add_http_options(CLI::App& command, HttpOptions& options, bool with_jobs);

// The provider options for `options`: AWS_CA_BUNDLE when --ca-bundle is not given.
providers::ProviderOptions provider_options(const HttpOptions& options);

// A finding as JSON (compliance::finding_json) with the framework controls of the built-in or
// $VELOCITY_FRAMEWORKS_DIR catalogues.
nlohmann::json finding_json(const store::FindingRecord& finding);

// An audit event about integration `name` (never with a secret in `details`).
audit::EventInput integration_event(audit::Category category, const char* action,
                                    const std::string& name,
                                    nlohmann::json details = nlohmann::json::object(),
                                    audit::Outcome outcome = audit::Outcome::success);

// The framework controls a check tests, with why, as its catalogue entry lists them
// (compliance::CheckControls), or none when the catalogues cannot be read.
const nlohmann::json& controls_of(const std::string& check_id);

} // namespace velocity::cli
