#include "fixture_files.hpp"

#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/providers/gcp/provider.hpp>

#include <doctest/doctest.h>

using namespace velocity;
using namespace velocity::providers;

namespace {

std::map<std::string, Status> verdicts_for(nlohmann::json policy) {
  Batch batch;
  batch.type = "policies";
  batch.account_id = "p";
  batch.evidence.push_back(Evidence{.type = "policies",
                                    .resource_id = "projects/p/iamPolicy",
                                    .account_id = "p",
                                    .region = "",
                                    .data = {{"kind", "iam_policy"}, {"policy", policy}},
                                    .raw_sha256 = ""});
  gcp::run_checks(batch);
  std::map<std::string, Status> out;
  for (const Finding& finding : batch.findings) {
    out[finding.check_id] = finding.status;
  }
  return out;
}

nlohmann::json full_audit() {
  return nlohmann::json::array(
    {{{"service", "allServices"},
      {"auditLogConfigs",
       {{{"logType", "ADMIN_READ"}}, {{"logType", "DATA_READ"}}, {{"logType", "DATA_WRITE"}}}}}});
}

} // namespace

TEST_CASE("run_checks") {
  SUBCASE("a clean policy passes all seven") {
    const auto got = verdicts_for(
      {{"bindings",
        {{{"role", "roles/owner"}, {"members", {"group:admins@example.com"}}},
         {{"role", "roles/viewer"}, {"members", {"user:mike@example.com"}}},
         {{"role", "roles/logging.logWriter"}, {"members", {"serviceAccount:a@p.iam"}}}}},
       {"auditConfigs", full_audit()}});
    CHECK(got.size() == 7);
    for (const auto& verdict : got) {
      CHECK_MESSAGE(verdict.second == Status::pass, verdict.first);
    }
  }
  SUBCASE("each bad binding fails its own check") {
    const auto got = verdicts_for(
      {{"bindings",
        {{{"role", "roles/editor"}, {"members", {"user:bob@example.com"}}},
         {{"role", "roles/storage.objectViewer"}, {"members", {"allUsers"}}},
         {{"role", "roles/iam.securityAdmin"}, {"members", {"serviceAccount:a@p.iam"}}}}},
       {"auditConfigs",
        {{{"service", "allServices"}, {"auditLogConfigs", {{{"logType", "DATA_WRITE"}}}}}}}});
    CHECK(got.at("gcp_iam_no_primitive_roles_for_users") == Status::fail);
    CHECK(got.at("gcp_iam_no_public_members") == Status::fail);
    CHECK(got.at("gcp_iam_sa_no_administrative_privileges") == Status::fail);
    CHECK(got.at("gcp_iam_audit_logs_enabled") == Status::fail);
  }
  SUBCASE("no auditConfigs at all fails the audit check") {
    const auto got = verdicts_for({{"bindings", nlohmann::json::array()}});
    CHECK(got.at("gcp_iam_audit_logs_enabled") == Status::fail);
    CHECK(got.at("gcp_iam_no_public_members") == Status::pass);
  }
}

TEST_CASE("parse_key") {
  SUBCASE("the test key file") {
    const std::string text = read_fixture(VELOCITY_TESTS_DIR "/fakes/keys/gcp-sa.json");
    const gcp::ServiceAccountKey key = gcp::parse_key(text, "gcp-sa.json");
    CHECK(key.client_email == "velocity-test@tokyo-rain-123.iam.gserviceaccount.com");
    CHECK(key.project_id == "tokyo-rain-123");
    CHECK(key.private_key_id == "1");
  }
  SUBCASE("not a service-account key") {
    CHECK_THROWS_AS(gcp::parse_key("{}", "x.json"), UsageError);
    CHECK_THROWS_AS(gcp::parse_key("not json", "x.json"), UsageError);
    CHECK_THROWS_AS(gcp::parse_key(R"({"type":"service_account","client_email":"a",
                                       "private_key":"-----BEGIN PRIVATE KEY-----\nxx\n"})",
                                   "x.json"),
                    UsageError);
  }
}

TEST_CASE("Settings::validate") {
  gcp::Settings settings;
  settings.project_id = "tokyo-rain-123";
  CHECK_NOTHROW(settings.validate());
  settings.project_id = "";
  CHECK_THROWS_AS(settings.validate(), UsageError);
  settings.project_id = "tokyo-rain-123";
  settings.api_endpoint = "file:///x";
  CHECK_THROWS_AS(settings.validate(), UsageError);
}

TEST_CASE("Settings keep whether every project is collected") {
  gcp::Settings settings;
  settings.project_id = "tokyo-rain-123";
  CHECK_FALSE(gcp::Settings::from_json(settings.to_json()).all_projects);
  settings.all_projects = true;
  const gcp::Settings read = gcp::Settings::from_json(settings.to_json());
  CHECK(read.all_projects);
  CHECK(read.project_id == "tokyo-rain-123");
}
