#include "test_audit_support.hpp"

#include <velocity/audit/recorder.hpp>
#include <velocity/audit/verify.hpp>
#include <velocity/core/error.hpp>
#include <velocity/store/audit_store.hpp>

#include <doctest/doctest.h>

#include <chrono>

using namespace velocity;
using namespace velocity::audit;

namespace {

EventInput input(std::string action, Outcome outcome = Outcome::success) {
  EventInput event;
  event.category = Category::data_access;
  event.action = std::move(action);
  event.resource_type = "thing";
  event.resource_id = "t1";
  event.outcome = outcome;
  event.details = {{"n", 1}};
  return event;
}

Identity who() {
  return Identity{"tester", "0123456789abcdef0123456789abcdef"};
}

} // namespace

TEST_CASE("Recorder::Recorder") {
  test::TempState temp;
  SUBCASE("the first use creates the log, its key and a first event; the next use finds them") {
    std::string fingerprint;
    {
      Recorder recorder(*temp.state, "default", who());
      CHECK(recorder.created());
      CHECK(recorder.size() == 1);
      fingerprint = recorder.public_key().fingerprint();
    }
    temp.reopen();
    Recorder again(*temp.state, "default", who());
    CHECK_FALSE(again.created());
    CHECK(again.public_key().fingerprint() == fingerprint);
    CHECK(again.warnings().empty());
    const auto first =
      store::AuditStore(temp.state->db()).event_at(temp.state->org("default").id(), 1);
    REQUIRE(first);
    CHECK(first->action == "audit.log.create");
    CHECK(first->category == "system_security");
  }
  SUBCASE("each organisation has its own key") {
    temp.state->create_org("acme", store::OrgKind::regular);
    Recorder a(*temp.state, "default", who());
    Recorder b(*temp.state, "acme", who());
    CHECK(a.public_key().fingerprint() != b.public_key().fingerprint());
  }
  SUBCASE("a tail edited outside velocity stops appending") {
    { Recorder recorder(*temp.state, "default", who()); }
    temp.state->db().execute("UPDATE audit_logs SET size = size + 1");
    CHECK_THROWS_AS(Recorder(*temp.state, "default", who()), IntegrityError);
  }
  SUBCASE("no such organisation is a usage error") {
    CHECK_THROWS_AS(Recorder(*temp.state, "nope", who()), UsageError);
  }
}

TEST_CASE("Recorder::record") {
  test::TempState temp;
  SUBCASE("events chain and the log verifies") {
    Recorder recorder(*temp.state, "default", who());
    CHECK(recorder.record(input("a")) == 2);
    CHECK(recorder.record(input("b", Outcome::failure)) == 3);
    REQUIRE(recorder.checkpoint());
    const VerifyResult result = verify_state(*temp.state, "default");
    CHECK(result.ok());
    CHECK(result.events_checked == 3);
    CHECK(result.heads_checked == 1);
    CHECK(result.unsigned_events == 0);
  }
  SUBCASE("an event appended in a transaction that rolls back is gone, and the chain carries on") {
    Recorder recorder(*temp.state, "default", who());
    {
      store::Transaction tx(temp.state->db());
      recorder.record(input("rolled back"));
    }
    CHECK(recorder.record(input("kept")) == 2);
    recorder.checkpoint();
    CHECK(verify_state(*temp.state, "default").ok());
  }
  SUBCASE("two recorders on one log (two processes) take turns without breaking the chain") {
    Recorder first(*temp.state, "default", who());
    Recorder second(*temp.state, "default", who());
    for (int i = 0; i < 5; ++i) {
      first.record(input("one"));
      second.record(input("two"));
    }
    CHECK(first.checkpoint());
    CHECK_FALSE(second.checkpoint()); // the first one's head already covers its events
    const VerifyResult result = verify_state(*temp.state, "default");
    CHECK(result.ok());
    CHECK(result.events_checked == 11);
    CHECK(result.heads_checked == 1);
  }
  SUBCASE("invalid UTF-8 and non-object details are recorded, not refused") {
    Recorder recorder(*temp.state, "default", who());
    EventInput odd = input("odd");
    odd.resource_id = "bad \xff byte";
    odd.details = "just a string";
    recorder.record(odd);
    recorder.checkpoint();
    CHECK(verify_state(*temp.state, "default").ok());
  }
}

