#include "fixture_files.hpp"
#include "test_report_support.hpp"

#include <velocity/compliance/finding_json.hpp>
#include <velocity/compliance/text.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/report/model.hpp>
#include <velocity/report/render.hpp>

#include <doctest/doctest.h>

#include <regex>
#include <sstream>

using namespace velocity;
using namespace velocity::report;
using nlohmann::json;

namespace {

ReportRequest soc2_request() {
  ReportRequest request;
  request.framework = "soc2";
  request.generated_at = "2026-04-01T08:00:00.000Z";
  request.tool = "velocity test";
  request.top_findings = 5;
  return request;
}

const json* find_control(const json& doc, std::string_view id) {
  for (const json& control : doc["controls"]) {
    if (control["id"] == id) {
      return &control;
    }
  }
  return nullptr;
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

} // namespace

TEST_CASE("build_report") {
  test::ReportState fixture;
  auto library = compliance::Library::built_in();

  SUBCASE("without an assessment every control is not assessed and there is no score") {
    const json doc = build_report(fixture.db(), *fixture.org, library, soc2_request());
    CHECK(doc["schema"] == "velocity.report.v1");
    CHECK(doc["summary"]["score"].is_null());
    CHECK(doc["assessment"].is_null());
    CHECK(doc["controls"].size() == library.framework("soc2").control_count());
    CHECK(doc["summary"]["status_counts"]["not_assessed"] == doc["controls"].size());
  }

  SUBCASE("the latest assessment, the change since the one before, and the findings") {
    fixture.add_assessment({{"mfa-all-users", "no"}, {"security-policy", "no"}}, 40.0);
    fixture.add_assessment({{"mfa-all-users", "yes"}, {"security-policy", "partially"}}, 75.0);
    fixture.add_findings(9);
    const json doc = build_report(fixture.db(), *fixture.org, library, soc2_request());

    REQUIRE(doc["summary"]["score"].is_number());
    const double score = doc["summary"]["score"].get<double>();
    CHECK(score > 0);
    CHECK(score < 100);
    CHECK(doc["summary"]["previous_score"] == 40.0);
    CHECK(doc["summary"]["change"].get<double>() == doctest::Approx(score - 40.0).epsilon(0.01));
    CHECK(doc["history"].size() == 2);

    // 9 users (3 failing MFA) + 9 passing unknown-check results + the failing root account.
    CHECK(doc["findings"]["total"] == 19);
    CHECK(doc["findings"]["fail"] == 4);
    CHECK(doc["findings"]["fail_by_severity"]["critical"] == 1);
    CHECK(doc["findings"]["fail_by_severity"]["high"] == 3);
    CHECK(doc["findings"]["unmapped"] == 9);
    CHECK(doc["findings"]["top_failing"].size() == 4);
    CHECK(doc["findings"]["top_failing"][0]["check_id"] == "aws_iam_root_mfa_enabled");
    CHECK(doc["evidence"]["items"] == 10);

    // MFA is answered yes, but the automated MFA checks fail: the control is not met, and the
    // report names the check, its failing users and since when.
    const json* cc61 = find_control(doc, "CC6.1");
    REQUIRE(cc61 != nullptr);
    CHECK((*cc61)["findings"]["fail"] == 4);
    CHECK((*cc61)["answered_status"] == "met");
    CHECK((*cc61)["status"] == "not_met");
    CHECK((*cc61)["status_source"] == "failing_checks");
    CHECK((*cc61)["contradicted"] == true);
    const json* user_mfa = nullptr;
    for (const json& check : (*cc61)["checks"]) {
      user_mfa = check["id"] == "aws_iam_user_mfa_enabled_console_access" ? &check : user_mfa;
    }
    REQUIRE(user_mfa != nullptr);
    CHECK((*user_mfa)["fail"] == 3);
    CHECK((*user_mfa)["pass"] == 6);
    CHECK((*user_mfa)["failing_since"].is_string());
    CHECK((*user_mfa)["failing_resources"].size() == 3);
    CHECK((*user_mfa)["failing_resources"][0]["resource_id"] == "user-0");
    CHECK(doc["summary"]["status_sources"]["failing_checks"].get<int>() >= 1);
    CHECK(doc["summary"]["contradicted_controls"].get<int>() >= 1);
    bool found = false;
    for (const json& answer : (*cc61)["answers"]) {
      if (answer["common_control"] == "mfa-all-users") {
        CHECK(answer["answer"] == "yes");
        CHECK(answer["note"] == "note for mfa-all-users");
        found = true;
      }
    }
    CHECK(found);
    CHECK(doc["gaps"].size() >= 1);
    CHECK(doc["gaps"][0]["remediation"].size() >= 1);
  }

  SUBCASE("the period leaves out assessments completed after it") {
    fixture.add_assessment({{"mfa-all-users", "yes"}}, 90.0);
    ReportRequest request = soc2_request();
    request.period.to = "2000-01-01T00:00:00.000Z";
    const json doc = build_report(fixture.db(), *fixture.org, library, request);
    CHECK(doc["assessment"].is_null());
    CHECK(doc["findings"]["total"] == 0);
  }

  SUBCASE("an unknown framework is a usage error") {
    ReportRequest request = soc2_request();
    request.framework = "soc3";
    CHECK_THROWS_AS(build_report(fixture.db(), *fixture.org, library, request), UsageError);
  }
}

TEST_CASE("render_markdown") {
  test::ReportState fixture;
  auto library = compliance::Library::built_in();
  fixture.add_assessment({{"mfa-all-users", "yes"}, {"security-policy", "no"}}, 50.0);
  fixture.add_findings(3);
  const json doc = build_report(fixture.db(), *fixture.org, library, soc2_request());
  const std::string md = render_markdown(doc, TemplateSet::open(std::nullopt));

  CHECK(md.starts_with("# SOC 2"));
  CHECK(md.find("**Score: " + compliance::format_decimal(doc["summary"]["score"].get<double>())) !=
        std::string::npos);
  for (const json& control : doc["controls"]) {
    CHECK(md.find("\n| " + control["id"].get<std::string>() + " | ") != std::string::npos);
  }
  CHECK(md.find("| CC6.1 |") != std::string::npos);
  // The worst failure names its check.
  CHECK(md.find("| critical | aws_iam_root_mfa_enabled | root |") != std::string::npos);
  CHECK(md.find("⚠") != std::string::npos);
  CHECK(md.find("### Top gaps") != std::string::npos);
  CHECK(md.find("aws_iam_root_mfa_enabled") != std::string::npos);

  SUBCASE("a value cannot break a table row or open HTML") {
    json hostile = doc;
    hostile["organization"] = "<script>x</script> | y";
    const std::string text = render_markdown(hostile, TemplateSet::open(std::nullopt));
    CHECK(text.find("<script>") == std::string::npos);
    CHECK(text.find("&lt;script&gt;x&lt;/script&gt; \\| y") != std::string::npos);
  }
}

TEST_CASE("render_html") {
  test::ReportState fixture;
  auto library = compliance::Library::built_in();
  fixture.add_assessment({{"mfa-all-users", "yes"}}, 10.0);
  fixture.add_assessment({{"mfa-all-users", "yes"}, {"security-policy", "partially"}}, 20.0);
  fixture.add_findings(3);
  json doc = build_report(fixture.db(), *fixture.org, library, soc2_request());
  doc["organization"] = "acme <b>&</b>";
  const std::string html = render_html(doc, TemplateSet::open(std::nullopt));

  CHECK(html.starts_with("<!DOCTYPE html>"));
  CHECK(html.find("<style>") != std::string::npos);
  CHECK(count_of(html, "<svg") == 4);
  CHECK(count_of(html, "<tr class=\"control\"") == doc["controls"].size());
  CHECK(html.find("acme &lt;b&gt;&amp;&lt;/b&gt;") != std::string::npos);
  CHECK(html.find("<b>&</b>") == std::string::npos);
  CHECK(html.find("<td>critical</td><td>aws_iam_root_mfa_enabled</td>") != std::string::npos);
  // Self-contained: nothing is fetched, nothing runs.
  const std::regex external(R"((src|href)\s*=\s*["']?\s*(https?:|//)|url\(|@import|<script|<link)",
                            std::regex::icase);
  CHECK_FALSE(std::regex_search(html, external));
  CHECK(html.find("id=\"score-value\">" +
                  compliance::format_decimal(doc["summary"]["score"].get<double>())) !=
        std::string::npos);
}

TEST_CASE("render_controls_csv") {
  test::ReportState fixture;
  auto library = compliance::Library::built_in();
  fixture.add_assessment({{"mfa-all-users", "yes"}}, 10.0);
  fixture.add_findings(3);
  const json doc = build_report(fixture.db(), *fixture.org, library, soc2_request());
  const std::string csv = render_controls_csv(doc);
  CHECK(count_of(csv, "\r\n") == doc["controls"].size() + 1);
  CHECK(csv.starts_with("framework,control_id,title,category,status,answers,"));
  CHECK(csv.find("soc2,CC6.1,") != std::string::npos);
}

TEST_CASE("render_oscal") {
  test::ReportState fixture;
  auto library = compliance::Library::built_in();
  fixture.add_assessment({{"mfa-all-users", "yes"}, {"security-policy", "no"}}, 10.0);
  fixture.add_findings(3);
  const json doc = build_report(fixture.db(), *fixture.org, library, soc2_request());
  const auto render_oscal = [&](const json& report) {
    std::string text;
    write_oscal(report, fixture.db(), *fixture.org, library, {},
                [&](std::string_view bytes) { text.append(bytes); });
    return json::parse(text);
  };
  const json oscal = render_oscal(doc);
  CHECK(oscal["assessment-results"]["metadata"]["oscal-version"] == "1.0.4");
  // The same state gives the same UUIDs.
  const json again = render_oscal(doc);
  CHECK(again["assessment-results"]["uuid"] == oscal["assessment-results"]["uuid"]);
  CHECK(again["assessment-results"]["results"] == oscal["assessment-results"]["results"]);
  const json& result = oscal["assessment-results"]["results"][0];
  CHECK(result["reviewed-controls"]["control-selections"][0]["include-controls"].size() ==
        doc["controls"].size());
  CHECK(result["findings"].size() >= 1);

  const auto dir = fixture.dir / "oscal";
  std::filesystem::create_directories(dir);
  fs::write_file_atomic(dir / "ar.json", oscal.dump(2), fs::Mode::private_file);
  const std::string validator = VELOCITY_TESTS_DIR "/tools/oscal_validate.py";
  const std::string command =
    validator + " '" + (dir / "ar.json").string() + "' > '" + (dir / "out.txt").string() + "' 2>&1";
  const int status = std::system(command.c_str());
  CHECK_MESSAGE(WEXITSTATUS(status) == 0, read_fixture(dir / "out.txt"));

  SUBCASE("control ids that are not OSCAL tokens are made into tokens") {
    fixture.add_assessment({{"mfa-all-users", "yes"}}, 10.0);
    ReportRequest request = soc2_request();
    request.framework = "hipaa";
    const json hipaa = render_oscal(build_report(fixture.db(), *fixture.org, library, request));
    fs::write_file_atomic(dir / "ar.json", hipaa.dump(2), fs::Mode::private_file);
    CHECK(WEXITSTATUS(std::system(command.c_str())) == 0);
  }
}

TEST_CASE("write_findings_jsonl") {
  test::ReportState fixture;
  fixture.add_findings(4);
  std::string out;
  auto library = compliance::Library::built_in();
  write_findings_jsonl(fixture.db(), *fixture.org, library, {},
                       [&](std::string_view b) { out.append(b); });
  CHECK(count_of(out, "\n") == 9);
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    const json finding = json::parse(line);
    CHECK(finding.contains("check_id"));
    CHECK(finding.contains("resource_id"));
    if (finding["check_id"] == "aws_iam_root_mfa_enabled") {
      CHECK_FALSE(finding["controls"].empty());
    }
  }
  std::string csv;
  write_findings_csv(fixture.db(), *fixture.org, {}, [&](std::string_view b) { csv.append(b); });
  CHECK(count_of(csv, "\r\n") == 10);
}

