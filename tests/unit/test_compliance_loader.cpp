#include "test_compliance_support.hpp"

#include <velocity/compliance/library.hpp>
#include <velocity/compliance/loader.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace compliance = velocity::compliance;
using velocity::test::usage_error_of;
namespace stdfs = std::filesystem;

namespace {

constexpr std::string_view k_minimal_framework = R"(id: demo
name: Demo
version: "1"
publisher: Us
description: A small framework.
categories:
  - id: A
    name: First
    controls:
      - id: "A.1"
        title: One
        description: The first control.
      - id: "A.2"
        title: Two
        description: The second control.
)";

constexpr std::string_view k_minimal_questionnaire = R"(domains:
  - id: governance
    name: Governance
common_controls:
  - id: policy
    domain: governance
    title: Policy
    question: Is there a policy?
    guidance: A signed policy.
    weight: 4
    risk: high
    effort_hours: 10
    remediation: [Write the policy]
    maps:
      demo: ["A.1", "A.2"]
)";

// Replaces the first `from` in `text` by `to`.
std::string replaced(std::string_view text, std::string_view from, std::string_view to) {
  std::string result(text);
  const size_t at = result.find(from);
  REQUIRE(at != std::string::npos);
  result.replace(at, from.size(), to);
  return result;
}

} // namespace

