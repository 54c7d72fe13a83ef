#include "test_compliance_state_support.hpp"

#include <velocity/core/error.hpp>
#include <velocity/store/assessment.hpp>
#include <velocity/store/integrations.hpp>
#include <velocity/store/names.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <set>

using namespace velocity;

namespace {

std::set<std::string> files_in(const std::filesystem::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

} // namespace

TEST_CASE("organisation_names, integration_names, assessment_ids") {
  test::ComplianceTempState temp;
  {
    store::State state = temp.open();
    state.create_org("acme", store::OrgKind::regular);
    const store::Org acme = state.org("acme");
    store::add_integration(state.db(), acme, {"prod", "aws", "{}", "secret"},
                           store::OnExisting::fail);
    store::add_integration(state.db(), acme, {"gh", "github", "{}", "token"},
                           store::OnExisting::fail);
    store::add_completed_assessment(state.db(), acme, {"soc2", "", "digest", "{}", 0}, "{}");
  }
  const auto before = files_in(temp.dir);

  SUBCASE("read without the master key: the names are plain columns") {
    ::setenv("VELOCITY_MASTER_KEY", "not a key", 1);
    CHECK(store::organisation_names(temp.path) == std::vector<std::string>{"acme", "default"});
    CHECK(store::integration_names(temp.path, "acme") == std::vector<std::string>{"gh", "prod"});
    CHECK(store::assessment_ids(temp.path, "acme").size() == 1);
  }
  SUBCASE("an organisation without any, or that does not exist, has none") {
    CHECK(store::integration_names(temp.path, "default").empty());
    CHECK(store::assessment_ids(temp.path, "nosuch").empty());
  }
  SUBCASE("reading writes and creates nothing beside the state") {
    store::organisation_names(temp.path);
    CHECK(files_in(temp.dir) == before);
  }
  SUBCASE("a missing file is a StateError, and is not created") {
    CHECK_THROWS_AS(store::organisation_names(temp.dir / "missing.db"), StateError);
    CHECK_FALSE(std::filesystem::exists(temp.dir / "missing.db"));
  }
}
