// SARIF 2.1.0 (OASIS; the schema is in tests/data/sarif/), written as GitHub code scanning reads
// it: rule severity in `properties.security-severity`, stable `partialFingerprints`, accepted
// findings as suppressed results (docs/finding-formats.md).

#include <velocity/report/finding_formats.hpp>

#include <fmt/format.h>

#include <unordered_map>

namespace velocity::report {

namespace {

using nlohmann::json;

constexpr std::string_view k_schema =
  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
constexpr std::string_view k_fingerprint_key = "velocityFinding/v1";

// GitHub: "error" fails a pull request check, "warning" and "note" do not.
std::string_view level_of(store::Severity severity) {
  switch (severity) {
  case store::Severity::critical:
  case store::Severity::high:
    return "error";
  case store::Severity::medium:
    return "warning";
  case store::Severity::low:
    break;
  }
  return "note";
}

// GitHub reads a rule's security-severity as a score: over 9.0 critical, 7.0 to 8.9 high, 4.0 to
// 6.9 medium, 0.1 to 3.9 low.
std::string_view security_severity_of(store::Severity severity) {
  switch (severity) {
  case store::Severity::critical:
    return "9.5";
  case store::Severity::high:
    return "8.0";
  case store::Severity::medium:
    return "5.5";
  case store::Severity::low:
    break;
  }
  return "3.0";
}

// "aws_s3_bucket_default_encryption" as the identifier-like name SARIF expects:
// "AwsS3BucketDefaultEncryption".
std::string rule_name(std::string_view id) {
  std::string name;
  bool upper = true;
  for (const char c : id) {
    if (c == '_' || c == '-' || c == '.') {
      upper = true;
      continue;
    }
    name += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    upper = false;
  }
  return name;
}

json help_of(const compliance::Check& check) {
  const compliance::Remediation& fix = check.remediation;
  std::string text = check.risk + "\n\nRemediation:\n";
  std::string markdown = check.risk + "\n\n**Remediation**\n\n";
  for (size_t i = 0; i < fix.steps.size(); ++i) {
    text += fmt::format("{}. {}\n", i + 1, fix.steps[i]);
    markdown += fmt::format("{}. {}\n", i + 1, fix.steps[i]);
  }
  if (!fix.cli.empty()) {
    text += "\nCommand: " + fix.cli + "\n";
    markdown += "\n```sh\n" + fix.cli + "\n```\n";
  }
  if (!fix.url.empty()) {
    text += "\nMore: " + fix.url + "\n";
    markdown += fmt::format("\n[{}]({})\n", fix.url, fix.url);
  }
  return {{"text", text}, {"markdown", markdown}};
}

// GitHub refuses a rule with more than 20 tags and shows 10: the tags name the frameworks, and
// the controls and CIS recommendations go in properties of their own.
constexpr size_t k_max_tags = 10;

json rule_of(const compliance::Check& check) {
  json tags = {"security", "compliance", check.platform};
  if (!check.service.empty()) {
    tags.push_back(check.service);
  }
  json controls = json::array();
  for (const compliance::CheckFrameworkControls& framework : check.controls) {
    if (tags.size() < k_max_tags) {
      tags.push_back(framework.framework);
    }
    for (const compliance::CheckControl& control : framework.controls) {
      controls.push_back(framework.framework + ":" + control.id);
    }
  }
  json cis = json::array();
  if (const auto& reference = check.references.cis) {
    for (const std::string& recommendation : reference->recommendations) {
      cis.push_back(fmt::format("{} {}", reference->benchmark, recommendation));
    }
  }
  const std::string_view level = level_of(check.severity);
  json rule = {{"id", check.id},
               {"name", rule_name(check.id)},
               {"shortDescription", {{"text", check.title}}},
               {"fullDescription", {{"text", check.risk}}},
               {"help", help_of(check)},
               {"defaultConfiguration", {{"level", level}}},
               {"properties",
                {{"tags", tags},
                 {"controls", controls},
                 {"cis", cis},
                 {"security-severity", security_severity_of(check.severity)},
                 {"severity", to_string(check.severity)},
                 {"precision", "very-high"}}}};
  if (!check.remediation.url.empty()) {
    rule["helpUri"] = check.remediation.url;
  }
  return rule;
}

json location_of(const store::FindingRecord& finding, const FindingFormatOptions& options) {
  const std::string region = finding.region.empty() ? "global" : finding.region;
  json location = {
    {"logicalLocations",
     {{{"name", finding.resource_id},
       {"fullyQualifiedName", fmt::format("{}/{}/{}/{}", finding.integration, finding.account_id,
                                          region, finding.resource_id)},
       {"kind", "resource"},
       {"properties",
        {{"integration", finding.integration},
         {"platform", finding.platform},
         {"account", finding.account_id},
         {"region", region}}}}}}};
  if (options.sarif_anchor) {
    location["physicalLocation"] = {{"artifactLocation", {{"uri", *options.sarif_anchor}}},
                                    {"region", {{"startLine", 1}}}};
  }
  return location;
}

// `rule_index` is null for a check the catalogue no longer has.
json result_of(const store::FindingRecord& finding, const size_t* rule_index,
               const FindingFormatOptions& options) {
  const std::string fingerprint = finding_fingerprint(finding);
  json result = {{"ruleId", finding.check_id},
                 {"level", level_of(finding.severity)},
                 {"message", {{"text", finding.reason}}},
                 {"locations", {location_of(finding, options)}},
                 {"partialFingerprints", {{k_fingerprint_key, fingerprint}}},
                 {"properties",
                  {{"severity", to_string(finding.severity)},
                   {"evidence_type", finding.evidence_type},
                   {"first_failed_at", finding.first_failed_at.value_or(finding.first_seen_at)},
                   {"last_seen_at", finding.last_seen_at}}}};
  if (rule_index != nullptr) {
    result["ruleIndex"] = *rule_index;
  }
  if (options.sarif_anchor) {
    // Without it, GitHub would fingerprint line 1 of the anchor file, the same for every result,
    // and fold them all into one alert.
    result["partialFingerprints"]["primaryLocationLineHash"] = fingerprint + ":1";
  }
  if (const auto& acceptance = finding.acceptance) {
    result["suppressions"] = {{{"kind", "external"},
                               {"status", "accepted"},
                               {"justification", acceptance->reason},
                               {"properties",
                                {{"acceptance", acceptance->id},
                                 {"owner", acceptance->owner},
                                 {"expires_at", acceptance->expires_at}}}}};
  }
  return result;
}

std::string compact(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace

void write_findings_sarif(const FindingSource& findings, compliance::Library& library,
                          const FindingFormatOptions& options, const Sink& sink) {
  const compliance::CheckCatalogue& catalogue = library.checks();
  const json driver_head = {{"name", "velocity"},
                            {"version", options.tool_version},
                            {"semanticVersion", options.tool_version},
                            {"informationUri", "https://velocity.dev"}};
  std::string head = compact(json{{"$schema", k_schema}, {"version", "2.1.0"}});
  head.pop_back();
  std::string driver = compact(driver_head);
  driver.pop_back();
  sink(head + ",\"runs\":[{\"tool\":{\"driver\":" + driver + ",\"rules\":[\n");
  std::unordered_map<std::string, size_t> rule_index;
  for (const compliance::Check& check : catalogue.checks) {
    sink((rule_index.empty() ? "" : ",\n") + compact(rule_of(check)));
    rule_index.emplace(check.id, rule_index.size());
  }
  sink("\n]}},\"results\":[\n");
  bool first = true;
  findings([&](const store::FindingRecord& finding) {
    if (finding.status != store::Status::fail) {
      return;
    }
    const auto found = rule_index.find(finding.check_id);
    const size_t* index = found == rule_index.end() ? nullptr : &found->second;
    sink((first ? "" : ",\n") + compact(result_of(finding, index, options)));
    first = false;
  });
  sink("\n]}]}\n");
}

} // namespace velocity::report
