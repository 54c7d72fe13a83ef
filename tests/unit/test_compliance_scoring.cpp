#include <velocity/compliance/library.hpp>
#include <velocity/compliance/loader.hpp>
#include <velocity/compliance/plan.hpp>
#include <velocity/compliance/scoring.hpp>

#include <doctest/doctest.h>

#include <map>
#include <string>

namespace compliance = velocity::compliance;
using compliance::AnswerValue;

namespace {

// A small catalogue whose scores, gaps, cost and roadmap are worked out by hand below.
constexpr std::string_view k_framework = R"(id: demo
name: Demo
version: "1"
publisher: Us
description: A small framework.
variants:
  - id: type1
    name: Type I
    description: design
  - id: type2
    name: Type II
    description: operation over a period
categories:
  - id: A
    name: Access
    controls:
      - id: "A.1"
        title: Policy
        description: A policy.
      - id: "A.2"
        title: Strong authentication
        description: MFA through an identity provider.
  - id: B
    name: People
    controls:
      - id: "B.1"
        title: Trained people
        description: Training and identity.
)";

constexpr std::string_view k_questionnaire = R"(domains:
  - id: governance
    name: Governance
  - id: identity
    name: Identity
common_controls:
  - id: mfa
    domain: identity
    title: MFA
    question: Is MFA enforced?
    guidance: Everyone uses MFA.
    weight: 5
    risk: critical
    effort_hours: 20
    tooling_cost: 1000
    remediation: [Turn on MFA]
    depends_on: [idp]
    maps:
      demo: ["A.2"]
  - id: policy
    domain: governance
    title: Policy
    question: Is there a policy?
    guidance: A signed policy.
    type2_question: Was it reviewed during the period?
    weight: 4
    risk: high
    effort_hours: 10
    remediation: [Write the policy]
    maps:
      demo: ["A.1"]
  - id: idp
    domain: identity
    title: Identity provider
    question: Is there one identity provider?
    guidance: One IdP.
    weight: 3
    risk: medium
    effort_hours: 40
    tooling_cost: 2000
    remediation: [Buy an IdP]
    maps:
      demo: ["A.2", "B.1"]
  - id: training
    domain: governance
    title: Training
    question: Is everyone trained?
    guidance: Yearly training.
    weight: 2
    risk: low
    effort_hours: 4
    remediation: [Train people]
    maps:
      demo: ["B.1"]
)";

struct ScoringFixture {
  compliance::Framework framework = compliance::parse_framework(k_framework, "demo.yaml", "demo");
  compliance::Questionnaire questionnaire =
    compliance::parse_questionnaire(k_questionnaire, "cc.yaml", {"demo"});
  std::vector<const compliance::Framework*> frameworks{&framework};
};

compliance::Answer answer(AnswerValue design, std::optional<AnswerValue> operating = {}) {
  compliance::Answer result;
  result.design = design;
  result.operating = operating;
  return result;
}

// policy yes, mfa no, idp partially, training no.
compliance::Answers known_answers() {
  return {{"policy", answer(AnswerValue::yes)},
          {"mfa", answer(AnswerValue::no)},
          {"idp", answer(AnswerValue::partially)},
          {"training", answer(AnswerValue::no)}};
}

compliance::ControlStatus status_of(const compliance::FrameworkResult& result,
                                    std::string_view id) {
  for (const auto& category : result.categories) {
    for (const auto& control : category.controls) {
      if (control.control->id == id) {
        return control.status;
      }
    }
  }
  FAIL("no such control");
  return compliance::ControlStatus::not_assessed;
}

} // namespace

TEST_CASE("questions_for") {
  ScoringFixture f;
  SUBCASE("domain order first, then file order") {
    const auto questions = compliance::questions_for(f.questionnaire, {"demo"});
    REQUIRE(questions.size() == 4);
    CHECK(questions[0]->id == "policy");
    CHECK(questions[1]->id == "training");
    CHECK(questions[2]->id == "mfa");
    CHECK(questions[3]->id == "idp");
  }
}

