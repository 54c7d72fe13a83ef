#include <velocity/core/error.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/store/assessment.hpp>
#include <velocity/store/state.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

using namespace velocity;

namespace {

// A fresh state with VELOCITY_MASTER_KEY set, removed afterwards.
struct AssessmentState {
  std::filesystem::path dir;
  std::filesystem::path path;

  AssessmentState()
    : dir(std::filesystem::temp_directory_path() /
          ("velocity-unit-assess-" + crypto::to_hex(crypto::random_bytes(6)))),
      path(dir / "velocity.db") {
    ::setenv("VELOCITY_MASTER_KEY", crypto::base64_encode(crypto::random_bytes(32)).c_str(), 1);
    ::unsetenv("VELOCITY_KEY_FILE");
    ::unsetenv("VELOCITY_PASSPHRASE");
    store::State::initialize(path, store::NewKeySource::automatic, {});
  }
  ~AssessmentState() {
    ::unsetenv("VELOCITY_MASTER_KEY");
    std::filesystem::remove_all(dir);
  }
};

} // namespace

TEST_CASE("create_assessment") {
  AssessmentState temp;
  store::State state = store::State::open(temp.path, {});
  const store::Org org = state.org("default");

  SUBCASE("progress, completion and listing") {
    const auto created = store::create_assessment(
      state.db(), org, {"soc2", "type2", "abc", R"({"mfa-all-users":{"answer":"yes"}})", 0});
    CHECK(created.status == store::AssessmentStatus::in_progress);
    CHECK(created.answers == R"({"mfa-all-users":{"answer":"yes"}})");

    store::save_assessment_progress(state.db(), org, created.id, R"({"a":{"answer":"no"}})", 7);
    const auto in_progress = store::latest_in_progress(state.db(), org);
    REQUIRE(in_progress.has_value());
    CHECK(in_progress->id == created.id);
    CHECK(in_progress->position == 7);
    CHECK(in_progress->answers == R"({"a":{"answer":"no"}})");

    store::complete_assessment(state.db(), org, created.id, R"({"a":{"answer":"yes"}})",
                               R"({"soc2":100})", "def");
    CHECK_FALSE(store::latest_in_progress(state.db(), org).has_value());
    const auto done = store::find_assessment(state.db(), org, created.id);
    REQUIRE(done.has_value());
    CHECK(done->status == store::AssessmentStatus::completed);
    CHECK(done->completed_at.has_value());
    CHECK(done->scores == R"({"soc2":100})");
    CHECK(done->catalog_sha256 == "def");
    CHECK_THROWS_AS(store::save_assessment_progress(state.db(), org, created.id, "{}", 0),
                    StateError);

    const int64_t second =
      store::add_completed_assessment(state.db(), org, {"iso27001", "", "x", "{}", 0}, "{}");
    const auto all = store::list_assessments(state.db(), org);
    REQUIRE(all.size() == 2);
    CHECK(all[0].id == created.id);
    CHECK(all[1].id == second);
    CHECK(all[1].answers.empty());
    CHECK(store::delete_assessment(state.db(), org, second));
    CHECK_FALSE(store::delete_assessment(state.db(), org, second));
  }

  SUBCASE("answers are sealed: not in the file as plain text, bound to their row") {
    const auto created = store::create_assessment(
      state.db(), org, {"soc2", "", "abc", R"({"secret-note":{"note":"our weakest spot"}})", 0});
    auto statement = state.db().prepare("SELECT answers FROM assessments WHERE id = ?1");
    statement.bind(1, created.id);
    REQUIRE(statement.step());
    const std::string sealed = statement.column_blob(0);
    CHECK(sealed.find("weakest") == std::string::npos);
    const auto other = store::create_assessment(state.db(), org, {"soc2", "", "abc", "{}", 0});
    state.db()
      .prepare("UPDATE assessments SET answers = ?1 WHERE id = ?2")
      .bind_blob(1, sealed)
      .bind(2, other.id)
      .run();
    CHECK_THROWS_AS(store::find_assessment(state.db(), org, other.id), StateError);
  }

  SUBCASE("another organisation sees none of them") {
    store::create_assessment(state.db(), org, {"soc2", "", "abc", "{}", 0});
    state.create_org("other", store::OrgKind::regular);
    const store::Org other = state.org("other");
    CHECK(store::list_assessments(state.db(), other).empty());
    CHECK_FALSE(store::latest_in_progress(state.db(), other).has_value());
  }
}
