#include "test_compliance_support.hpp"

#include <velocity/compliance/answers.hpp>
#include <velocity/compliance/library.hpp>
#include <velocity/core/error.hpp>

#include <doctest/doctest.h>

#include <string>

namespace compliance = velocity::compliance;
using compliance::AnswerValue;
using velocity::test::usage_error_of;

namespace {

// A template for `scope` with every empty answer (and operating answer) set to `value`.
std::string filled_template(compliance::Library& library, const compliance::Scope& scope,
                            const std::string& value) {
  std::vector<const compliance::Framework*> frameworks;
  for (const auto& id : scope.frameworks) {
    frameworks.push_back(&library.framework(id));
  }
  std::string text = compliance::answer_template(library.questionnaire(), frameworks, scope, {});
  for (const std::string field : {"    answer:\n", "    operating:\n"}) {
    for (size_t at = text.find(field); at != std::string::npos; at = text.find(field, at + 1)) {
      text.replace(at + field.size() - 1, 1, " " + value + "\n");
    }
  }
  return text;
}

} // namespace

TEST_CASE("parse_answer_value") {
  SUBCASE("long and short forms, any case") {
    CHECK(compliance::parse_answer_value("Yes") == AnswerValue::yes);
    CHECK(compliance::parse_answer_value("y") == AnswerValue::yes);
    CHECK(compliance::parse_answer_value("partial") == AnswerValue::partially);
    CHECK(compliance::parse_answer_value("P") == AnswerValue::partially);
    CHECK(compliance::parse_answer_value("no") == AnswerValue::no);
    CHECK(compliance::parse_answer_value("N/A") == AnswerValue::not_applicable);
    CHECK(compliance::parse_answer_value("not applicable") == AnswerValue::not_applicable);
    CHECK(compliance::parse_answer_value("a") == AnswerValue::not_applicable);
  }
  SUBCASE("anything else is not an answer") {
    CHECK_FALSE(compliance::parse_answer_value("true").has_value());
    CHECK_FALSE(compliance::parse_answer_value("").has_value());
    CHECK_FALSE(compliance::parse_answer_value("maybe").has_value());
  }
}

TEST_CASE("answer_template") {
  compliance::Library library = compliance::Library::built_in();

  SUBCASE("one entry per question; Type II adds the operating question") {
    const compliance::Scope type1{{"soc2"}, "type1"};
    const std::string text = filled_template(library, type1, "yes");
    size_t entries = 0;
    for (size_t at = text.find("  - id: "); at != std::string::npos;
         at = text.find("  - id: ", at + 1)) {
      ++entries;
    }
    CHECK(entries == 82);
    CHECK(text.find("operating:") == std::string::npos);
    const std::string type2 = filled_template(library, {{"soc2"}, "type2"}, "yes");
    CHECK(type2.find("    operating: yes") != std::string::npos);
    CHECK(type2.find("variant: type2") != std::string::npos);
  }

  SUBCASE("a filled template reads back as complete answers") {
    const compliance::Scope scope{{"soc2"}, "type2"};
    const auto file = compliance::read_answer_file(filled_template(library, scope, "yes"), "t.yaml",
                                                   library.questionnaire());
    CHECK(file.frameworks == std::vector<std::string>{"soc2"});
    CHECK(file.variant == "type2");
    const auto answers = compliance::answers_for_scope(file, library.questionnaire(), scope);
    CHECK(answers.size() == 82);
    CHECK(answers.at("mfa-all-users").operating == AnswerValue::yes);
  }

  SUBCASE("prefilled answers and notes are written back, quoted") {
    compliance::Answers prefill;
    prefill["dpia"].design = AnswerValue::partially;
    prefill["dpia"].note = "new systems only: \"legacy\" excluded";
    const compliance::Scope scope{{"gdpr"}, ""};
    const std::string text = compliance::answer_template(
      library.questionnaire(), {&library.framework("gdpr")}, scope, prefill);
    const auto file = compliance::read_answer_file(text, "t.yaml", library.questionnaire());
    bool found = false;
    for (const auto& entry : file.entries) {
      if (entry.id == "dpia") {
        found = true;
        CHECK(entry.answer.design == AnswerValue::partially);
        CHECK(entry.answer.note == "new systems only: \"legacy\" excluded");
      }
    }
    CHECK(found);
  }
}

