// OCSF 1.3.0 Detection Findings (class 2004), the class Prowler's json-ocsf writes and AWS
// Security Hub reads; the class and object definitions the tests check them against are in
// tests/data/ocsf/. Like Prowler: a JSON array, every finding (PASS and FAIL), an accepted FAIL
// with status Suppressed.

#include <velocity/core/time.hpp>
#include <velocity/report/finding_formats.hpp>

#include <fmt/format.h>

namespace velocity::report {

namespace {

using nlohmann::json;

constexpr std::string_view k_ocsf_version = "1.3.0";
constexpr int k_category_findings = 2;
constexpr int k_class_detection_finding = 2004;
constexpr int k_activity_create = 1;
constexpr int k_status_new = 1;
constexpr int k_status_suppressed = 3;

// OCSF severity_id: 2 Low, 3 Medium, 4 High, 5 Critical.
std::pair<int, std::string_view> severity_of(store::Severity severity) {
  switch (severity) {
  case store::Severity::critical:
    return {5, "Critical"};
  case store::Severity::high:
    return {4, "High"};
  case store::Severity::medium:
    return {3, "Medium"};
  case store::Severity::low:
    break;
  }
  return {2, "Low"};
}

// The account type OCSF names for a platform's account ids (99: Other).
std::pair<int, std::string_view> account_type_of(std::string_view platform) {
  if (platform == "aws") {
    return {10, "AWS Account"};
  }
  if (platform == "gcp") {
    return {5, "GCP Account"};
  }
  if (platform == "azure") {
    return {6, "Azure AD Account"};
  }
  return {99, "Other"};
}

// OCSF timestamps are milliseconds since the epoch; a time the store holds is always ISO 8601.
int64_t epoch_ms(const std::string& iso8601) {
  const auto parsed = time::parse_iso8601(iso8601);
  return parsed ? time::to_unix_ms(*parsed) : 0;
}

json compliance_of(const compliance::Check& check) {
  json controls = json::object();
  for (const compliance::CheckFrameworkControls& framework : check.controls) {
    json& ids = controls[framework.framework];
    for (const compliance::CheckControl& control : framework.controls) {
      ids.push_back(control.id);
    }
  }
  return controls;
}

json event_of(const store::FindingRecord& finding, const compliance::Check* check,
              const FindingFormatOptions& options) {
  const auto [severity_id, severity] = severity_of(finding.severity);
  const bool suppressed = finding.acceptance.has_value();
  const std::string title = check != nullptr ? check->title : finding.check_id;
  const std::string region = finding.region.empty() ? "global" : finding.region;
  json finding_info = {
    {"uid", fmt::format("velocity-{}-{}", finding.check_id, finding_fingerprint(finding))},
    {"title", title},
    {"types", {finding.platform + "/" + finding.evidence_type}},
    {"created_time", epoch_ms(finding.first_seen_at)},
    {"created_time_dt", finding.first_seen_at},
    {"first_seen_time", epoch_ms(finding.first_seen_at)},
    {"last_seen_time", epoch_ms(finding.last_seen_at)}};
  json resource = {{"uid", finding.resource_id},
                   {"name", finding.resource_id},
                   {"type", finding.evidence_type},
                   {"region", region}};
  json cloud = {{"provider", finding.platform}, {"region", region}};
  if (!finding.account_id.empty()) {
    const auto [type_id, type] = account_type_of(finding.platform);
    cloud["account"] = {{"uid", finding.account_id}, {"type_id", type_id}, {"type", type}};
  }
  json unmapped = {{"integration", finding.integration}, {"evidence_id", nullptr}};
  if (finding.evidence_id) {
    unmapped["evidence_id"] = *finding.evidence_id;
  }
  json event = {{"message", finding.reason},
                {"activity_id", k_activity_create},
                {"activity_name", "Create"},
                {"category_uid", k_category_findings},
                {"category_name", "Findings"},
                {"class_uid", k_class_detection_finding},
                {"class_name", "Detection Finding"},
                {"type_uid", k_class_detection_finding * 100 + k_activity_create},
                {"type_name", "Detection Finding: Create"},
                {"severity_id", severity_id},
                {"severity", severity},
                {"status_id", suppressed ? k_status_suppressed : k_status_new},
                {"status", suppressed ? "Suppressed" : "New"},
                {"status_code", to_string(finding.status)},
                {"status_detail", finding.reason},
                {"time", epoch_ms(finding.last_seen_at)},
                {"time_dt", finding.last_seen_at},
                {"finding_info", finding_info},
                {"resources", nlohmann::json::array({resource})},
                {"cloud", cloud},
                {"metadata",
                 {{"version", k_ocsf_version},
                  {"event_code", finding.check_id},
                  {"profiles", {"cloud", "datetime"}},
                  {"logged_time", epoch_ms(options.generated_at)},
                  {"product",
                   {{"uid", "velocity"},
                    {"name", "velocity"},
                    {"vendor_name", "velocity"},
                    {"version", options.tool_version}}}}},
                {"unmapped", unmapped}};
  if (check != nullptr) {
    event["finding_info"]["desc"] = check->risk;
    event["risk_details"] = check->risk;
    resource["group"] = {{"name", check->service}};
    event["resources"] = nlohmann::json::array({resource});
    std::string steps;
    for (const std::string& step : check->remediation.steps) {
      steps += (steps.empty() ? "" : " ") + step;
    }
    event["remediation"] = {{"desc", steps}};
    if (!check->remediation.url.empty()) {
      event["remediation"]["references"] = {check->remediation.url};
    }
    event["unmapped"]["compliance"] = compliance_of(*check);
  }
  if (const auto& acceptance = finding.acceptance) {
    event["unmapped"]["acceptance"] = {{"id", acceptance->id},
                                       {"owner", acceptance->owner},
                                       {"reason", acceptance->reason},
                                       {"expires_at", acceptance->expires_at}};
  }
  return event;
}

} // namespace

void write_findings_ocsf(const FindingSource& findings, compliance::Library& library,
                         const FindingFormatOptions& options, const Sink& sink) {
  const compliance::CheckCatalogue& catalogue = library.checks();
  sink("[\n");
  bool first = true;
  findings([&](const store::FindingRecord& finding) {
    const json event = event_of(finding, catalogue.find(finding.check_id), options);
    sink((first ? "" : ",\n") + event.dump(-1, ' ', false, json::error_handler_t::replace));
    first = false;
  });
  sink(first ? "]\n" : "\n]\n");
}

} // namespace velocity::report
