#include "finding_view.hpp"

#include "option_values.hpp"

#include <velocity/compliance/config.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/suggest.hpp>
#include <velocity/store/acceptances.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace velocity::cli {

namespace {

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

} // namespace

void add_finding_view_options(CLI::App& command, FindingViewOptions& options,
                              FrameworkFilter framework) {
  command
    .add_option("--accept-file", options.accept_files,
                "accepted risks from FILE, velocity's shape or a Prowler mutelist "
                "(docs/accept-files.md); repeatable")
    ->option_text("FILE");
  command.add_option("--severity", options.severity, "only findings of this severity and above")
    ->option_text("SEVERITY");
  command.add_option("--check", options.checks, "only these check ids, comma-separated")
    ->option_text("ID[,ID]");
  command.add_option("--service", options.service, "only checks of this service (s3, iam ...)")
    ->option_text("SERVICE");
  if (framework == FrameworkFilter::yes) {
    command
      .add_option("--framework", options.framework,
                  "only checks mapped to this framework's controls")
      ->option_text("FRAMEWORK");
  }
  command
    .add_option("--status", options.status,
                "only PASS, FAIL (accepted ones too) or ACCEPTED findings")
    ->option_text("PASS|FAIL|ACCEPTED");
}

int max_acceptance_days(Context& ctx) {
  const auto setting = ctx.settings().find("accept_max_days");
  if (!setting) {
    return compliance::k_max_acceptance_days;
  }
  const int days = static_cast<int>(compliance::setting_number(setting->value));
  if (days < 1 || days > compliance::k_max_acceptance_days) {
    throw UsageError(fmt::format("accept_max_days {} ({}): must be from 1 to {}", setting->value,
                                 setting->where, compliance::k_max_acceptance_days),
                     "an acceptance lasts a year at most; set a lower value or remove it");
  }
  return days;
}

FindingView::FindingView(Context& ctx, compliance::Library& library,
                         const compliance::CheckCatalogue& catalogue,
                         const FindingViewOptions& options)
  : m_catalogue(catalogue),
    m_now(time::now()) {
  std::vector<std::string> ids;
  std::vector<std::string> services;
  for (const compliance::Check& check : catalogue.checks) {
    ids.push_back(check.id);
    services.push_back(check.service);
  }
  if (options.severity) {
    m_severity = severity_value("--severity", *options.severity);
  }
  for (const std::string& id : split_comma_lists(options.checks)) {
    m_checks.push_back(require_one_of("--check", "id", id, ids));
  }
  if (options.service) {
    m_service = require_one_of("--service", "service", *options.service, services);
  }
  if (options.framework) {
    library.require_framework(*options.framework);
    m_framework = options.framework;
  }
  if (options.status) {
    const std::string status = upper(*options.status);
    if (status != "PASS" && status != "FAIL" && status != "ACCEPTED") {
      const std::string guess = suggest::closest(status, {"PASS", "FAIL", "ACCEPTED"});
      throw UsageError(fmt::format("--status {} is not PASS, FAIL or ACCEPTED{}", *options.status,
                                   guess.empty() ? "" : fmt::format(" (did you mean {}?)", guess)));
    }
    m_status = status;
  }
  for (const store::AcceptanceRecord& record :
       store::list_acceptances(ctx.state().db(), ctx.org())) {
    if (!record.revoked_at) {
      m_rules.add(compliance::rule_of(record));
    }
  }
  const int max_days = options.accept_files.empty() ? 0 : max_acceptance_days(ctx);
  for (const std::string& path : options.accept_files) {
    compliance::AcceptFile file = compliance::read_accept_file(path, ids, m_now, max_days);
    for (const std::string& warning : file.warnings) {
      ctx.out().warn(warning);
    }
    for (compliance::AcceptRule& rule : file.rules) {
      m_rules.add(std::move(rule));
    }
  }
}

store::FindingRecord FindingView::with_acceptance(const store::FindingRecord& finding) const {
  store::FindingRecord shown = finding;
  shown.acceptance = m_rules.covering(finding, m_now);
  return shown;
}

bool FindingView::selected(const store::FindingRecord& finding) const {
  if (m_severity && finding.severity < *m_severity) {
    return false;
  }
  if (!m_checks.empty() &&
      std::find(m_checks.begin(), m_checks.end(), finding.check_id) == m_checks.end()) {
    return false;
  }
  if (m_service || m_framework) {
    const compliance::Check* check = m_catalogue.find(finding.check_id);
    if (check == nullptr || (m_service && check->service != *m_service) ||
        (m_framework && check->controls_in(*m_framework).empty())) {
      return false;
    }
  }
  if (m_status) {
    if (*m_status == "ACCEPTED") {
      return finding.acceptance.has_value();
    }
    return *m_status == store::to_string(finding.status);
  }
  return true;
}

std::optional<store::Status> FindingView::stored_status() const {
  if (!m_status) {
    return std::nullopt;
  }
  return *m_status == "PASS" ? store::Status::pass : store::Status::fail;
}

std::string status_text(const store::FindingRecord& finding) {
  return finding.acceptance ? "ACCEPTED" : std::string(store::to_string(finding.status));
}

} // namespace velocity::cli
