// The check catalogue (checks/<platform>.yaml): each bad input is refused with file:line and the
// field, and the Library loads it, from the binary or a directory, with its mappings.

#include "test_compliance_support.hpp"

#include <velocity/compliance/library.hpp>
#include <velocity/compliance/loader.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

namespace compliance = velocity::compliance;
using velocity::test::usage_error_of;
namespace stdfs = std::filesystem;

namespace {

// Line 4 starts the first entry; severity is on line 8, controls.demo on line 16.
constexpr std::string_view k_loader_checks = R"(# two checks
checks:

  - id: acme_disk_encrypted
    platform: acme
    service: disks
    evidence_type: volumes
    severity: high
    title: Disks are encrypted
    risk: A stolen disk can be read.
    remediation:
      steps: [Turn on disk encryption]
      cli: acme disks encrypt --all
      url: https://docs.example.com/encrypt
    controls:
      demo:
        - id: "A.1"
          why: Tests encryption of stored data.
  - id: acme_login_mfa
    platform: acme
    service: identity
    evidence_type: users
    severity: critical
    title: Logins use MFA
    risk: A stolen password is enough.
    remediation:
      steps: [Require MFA]
      url: https://docs.example.com/mfa
    references:
      cis:
        benchmark: CIS Acme Benchmark v1.0.0
        recommendations: ["1.1"]
      prowler: [acme_mfa_enabled]
    controls: {}
)";

constexpr std::string_view k_loader_framework = R"(id: demo
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
)";

constexpr std::string_view k_loader_questionnaire = R"(domains:
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
      demo: ["A.1"]
)";

std::string with_replaced(std::string_view text, std::string_view from, std::string_view to) {
  std::string result(text);
  const size_t at = result.find(from);
  REQUIRE(at != std::string::npos);
  result.replace(at, from.size(), to);
  return result;
}

std::string parse_error(std::string_view text) {
  return usage_error_of([&] { compliance::parse_checks(text, "acme.yaml", "acme"); });
}

const std::vector<compliance::Evaluator> k_evaluators = {{"acme", "acme_disk_encrypted", "volumes"},
                                                         {"acme", "acme_login_mfa", "users"}};

compliance::CheckCatalogue catalogue_of(std::string_view text) {
  std::vector<std::vector<compliance::Check>> files;
  files.push_back(compliance::parse_checks(text, "acme.yaml", "acme"));
  return compliance::build_check_catalogue(std::move(files), {"acme.yaml"});
}

} // namespace

TEST_CASE("parse_checks") {
  SUBCASE("a valid file") {
    const auto checks = compliance::parse_checks(k_loader_checks, "acme.yaml", "acme");
    REQUIRE(checks.size() == 2);
    const compliance::Check& disk = checks[0];
    CHECK(disk.id == "acme_disk_encrypted");
    CHECK(disk.service == "disks");
    CHECK(disk.evidence_type == "volumes");
    CHECK(disk.severity == compliance::Severity::high);
    CHECK(disk.remediation.cli == "acme disks encrypt --all");
    CHECK(disk.line == 4);
    REQUIRE(disk.controls_in("demo").size() == 1);
    CHECK(disk.controls_in("demo")[0].why == "Tests encryption of stored data.");
    CHECK(disk.controls_in("demo")[0].line == 17);
    const compliance::Check& mfa = checks[1];
    CHECK(mfa.remediation.cli.empty());
    REQUIRE(mfa.references.cis);
    CHECK(mfa.references.cis->recommendations == std::vector<std::string>{"1.1"});
    CHECK(mfa.references.prowler == std::vector<std::string>{"acme_mfa_enabled"});
    CHECK(mfa.controls.empty());
  }
  SUBCASE("a missing field names the entry, the field and its line") {
    const std::string message =
      parse_error(with_replaced(k_loader_checks, "    severity: high\n", ""));
    CHECK(message.find("acme.yaml:4:5: check 'acme_disk_encrypted': 'severity' is missing") !=
          std::string::npos);
  }
  SUBCASE("a bad severity lists the good ones") {
    const std::string message =
      parse_error(with_replaced(k_loader_checks, "severity: high", "severity: severe"));
    CHECK(message.find("acme.yaml:8:15: check 'acme_disk_encrypted': 'severity' is 'severe'; use "
                       "low, medium, high or critical") != std::string::npos);
  }
  SUBCASE("an id used twice names the first place") {
    const std::string message =
      parse_error(with_replaced(k_loader_checks, "id: acme_login_mfa", "id: acme_disk_encrypted"));
    CHECK(message.find("acme.yaml:19:5: check 'acme_disk_encrypted': 'id' is also used at "
                       "acme.yaml:4") != std::string::npos);
  }
  SUBCASE("an unknown field suggests the known one") {
    const std::string message = parse_error(
      with_replaced(k_loader_checks, "    risk: A stolen disk", "    rsk: A stolen disk"));
    CHECK(message.find("acme.yaml:10:5: check 'acme_disk_encrypted': unknown field 'rsk' (did "
                       "you mean 'risk'?)") != std::string::npos);
    CHECK(message.find("'risk' is missing") != std::string::npos);
  }
  SUBCASE("the platform and the id prefix are the file's") {
    const std::string platform =
      parse_error(with_replaced(k_loader_checks, "platform: acme", "platform: other"));
    CHECK(platform.find("acme.yaml:5:15: check 'acme_disk_encrypted': 'platform' is 'other' but "
                        "the file is acme.yaml") != std::string::npos);
    const std::string prefix =
      parse_error(with_replaced(k_loader_checks, "id: acme_disk", "id: other_disk"));
    CHECK(prefix.find("check 'other_disk_encrypted': 'id' must start with 'acme_'") !=
          std::string::npos);
  }
  SUBCASE("a why of more than one line, or a control listed twice") {
    const std::string why = parse_error(
      with_replaced(k_loader_checks, "why: Tests encryption of stored data.",
                    "why: |\n            Tests encryption\n            of stored data."));
    CHECK(why.find("acme.yaml:18:16: check 'acme_disk_encrypted': controls.demo 'A.1': 'why' must "
                   "be one line") != std::string::npos);
    const std::string twice = parse_error(
      with_replaced(k_loader_checks, "          why: Tests encryption of stored data.\n",
                    "          why: Tests encryption of stored data.\n        - id: "
                    "\"A.1\"\n          why: Again.\n"));
    CHECK(twice.find("'A.1' is listed twice under 'controls.demo'") != std::string::npos);
  }
  SUBCASE("an empty framework list says to leave the framework out") {
    const std::string message = parse_error(
      with_replaced(k_loader_checks, "    controls: {}", "    controls:\n      demo: []"));
    CHECK(message.find("check 'acme_login_mfa': 'controls.demo' must be a non-empty list") !=
          std::string::npos);
  }
  SUBCASE("remediation needs steps and an https link") {
    const std::string message =
      parse_error(with_replaced(k_loader_checks, "https://docs.example.com/encrypt", "http://x"));
    CHECK(message.find("acme.yaml:14:12: check 'acme_disk_encrypted': remediation: 'url' is "
                       "'http://x'; give an https:// link") != std::string::npos);
  }
}

