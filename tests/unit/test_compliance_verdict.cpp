#include <velocity/compliance/library.hpp>
#include <velocity/compliance/scoring.hpp>
#include <velocity/compliance/verdict.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

namespace compliance = velocity::compliance;
using compliance::ControlStatus;
using compliance::StatusSource;

namespace {

velocity::store::FindingRecord verdict_finding(std::string check, std::string resource,
                                               std::string status,
                                               std::optional<std::string> failed = std::nullopt,
                                               std::optional<std::string> passed = std::nullopt) {
  velocity::store::FindingRecord record;
  record.check_id = std::move(check);
  record.severity = velocity::store::Severity::high;
  record.resource_id = std::move(resource);
  record.status = velocity::store::parse_status(status).value();
  record.first_seen_at = "2025-01-01T00:00:00.000Z";
  record.first_failed_at = std::move(failed);
  record.passed_again_at = std::move(passed);
  return record;
}

} // namespace

TEST_CASE("decide") {
  SUBCASE("a failing check makes any answer not met") {
    for (const ControlStatus answered :
         {ControlStatus::met, ControlStatus::partially_met, ControlStatus::not_met,
          ControlStatus::not_applicable, ControlStatus::not_assessed}) {
      const auto verdict = compliance::decide(answered, 10, 1);
      CHECK(verdict.status == ControlStatus::not_met);
      CHECK(verdict.source == StatusSource::failing_checks);
    }
  }
  SUBCASE("passing checks alone meet a control no answer decides") {
    const auto verdict = compliance::decide(ControlStatus::not_assessed, 3, 0);
    CHECK(verdict.status == ControlStatus::met);
    CHECK(verdict.source == StatusSource::passing_checks);
  }
  SUBCASE("otherwise the answers decide") {
    for (const ControlStatus answered : {ControlStatus::met, ControlStatus::partially_met,
                                         ControlStatus::not_met, ControlStatus::not_applicable}) {
      const auto verdict = compliance::decide(answered, 3, 0);
      CHECK(verdict.status == answered);
      CHECK(verdict.source == StatusSource::answers);
    }
    CHECK(compliance::decide(ControlStatus::not_assessed, 0, 0).status ==
          ControlStatus::not_assessed);
  }
}

TEST_CASE("failing_at") {
  const auto open_failure = verdict_finding("c", "r", "FAIL", "2025-03-10T00:00:00.000Z");
  const auto closed_failure =
    verdict_finding("c", "r", "PASS", "2025-03-10T00:00:00.000Z", "2025-03-20T00:00:00.000Z");
  const auto never_failed = verdict_finding("c", "r", "PASS");
  SUBCASE("without an end: the status as last recorded") {
    CHECK(compliance::failing_at(open_failure, std::nullopt));
    CHECK_FALSE(compliance::failing_at(closed_failure, std::nullopt));
    CHECK_FALSE(compliance::failing_at(never_failed, std::nullopt));
  }
  SUBCASE("at an end: failing from first_failed_at until passed_again_at") {
    CHECK_FALSE(compliance::failing_at(open_failure, "2025-03-09T23:59:59.999Z"));
    CHECK(compliance::failing_at(open_failure, "2025-03-10T00:00:00.000Z"));
    CHECK(compliance::failing_at(closed_failure, "2025-03-15T00:00:00.000Z"));
    CHECK_FALSE(compliance::failing_at(closed_failure, "2025-03-20T00:00:00.000Z"));
    CHECK_FALSE(compliance::failing_at(never_failed, "2025-03-15T00:00:00.000Z"));
  }
}

TEST_CASE("AutomatedResults and apply_verdicts") {
  auto library = compliance::Library::built_in();
  const std::string check = "aws_iam_user_mfa_enabled_console_access";
  const auto mappings = library.controls_for_check(check);
  const auto soc2 = std::find_if(mappings.begin(), mappings.end(),
                                 [](const auto& mapping) { return mapping.framework == "soc2"; });
  REQUIRE(soc2 != mappings.end());
  const std::string control = soc2->control;

  compliance::AutomatedResults results(library, std::nullopt);
  // Seven failing users, the oldest failures named first; one passing.
  for (int day = 7; day >= 1; --day) {
    results.add(verdict_finding(check, "user-" + std::to_string(day), "FAIL",
                                "2025-03-0" + std::to_string(day) + "T00:00:00.000Z"));
  }
  results.add(verdict_finding(check, "user-ok", "PASS"));

  SUBCASE("counts, since when, and a bounded list of resources") {
    const compliance::CheckResults& found = results.checks().at(check);
    CHECK(found.failing == 7);
    CHECK(found.passing == 1);
    CHECK(found.failing_since == "2025-03-01T00:00:00.000Z");
    REQUIRE(found.failing_resources.size() == compliance::k_named_failing_resources);
    CHECK(found.failing_resources.front().resource_id == "user-1");
    CHECK(found.failing_resources.back().resource_id == "user-5");
    CHECK(found.failing_resources_omitted() == 2);
    const auto checks = results.checks_for("soc2", control);
    REQUIRE(checks.size() == 1);
    CHECK(checks[0]->id == check);
    CHECK(results.checks_for("soc2", "no-such-control").empty());
  }

  SUBCASE("a control answered met with the failing check is not met; the score stays") {
    const compliance::Questionnaire& questionnaire = library.questionnaire();
    const compliance::Framework& framework = library.framework("soc2");
    compliance::Answers answers;
    for (const auto& common : questionnaire.controls) {
      answers[common.id].design = compliance::AnswerValue::yes;
    }
    compliance::Scope scope{{"soc2"}, "type1"};
    auto result = compliance::score_framework(framework, questionnaire, answers, scope);
    const auto score = result.sum.score();
    compliance::apply_verdicts(result, results);
    CHECK(result.sum.score() == score);
    CHECK(result.count(ControlStatus::not_met) >= 1);
    for (const auto& category : result.categories) {
      for (const auto& each : category.controls) {
        CHECK(each.answered == ControlStatus::met);
        if (each.control->id == control) {
          CHECK(each.status == ControlStatus::not_met);
          CHECK(each.source == StatusSource::failing_checks);
          CHECK(each.checks.size() == 1);
        }
      }
    }
  }

  SUBCASE("unanswered, the check's controls are met by automated evidence when it passes") {
    compliance::AutomatedResults passing(library, std::nullopt);
    passing.add(verdict_finding(check, "user-ok", "PASS"));
    compliance::Scope scope{{"soc2"}, "type1"};
    auto result =
      compliance::score_framework(library.framework("soc2"), library.questionnaire(), {}, scope);
    compliance::apply_verdicts(result, passing);
    for (const auto& category : result.categories) {
      for (const auto& each : category.controls) {
        if (each.control->id == control) {
          CHECK(each.status == ControlStatus::met);
          CHECK(each.source == StatusSource::passing_checks);
        } else if (each.checks.empty()) {
          CHECK(each.status == ControlStatus::not_assessed);
        }
      }
    }
  }
}