TEST_CASE("Library::built_in") {
  compliance::Library library = compliance::Library::built_in();

  SUBCASE("lists the eleven shipped frameworks in their usual order, the CIS Benchmarks last") {
    const std::vector<std::string> expected = {
      "soc2",       "iso27001",    "hipaa",       "gdpr",          "pci-dss",       "cis-v8",
      "nist-csf-2", "cis-aws-5.0", "cis-gcp-5.0", "cis-azure-6.0", "cis-github-1.2"};
    CHECK(library.framework_ids() == expected);
  }

  SUBCASE("control counts per framework") {
    const std::vector<std::pair<std::string, size_t>> expected = {
      {"soc2", 61},        {"iso27001", 116},      {"hipaa", 65},           {"gdpr", 36},
      {"pci-dss", 280},    {"cis-v8", 153},        {"nist-csf-2", 106},     {"cis-aws-5.0", 63},
      {"cis-gcp-5.0", 93}, {"cis-azure-6.0", 127}, {"cis-github-1.2", 120},
    };
    for (const auto& [framework_id, count] : expected) {
      const std::string& id = framework_id; // CAPTURE cannot capture a structured binding
      CAPTURE(id);
      CHECK(library.framework(id).control_count() == count);
    }
    size_t annex_a = 0;
    for (const auto& category : library.framework("iso27001").categories) {
      if (category.id.rfind("A.", 0) == 0) {
        annex_a += category.controls.size();
      }
    }
    CHECK(annex_a == 93);
    CHECK(library.framework("cis-v8").categories.size() == 18);
    CHECK(library.framework("nist-csf-2").categories.size() == 22);
    CHECK(library.framework("nist-csf-2").groups.size() == 6);
    CHECK(library.framework("pci-dss").categories.size() == 71);
    CHECK(library.framework("pci-dss").groups.size() == 15);
  }

  SUBCASE("exact ids, HIPAA requirements and CIS implementation groups") {
    CHECK(library.framework("soc2").find_control("CC6.1") != nullptr);
    CHECK(library.framework("iso27001").find_control("A.5.1") != nullptr);
    CHECK(library.framework("iso27001").find_control("A.8.34") != nullptr);
    CHECK(library.framework("nist-csf-2").find_control("PR.AA-01") != nullptr);
    CHECK(library.framework("nist-csf-2").find_control("ID.AM-06") == nullptr);
    const auto* mfa = library.framework("hipaa").find_control("164.312(d)");
    REQUIRE(mfa != nullptr);
    CHECK(mfa->requirement == compliance::Requirement::standard);
    const auto* risk = library.framework("hipaa").find_control("164.308(a)(1)(ii)(A)");
    REQUIRE(risk != nullptr);
    CHECK(risk->requirement == compliance::Requirement::required);
    CHECK(risk->parent == "164.308(a)(1)(i)");
    const auto* inventory = library.framework("cis-v8").find_control("1.1");
    REQUIRE(inventory != nullptr);
    CHECK(inventory->implementation_groups == std::vector<int>{1, 2, 3});
    CHECK(library.framework("soc2").variants.size() == 2);
  }

  SUBCASE("PCI DSS: x.y.z requirements in x.y sections, sub-requirements under their parent") {
    const compliance::Framework& pci = library.framework("pci-dss");
    CHECK(pci.version == "4.0.1");
    const auto* mfa = pci.find_control("8.4.2");
    REQUIRE(mfa != nullptr);
    CHECK(mfa->category == "8.4");
    const auto* section = pci.find_category("8.4");
    REQUIRE(section != nullptr);
    CHECK(section->group == "8");
    CHECK(pci.find_control("8.4") == nullptr);
    const auto* track = pci.find_control("3.3.1.1");
    REQUIRE(track != nullptr);
    CHECK(track->parent == "3.3.1");
    const auto* inspection = pci.find_control("9.5.1.2.1");
    REQUIRE(inspection != nullptr);
    CHECK(inspection->parent == "9.5.1.2");
    CHECK(pci.find_control("12.10.7") != nullptr);
    CHECK(pci.find_control("A1.1.4") != nullptr);
    CHECK(pci.find_control("A3.5.1") != nullptr);
    CHECK(pci.find_control("12.10.8") == nullptr);
  }

  SUBCASE("CIS Benchmarks: sections as groups, each recommendation with profile and assessment") {
    const compliance::Framework& aws = library.framework("cis-aws-5.0");
    CHECK(aws.version == "5.0.0");
    CHECK(aws.groups.size() == 5);
    const auto* keys = aws.find_control("1.10");
    REQUIRE(keys != nullptr);
    CHECK(keys->category == "1");
    CHECK(keys->profile == compliance::Profile::level1);
    CHECK(keys->assessment == compliance::Assessment::manual);
    const auto* imds = aws.find_control("5.7");
    REQUIRE(imds != nullptr);
    CHECK(imds->assessment == compliance::Assessment::automated);
    const auto* ebs = aws.find_control("5.1.1");
    REQUIRE(ebs != nullptr);
    CHECK(ebs->category == "5.1");
    CHECK(aws.find_category("5.1")->group == "5");
    const auto* csek = library.framework("cis-gcp-5.0").find_control("4.7");
    REQUIRE(csek != nullptr);
    CHECK(csek->profile == compliance::Profile::level2);
    const auto* defender = library.framework("cis-azure-6.0").find_control("8.1.3.1");
    REQUIRE(defender != nullptr);
    CHECK(defender->category == "8.1");
    CHECK(library.framework("cis-github-1.2").find_control("2.3.8")->assessment ==
          compliance::Assessment::automated);
  }

  SUBCASE("the questionnaire maps every control of every framework") {
    CHECK_NOTHROW(library.validate_all());
    const auto& questionnaire = library.questionnaire();
    CHECK(questionnaire.controls.size() == 101);
    CHECK(questionnaire.domains.size() == 16);
    const auto* mfa = questionnaire.find("mfa-all-users");
    REQUIRE(mfa != nullptr);
    CHECK(mfa->weight == 5);
    CHECK(mfa->risk == compliance::Risk::critical);
    CHECK(mfa->controls_in("soc2") == std::vector<std::string>{"CC6.1"});
  }

  SUBCASE("unknown framework names the close match") {
    const std::string message = usage_error_of([&] { library.framework("soc"); });
    CHECK(message.find("unknown framework 'soc'") != std::string::npos);
    CHECK(message.find("did you mean 'soc2'") != std::string::npos);
  }
}

