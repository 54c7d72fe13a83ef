#include <velocity/compliance/library.hpp>
#include <velocity/report/finding_formats.hpp>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace velocity;

namespace {

store::FindingRecord finding(std::string check, std::string resource, store::Status status,
                             std::string reason) {
  return store::FindingRecord{.id = 1,
                              .evidence_id = 7,
                              .integration = "aws-prod",
                              .platform = "aws",
                              .evidence_type = "iam_users",
                              .check_id = std::move(check),
                              .severity = store::Severity::high,
                              .status = status,
                              .resource_id = std::move(resource),
                              .account_id = "123456789012",
                              .region = "",
                              .reason = std::move(reason),
                              .first_seen_at = "2026-11-01T00:00:00.000Z",
                              .first_failed_at = "2026-11-02T00:00:00.000Z",
                              .last_seen_at = "2026-11-03T00:00:00.000Z"};
}

constexpr const char* k_mfa = "aws_iam_user_mfa_enabled_console_access";
constexpr const char* k_root = "aws_iam_root_mfa_enabled";

// Two checks in check order: a failing, an accepted and a passing user, and a failing root.
std::vector<store::FindingRecord> sample_findings() {
  std::vector<store::FindingRecord> findings = {
    finding(k_root, "root", store::Status::fail, "root has no MFA <device> & \"key\"\x01"),
    finding(k_mfa, "alice", store::Status::fail, "alice has no MFA device"),
    finding(k_mfa, "bob", store::Status::fail, "bob has no MFA device"),
    finding(k_mfa, "carol", store::Status::pass, "carol has an MFA device"),
  };
  findings[2].acceptance = store::Acceptance{.id = "accept-3",
                                             .owner = "security@acme.example",
                                             .reason = "break-glass account, kept offline",
                                             .expires_at = "2027-06-30"};
  return findings;
}

struct Written {
  std::string text;
  int reads = 0;
};

Written write(report::Format format, const std::vector<store::FindingRecord>& findings,
              std::optional<std::string> anchor = std::nullopt) {
  Written written;
  compliance::Library library = compliance::Library::built_in();
  const report::FindingSource source = [&](const report::FindingVisitor& visit) {
    ++written.reads;
    for (const auto& record : findings) {
      visit(record);
    }
  };
  report::FindingFormatOptions options{.tool_version = "1.2.3",
                                       .generated_at = "2026-11-04T00:00:00Z",
                                       .sarif_anchor = std::move(anchor)};
  report::write_findings_as(format, source, library, options,
                            [&](std::string_view bytes) { written.text += bytes; });
  return written;
}

const nlohmann::json* result_for(const nlohmann::json& results, const std::string& resource) {
  for (const auto& result : results) {
    if (result["locations"][0]["logicalLocations"][0]["name"] == resource) {
      return &result;
    }
  }
  return nullptr;
}

} // namespace

TEST_CASE("finding_fingerprint") {
  const auto base = finding(k_mfa, "alice", store::Status::fail, "no MFA");
  SUBCASE("the same finding in another run, with another reason and time, keeps it") {
    auto later = base;
    later.reason = "still no MFA";
    later.last_seen_at = "2026-12-01T00:00:00.000Z";
    later.id = 99;
    CHECK(report::finding_fingerprint(later) == report::finding_fingerprint(base));
  }
  SUBCASE("another resource, region or integration changes it") {
    auto other_resource = base;
    other_resource.resource_id = "bob";
    auto other_region = base;
    other_region.region = "eu-west-1";
    auto other_integration = base;
    other_integration.integration = "aws-staging";
    for (const auto& changed : {other_resource, other_region, other_integration}) {
      CHECK(report::finding_fingerprint(changed) != report::finding_fingerprint(base));
    }
  }
  SUBCASE("parts do not run into each other") {
    auto a = base;
    auto b = base;
    a.account_id = "1";
    a.region = "23";
    b.account_id = "12";
    b.region = "3";
    CHECK(report::finding_fingerprint(a) != report::finding_fingerprint(b));
  }
}

