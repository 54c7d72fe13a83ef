#include "test_compliance_state_support.hpp"

#include <velocity/core/error.hpp>
#include <velocity/store/evidence.hpp>
#include <velocity/store/findings.hpp>
#include <velocity/store/integrations.hpp>

#include <doctest/doctest.h>

using namespace velocity;
using store::Severity;
using store::Status;

TEST_CASE("parse_severity") {
  for (const Severity severity : store::k_severities) {
    CHECK(store::parse_severity(store::to_string(severity)) == severity);
  }
  CHECK(store::parse_severity("CRITICAL") == Severity::critical);
  CHECK_FALSE(store::parse_severity("urgent").has_value());
  CHECK_FALSE(store::parse_severity("").has_value());
}

TEST_CASE("parse_status") {
  CHECK(store::parse_status("PASS") == Status::pass);
  CHECK(store::parse_status("fail") == Status::fail);
  CHECK(store::to_string(Status::fail) == "FAIL");
  CHECK_FALSE(store::parse_status("FAILED").has_value());
}

TEST_CASE("for_each_finding") {
  test::ComplianceTempState temp;
  store::State state = temp.open();
  const store::Org org = state.org("default");
  const int64_t integration =
    store::add_integration(state.db(), org, {"prod", "aws", "{}", "secret"},
                           store::OnExisting::fail)
      .id;
  const std::vector<store::EvidenceInput> evidence = {
    {"aws", "iam_users", "alice", "111", "", std::string(64, 'a'), "{}"}};
  const std::vector<store::FindingInput> findings = {
    {"aws_iam_user_mfa_enabled_console_access", Severity::high, Status::fail, "alice", "111", "",
     "no MFA", 0},
    {"aws_iam_rotate_access_key_90_days", Severity::low, Status::pass, "alice", "111", "", "fresh",
     0}};
  store::save_batch(state.db(), org, integration, std::nullopt, evidence, findings, time::now());

  SUBCASE("severity and status come back as the enums they were stored as") {
    std::vector<store::FindingRecord> read;
    store::for_each_finding(state.db(), org, {},
                            [&](const store::FindingRecord& finding) { read.push_back(finding); });
    REQUIRE(read.size() == 2);
    CHECK(read[0].check_id == "aws_iam_rotate_access_key_90_days");
    CHECK(read[0].severity == Severity::low);
    CHECK(read[0].status == Status::pass);
    CHECK(read[1].severity == Severity::high);
    CHECK(read[1].status == Status::fail);
  }
  SUBCASE("the status filter") {
    store::FindingFilter filter;
    filter.status = Status::fail;
    std::vector<std::string> checks;
    store::for_each_finding(state.db(), org, filter, [&](const store::FindingRecord& finding) {
      checks.push_back(finding.check_id);
    });
    CHECK(checks == std::vector<std::string>{"aws_iam_user_mfa_enabled_console_access"});
  }
  SUBCASE("by check: a check's findings of every integration follow each other") {
    const int64_t other =
      store::add_integration(state.db(), org, {"staging", "aws", "{}", "secret"},
                             store::OnExisting::fail)
        .id;
    store::save_batch(state.db(), org, other, std::nullopt, evidence, findings, time::now());
    const auto visit_order = [&](store::FindingOrder order) {
      store::FindingFilter filter;
      filter.order = order;
      std::vector<std::string> seen;
      store::for_each_finding(state.db(), org, filter, [&](const store::FindingRecord& finding) {
        seen.push_back(finding.integration + " " + finding.check_id.substr(8, 4));
      });
      return seen;
    };
    CHECK(visit_order(store::FindingOrder::natural) ==
          std::vector<std::string>{"prod rota", "prod user", "staging rota", "staging user"});
    CHECK(visit_order(store::FindingOrder::by_check) ==
          std::vector<std::string>{"prod rota", "staging rota", "prod user", "staging user"});
  }
  SUBCASE("a severity velocity never writes is refused, naming the finding") {
    state.db().execute("UPDATE findings SET severity = 'urgent' WHERE check_id = "
                       "'aws_iam_user_mfa_enabled_console_access'");
    try {
      store::for_each_finding(state.db(), org, {}, [](const store::FindingRecord&) {});
      FAIL("no error");
    } catch (const StateError& error) {
      CHECK(std::string(error.what()).find("severity 'urgent'") != std::string::npos);
    }
  }
}