TEST_CASE("parse_framework") {
  SUBCASE("a valid catalogue") {
    const auto framework = compliance::parse_framework(k_minimal_framework, "demo.yaml", "demo");
    CHECK(framework.control_count() == 2);
    CHECK(framework.find_control("A.2")->category == "A");
  }

  SUBCASE("a missing title names file, line and field") {
    const std::string text = replaced(k_minimal_framework, "        title: Two\n", "");
    const std::string message =
      usage_error_of([&] { compliance::parse_framework(text, "demo.yaml", "demo"); });
    CHECK(message.find("demo.yaml:13:9: control 'A.2': 'title' is missing") != std::string::npos);
  }

  SUBCASE("a misspelt field gets a suggestion") {
    const std::string text = replaced(k_minimal_framework, "title: Two", "titel: Two");
    const std::string message =
      usage_error_of([&] { compliance::parse_framework(text, "demo.yaml", "demo"); });
    CHECK(message.find("demo.yaml:14:9: control 'A.2': unknown field 'titel' (did you mean "
                       "'title'?)") != std::string::npos);
  }

  SUBCASE("a duplicate control id") {
    const std::string text = replaced(k_minimal_framework, "\"A.2\"", "\"A.1\"");
    const std::string message =
      usage_error_of([&] { compliance::parse_framework(text, "demo.yaml", "demo"); });
    CHECK(message.find("demo.yaml:13:9: control 'A.1': 'id' is used twice") != std::string::npos);
  }

  SUBCASE("the id must match the file name") {
    const std::string message =
      usage_error_of([&] { compliance::parse_framework(k_minimal_framework, "x.yaml", "x"); });
    CHECK(message.find("x.yaml:1:5: catalogue: 'id' is 'demo' but the file is named x.yaml") !=
          std::string::npos);
  }

  SUBCASE("broken YAML reports the syntax error position") {
    const std::string text = replaced(k_minimal_framework, "name: First", "name: [First");
    const std::string message =
      usage_error_of([&] { compliance::parse_framework(text, "demo.yaml", "demo"); });
    CHECK(message.find("demo.yaml:") != std::string::npos);
    CHECK(message.find("not valid YAML") != std::string::npos);
  }

  SUBCASE("several problems are all reported") {
    std::string text = replaced(k_minimal_framework, "publisher: Us\n", "");
    text = replaced(text, "        description: The first control.\n", "");
    const std::string message =
      usage_error_of([&] { compliance::parse_framework(text, "demo.yaml", "demo"); });
    CHECK(message.find("(2 problems)") != std::string::npos);
    CHECK(message.find("catalogue: 'publisher' is missing") != std::string::npos);
    CHECK(message.find("control 'A.1': 'description' is missing") != std::string::npos);
  }

  SUBCASE("HIPAA specifications need a requirement and an existing parent") {
    const std::string text =
      replaced(replaced(k_minimal_framework, "id: demo", "id: hipaa"), "        title: Two\n",
               "        title: Two\n        requirement: required\n"
               "        parent: \"A.9\"\n");
    const std::string message =
      usage_error_of([&] { compliance::parse_framework(text, "hipaa.yaml", "hipaa"); });
    CHECK(message.find("hipaa.yaml:10:9: control 'A.1': 'requirement' is missing") !=
          std::string::npos);
    CHECK(message.find("hipaa.yaml:13:9: control 'A.2': 'parent' names 'A.9'") !=
          std::string::npos);
  }

  SUBCASE("a benchmark profile or assessment must be a known value") {
    std::string text = replaced(k_minimal_framework, "        title: One\n",
                                "        title: One\n        profile: level3\n"
                                "        assessment: automatic\n");
    text = replaced(text, "        title: Two\n",
                    "        title: Two\n        profile: level2\n        assessment: manual\n");
    const std::string message =
      usage_error_of([&] { compliance::parse_framework(text, "demo.yaml", "demo"); });
    CHECK(message.find("demo.yaml:12:18: control 'A.1': 'profile' is 'level3'; use level1 or "
                       "level2") != std::string::npos);
    CHECK(message.find("demo.yaml:13:21: control 'A.1': 'assessment' is 'automatic'; use "
                       "automated or manual") != std::string::npos);
  }

  SUBCASE("a catalogue that marks one control's profile and assessment marks them all") {
    const std::string text =
      replaced(k_minimal_framework, "        title: Two\n",
               "        title: Two\n        profile: level1\n        assessment: automated\n");
    const std::string message =
      usage_error_of([&] { compliance::parse_framework(text, "demo.yaml", "demo"); });
    CHECK(message.find("demo.yaml:10:9: control 'A.1': 'profile' is missing; the catalogue gives "
                       "one to its other controls (first to 'A.2' on line 13)") !=
          std::string::npos);
    CHECK(message.find("demo.yaml:10:9: control 'A.1': 'assessment' is missing") !=
          std::string::npos);
  }

  SUBCASE("a framework id may carry a version with dots, nothing else") {
    const std::string versioned = replaced(k_minimal_framework, "id: demo", "id: demo-5.0");
    CHECK(compliance::parse_framework(versioned, "demo-5.0.yaml", "demo-5.0").id == "demo-5.0");
    const std::string dotted = replaced(k_minimal_framework, "id: demo", "id: demo.x");
    const std::string message =
      usage_error_of([&] { compliance::parse_framework(dotted, "demo.x.yaml", "demo.x"); });
    CHECK(message.find("'id' must be lower-case words joined by '-', with '.' only between the "
                       "digits of a version") != std::string::npos);
  }

  SUBCASE("CIS implementation groups must be an ascending subset of 1..3") {
    const std::string text =
      replaced(replaced(k_minimal_framework, "id: demo", "id: cis-v8"), "        title: Two\n",
               "        title: Two\n        implementation_groups: [2, 1]\n");
    const std::string message =
      usage_error_of([&] { compliance::parse_framework(text, "cis-v8.yaml", "cis-v8"); });
    CHECK(message.find("cis-v8.yaml:15:32: control 'A.2': 'implementation_groups' must be a "
                       "non-empty, ascending subset") != std::string::npos);
  }
}