TEST_CASE("build_check_catalogue") {
  SUBCASE("an id in two files names both") {
    std::vector<std::vector<compliance::Check>> files;
    files.push_back(compliance::parse_checks(k_loader_checks, "acme.yaml", "acme"));
    files.push_back(compliance::parse_checks(k_loader_checks, "acme-copy.yaml", "acme"));
    const std::string message = usage_error_of([&] {
      compliance::build_check_catalogue(std::move(files), {"acme.yaml", "acme-copy.yaml"});
    });
    CHECK(message.find("acme-copy.yaml:4: check 'acme_disk_encrypted': 'id' is also used at "
                       "acme.yaml:4") != std::string::npos);
  }
  SUBCASE("finds entries by id") {
    const compliance::CheckCatalogue catalogue = catalogue_of(k_loader_checks);
    REQUIRE(catalogue.find("acme_login_mfa") != nullptr);
    CHECK(catalogue.find("acme_login_mfa")->severity == compliance::Severity::critical);
    CHECK(catalogue.find("nothing") == nullptr);
  }
}

TEST_CASE("check_check_mappings") {
  const compliance::Framework demo =
    compliance::parse_framework(k_loader_framework, "demo.yaml", "demo");
  const auto framework = [&](std::string_view) -> const compliance::Framework& { return demo; };
  SUBCASE("known frameworks and controls pass") {
    CHECK_NOTHROW(
      compliance::check_check_mappings(catalogue_of(k_loader_checks), {"demo"}, framework));
  }
  SUBCASE("an unknown framework suggests a close one") {
    const auto catalogue =
      catalogue_of(with_replaced(k_loader_checks, "      demo:\n", "      dem:\n"));
    const std::string message =
      usage_error_of([&] { compliance::check_check_mappings(catalogue, {"demo"}, framework); });
    CHECK(message.find("acme.yaml:16: check 'acme_disk_encrypted': 'controls' names framework "
                       "'dem', which has no catalogue (did you mean 'demo'?)") !=
          std::string::npos);
  }
  SUBCASE("an unknown control names the framework's file") {
    const auto catalogue =
      catalogue_of(with_replaced(k_loader_checks, "id: \"A.1\"", "id: \"A.7\""));
    const std::string message =
      usage_error_of([&] { compliance::check_check_mappings(catalogue, {"demo"}, framework); });
    CHECK(message.find("acme.yaml:17: check 'acme_disk_encrypted': 'controls.demo' names 'A.7', "
                       "which is not a control in demo.yaml (did you mean 'A.1'?)") !=
          std::string::npos);
  }
}

