#include "test_compliance_state_support.hpp"

#include <velocity/compliance/demo.hpp>
#include <velocity/compliance/demo_writer.hpp>
#include <velocity/compliance/library.hpp>
#include <velocity/core/error.hpp>
#include <velocity/providers/aws/provider.hpp>
#include <velocity/providers/azure/provider.hpp>
#include <velocity/providers/gcp/provider.hpp>
#include <velocity/providers/github/provider.hpp>
#include <velocity/providers/provider.hpp>
#include <velocity/store/assessment.hpp>
#include <velocity/store/evidence.hpp>
#include <velocity/store/findings.hpp>
#include <velocity/store/integrations.hpp>

#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

using namespace velocity;
using namespace velocity::compliance;

namespace {

DemoOptions options_for(Scenario scenario, int days, uint64_t seed) {
  return DemoOptions{scenario, days, seed, *time::parse_iso8601("2025-03-31")};
}

// Everything a history put in the state that a user can see, as text: the summary, every
// integration, evidence row (with its opened payload), finding and assessment.
std::string written_history(const DemoOptions& options) {
  test::ComplianceTempState temp;
  store::State state = temp.open();
  state.create_org("demo-test", store::OrgKind::demo);
  const store::Org org = state.org("demo-test");
  Library library = Library::built_in();
  const DemoSummary summary = write_demo_history(state.db(), org, library, options);
  std::string text = demo_summary_to_json(summary).dump() + "\n";
  for (const DemoAuditEvent& event : summary.audit_events) {
    text +=
      time::to_iso8601(event.simulated_at) + " " + event.action + " " + event.resource_id + "\n";
  }
  for (const auto& integration : store::list_integrations(state.db(), org)) {
    text += integration.name + " " + integration.settings + " " + integration.created_at + "\n";
  }
  for (const auto& row : store::list_evidence(state.db(), org, std::nullopt)) {
    const auto evidence = store::find_evidence(state.db(), org, row.id);
    text += row.resource_id + " " + row.collected_at + " " + evidence->payload + " " +
            evidence->first_collected_at + "\n";
  }
  store::for_each_finding(state.db(), org, {}, [&](const store::FindingRecord& finding) {
    text += finding.check_id + " " + finding.resource_id + " " +
            std::string(to_string(finding.status)) + " " + finding.first_seen_at + " " +
            finding.first_failed_at.value_or("-") + " " + finding.passed_again_at.value_or("-") +
            "\n";
  });
  for (const auto& assessment : store::list_assessments(state.db(), org)) {
    const auto full = store::find_assessment(state.db(), org, assessment.id);
    text +=
      assessment.scores + " " + assessment.completed_at.value_or("") + " " + full->answers + "\n";
  }
  return text;
}

} // namespace

TEST_CASE("DemoRandom") {
  SUBCASE("the same seed gives the same numbers, another seed others") {
    DemoRandom a(42);
    DemoRandom b(42);
    DemoRandom c(43);
    std::vector<uint64_t> from_a;
    std::vector<uint64_t> from_b;
    std::vector<uint64_t> from_c;
    for (int i = 0; i < 8; ++i) {
      from_a.push_back(a.next());
      from_b.push_back(b.next());
      from_c.push_back(c.next());
    }
    CHECK(from_a == from_b);
    CHECK(from_a != from_c);
  }
  SUBCASE("SplitMix64 reference value") {
    // The first output of SplitMix64 seeded with 0 (Vigna's reference implementation).
    DemoRandom zero(0);
    CHECK(zero.next() == 0xe220a8397b1dcdafULL);
  }
  SUBCASE("between stays in range and unit in [0, 1)") {
    DemoRandom random(7);
    for (int i = 0; i < 1000; ++i) {
      const int64_t value = random.between(3, 9);
      CHECK(value >= 3);
      CHECK(value <= 9);
      const double unit = random.unit();
      CHECK(unit >= 0.0);
      CHECK(unit < 1.0);
    }
  }
}