TEST_CASE("TemplateSet::open") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("velocity-templates-" + crypto::to_hex(crypto::random_bytes(6)));
  std::filesystem::create_directories(dir);
  SUBCASE("the built-in set has the Markdown, HTML and CSS templates") {
    const TemplateSet set = TemplateSet::open(std::nullopt);
    CHECK(set.origin("report.md.mustache") == "built-in");
    CHECK(set.origin("report.html.mustache") == "built-in");
    CHECK(set.text("report.css.mustache").find("body") != std::string::npos);
  }
  SUBCASE("a directory replaces templates by name and keeps the others") {
    fs::write_file_atomic(dir / "report.md.mustache", "custom {{organization}} {{> report_css}}",
                          fs::Mode::private_file);
    fs::write_file_atomic(dir / "report.css.mustache", "css!", fs::Mode::private_file);
    const TemplateSet set = TemplateSet::open(dir);
    CHECK(set.origin("report.html.mustache") == "built-in");
    CHECK(set.render("report.md.mustache", {{"organization", "acme"}}, Escape::markdown) ==
          "custom acme css!");
  }
  SUBCASE("a template that does not parse is named") {
    fs::write_file_atomic(dir / "report.md.mustache", "{{#open}} never closed",
                          fs::Mode::private_file);
    const TemplateSet set = TemplateSet::open(dir);
    try {
      set.render("report.md.mustache", json::object(), Escape::markdown);
      FAIL("no error");
    } catch (const UsageError& e) {
      CHECK(std::string(e.what()).find("report.md.mustache") != std::string::npos);
    }
  }
  SUBCASE("a missing directory is a usage error") {
    CHECK_THROWS_AS(TemplateSet::open(dir / "nope"), UsageError);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("evidence_file") {
  auto library = compliance::Library::built_in();
  compliance::CheckControls controls(library);
  store::EvidenceRecord record;
  record.id = 533;
  record.integration = "prod";
  record.platform = "aws";
  record.type = "s3_buckets";
  record.resource_id = "arn:aws:s3:::caf\u00e9-\"quoted\"\n-bucket";
  record.account_id = "123456789012";
  record.region = "eu-west-1";
  record.raw_sha256 = std::string(64, 'a');
  record.first_collected_at = "2026-03-01T00:00:00.000Z";
  record.collected_at = "2026-03-02T00:00:00.000Z";

  store::FindingRecord failing;
  failing.id = 7;
  failing.evidence_id = 533;
  failing.integration = "prod";
  failing.platform = "aws";
  failing.evidence_type = "s3_buckets";
  failing.check_id = "aws_s3_bucket_level_public_access_block";
  failing.severity = store::Severity::high;
  failing.status = store::Status::fail;
  failing.resource_id = record.resource_id;
  failing.reason = "no \"block\"\tat all";
  failing.first_seen_at = "2026-03-01T00:00:00.000Z";
  failing.first_failed_at = "2026-03-01T00:00:00.000Z";
  failing.last_seen_at = "2026-03-02T00:00:00.000Z";
  failing.acceptance =
    store::Acceptance{.id = "ci.yaml:2", .owner = "web", .reason = "public", .expires_at = ""};
  store::FindingRecord passing = failing;
  passing.id = 8;
  passing.check_id = "aws_iam_root_mfa_enabled";
  passing.status = store::Status::pass;
  passing.first_failed_at.reset();
  passing.passed_again_at = "2026-03-02T00:00:00.000Z";
  passing.acceptance.reset();
  store::FindingRecord unmapped = passing;
  unmapped.id = 9;
  unmapped.check_id = "not_in_the_catalogue";

  // The object docs/report-bundle.md describes, built whole and dumped: what the file must be.
  const auto reference = [&](const std::vector<store::FindingRecord>& findings) {
    json data = json::parse(record.payload, nullptr, false);
    if (data.is_discarded()) {
      data = record.payload;
    }
    json checks = json::array();
    for (const auto& finding : findings) {
      checks.push_back(compliance::finding_json(finding, controls.of(finding.check_id)));
    }
    const json file = {{"id", record.id},
                       {"integration", record.integration},
                       {"platform", record.platform},
                       {"type", record.type},
                       {"resource_id", record.resource_id},
                       {"account_id", record.account_id},
                       {"region", record.region},
                       {"raw_sha256", record.raw_sha256},
                       {"first_collected_at", record.first_collected_at},
                       {"collected_at", record.collected_at},
                       {"data", data},
                       {"findings", checks}};
    return file.dump(2) + "\n";
  };

  SUBCASE("the same text as the whole object dumped, findings with and without controls") {
    record.payload = R"({"bucket":"a","nested":{"list":[1,{"x":null}],"empty":{}},"none":[]})";
    const std::vector<store::FindingRecord> findings = {failing, passing, unmapped};
    const EvidenceFile file = evidence_file(record, findings, controls);
    CHECK(file.path == "evidence/533.json");
    CHECK(file.content == reference(findings));
    CHECK(json::parse(file.content)["findings"][0]["controls"].size() > 0);
  }

  SUBCASE("no findings, and a payload that is not JSON kept as text") {
    record.payload = "not json\n";
    CHECK(evidence_file(record, {}, controls).content == reference({}));
    record.payload = "[]";
    CHECK(evidence_file(record, {failing}, controls).content == reference({failing}));
  }
}

TEST_CASE("finding_text") {
  auto library = compliance::Library::built_in();
  compliance::CheckControls controls(library);
  store::FindingRecord finding;
  finding.id = 7;
  finding.integration = "prod";
  finding.platform = "aws";
  finding.check_id = "aws_s3_bucket_level_public_access_block";
  finding.status = store::Status::fail;
  finding.resource_id = "bucket \"controls\":[]";
  finding.reason = R"(,"controls":[] and
a line break)";
  finding.acceptance =
    store::Acceptance{.id = "1", .owner = "o", .reason = R"(,"controls":[])", .expires_at = "x"};
  for (const int indent : {-1, 2, 4}) {
    CAPTURE(indent);
    CHECK(compliance::finding_text(finding, controls, indent) ==
          compliance::finding_json(finding, controls.of(finding.check_id)).dump(indent));
  }
  finding.check_id = "not_in_the_catalogue";
  CHECK(compliance::finding_text(finding, controls) ==
        compliance::finding_json(finding, controls.of(finding.check_id)).dump());
}
