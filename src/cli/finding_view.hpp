#pragma once

// Internal to the cli module: which findings collect, evidence and report show, and how: the
// filters (--severity, --check, --service, --framework, --status) and the accepted risks
// (`velocity accept`, --accept-file) that mark a FAIL accepted.

#include <velocity/cli/context.hpp>
#include <velocity/compliance/acceptance.hpp>
#include <velocity/compliance/library.hpp>
#include <velocity/store/findings.hpp>

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace velocity::cli {

struct FindingViewOptions {
  std::vector<std::string> accept_files;
  std::optional<std::string> severity;
  std::vector<std::string> checks;
  std::optional<std::string> service;
  std::optional<std::string> framework;
  std::optional<std::string> status;
};

// Whether --framework is a filter; `report` has its own --framework, which implies the filter.
enum class FrameworkFilter { yes, no };

// Adds --accept-file and the filters to `command`.
void add_finding_view_options(CLI::App& command, FindingViewOptions& options,
                              FrameworkFilter framework = FrameworkFilter::yes);

// The longest lifetime of an acceptance: the accept_max_days setting, at most a year.
int max_acceptance_days(Context& ctx);

class FindingView {
public:
  // Checks every filter value against the catalogue (exit 2 with the nearest valid one), reads
  // the state's acceptances and the accept files, and prints the files' warnings.
  FindingView(Context& ctx, compliance::Library& library,
              const compliance::CheckCatalogue& catalogue, const FindingViewOptions& options);

  // `finding` with the acceptance in force that covers it, when it fails.
  store::FindingRecord with_acceptance(const store::FindingRecord& finding) const;
  // True when the filters keep `finding` (with its acceptance).
  bool selected(const store::FindingRecord& finding) const;
  // The stored status --status selects (an accepted finding is a stored FAIL), or nothing.
  std::optional<store::Status> stored_status() const;
  // The rules in force.
  const compliance::AcceptRules& rules() const noexcept { return m_rules; }
  time::TimePoint now() const noexcept { return m_now; }

private:
  const compliance::CheckCatalogue& m_catalogue;
  compliance::AcceptRules m_rules;
  time::TimePoint m_now;
  std::optional<store::Severity> m_severity;
  std::vector<std::string> m_checks;
  std::optional<std::string> m_service;
  std::optional<std::string> m_framework;
  std::optional<std::string> m_status; // PASS, FAIL or ACCEPTED
};

// "ACCEPTED" for an accepted FAIL, else the status.
std::string status_text(const store::FindingRecord& finding);

} // namespace velocity::cli