TEST_CASE("answers_for_scope") {
  compliance::Library library = compliance::Library::built_in();
  const auto& questionnaire = library.questionnaire();
  const compliance::Scope gdpr{{"gdpr"}, ""};

  SUBCASE("every problem is reported with its line") {
    const std::string text = R"(framework: gdpr
answers:
  - id: mfa-all-users
    answer: maybe
  - id: privacy-notce
    answer: yes
  - id: backups
    answer:
  - id: backups
    answer: yes
  - id: dpia
    answer: yes
    operating: no
    colour: blue
)";
    const auto file = compliance::read_answer_file(text, "a.yaml", questionnaire);
    const std::string message =
      usage_error_of([&] { compliance::answers_for_scope(file, questionnaire, gdpr); });
    CHECK(message.find("a.yaml:4:13: 'mfa-all-users': 'answer' is 'maybe'; use yes, partially, no "
                       "or n/a") != std::string::npos);
    CHECK(message.find("a.yaml:5:9: 'privacy-notce': 'id' is not a question of the questionnaire "
                       "(did you mean 'privacy-notice'?)") != std::string::npos);
    CHECK(message.find("a.yaml:9:9: 'backups': 'id' is answered twice") != std::string::npos);
    CHECK(message.find("a.yaml:13:16: 'dpia': 'operating' is set, but this control has no Type II "
                       "question") != std::string::npos);
    CHECK(message.find("a.yaml:14:5: 'dpia': unknown field 'colour'") != std::string::npos);
    CHECK(message.find("a.yaml:8: 'backups': 'answer' is empty") != std::string::npos);
    CHECK(message.find("a.yaml:2: 33 of the 35 questions have no entry: security-policy, "
                       "management-oversight, internal-audit, risk-assessment, risk-treatment, and "
                       "28 more") != std::string::npos);
    // The bad value is reported once, not again as empty.
    CHECK(message.find("'mfa-all-users': 'answer' is empty") == std::string::npos);
  }

  SUBCASE("a file that is not an answers file") {
    const std::string message = usage_error_of(
      [&] { compliance::read_answer_file("- just\n- a list\n", "a.yaml", questionnaire); });
    CHECK(message.find("a.yaml:1:1: answers file: expected a mapping of fields") !=
          std::string::npos);
    const std::string syntax = usage_error_of(
      [&] { compliance::read_answer_file("answers: [\n", "a.yaml", questionnaire); });
    CHECK(syntax.find("a.yaml:2:1: not valid YAML") != std::string::npos);
  }

  SUBCASE("answers outside the scope are ignored; Type II needs operating answers") {
    const std::string type2 = filled_template(library, {{"soc2", "gdpr"}, "type2"}, "yes");
    const auto file = compliance::read_answer_file(type2, "t.yaml", questionnaire);
    const auto answers = compliance::answers_for_scope(file, questionnaire, gdpr);
    CHECK(answers.size() == 35);
    CHECK(answers.count("mfa-all-users") == 0);
    CHECK_FALSE(answers.at("security-policy").operating.has_value());

    std::string missing = type2;
    missing.replace(missing.find("    operating: yes"), 18, "    operating:");
    const auto missing_file = compliance::read_answer_file(missing, "t.yaml", questionnaire);
    const std::string message = usage_error_of([&] {
      compliance::answers_for_scope(missing_file, questionnaire, {{"soc2"}, "type2"});
    });
    CHECK(message.find("'security-policy': 'operating' is empty: Type II asks") !=
          std::string::npos);
    // With a "no" the operating question is not asked, so nothing is missing.
    std::string no_design = missing;
    const size_t at = no_design.find("    answer: yes");
    no_design.replace(at, 15, "    answer: no");
    const auto no_file = compliance::read_answer_file(no_design, "t.yaml", questionnaire);
    const auto answers_no =
      compliance::answers_for_scope(no_file, questionnaire, {{"soc2"}, "type2"});
    CHECK(answers_no.at("security-policy").design == AnswerValue::no);
  }
}

TEST_CASE("answers_to_json") {
  SUBCASE("round trip") {
    compliance::Answers answers;
    answers["a"].design = AnswerValue::yes;
    answers["a"].operating = AnswerValue::partially;
    answers["a"].note = "n";
    answers["b"].design = AnswerValue::not_applicable;
    answers["b"].evidence = "https://x";
    const auto back = compliance::answers_from_json(compliance::answers_to_json(answers));
    CHECK(back.size() == 2);
    CHECK(back.at("a").operating == AnswerValue::partially);
    CHECK(back.at("a").note == "n");
    CHECK(back.at("b").design == AnswerValue::not_applicable);
    CHECK(back.at("b").evidence == "https://x");
  }
}