TEST_CASE("parse_scenario") {
  CHECK(parse_scenario("startup-soc2") == Scenario::startup_soc2);
  CHECK(parse_scenario("enterprise-iso27001") == Scenario::enterprise_iso27001);
  CHECK_FALSE(parse_scenario("startup"));
  CHECK(demo_org_name(Scenario::fintech_pci) == "demo-fintech-pci");
  Library library = Library::built_in();
  for (const ScenarioInfo& info : scenarios()) {
    for (const std::string& framework : info.frameworks) {
      CHECK_MESSAGE(library.has_framework(framework), framework);
    }
  }
}

TEST_CASE("validate") {
  CHECK_THROWS_AS(validate(options_for(Scenario::startup_soc2, 0, 1)), UsageError);
  CHECK_THROWS_AS(validate(options_for(Scenario::startup_soc2, 400, 1)), UsageError);
  CHECK_NOTHROW(validate(options_for(Scenario::startup_soc2, 1, 1)));
}

TEST_CASE("build_demo_integrations") {
  Library library = Library::built_in();
  const CheckCatalogue& catalogue = library.checks();
  SUBCASE("every check of the catalogue, on every platform, in every scenario") {
    for (const ScenarioInfo& info : scenarios()) {
      DemoRandom random(1);
      std::set<std::string> platforms;
      std::set<std::string> covered;
      for (const DemoIntegration& integration : build_demo_integrations(info, random, catalogue)) {
        platforms.insert(integration.platform);
        for (const DemoResource& resource : integration.resources) {
          for (const DemoCheck& check : resource.checks) {
            const Check* entry = catalogue.find(check.id);
            REQUIRE_MESSAGE(entry != nullptr, check.id);
            CHECK(entry->severity == check.severity);
            CHECK_MESSAGE(entry->evidence_type == resource.type, check.id);
            CHECK_MESSAGE(entry->platform == integration.platform, check.id);
            CHECK(check.fail_reason.find(resource.name) == 0);
            covered.insert(check.id);
          }
        }
      }
      CHECK(platforms == std::set<std::string>{"aws", "azure", "gcp", "github"});
      for (const Check& check : catalogue.checks) {
        CHECK_MESSAGE(covered.count(check.id) == 1, info.name, ": ", check.id);
      }
    }
  }
  SUBCASE("every check the providers run is in the demo") {
    DemoRandom random(1);
    std::set<std::string> covered;
    for (const DemoIntegration& integration :
         build_demo_integrations(scenarios().front(), random, catalogue)) {
      for (const DemoResource& resource : integration.resources) {
        for (const DemoCheck& check : resource.checks) {
          covered.insert(check.id);
        }
      }
    }
    for (const providers::Platform* platform :
         {&providers::aws::platform(), &providers::github::platform(), &providers::gcp::platform(),
          &providers::azure::platform()}) {
      for (const providers::CheckInfo& check : platform->checks) {
        CHECK_MESSAGE(covered.count(check.id) == 1, check.id);
      }
    }
  }
  SUBCASE("resources have the ids of their kind") {
    DemoRandom random(1);
    std::map<std::string, std::string> resource_of; // check id -> a resource it is on
    for (const DemoIntegration& integration :
         build_demo_integrations(scenarios().front(), random, catalogue)) {
      for (const DemoResource& resource : integration.resources) {
        for (const DemoCheck& check : resource.checks) {
          resource_of.emplace(check.id, resource.resource_id);
        }
      }
    }
    CHECK(resource_of.at("aws_iam_user_mfa_enabled_console_access").find(":user/") !=
          std::string::npos);
    CHECK(resource_of.at("aws_ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22")
            .find(":security-group/sg-0") != std::string::npos);
    CHECK(resource_of.at("aws_s3_bucket_default_encryption").rfind("acme-", 0) == 0);
    CHECK(resource_of.at("aws_ec2_ebs_default_encryption") == "us-east-1");
    CHECK(resource_of.at("github_repository_secret_scanning_enabled") == "acme-cloud/api");
    CHECK(resource_of.at("github_organization_members_mfa_required") == "acme-cloud");
    CHECK(resource_of.at("gcp_cloudsql_instance_ssl_connections").find("/instances/acme-") !=
          std::string::npos);
    CHECK(resource_of.at("gcp_iam_no_primitive_roles_for_users").rfind("projects/acme-", 0) == 0);
    CHECK(resource_of.at("azure_storage_secure_transfer_required_is_enabled")
            .find("/providers/Microsoft.Storage/storageAccounts/st") != std::string::npos);
    CHECK(resource_of.at("azure_rbac_owner_count_limited").rfind("/subscriptions/", 0) == 0);
  }
  SUBCASE("a check of a new rule goes on the account of its platform") {
    CheckCatalogue extended = catalogue;
    Check added = *catalogue.find("aws_iam_root_mfa_enabled");
    added.id = "aws_newservice_setting_enabled";
    added.evidence_type = "new_type";
    extended.checks.push_back(added);
    extended.index();
    DemoRandom random(1);
    const auto integrations = build_demo_integrations(scenarios().front(), random, extended);
    int found = 0;
    for (const DemoResource& resource : integrations.front().resources) {
      for (const DemoCheck& check : resource.checks) {
        if (check.id == added.id) {
          ++found;
          CHECK(resource.resource_id == integrations.front().account_id);
          CHECK(resource.type == "new_type");
        }
      }
    }
    CHECK(found == 1);
  }
  SUBCASE("a catalogue without the checks of a platform is refused") {
    DemoRandom random(1);
    const CheckCatalogue empty;
    CHECK_THROWS_AS(build_demo_integrations(scenarios().front(), random, empty), UsageError);
  }
}

