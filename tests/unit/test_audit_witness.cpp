#include "test_audit_support.hpp"

#include <velocity/audit/recorder.hpp>
#include <velocity/audit/witness.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/store/audit_store.hpp>

#include <doctest/doctest.h>

using namespace velocity;
using namespace velocity::audit;

namespace {

const Identity k_tester{"tester", "00112233445566778899aabbccddeeff"};

// Appends `count` events to the default log and signs a head, as one command does.
void command(Recorder& recorder, int count) {
  for (int i = 0; i < count; ++i) {
    recorder.record({Category::data_access, "test.step", "step", std::to_string(i),
                     Outcome::success, nlohmann::json::object()});
  }
  recorder.checkpoint();
}

WitnessedLog recorded(const std::filesystem::path& file, store::State& state) {
  const StateWitness witness = witness_of(state, file);
  REQUIRE(witness.record);
  REQUIRE(witness.record->logs.contains("default"));
  return witness.record->logs.at("default");
}

VerifyResult checked(const std::filesystem::path& file, store::State& state) {
  const StateWitness witness = witness_of(state, file);
  VerifyResult result = verify_state(state, "default", witnessed_size(witness, "default"));
  check_witness(witness, state, result);
  return result;
}

} // namespace

TEST_CASE("advance_witness") {
  test::TempState temp;
  const std::filesystem::path file = temp.dir() / "witness" / "audit-witness.json";
  Recorder recorder(*temp.state, "default", k_tester);
  command(recorder, 3);

  SUBCASE("records the latest head and only ever moves it forward") {
    CHECK(advance_witness(file, *temp.state, {{}, {&recorder}}).empty());
    CHECK(recorded(file, *temp.state).latest.head.size == 4);
    CHECK(fs::permissions_of(file) == 0600);
    command(recorder, 2);
    CHECK(advance_witness(file, *temp.state, {{}, {&recorder}}).empty());
    CHECK(recorded(file, *temp.state).latest.head.size == 6);
    CHECK(checked(file, *temp.state).ok());
  }

  SUBCASE("a rolled-back log is not recorded over its witnessed head, and fails verification") {
    temp.state.reset(); // closed: the file holds everything
    std::filesystem::copy_file(temp.path, temp.dir() / "old.db");
    temp.reopen();
    Recorder later(*temp.state, "default", k_tester);
    command(later, 2);
    CHECK(advance_witness(file, *temp.state, {{}, {&later}}).empty());
    CHECK(recorded(file, *temp.state).latest.head.size == 6);
    temp.state.reset();
    std::filesystem::copy_file(temp.dir() / "old.db", temp.path,
                               std::filesystem::copy_options::overwrite_existing);
    temp.reopen();
    // The old copy has no id yet: give it the one the witness knows, as a copy made later would.
    const StateWitness witness = witness_of(*temp.state, file);
    REQUIRE(witness.replaced);
    temp.state.reset();
    std::filesystem::copy_file(temp.dir() / "old.db", temp.path,
                               std::filesystem::copy_options::overwrite_existing);
    temp.reopen();
    store::AuditStore(temp.state->db()).ensure_state_id(read_witness(file)->states.begin()->first);
    Recorder again(*temp.state, "default", k_tester);
    command(again, 5); // past the witnessed size, on another tree
    const auto refused = advance_witness(file, *temp.state, {{}, {&again}});
    REQUIRE(refused.size() == 1);
    CHECK(refused[0].find("does not extend the head the witness") != std::string::npos);
    CHECK(recorded(file, *temp.state).latest.head.size == 6);
    const VerifyResult result = checked(file, *temp.state);
    REQUIRE_FALSE(result.ok());
    CHECK(result.failure->problem == Problem::rolled_back);
  }

  SUBCASE("a log started over with another key is refused; a deletion on purpose is recorded") {
    CHECK(advance_witness(file, *temp.state, {{}, {&recorder}}).empty());
    const int64_t org_id = temp.state->org("default").id();
    temp.state->db().execute("DELETE FROM audit_events WHERE org_id = " + std::to_string(org_id) +
                             "; DELETE FROM audit_heads WHERE org_id = " + std::to_string(org_id) +
                             "; DELETE FROM audit_logs WHERE org_id = " + std::to_string(org_id));
    VerifyResult result = checked(file, *temp.state);
    REQUIRE_FALSE(result.ok());
    CHECK(result.failure->problem == Problem::gone);
    Recorder fresh(*temp.state, "default", k_tester);
    command(fresh, 1);
    CHECK(advance_witness(file, *temp.state, {{}, {&fresh}}).size() == 1);
    result = checked(file, *temp.state);
    REQUIRE_FALSE(result.ok());
    CHECK(result.failure->problem == Problem::replaced);
    CHECK(advance_witness(file, *temp.state, {{"default"}, {&fresh}}).empty());
    CHECK(recorded(file, *temp.state).latest.key_fingerprint == fresh.public_key().fingerprint());
    CHECK(checked(file, *temp.state).ok());
  }
}

TEST_CASE("check_witness") {
  test::TempState temp;
  const std::filesystem::path file = temp.dir() / "audit-witness.json";
  Recorder recorder(*temp.state, "default", k_tester);
  command(recorder, 1);

  SUBCASE("no witness file: a warning, not a failure") {
    const VerifyResult result = checked(file, *temp.state);
    CHECK(result.ok());
    REQUIRE(result.warnings.size() == 1);
    CHECK(result.warnings[0].find("no audit witness at") != std::string::npos);
  }

  SUBCASE("a file that is not a witness: IntegrityError") {
    fs::write_file_atomic(file, "{\"type\":\"other\"}", fs::Mode::private_file);
    CHECK_THROWS_AS(witness_of(*temp.state, file), IntegrityError);
  }

  SUBCASE("init over a state at the same path retires its record") {
    CHECK(advance_witness(file, *temp.state, {{}, {&recorder}}).empty());
    CHECK(retire_witnessed_state(file, temp.path) == 1);
    CHECK(retire_witnessed_state(file, temp.path) == 0);
    CHECK(read_witness(file)->states.begin()->second.replaced_at.has_value());
  }
}