TEST_CASE("parse_questionnaire") {
  const std::vector<std::string> frameworks = {"demo"};

  SUBCASE("a valid questionnaire") {
    const auto questionnaire =
      compliance::parse_questionnaire(k_minimal_questionnaire, "cc.yaml", frameworks);
    REQUIRE(questionnaire.controls.size() == 1);
    CHECK(questionnaire.controls[0].effort_hours == 10);
    CHECK(questionnaire.controls[0].line == 5);
  }

  SUBCASE("bad values name their field") {
    std::string text = replaced(k_minimal_questionnaire, "weight: 4", "weight: 9");
    text = replaced(text, "risk: high", "risk: severe");
    text = replaced(text, "Is there a policy?", "Is there a policy");
    const std::string message =
      usage_error_of([&] { compliance::parse_questionnaire(text, "cc.yaml", frameworks); });
    CHECK(
      message.find("cc.yaml:10:13: common control 'policy': 'weight' is 9; it must be 1 to 5") !=
      std::string::npos);
    CHECK(message.find("cc.yaml:11:11: common control 'policy': 'risk' is 'severe'") !=
          std::string::npos);
    CHECK(message.find("cc.yaml:8:15: common control 'policy': 'question' must end with '?'") !=
          std::string::npos);
  }

  SUBCASE("maps to an unknown framework") {
    const std::string text = replaced(k_minimal_questionnaire, "demo: [", "dmeo: [");
    const std::string message =
      usage_error_of([&] { compliance::parse_questionnaire(text, "cc.yaml", frameworks); });
    CHECK(message.find("cc.yaml:15:7: common control 'policy': 'maps' names framework 'dmeo', "
                       "which has no catalogue (did you mean 'demo'?)") != std::string::npos);
  }

  SUBCASE("depends_on must name existing controls without cycles") {
    std::string text(k_minimal_questionnaire);
    text += R"(  - id: review
    domain: governance
    title: Review
    question: Is it reviewed?
    guidance: A review log.
    weight: 2
    risk: low
    effort_hours: 4
    remediation: [Review it]
    depends_on: [policy]
    maps:
      demo: ["A.1"]
)";
    text = replaced(text, "    maps:\n      demo: [\"A.1\", \"A.2\"]",
                    "    depends_on: [review]\n    maps:\n      demo: [\"A.1\", \"A.2\"]");
    const std::string message =
      usage_error_of([&] { compliance::parse_questionnaire(text, "cc.yaml", frameworks); });
    CHECK(message.find("cc.yaml:17: common control 'review': 'depends_on' makes a cycle: policy "
                       "-> review -> policy") != std::string::npos);

    const std::string missing = replaced(text, "depends_on: [review]", "depends_on: [reveiw]");
    const std::string missing_message =
      usage_error_of([&] { compliance::parse_questionnaire(missing, "cc.yaml", frameworks); });
    CHECK(missing_message.find("cc.yaml:5:5: common control 'policy': 'depends_on' names "
                               "'reveiw', which is not a common control") != std::string::npos);
  }
}