TEST_CASE("check_evaluators") {
  const compliance::CheckCatalogue catalogue = catalogue_of(k_loader_checks);
  SUBCASE("every entry with its evaluator and every evaluator with its entry") {
    CHECK_NOTHROW(compliance::check_evaluators(catalogue, k_evaluators, "checks"));
  }
  SUBCASE("an entry without an evaluator") {
    const std::vector<compliance::Evaluator> evaluators = {k_evaluators[0]};
    const std::string message =
      usage_error_of([&] { compliance::check_evaluators(catalogue, evaluators, "checks"); });
    CHECK(message.find("acme.yaml:19: check 'acme_login_mfa': 'id' names no check the acme "
                       "platform evaluates") != std::string::npos);
  }
  SUBCASE("an evaluator without an entry names the files it may go in") {
    std::vector<compliance::Evaluator> evaluators = k_evaluators;
    evaluators.push_back({"acme", "acme_new_check", "users"});
    const std::string message =
      usage_error_of([&] { compliance::check_evaluators(catalogue, evaluators, "checks"); });
    CHECK(message.find("checks: the acme platform evaluates 'acme_new_check' but no entry "
                       "describes it; add one to acme.yaml or acme-<service>.yaml") !=
          std::string::npos);
  }
  SUBCASE("an entry reading another evidence type than its evaluator") {
    std::vector<compliance::Evaluator> evaluators = k_evaluators;
    evaluators[0].evidence_type = "disks";
    const std::string message =
      usage_error_of([&] { compliance::check_evaluators(catalogue, evaluators, "checks"); });
    CHECK(message.find("acme.yaml:4: check 'acme_disk_encrypted': 'evidence_type' is 'volumes' "
                       "but its evaluator reads 'disks'") != std::string::npos);
  }
}

TEST_CASE("parse_questionnaire refuses checks under a common control") {
  const std::string message = usage_error_of([&] {
    compliance::parse_questionnaire(with_replaced(k_loader_questionnaire, "    maps:\n",
                                                  "    checks: [acme_login_mfa]\n    maps:\n"),
                                    "common-controls.yaml", {"demo"});
  });
  CHECK(message.find(
          "common-controls.yaml:14:13: common control 'policy': 'checks' is no longer "
          "read: each check lists the controls it tests in checks/<platform>[-<service>].yaml") !=
        std::string::npos);
}

TEST_CASE("Library::checks from a directory") {
  const stdfs::path dir = stdfs::temp_directory_path() / "velocity-test-check-catalogue";
  stdfs::remove_all(dir);
  stdfs::create_directories(dir);
  const auto write = [](const stdfs::path& path, std::string_view text) {
    velocity::fs::write_file_atomic(path, text, velocity::fs::Mode::public_file);
  };
  write(dir / "demo.yaml", k_loader_framework);
  write(dir / "common-controls.yaml", k_loader_questionnaire);

  SUBCASE("without checks/ there are no checks, and validating them says what is missing") {
    compliance::Library library = compliance::Library::from_directory(dir);
    CHECK(library.checks().checks.empty());
    CHECK(library.controls_for_check("acme_disk_encrypted").empty());
    const std::string message = usage_error_of([&] { library.validate_checks(k_evaluators); });
    CHECK(message.find((dir / "checks").string() + " has no check catalogue") != std::string::npos);
  }
  SUBCASE("checks/<platform>.yaml replaces the built-in catalogue") {
    stdfs::create_directories(dir / "checks");
    write(dir / "checks" / "acme.yaml", k_loader_checks);
    compliance::Library library = compliance::Library::from_directory(dir);
    CHECK(library.checks().checks.size() == 2);
    CHECK_NOTHROW(library.validate_checks(k_evaluators));
    const auto mappings = library.controls_for_check("acme_disk_encrypted");
    REQUIRE(mappings.size() == 1);
    CHECK(mappings[0].framework == "demo");
    CHECK(mappings[0].control == "A.1");
    CHECK(mappings[0].why == "Tests encryption of stored data.");
    const compliance::CommonControl& policy = *library.questionnaire().find("policy");
    const auto related = library.checks_for(policy, {});
    REQUIRE(related.size() == 1);
    CHECK(related[0]->id == "acme_disk_encrypted");
  }
  SUBCASE("a control the framework lacks is refused with the file and line") {
    stdfs::create_directories(dir / "checks");
    write(dir / "checks" / "acme.yaml",
          with_replaced(k_loader_checks, "id: \"A.1\"", "id: \"B.1\""));
    compliance::Library library = compliance::Library::from_directory(dir);
    const std::string message = usage_error_of([&] { library.checks(); });
    CHECK(message.find((dir / "checks" / "acme.yaml").string() +
                       ":17: check 'acme_disk_encrypted': 'controls.demo' names 'B.1'") !=
          std::string::npos);
  }
  stdfs::remove_all(dir);
}