TEST_CASE("score_framework") {
  ScoringFixture f;
  const compliance::Scope scope{{"demo"}, "type1"};

  SUBCASE("weighted score, computed by hand") {
    const auto result =
      compliance::score_framework(f.framework, f.questionnaire, known_answers(), scope);
    // (4×1 + 5×0 + 3×0.5 + 2×0) / (4 + 5 + 3 + 2) = 5.5 / 14
    REQUIRE(result.sum.score().has_value());
    CHECK(*result.sum.score() == doctest::Approx(100.0 * 5.5 / 14));
    CHECK(result.answered == 4);
    CHECK(result.questions == 4);
    // A: policy, mfa, idp -> (4 + 0 + 1.5) / 12; B: idp, training -> 1.5 / 5
    CHECK(*result.categories[0].sum.score() == doctest::Approx(100.0 * 5.5 / 12));
    CHECK(*result.categories[1].sum.score() == doctest::Approx(30.0));
    CHECK(status_of(result, "A.1") == compliance::ControlStatus::met);
    CHECK(status_of(result, "A.2") == compliance::ControlStatus::partially_met);
    CHECK(status_of(result, "B.1") == compliance::ControlStatus::partially_met);
    CHECK(result.count(compliance::ControlStatus::partially_met) == 2);
  }

  SUBCASE("not applicable and unanswered are left out of both sides") {
    compliance::Answers answers = known_answers();
    answers["training"] = answer(AnswerValue::not_applicable);
    answers.erase("mfa");
    const auto result = compliance::score_framework(f.framework, f.questionnaire, answers, scope);
    // (4×1 + 3×0.5) / (4 + 3)
    CHECK(*result.sum.score() == doctest::Approx(100.0 * 5.5 / 7));
    CHECK(result.not_applicable == 1);
    CHECK(result.not_assessed == 1);
    CHECK(status_of(result, "B.1") == compliance::ControlStatus::partially_met);
  }

  SUBCASE("control statuses: not met, not applicable, not assessed") {
    compliance::Answers answers = {{"idp", answer(AnswerValue::no)},
                                   {"training", answer(AnswerValue::not_applicable)},
                                   {"policy", answer(AnswerValue::not_applicable)}};
    const auto result = compliance::score_framework(f.framework, f.questionnaire, answers, scope);
    CHECK(status_of(result, "A.1") == compliance::ControlStatus::not_applicable);
    CHECK(status_of(result, "A.2") == compliance::ControlStatus::not_met);
    CHECK(status_of(result, "B.1") == compliance::ControlStatus::not_met);
    CHECK(*result.sum.score() == doctest::Approx(0.0));
  }

  SUBCASE("nothing answered gives no score rather than 0") {
    const auto result = compliance::score_framework(f.framework, f.questionnaire, {}, scope);
    CHECK_FALSE(result.sum.score().has_value());
    CHECK(result.not_assessed == 4);
    CHECK(result.count(compliance::ControlStatus::not_assessed) == 3);
  }

  SUBCASE("Type II counts the lower of design and operating") {
    const compliance::Scope type2{{"demo"}, "type2"};
    compliance::Answers answers = known_answers();
    answers["policy"] = answer(AnswerValue::yes, AnswerValue::no);
    const auto result = compliance::score_framework(f.framework, f.questionnaire, answers, type2);
    CHECK(result.operating);
    // (4×0 + 5×0 + 3×0.5 + 2×0) / 14
    CHECK(*result.sum.score() == doctest::Approx(100.0 * 1.5 / 14));
    CHECK(status_of(result, "A.1") == compliance::ControlStatus::not_met);

    answers["policy"] = answer(AnswerValue::yes, AnswerValue::partially);
    const auto partly = compliance::score_framework(f.framework, f.questionnaire, answers, type2);
    CHECK(*partly.sum.score() == doctest::Approx(100.0 * 3.5 / 14));

    // Type I ignores the operating answer.
    const auto type1 = compliance::score_framework(f.framework, f.questionnaire, answers, scope);
    CHECK(*type1.sum.score() == doctest::Approx(100.0 * 5.5 / 14));

    // A missing operating answer leaves the control out (not assessed).
    answers["policy"] = answer(AnswerValue::yes);
    const auto missing = compliance::score_framework(f.framework, f.questionnaire, answers, type2);
    CHECK(*missing.sum.score() == doctest::Approx(100.0 * 1.5 / 10));
    CHECK(missing.not_assessed == 1);
  }

  SUBCASE("the README's worked example on the shipped SOC 2") {
    compliance::Library library = compliance::Library::built_in();
    const compliance::Answers answers = {{"mfa-all-users", answer(AnswerValue::yes)},
                                         {"access-reviews", answer(AnswerValue::partially)},
                                         {"security-policy", answer(AnswerValue::no)}};
    const auto result = compliance::score_framework(
      library.framework("soc2"), library.questionnaire(), answers, {{"soc2"}, "type1"});
    // 100 × (5×1 + 4×0.5 + 4×0) / (5 + 4 + 4) = 53.8
    CHECK(*result.sum.score() == doctest::Approx(100.0 * 7 / 13));
    CHECK(result.answered == 3);
    CHECK(result.not_assessed == 79);
  }
}

