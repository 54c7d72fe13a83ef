#include "test_compliance_state_support.hpp"

#include <velocity/compliance/answers.hpp>
#include <velocity/compliance/library.hpp>
#include <velocity/compliance/pathway.hpp>
#include <velocity/store/assessment.hpp>
#include <velocity/store/evidence.hpp>
#include <velocity/store/integrations.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace velocity;
using namespace velocity::compliance;

namespace {

PathwayFacts::Assessment assessment(int64_t id, std::string when, std::optional<double> soc2) {
  return {id, std::move(when), {{"soc2", soc2}}};
}

// An organisation in the middle of a pilot: assessed once, one account verified, 5 of 17
// automatable controls automated, 3 days of collection.
PathwayFacts pilot_facts() {
  PathwayFacts facts;
  facts.assessments = {assessment(1, "2025-03-01T14:00:00.000Z", 40.0)};
  facts.frameworks = {"soc2"};
  facts.frameworks_assessed = {"soc2"};
  facts.integrations = 1;
  facts.integrations_verified = 1;
  facts.controls_in_scope = 82;
  facts.controls_automatable = 17;
  facts.controls_automated = 5;
  facts.controls_answered = 80;
  facts.collection_days = 3;
  facts.collection_streak = 3;
  facts.findings = 40;
  facts.findings_failing = 12;
  facts.findings_failing_critical = 1;
  return facts;
}

const Milestone& milestone(const Pathway& pathway, std::string_view id) {
  for (const Milestone& m : pathway.milestones) {
    if (m.id == id) {
      return m;
    }
  }
  FAIL("no milestone " << id);
  return pathway.milestones.front();
}

} // namespace

TEST_CASE("evaluate_pathway") {
  const PathwayThresholds thresholds;
  const RoiInputs roi; // medium: 160 manual hours a month

  SUBCASE("an empty state is in discovery, with the pilot's milestones next") {
    const Pathway pathway = evaluate_pathway(PathwayFacts{}, thresholds, roi);
    CHECK(pathway.stage == Stage::discovery);
    REQUIRE(pathway.next);
    CHECK(*pathway.next == Stage::pilot);
    CHECK_FALSE(milestone(pathway, "assessment").met);
    CHECK_FALSE(milestone(pathway, "integration_verified").met);
    CHECK(pathway.hours_saved_per_month == 0);
    CHECK(pathway.score_changes.empty());
  }

  SUBCASE("an assessment without a verified integration is still discovery") {
    PathwayFacts facts = pilot_facts();
    facts.integrations_verified = 0;
    CHECK(evaluate_pathway(facts, thresholds, roi).stage == Stage::discovery);
  }

  SUBCASE("assessed and connected: pilot") {
    const Pathway pathway = evaluate_pathway(pilot_facts(), thresholds, roi);
    CHECK(pathway.stage == Stage::pilot);
    CHECK(*pathway.next == Stage::rollout);
    // 5 / 17 = 29.4 % of the automatable controls, 5 / 82 = 6.1 % of the scope.
    CHECK(pathway.automated_share_of_automatable == doctest::Approx(29.4118).epsilon(1e-4));
    CHECK(pathway.automated_share_of_scope == doctest::Approx(6.0976).epsilon(1e-4));
    CHECK(milestone(pathway, "automated_evidence_rollout").measured ==
          "5 of 17 automatable controls (29 %)");
    // 160 h x 5 / 80 answered = 10 h a month.
    CHECK(pathway.hours_saved_per_month == doctest::Approx(10));
  }

  SUBCASE("half the automatable controls and a week of collection: rollout") {
    PathwayFacts facts = pilot_facts();
    facts.controls_automated = 9; // 52.9 %
    facts.collection_streak = 7;
    const Pathway pathway = evaluate_pathway(facts, thresholds, roi);
    CHECK(pathway.stage == Stage::rollout);
    CHECK(*pathway.next == Stage::production);
  }

  SUBCASE("8 of 17 (47 %) is not enough for rollout") {
    PathwayFacts facts = pilot_facts();
    facts.controls_automated = 8;
    facts.collection_streak = 30;
    CHECK(evaluate_pathway(facts, thresholds, roi).stage == Stage::pilot);
  }

  SUBCASE("production needs every production milestone") {
    PathwayFacts facts = pilot_facts();
    facts.controls_automated = 14; // 82.4 %
    facts.collection_streak = 30;
    facts.assessments.push_back(assessment(2, "2025-03-30T14:00:00.000Z", 72.5));
    facts.findings_failing_critical = 0;
    Pathway pathway = evaluate_pathway(facts, thresholds, roi);
    CHECK(pathway.stage == Stage::production);
    CHECK_FALSE(pathway.next);
    REQUIRE(pathway.score_changes.size() == 1);
    CHECK(*pathway.score_changes[0].first == 40.0);
    CHECK(*pathway.score_changes[0].latest == 72.5);
    // 160 h x 14 / 80 = 28 h a month.
    CHECK(pathway.hours_saved_per_month == doctest::Approx(28));

    facts.findings_failing_critical = 1;
    pathway = evaluate_pathway(facts, thresholds, roi);
    CHECK(pathway.stage == Stage::rollout);
    CHECK_FALSE(milestone(pathway, "no_critical_findings").met);
    CHECK(milestone(pathway, "collection_production").met);
  }

  SUBCASE("a stage is not reached by skipping one before it") {
    PathwayFacts facts = pilot_facts();
    facts.integrations_verified = 0;
    facts.controls_automated = 17;
    facts.collection_streak = 60;
    facts.assessments.push_back(assessment(2, "2025-04-01T00:00:00.000Z", 90.0));
    facts.findings_failing_critical = 0;
    CHECK(evaluate_pathway(facts, thresholds, roi).stage == Stage::discovery);
  }
}