TEST_CASE("Recorder::checkpoint") {
  test::TempState temp;
  SUBCASE("nothing new, no head") {
    Recorder recorder(*temp.state, "default", who());
    CHECK(recorder.checkpoint());
    CHECK_FALSE(recorder.checkpoint());
  }
  SUBCASE("events of a command stopped before its checkpoint verify, and the next one signs them") {
    {
      Recorder stopped(*temp.state, "default", who());
      stopped.record(input("a"));
      stopped.record(input("b"));
      // No checkpoint: as if killed here.
    }
    temp.reopen();
    VerifyResult result = verify_state(*temp.state, "default");
    CHECK(result.ok());
    CHECK(result.unsigned_events == 3);
    Recorder next(*temp.state, "default", who());
    next.record(input("c"));
    REQUIRE(next.checkpoint());
    result = verify_state(*temp.state, "default");
    CHECK(result.ok());
    CHECK(result.unsigned_events == 0);
    CHECK(result.latest_head->size == 4);
  }
  SUBCASE("an event appended by someone without the MAC key is not taken for a leftover") {
    {
      Recorder recorder(*temp.state, "default", who());
      recorder.record(input("a"));
      recorder.checkpoint();
    }
    temp.state->db().execute(
      "INSERT INTO audit_events (org_id, seq, time, category, actor, action, resource_type, "
      "resource_id, outcome, correlation_id, prev_hash, hash, details) SELECT org_id, seq + 1, "
      "time, "
      "category, actor, action, resource_type, resource_id, outcome, correlation_id, hash, hash, "
      "details FROM audit_events WHERE seq = 2");
    const VerifyResult result = verify_state(*temp.state, "default");
    REQUIRE_FALSE(result.ok());
    CHECK(result.failure->seq == 3);
  }
}

TEST_CASE("Recorder survives key rotation") {
  test::TempState temp;
  {
    Recorder recorder(*temp.state, "default", who());
    recorder.record(input("before"));
    recorder.checkpoint();
  }
  const auto key_file = temp.dir() / "new.key";
  const store::RotateResult rotated =
    temp.state->rotate_master_key(key_file, store::Reencrypt::yes, {});
  CHECK(rotated.values_reencrypted == 3); // the log's keys and its two events
  Recorder after(*temp.state, "default", who());
  after.record(input("after"));
  after.checkpoint();
  const VerifyResult result = verify_state(*temp.state, "default");
  CHECK(result.ok());
  CHECK(result.events_checked == 3);
}

TEST_CASE("verify_state on a 100,000-event log") {
  test::TempState temp;
  Recorder recorder(*temp.state, "default", who());
  std::vector<EventInput> batch;
  for (int i = 0; i < 1000; ++i) {
    EventInput event = input("bulk.write");
    event.resource_id = "resource-" + std::to_string(i);
    event.details = {{"i", i}, {"note", "generated at the library level"}};
    batch.push_back(event);
  }
  const auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < 100; ++round) {
    store::Transaction tx(temp.state->db());
    recorder.record_all(batch);
    recorder.checkpoint();
    tx.commit();
  }
  const auto appended = std::chrono::steady_clock::now();
  const VerifyResult result = verify_state(*temp.state, "default");
  const auto verified = std::chrono::steady_clock::now();
  CHECK(result.ok());
  CHECK(result.events_checked == 100001);
  CHECK(result.heads_checked == 100);
  const auto ms = [](auto d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  };
  MESSAGE("appended 100,000 events in " << ms(appended - start) << " ms, verified in "
                                        << ms(verified - appended) << " ms");
}
