#include "fixture_files.hpp"

#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/store/schema.hpp>
#include <velocity/store/state.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace velocity;

namespace {

// A fresh directory with VELOCITY_MASTER_KEY set, removed afterwards.
struct TempState {
  std::filesystem::path dir;
  std::filesystem::path path;

  TempState()
    : dir(std::filesystem::temp_directory_path() /
          ("velocity-unit-" + crypto::to_hex(crypto::random_bytes(6)))),
      path(dir / "state" / "velocity.db") {
    ::setenv("VELOCITY_MASTER_KEY", crypto::base64_encode(crypto::random_bytes(32)).c_str(), 1);
    ::unsetenv("VELOCITY_KEY_FILE");
    ::unsetenv("VELOCITY_PASSPHRASE");
    store::State::initialize(path, store::NewKeySource::automatic, {});
  }
  ~TempState() {
    ::unsetenv("VELOCITY_MASTER_KEY");
    std::filesystem::remove_all(dir);
  }
  store::State open() const { return store::State::open(path, {}); }
};

} // namespace

TEST_CASE("State::initialize") {
  TempState temp;
  SUBCASE("creates the schema, the default organisation and a 0600 file") {
    store::State state = temp.open();
    CHECK(state.db().user_version() == store::latest_schema_version());
    CHECK(state.list_orgs().size() == 1);
    CHECK(state.list_orgs()[0].name == "default");
    CHECK((std::filesystem::status(temp.path).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  }
  SUBCASE("a second call changes nothing") {
    const auto result = store::State::initialize(temp.path, store::NewKeySource::automatic, {});
    CHECK_FALSE(result.created);
  }
}

TEST_CASE("State::open") {
  TempState temp;
  SUBCASE("a wrong master key is named before anything is read") {
    ::setenv("VELOCITY_MASTER_KEY", crypto::base64_encode(crypto::random_bytes(32)).c_str(), 1);
    try {
      temp.open();
      FAIL("opened with a wrong key");
    } catch (const StateError& e) {
      CHECK(std::string(e.what()) == "wrong master key for " + temp.path.string());
    }
  }
  SUBCASE("a file that is not SQLite") {
    std::ofstream(temp.dir / "text.db") << "not a database";
    CHECK_THROWS_AS(store::State::open(temp.dir / "text.db", {}), StateError);
  }
  SUBCASE("no file") {
    CHECK_THROWS_WITH_AS(store::State::open(temp.dir / "none.db", {}),
                         doctest::Contains("no velocity state at"), StateError);
  }
}

TEST_CASE("Org::seal") {
  TempState temp;
  store::State state = temp.open();
  const store::Org org = state.org("default");
  const store::Field field{"evidence", "payload", 42};
  const std::string sealed = org.seal(field, "{\"mfa\":true}");

  SUBCASE("opens for the same row") {
    CHECK(org.open(field, sealed) == "{\"mfa\":true}");
  }
  SUBCASE("refuses another row, column or table") {
    CHECK_THROWS_WITH_AS(org.open({"evidence", "payload", 43}, sealed),
                         doctest::Contains("copied from another row"), StateError);
    CHECK_THROWS_AS(org.open({"evidence", "other", 42}, sealed), StateError);
    CHECK_THROWS_AS(org.open({"integrations", "payload", 42}, sealed), StateError);
  }
  SUBCASE("refuses another organisation's key") {
    state.create_org("other", store::OrgKind::regular);
    CHECK_THROWS_AS(state.org("other").open(field, sealed), StateError);
  }
  SUBCASE("refuses a tampered value") {
    std::string tampered = sealed;
    tampered.back() = static_cast<char>(tampered.back() ^ 1);
    CHECK_THROWS_AS(org.open(field, tampered), StateError);
  }
}

TEST_CASE("State::rotate_master_key") {
  TempState temp;
  store::State state = temp.open();
  const store::Org before = state.org("default");
  const std::string sealed = before.seal({"integrations", "credentials", 1}, "token");
  state.db()
    .prepare("INSERT INTO integrations (id, org_id, name, platform, credentials, created_at) "
             "VALUES (1, ?, 'gh', 'github', ?, 'now')")
    .bind(1, before.id())
    .bind_blob(2, sealed)
    .run();
  const auto key_file = temp.dir / "new.key";

  SUBCASE("rewrap keeps the data key") {
    const auto result = state.rotate_master_key(key_file, store::Reencrypt::no, {});
    CHECK(result.organizations == 1);
    CHECK(result.values_reencrypted == 0);
    CHECK(state.org("default").open({"integrations", "credentials", 1}, sealed) == "token");
    ::setenv("VELOCITY_MASTER_KEY", read_fixture(key_file).c_str(), 1);
    CHECK(temp.open().org("default").open({"integrations", "credentials", 1}, sealed) == "token");
  }
  SUBCASE("reencrypt replaces the data key and every value") {
    const auto result = state.rotate_master_key(key_file, store::Reencrypt::yes, {});
    CHECK(result.values_reencrypted == 1);
    const store::Org after = state.org("default");
    CHECK(after.key_version() == 2);
    CHECK_THROWS_AS(after.open({"integrations", "credentials", 1}, sealed), StateError);
  }
}

TEST_CASE("State::rotate_master_key while other commands run") {
  TempState temp;
  store::State running = temp.open();
  store::State rotator = temp.open();
  const auto key_file = temp.dir / "rotated.key";
  const auto open_with_new_key = [&] {
    ::setenv("VELOCITY_MASTER_KEY", read_fixture(key_file).c_str(), 1);
    return temp.open();
  };

  SUBCASE("a command that loaded the old key follows the rotation: org() and create_org") {
    rotator.rotate_master_key(key_file, store::Reencrypt::no, {});
    CHECK_NOTHROW(running.org("default"));
    running.create_org("late", store::OrgKind::regular);
    store::State after = open_with_new_key();
    CHECK_NOTHROW(after.org("late"));
    CHECK(
      after.rotate_master_key(temp.dir / "again.key", store::Reencrypt::no, {}).problems.empty());
  }
  SUBCASE("a seal under a data key that --reencrypt retired is refused, never kept") {
    const store::Org loaded = running.org("default");
    rotator.rotate_master_key(key_file, store::Reencrypt::yes, {});
    store::Transaction tx(running.db());
    CHECK_THROWS_WITH_AS(loaded.require_current(running.db()),
                         doctest::Contains("the master key was rotated while this command ran; "
                                           "run it again"),
                         StateError);
    const store::Org current = running.org("default");
    CHECK(current.key_version() == 2);
    CHECK_NOTHROW(current.require_current(running.db()));
    const std::string sealed = current.seal({"evidence", "payload", 1}, "x");
    CHECK_THROWS_WITH_AS(loaded.open({"evidence", "payload", 1}, sealed),
                         doctest::Contains("rotated while this command ran"), StateError);
  }
  SUBCASE("an organisation deleted and made again gets another id") {
    const auto first = running.create_org("again", store::OrgKind::demo);
    const store::Org loaded = running.org("again");
    running.delete_org("again");
    const auto second = running.create_org("again", store::OrgKind::demo);
    CHECK(second.id > first.id);
    store::Transaction tx(running.db());
    CHECK_THROWS_WITH_AS(loaded.require_current(running.db()),
                         doctest::Contains("was deleted while this command ran"), StateError);
  }
  SUBCASE("an organisation it cannot read is named; the others are rotated") {
    running.create_org("broken", store::OrgKind::regular);
    running.db()
      .prepare("UPDATE organizations SET wrapped_key = randomblob(60) WHERE name = 'broken'")
      .run();
    const auto result = rotator.rotate_master_key(key_file, store::Reencrypt::yes, {});
    REQUIRE(result.problems.size() == 1);
    CHECK(result.problems[0].org == "broken");
    CHECK(result.problems[0].message.find("velocity org delete broken --yes") != std::string::npos);
    CHECK(result.organizations == 1);
    CHECK(open_with_new_key().org("default").key_version() == 2);
  }
}

TEST_CASE("Transaction") {
  TempState temp;
  store::State state = temp.open();
  store::Database& db = state.db();
  const auto count = [&db] {
    store::Statement stmt = db.prepare("SELECT count(*) FROM meta WHERE key LIKE 'unit-%'");
    stmt.step();
    return stmt.column_int(0);
  };
  SUBCASE("inside another it is a savepoint: its rollback undoes only its own part") {
    store::Transaction outer(db);
    db.execute("INSERT INTO meta (key, value) VALUES ('unit-a', 'a')");
    {
      store::Transaction inner(db);
      db.execute("INSERT INTO meta (key, value) VALUES ('unit-b', 'b')");
    }
    {
      store::Transaction inner(db);
      db.execute("INSERT INTO meta (key, value) VALUES ('unit-c', 'c')");
      inner.commit();
    }
    outer.commit();
    CHECK(count() == 2);
  }
  SUBCASE("an inner commit is undone by the outer rollback") {
    {
      store::Transaction outer(db);
      store::Transaction inner(db);
      db.execute("INSERT INTO meta (key, value) VALUES ('unit-a', 'a')");
      inner.commit();
    }
    CHECK(count() == 0);
    CHECK_FALSE(db.in_transaction());
  }
}