TEST_CASE("apply_state_measurements") {
  PathwayFacts facts = pilot_facts();
  facts.controls_automated = 14;
  facts.roadmap_hours = 400;
  facts.roadmap_months = 2.5;
  facts.frameworks_assessed = {"soc2", "iso27001"};
  RoiInputs inputs;
  apply_state_measurements(inputs, facts);
  // 14 automated of 80 answered = 17.5 %; 400 h over 2.5 months = 160 h a month.
  CHECK(inputs.automation_share.value == doctest::Approx(17.5));
  CHECK(inputs.automation_share.origin == Origin::state);
  CHECK(inputs.automation_share.note == "14 of 80 answered controls have automated evidence");
  REQUIRE(inputs.manual_hours);
  CHECK(inputs.manual_hours->value == doctest::Approx(160));
  CHECK(inputs.frameworks == std::vector<std::string>{"soc2", "iso27001"});
  CHECK(inputs.frameworks_origin == Origin::state);
  const RoiResult result = compute_roi(inputs);
  // 160 h x 17.5 % = 28 h; x $150 x 12 = $50,400.
  CHECK(result.annual_time_savings == doctest::Approx(50'400));

  SUBCASE("nothing measured leaves the inputs alone") {
    RoiInputs untouched;
    apply_state_measurements(untouched, PathwayFacts{});
    CHECK(untouched.automation_share.value == 90);
    CHECK(untouched.automation_share.origin == Origin::built_in);
    CHECK_FALSE(untouched.manual_hours);
  }
}

TEST_CASE("gather_pathway_facts") {
  test::ComplianceTempState temp;
  store::State state = temp.open();
  const store::Org org = state.org("default");
  Library library = Library::built_in();

  SUBCASE("an empty organisation") {
    const PathwayFacts facts = gather_pathway_facts(state.db(), org, library);
    CHECK(facts.assessments.empty());
    CHECK(facts.integrations == 0);
    CHECK(facts.collection_streak == 0);
    // No assessment: every common control counts.
    CHECK(facts.controls_in_scope == static_cast<int>(library.questionnaire().controls.size()));
    CHECK(evaluate_pathway(facts, {}, {}).stage == Stage::discovery);
  }

  SUBCASE("a hand-built pilot") {
    const auto integration = store::add_integration(
      state.db(), org, {"aws-test", "aws", "{}", "secret"}, store::OnExisting::fail);
    store::record_integration_test(state.db(), integration.id, time::now(), "healthy");
    // Runs on 1, 2 and 3 March, a failed one on 4 March, then one on 6 March: streak 1.
    const auto run_on = [&](const std::string& day, const std::string& outcome) {
      const auto start = *time::parse_iso8601(day + "T02:00:00Z");
      store::RunRecord run;
      run.id = store::start_run(state.db(), org, integration.id, "encryption_status", start);
      run.outcome = outcome;
      store::finish_run(state.db(), run, start);
    };
    run_on("2025-03-01", "success");
    run_on("2025-03-02", "incomplete");
    run_on("2025-03-03", "success");
    run_on("2025-03-04", "failed");
    PathwayFacts facts = gather_pathway_facts(state.db(), org, library);
    CHECK(facts.collection_runs == 4);
    CHECK(facts.collection_runs_failed == 1);
    CHECK(facts.collection_days == 3);
    CHECK(facts.collection_streak == 3);
    CHECK(facts.last_collection_day == "2025-03-03");
    run_on("2025-03-06", "success");
    facts = gather_pathway_facts(state.db(), org, library);
    CHECK(facts.collection_streak == 1);

    // One bucket, failing then fixed: a finding for a check two SOC 2 controls list.
    const std::vector<store::EvidenceInput> evidence = {
      {"aws", "encryption_status", "bucket-a", "111", "us-east-1", "00", "{}"}};
    std::vector<store::FindingInput> findings = {
      {"aws_s3_bucket_default_encryption", store::Severity::medium, store::Status::fail, "bucket-a",
       "111", "us-east-1", "no encryption", 0}};
    store::save_batch(state.db(), org, integration.id, std::nullopt, evidence, findings,
                      *time::parse_iso8601("2025-03-01"));
    findings[0].status = store::Status::pass;
    store::save_batch(state.db(), org, integration.id, std::nullopt, evidence, findings,
                      *time::parse_iso8601("2025-03-02"));

    // An assessment of SOC 2 answering every question yes, one n/a.
    Answers answers;
    const auto questions = questions_for(library.questionnaire(), {"soc2"});
    for (const CommonControl* control : questions) {
      answers[control->id].design = AnswerValue::yes;
    }
    answers[questions.front()->id].design = AnswerValue::not_applicable;
    store::NewAssessment record;
    record.frameworks = "soc2";
    record.catalog_sha256 = library.digest({"soc2"});
    record.answers = answers_to_json(answers).dump();
    store::add_completed_assessment(state.db(), org, record, R"({"soc2": 97.5})");

    facts = gather_pathway_facts(state.db(), org, library);
    CHECK(facts.integrations == 1);
    CHECK(facts.integrations_verified == 1);
    CHECK(facts.findings == 1);
    CHECK(facts.findings_failing == 0);
    CHECK(facts.findings_remediated == 1);
    REQUIRE(facts.assessments.size() == 1);
    CHECK(*facts.assessments[0].scores.at("soc2") == 97.5);
    CHECK(facts.frameworks == std::vector<std::string>{"soc2"});
    CHECK(facts.controls_in_scope == static_cast<int>(questions.size()) - 1);
    CHECK(facts.controls_answered == static_cast<int>(questions.size()) - 1);
    // Only the questions reaching a SOC 2 control aws_s3_bucket_default_encryption tests have
    // automated evidence; those reaching one any check tests are automatable.
    int evidenced = 0;
    int automatable = 0;
    for (const CommonControl* control : questions) {
      if (control->id == questions.front()->id) {
        continue;
      }
      const auto checks = library.checks_for(*control, {"soc2"});
      automatable += checks.empty() ? 0 : 1;
      evidenced += std::any_of(checks.begin(), checks.end(),
                               [](const Check* check) {
                                 return check->id == "aws_s3_bucket_default_encryption";
                               })
                     ? 1
                     : 0;
    }
    CHECK(evidenced >= 1);
    CHECK(facts.controls_automated == evidenced);
    CHECK(facts.controls_automatable == automatable);
    CHECK(facts.controls_automatable < facts.controls_in_scope);
    const Pathway pathway = evaluate_pathway(facts, {}, {});
    CHECK(pathway.stage == Stage::pilot);
  }
}