TEST_CASE("check_mappings") {
  const auto framework = compliance::parse_framework(k_minimal_framework, "demo.yaml", "demo");

  SUBCASE("an unknown control id names the line in the questionnaire") {
    const std::string text = replaced(k_minimal_questionnaire, "\"A.2\"]", "\"A.2\", \"A.3\"]");
    const auto questionnaire = compliance::parse_questionnaire(text, "cc.yaml", {"demo"});
    const std::string message =
      usage_error_of([&] { compliance::check_mappings(questionnaire, framework); });
    CHECK(message.find("cc.yaml:15: common control 'policy': 'maps.demo' names 'A.3', which is not "
                       "a control in demo.yaml") != std::string::npos);
  }

  SUBCASE("a control no common control reaches") {
    const std::string text = replaced(k_minimal_questionnaire, ", \"A.2\"]", "]");
    const auto questionnaire = compliance::parse_questionnaire(text, "cc.yaml", {"demo"});
    const std::string message =
      usage_error_of([&] { compliance::check_mappings(questionnaire, framework); });
    CHECK(message.find("no common control maps to demo control 'A.2'") != std::string::npos);
  }

  SUBCASE("an automated benchmark recommendation may wait for its checks; a manual one may not") {
    const std::string catalogue =
      replaced(replaced(k_minimal_framework, "        title: One\n",
                        "        title: One\n        assessment: manual\n"),
               "        title: Two\n", "        title: Two\n        assessment: automated\n");
    const auto benchmark = compliance::parse_framework(catalogue, "demo.yaml", "demo");
    const auto reaches_a2 = compliance::parse_questionnaire(
      replaced(k_minimal_questionnaire, "[\"A.1\", \"A.2\"]", "[\"A.2\"]"), "cc.yaml", {"demo"});
    const std::string message =
      usage_error_of([&] { compliance::check_mappings(reaches_a2, benchmark); });
    CHECK(message.find("no common control maps to demo control 'A.1'") != std::string::npos);
    const auto reaches_a1 = compliance::parse_questionnaire(
      replaced(k_minimal_questionnaire, ", \"A.2\"]", "]"), "cc.yaml", {"demo"});
    CHECK_NOTHROW(compliance::check_mappings(reaches_a1, benchmark));
  }
}

TEST_CASE("Library::from_directory") {
  const stdfs::path dir = stdfs::temp_directory_path() / "velocity-test-compliance-library";
  stdfs::remove_all(dir);
  stdfs::create_directories(dir);
  velocity::fs::write_file_atomic(dir / "demo.yaml", k_minimal_framework,
                                  velocity::fs::Mode::public_file);

  SUBCASE("needs common-controls.yaml") {
    const std::string message = usage_error_of([&] { compliance::Library::from_directory(dir); });
    CHECK(message.find("has no common-controls.yaml") != std::string::npos);
  }

  SUBCASE("loads a custom set with the same validation") {
    velocity::fs::write_file_atomic(dir / "common-controls.yaml", k_minimal_questionnaire,
                                    velocity::fs::Mode::public_file);
    compliance::Library library = compliance::Library::from_directory(dir);
    CHECK(library.framework_ids() == std::vector<std::string>{"demo"});
    CHECK(library.framework("demo").control_count() == 2);
    CHECK(library.questionnaire().controls.size() == 1);

    velocity::fs::write_file_atomic(dir / "demo.yaml",
                                    replaced(k_minimal_framework, "        title: One\n", ""),
                                    velocity::fs::Mode::public_file);
    compliance::Library broken = compliance::Library::from_directory(dir);
    const std::string message = usage_error_of([&] { broken.framework("demo"); });
    CHECK(message.find((dir / "demo.yaml").string() + ":10:9: control 'A.1': 'title' is missing") !=
          std::string::npos);
  }
  stdfs::remove_all(dir);
}