TEST_CASE("find_gaps") {
  ScoringFixture f;
  const compliance::Scope scope{{"demo"}, "type1"};

  SUBCASE("ordered by risk × weight ÷ effort") {
    const auto gaps = compliance::find_gaps(f.questionnaire, scope, f.frameworks, known_answers());
    REQUIRE(gaps.size() == 3);
    CHECK(gaps[0].control->id == "mfa"); // 4 × 5 / 20 = 1.0
    CHECK(gaps[0].priority == doctest::Approx(1.0));
    CHECK(gaps[1].control->id == "training"); // 1 × 2 / 4 = 0.5
    CHECK(gaps[1].priority == doctest::Approx(0.5));
    CHECK(gaps[2].control->id == "idp"); // 2 × 3 / 40 = 0.15
    CHECK(gaps[2].priority == doctest::Approx(0.15));
    CHECK(gaps[2].remaining_hours == doctest::Approx(20)); // half of 40 for "partially"
    CHECK(gaps[2].tooling_cost == doctest::Approx(1000));
    CHECK(gaps[0].frameworks == std::vector<std::string>{"demo"});
  }

  SUBCASE("Type II operating gaps cost a quarter of the effort") {
    compliance::Answers answers = known_answers();
    answers["policy"] = answer(AnswerValue::yes, AnswerValue::no);
    const auto gaps =
      compliance::find_gaps(f.questionnaire, {{"demo"}, "type2"}, f.frameworks, answers);
    REQUIRE(gaps.size() == 4);
    CHECK(gaps[0].control->id == "policy"); // 3 × 4 / 10 = 1.2, before mfa's 1.0
    CHECK(gaps[0].kind == compliance::GapKind::operating);
    CHECK(gaps[0].remaining_hours == doctest::Approx(2.5)); // 10 × 0.25
    CHECK(gaps[0].tooling_cost == doctest::Approx(0));
  }

  SUBCASE("the README's priority examples") {
    compliance::Library library = compliance::Library::built_in();
    const compliance::Answers answers = {{"mfa-all-users", answer(AnswerValue::no)},
                                         {"redundancy-capacity", answer(AnswerValue::partially)}};
    const auto& soc2 = library.framework("soc2");
    const auto gaps =
      compliance::find_gaps(library.questionnaire(), {{"soc2"}, "type1"}, {&soc2}, answers);
    REQUIRE(gaps.size() == 2);
    CHECK(gaps[0].control->id == "mfa-all-users");
    CHECK(gaps[0].priority == doctest::Approx(4.0 * 5 / 24));
    CHECK(gaps[1].priority == doctest::Approx(2.0 * 3 / 40));
  }
}

TEST_CASE("estimate_cost") {
  ScoringFixture f;
  const compliance::Scope scope{{"demo"}, "type1"};
  const auto gaps = compliance::find_gaps(f.questionnaire, scope, f.frameworks, known_answers());
  compliance::PlanOptions options;
  options.hourly_rate = 100;

  SUBCASE("effort × rate + tooling + audit") {
    options.audit_cost = 5000;
    const auto cost = compliance::estimate_cost(gaps, f.frameworks, scope, options);
    CHECK(cost.hours == doctest::Approx(44)); // 20 + 4 + 20
    CHECK(cost.labour == doctest::Approx(4400));
    CHECK(cost.tooling == doctest::Approx(2000)); // 1000 + half of 2000
    CHECK(cost.audit == doctest::Approx(5000));
    CHECK(cost.total == doctest::Approx(11400));
    CHECK(!cost.assumptions.empty());
  }

  SUBCASE("shipped frameworks carry audit estimates") {
    compliance::Library library = compliance::Library::built_in();
    const auto& soc2 = library.framework("soc2");
    const auto type1 = compliance::estimate_cost({}, {&soc2}, {{"soc2"}, "type1"}, options);
    const auto type2 = compliance::estimate_cost({}, {&soc2}, {{"soc2"}, "type2"}, options);
    CHECK(type1.audit > 0);
    CHECK(type2.audit > type1.audit);
    CHECK(type2.total == doctest::Approx(type2.audit));
  }
}