TEST_CASE("DemoWorld") {
  Library library = Library::built_in();
  const CheckCatalogue& checks = library.checks();
  SUBCASE("days are counted back from the end date") {
    const DemoWorld world(options_for(Scenario::startup_soc2, 30, 1), checks);
    CHECK(time::to_iso8601(world.day_start(29)) == "2025-03-31T00:00:00.000Z");
    CHECK(time::to_iso8601(world.day_start(0)) == "2025-03-02T00:00:00.000Z");
  }
  SUBCASE("the same seed drifts and remediates the same way; another seed differently") {
    const auto run = [&](uint64_t seed) {
      DemoWorld world(options_for(Scenario::fintech_pci, 20, seed), checks);
      std::string trace;
      for (int day = 1; day < 20; ++day) {
        for (const DemoChange& change : world.advance()) {
          trace += std::to_string(change.day) + change.resource_id + change.check_id + ";";
        }
      }
      for (const auto& [check, tally] : world.tally()) {
        trace += check + std::to_string(tally.pass) + "/" + std::to_string(tally.fail) + ";";
      }
      return trace;
    };
    CHECK(run(5) == run(5));
    CHECK(run(5) != run(6));
  }
  SUBCASE("failing checks mostly get fixed over a long history") {
    DemoWorld world(options_for(Scenario::startup_soc2, 90, 3), checks);
    int failing_at_start = 0;
    for (const auto& [check, tally] : world.tally()) {
      failing_at_start += tally.fail;
    }
    for (int day = 1; day < 90; ++day) {
      world.advance();
    }
    int failing_at_end = 0;
    for (const auto& [check, tally] : world.tally()) {
      failing_at_end += tally.fail;
    }
    CHECK(failing_at_start > 10);
    CHECK(failing_at_end < failing_at_start / 2);
  }
}

