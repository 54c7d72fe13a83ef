#pragma once

// A state with an organisation, two completed SOC 2 assessments and one AWS integration's
// evidence and findings, for the report tests.

#include <velocity/compliance/answers.hpp>
#include <velocity/compliance/library.hpp>
#include <velocity/core/time.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/store/assessment.hpp>
#include <velocity/store/evidence.hpp>
#include <velocity/store/integrations.hpp>
#include <velocity/store/state.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace velocity::test {

struct ReportState {
  std::filesystem::path dir;
  std::filesystem::path path;
  std::optional<store::State> state;
  std::optional<store::Org> org;
  int64_t integration_id = 0;

  ReportState()
    : dir(std::filesystem::temp_directory_path() /
          ("velocity-report-state-" + crypto::to_hex(crypto::random_bytes(6)))),
      path(dir / "velocity.db") {
    ::setenv("VELOCITY_MASTER_KEY", crypto::base64_encode(crypto::random_bytes(32)).c_str(), 1);
    ::unsetenv("VELOCITY_KEY_FILE");
    ::unsetenv("VELOCITY_PASSPHRASE");
    store::State::initialize(path, store::NewKeySource::automatic, {});
    state.emplace(store::State::open(path, {}));
    org.emplace(state->org("default"));
  }
  ~ReportState() {
    org.reset();
    state.reset();
    ::unsetenv("VELOCITY_MASTER_KEY");
    std::filesystem::remove_all(dir);
  }

  store::Database& db() { return state->db(); }

  // A completed SOC 2 assessment with `answers` ({"mfa-all-users": "yes", ...}) and the stored
  // score `score`.
  int64_t add_assessment(const std::map<std::string, std::string>& answers, double score) {
    compliance::Answers values;
    for (const auto& [id, text] : answers) {
      compliance::Answer answer;
      answer.design = compliance::parse_answer_value(text);
      answer.note = "note for " + id;
      values.emplace(id, answer);
    }
    store::NewAssessment assessment;
    assessment.frameworks = "soc2";
    assessment.catalog_sha256 = compliance::Library::built_in().digest({"soc2"});
    assessment.answers = compliance::answers_to_json(values).dump();
    return store::add_completed_assessment(db(), *org, assessment,
                                           nlohmann::json{{"soc2", score}}.dump());
  }

  // `count` S3 buckets and IAM users; every third root-MFA finding fails.
  void add_findings(int count) {
    if (integration_id == 0) {
      store::NewIntegration integration{"aws-prod", "aws", "{}", "secret"};
      integration_id = store::add_integration(db(), *org, integration, store::OnExisting::fail).id;
    }
    std::vector<store::EvidenceInput> evidence;
    std::vector<store::FindingInput> findings;
    for (int i = 0; i < count; ++i) {
      const std::string id = "user-" + std::to_string(i);
      evidence.push_back({"aws", "iam_users", id, "123456789012", "", std::string(64, 'a'),
                          nlohmann::json{{"user", id}, {"mfa", i % 3 != 0}}.dump()});
      findings.push_back({"aws_iam_user_mfa_enabled_console_access", store::Severity::high,
                          i % 3 == 0 ? store::Status::fail : store::Status::pass, id,
                          "123456789012", "", i % 3 == 0 ? "no MFA device" : "MFA enabled",
                          evidence.size() - 1});
      findings.push_back({"aws_unknown_check", store::Severity::low, store::Status::pass, id,
                          "123456789012", "", "fine", evidence.size() - 1});
    }
    evidence.push_back({"aws", "account", "root", "123456789012", "", std::string(64, 'b'),
                        R"({"root_mfa":false})"});
    findings.push_back({"aws_iam_root_mfa_enabled", store::Severity::critical, store::Status::fail,
                        "root", "123456789012", "", "the root user has no MFA",
                        evidence.size() - 1});
    store::save_batch(db(), *org, integration_id, std::nullopt, evidence, findings, time::now());
  }
};

} // namespace velocity::test