TEST_CASE("plan_roadmap") {
  ScoringFixture f;
  const compliance::Scope scope{{"demo"}, "type1"};
  const compliance::Answers answers = known_answers();
  const auto gaps = compliance::find_gaps(f.questionnaire, scope, f.frameworks, answers);
  compliance::PlanOptions options;
  options.hourly_rate = 100;
  options.hours_per_week = 7; // one hour a day keeps the days easy to check
  options.start = *velocity::time::parse_iso8601("2025-01-01");

  SUBCASE("quick wins first, dependencies before dependants, projected scores") {
    const auto roadmap =
      compliance::plan_roadmap(gaps, f.questionnaire, f.frameworks, scope, answers, options);
    REQUIRE(roadmap.phases.size() == 3);
    // training (4 h) is the only quick win: days 1-4.
    CHECK(roadmap.phases[0].name == "Quick wins");
    REQUIRE(roadmap.phases[0].actions.size() == 1);
    CHECK(gaps[roadmap.phases[0].actions[0].gap].control->id == "training");
    CHECK(roadmap.phases[0].end_day == 4);
    // (4 + 0 + 1.5 + 2) / 14
    CHECK(*roadmap.phases[0].projected[0] == doctest::Approx(100.0 * 7.5 / 14));
    // mfa has the higher priority but waits for idp (20 h left): days 5-24.
    CHECK(roadmap.phases[1].name == "30 days");
    CHECK(gaps[roadmap.phases[1].actions[0].gap].control->id == "idp");
    CHECK(roadmap.phases[1].start_day == 5);
    CHECK(roadmap.phases[1].end_day == 24);
    CHECK(roadmap.phases[1].cost == doctest::Approx(20 * 100 + 1000));
    CHECK(*roadmap.phases[1].projected[0] == doctest::Approx(100.0 * 9 / 14));
    // mfa: days 25-44.
    CHECK(roadmap.phases[2].name == "60 days");
    CHECK(gaps[roadmap.phases[2].actions[0].gap].control->id == "mfa");
    CHECK(roadmap.phases[2].end_day == 44);
    CHECK(*roadmap.phases[2].projected[0] == doctest::Approx(100.0));
    CHECK(roadmap.work_days == 44);
    CHECK(roadmap.observation_days == 0);
    CHECK(velocity::time::to_iso8601(roadmap.completion).substr(0, 10) == "2025-02-14");
  }

  SUBCASE("Type II adds the observation period") {
    options.observation_days = 90;
    const compliance::Scope type2{{"demo"}, "type2"};
    compliance::Answers with_operating = answers;
    with_operating["policy"].operating = AnswerValue::yes;
    const auto type2_gaps =
      compliance::find_gaps(f.questionnaire, type2, f.frameworks, with_operating);
    const auto roadmap = compliance::plan_roadmap(type2_gaps, f.questionnaire, f.frameworks, type2,
                                                  with_operating, options);
    CHECK(roadmap.work_days == 44);
    CHECK(roadmap.observation_days == 90);
    CHECK(velocity::time::to_iso8601(roadmap.completion).substr(0, 10) == "2025-05-15");
  }

  SUBCASE("no gaps: done on day 0") {
    compliance::Answers all_yes;
    for (const auto& control : f.questionnaire.controls) {
      all_yes[control.id] = answer(AnswerValue::yes);
    }
    const auto roadmap =
      compliance::plan_roadmap({}, f.questionnaire, f.frameworks, scope, all_yes, options);
    CHECK(roadmap.phases.empty());
    CHECK(roadmap.work_days == 0);
  }

  SUBCASE("every shipped dependency is respected on a full 'no' SOC 2 assessment") {
    compliance::Library library = compliance::Library::built_in();
    const auto& soc2 = library.framework("soc2");
    compliance::Answers all_no;
    for (const auto& control : library.questionnaire().controls) {
      all_no[control.id] = answer(AnswerValue::no);
    }
    const compliance::Scope soc2_scope{{"soc2"}, "type1"};
    const auto soc2_gaps =
      compliance::find_gaps(library.questionnaire(), soc2_scope, {&soc2}, all_no);
    CHECK(soc2_gaps.size() == 82);
    const auto roadmap = compliance::plan_roadmap(soc2_gaps, library.questionnaire(), {&soc2},
                                                  soc2_scope, all_no, options);
    std::map<std::string, int> finished;
    size_t scheduled = 0;
    for (const auto& phase : roadmap.phases) {
      for (const auto& action : phase.actions) {
        const auto& control = *soc2_gaps[action.gap].control;
        for (const auto& dependency : control.depends_on) {
          CAPTURE(control.id);
          CAPTURE(dependency);
          CHECK(finished.count(dependency) == 1);
        }
        finished[control.id] = action.end_day;
        ++scheduled;
      }
    }
    CHECK(scheduled == 82);
    CHECK(*roadmap.phases.back().projected[0] == doctest::Approx(100.0));
    // 1820 hours of effort at 7 hours a week.
    CHECK(roadmap.work_days == 1820);
  }
}