TEST_CASE("demo_answers") {
  Library library = Library::built_in();
  const Questionnaire& questionnaire = library.questionnaire();
  DemoWorld world(options_for(Scenario::startup_soc2, 10, 1), library.checks());
  const Answers first = demo_answers(questionnaire, world, 0.0);
  SUBCASE("every question of the scope is answered, with Type II operating answers") {
    CHECK(first.size() == questions_for(questionnaire, {"soc2"}).size());
    const bool any_operating = std::any_of(first.begin(), first.end(), [](const auto& entry) {
      return entry.second.operating.has_value();
    });
    CHECK(any_operating);
  }
  SUBCASE("checks answer nothing: the answers do not depend on the checks' results") {
    DemoWorld drifted(options_for(Scenario::startup_soc2, 10, 1), library.checks());
    for (DemoIntegration& integration : drifted.integrations()) {
      for (DemoResource& resource : integration.resources) {
        for (DemoCheck& check : resource.checks) {
          check.failing = !check.failing;
        }
      }
    }
    const Answers flipped = demo_answers(questionnaire, drifted, 0.0);
    for (const auto& entry : first) {
      CHECK_MESSAGE(flipped.at(entry.first).design == entry.second.design, entry.first);
    }
  }
  SUBCASE("a control in place stays in place as the programme progresses") {
    const Answers later = demo_answers(questionnaire, world, 1.0);
    int yes_first = 0;
    int yes_later = 0;
    // Named variables, not a structured binding: clang 14 cannot capture one in a lambda.
    for (const auto& entry : first) {
      const std::string& id = entry.first;
      const auto& answer = entry.second;
      if (answer.design == AnswerValue::yes) {
        ++yes_first;
        CHECK_MESSAGE(later.at(id).design == AnswerValue::yes, id);
      }
      yes_later += later.at(id).design == AnswerValue::yes ? 1 : 0;
    }
    CHECK(yes_later > yes_first);
  }
}

TEST_CASE("write_demo_history") {
  SUBCASE("the same seed writes the same history, another seed another") {
    const std::string a = written_history(options_for(Scenario::startup_soc2, 12, 7));
    const std::string b = written_history(options_for(Scenario::startup_soc2, 12, 7));
    const std::string c = written_history(options_for(Scenario::startup_soc2, 12, 8));
    CHECK(a.size() > 10000);
    CHECK(a == b);
    CHECK(a != c);
  }

  SUBCASE("what it writes") {
    test::ComplianceTempState temp;
    store::State state = temp.open();
    state.create_org("demo-x", store::OrgKind::demo);
    const store::Org org = state.org("demo-x");
    Library library = Library::built_in();
    const DemoSummary summary =
      write_demo_history(state.db(), org, library, options_for(Scenario::startup_soc2, 10, 1));
    const auto integrations = store::list_integrations(state.db(), org);
    REQUIRE(integrations.size() == 4);
    CHECK(integrations[0].last_test_status == std::optional<std::string>("healthy"));
    // The AWS account is connected on day 0 (2025-03-22 for 10 days ending 2025-03-31).
    CHECK(integrations[0].created_at.substr(0, 10) == "2025-03-22");
    const auto assessments = store::list_assessments(state.db(), org);
    REQUIRE(assessments.size() == 3);
    CHECK(assessments[0].completed_at->substr(0, 10) == "2025-03-22");
    CHECK(assessments[1].completed_at->substr(0, 10) == "2025-03-27");
    CHECK(assessments[2].completed_at->substr(0, 10) == "2025-03-31");
    CHECK(summary.assessments.size() == 3);
    CHECK(summary.assessments.back().scores.at("soc2").has_value());
    // AWS collects on 10 days, GitHub from day 2, GCP from day 3, Azure from day 5: 30 runs.
    CHECK(summary.runs == 30);
    CHECK(summary.evidence > 30);
    CHECK(summary.findings > summary.evidence);
    CHECK(summary.first_day == "2025-03-22");
    CHECK(summary.last_day == "2025-03-31");
    int collect_events = 0;
    for (const DemoAuditEvent& event : summary.audit_events) {
      collect_events += event.action == "evidence.collect" ? 1 : 0;
    }
    CHECK(collect_events == 30);
  }

  SUBCASE("refuses an organisation that is not a demo, and one that has a history") {
    test::ComplianceTempState temp;
    store::State state = temp.open();
    Library library = Library::built_in();
    const store::Org regular = state.org("default");
    CHECK_THROWS_AS(
      write_demo_history(state.db(), regular, library, options_for(Scenario::startup_soc2, 3, 1)),
      StateError);
    CHECK(store::list_integrations(state.db(), regular).empty());
    state.create_org("demo-y", store::OrgKind::demo);
    const store::Org demo = state.org("demo-y");
    write_demo_history(state.db(), demo, library, options_for(Scenario::startup_soc2, 3, 1));
    CHECK_THROWS_AS(
      write_demo_history(state.db(), demo, library, options_for(Scenario::startup_soc2, 3, 1)),
      StateError);
  }
}