TEST_CASE("write_findings_sarif") {
  const auto findings = sample_findings();
  const Written written = write(report::Format::sarif, findings);
  const auto sarif = nlohmann::json::parse(written.text);
  CHECK(sarif["version"] == "2.1.0");
  const auto& run = sarif["runs"][0];
  const auto& rules = run["tool"]["driver"]["rules"];
  CHECK(rules.size() == compliance::Library::built_in().checks().checks.size());

  SUBCASE("a rule per check with its help and GitHub's severity") {
    const auto& results = run["results"];
    const auto* alice = result_for(results, "alice");
    REQUIRE(alice != nullptr);
    const auto& rule = rules[(*alice)["ruleIndex"].get<size_t>()];
    CHECK(rule["id"] == k_mfa);
    CHECK(rule["name"] == "AwsIamUserMfaEnabledConsoleAccess");
    CHECK(rule["defaultConfiguration"]["level"] == "error");
    CHECK(rule["properties"]["security-severity"] == "8.0");
    CHECK(rule["help"]["markdown"].get<std::string>().find("**Remediation**") != std::string::npos);
    const auto& tags = rule["properties"]["tags"];
    CHECK(tags[0] == "security");
    CHECK(tags.size() <= 10);
    CHECK(std::find(tags.begin(), tags.end(), "soc2") != tags.end());
    CHECK(rule["properties"]["controls"].dump().find("soc2:CC6.1") != std::string::npos);
  }
  SUBCASE("a result per failing resource, none for a pass") {
    const auto& results = run["results"];
    CHECK(results.size() == 3);
    CHECK(result_for(results, "carol") == nullptr);
    const auto* alice = result_for(results, "alice");
    CHECK((*alice)["level"] == "error");
    CHECK((*alice)["message"]["text"] == "alice has no MFA device");
    const auto& location = (*alice)["locations"][0];
    CHECK_FALSE(location.contains("physicalLocation"));
    CHECK(location["logicalLocations"][0]["fullyQualifiedName"] ==
          "aws-prod/123456789012/global/alice");
    CHECK((*alice)["partialFingerprints"]["velocityFinding/v1"] ==
          report::finding_fingerprint(findings[1]));
    CHECK_FALSE(alice->contains("suppressions"));
  }
  SUBCASE("an accepted finding is a suppressed result with the justification") {
    const auto* bob = result_for(run["results"], "bob");
    REQUIRE(bob != nullptr);
    const auto& suppression = (*bob)["suppressions"][0];
    CHECK(suppression["kind"] == "external");
    CHECK(suppression["status"] == "accepted");
    CHECK(suppression["justification"] == "break-glass account, kept offline");
    CHECK(suppression["properties"]["owner"] == "security@acme.example");
    CHECK(suppression["properties"]["expires_at"] == "2027-06-30");
  }
  SUBCASE("sarif-github anchors every result to the file, with its own line hash") {
    const auto github =
      nlohmann::json::parse(write(report::Format::sarif_github, findings, "infra/README.md").text);
    for (const auto& result : github["runs"][0]["results"]) {
      const auto& physical = result["locations"][0]["physicalLocation"];
      CHECK(physical["artifactLocation"]["uri"] == "infra/README.md");
      CHECK(physical["region"]["startLine"] == 1);
      CHECK(result["partialFingerprints"]["primaryLocationLineHash"] ==
            result["partialFingerprints"]["velocityFinding/v1"].get<std::string>() + ":1");
    }
  }
  SUBCASE("nothing failing: an empty results array") {
    const auto none = nlohmann::json::parse(
      write(report::Format::sarif, {finding(k_mfa, "carol", store::Status::pass, "ok")}).text);
    CHECK(none["runs"][0]["results"].empty());
  }
}

TEST_CASE("write_findings_junit") {
  const Written written = write(report::Format::junit, sample_findings());
  const std::string& xml = written.text;
  CHECK(written.reads == 2);
  CHECK(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"velocity\" "
                        "tests=\"4\" failures=\"2\" errors=\"0\""));
  CHECK(xml.find(fmt::format("<testsuite name=\"{}\" tests=\"3\" failures=\"1\" errors=\"0\" "
                             "skipped=\"1\"",
                             k_mfa)) != std::string::npos);
  CHECK(xml.find(fmt::format("<testsuite name=\"{}\" tests=\"1\" failures=\"1\" errors=\"0\" "
                             "skipped=\"0\"",
                             k_root)) != std::string::npos);
  CHECK(xml.find("<failure message=\"alice has no MFA device\" type=\"high\">") !=
        std::string::npos);
  CHECK(xml.find("<skipped message=\"accepted by security@acme.example until 2027-06-30: "
                 "break-glass account, kept offline\"/>") != std::string::npos);
  CHECK(xml.find("name=\"carol (aws-prod, 123456789012, global)\" classname=\"" +
                 std::string(k_mfa) + "\" time=\"0\"/>") != std::string::npos);
  SUBCASE("markup and control characters cannot break the document") {
    CHECK(xml.find("root has no MFA &lt;device&gt; &amp; &quot;key&quot;\xef\xbf\xbd") !=
          std::string::npos);
    CHECK(xml.find('\x01') == std::string::npos);
  }
  CHECK(xml.ends_with("</testsuite>\n</testsuites>\n"));
}

TEST_CASE("write_findings_ocsf") {
  const auto events = nlohmann::json::parse(write(report::Format::ocsf, sample_findings()).text);
  REQUIRE(events.size() == 4);
  for (const auto& event : events) {
    CHECK(event["class_uid"] == 2004);
    CHECK(event["type_uid"] == 200401);
    CHECK(event["metadata"]["version"] == "1.3.0");
    CHECK(event["severity_id"] == 4);
    CHECK(event["cloud"]["account"]["uid"] == "123456789012");
  }
  const auto& bob = events[2];
  CHECK(bob["resources"][0]["uid"] == "bob");
  CHECK(bob["status_code"] == "FAIL");
  CHECK(bob["status"] == "Suppressed");
  CHECK(bob["status_id"] == 3);
  CHECK(bob["unmapped"]["acceptance"]["owner"] == "security@acme.example");
  CHECK(events[1]["status"] == "New");
  CHECK(events[3]["status_code"] == "PASS");
  CHECK(events[1]["finding_info"]["created_time"] == 1793491200000);
  CHECK(events[1]["finding_info"]["title"] ==
        compliance::Library::built_in().checks().find(k_mfa)->title);
  CHECK(write(report::Format::ocsf, {}).text == "[\n]\n");
}
