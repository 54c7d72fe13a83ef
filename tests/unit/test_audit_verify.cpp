#include "fixture_files.hpp"
#include "test_audit_support.hpp"

#include <velocity/audit/export.hpp>
#include <velocity/audit/recorder.hpp>
#include <velocity/audit/verify.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>

#include <doctest/doctest.h>

#include <sstream>

using namespace velocity;
using namespace velocity::audit;

namespace {

// A log of 20 events written by "commands" of three events each, every one ending in a head.
void fill(store::State& state) {
  Recorder recorder(state, "default", Identity{"tester", "00112233445566778899aabbccddeeff"});
  for (int i = 2; i <= 20; ++i) {
    EventInput event;
    event.category = i % 5 == 0 ? Category::system_security : Category::data_access;
    event.action = "test.step";
    event.resource_type = "step";
    event.resource_id = std::to_string(i);
    event.details = {{"i", i}};
    recorder.record(event);
    if (i % 3 == 1) {
      recorder.checkpoint();
    }
  }
  recorder.checkpoint();
}

Failure failure_of(store::State& state) {
  const VerifyResult result = verify_state(state, "default");
  REQUIRE_FALSE(result.ok());
  MESSAGE(result.failure->message);
  return *result.failure;
}

std::vector<std::string> lines_of(const std::filesystem::path& path) {
  std::vector<std::string> lines;
  std::istringstream in(read_fixture(path));
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

void write_lines(const std::filesystem::path& path, const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) {
    text += line + "\n";
  }
  fs::write_file_atomic(path, text, fs::Mode::private_file);
}

size_t line_of_event(const std::vector<std::string>& lines, int64_t seq) {
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto prefix = read_event_prefix(lines[i]);
    if (prefix && prefix->seq == seq) {
      return i;
    }
  }
  FAIL("no line for event " << seq);
  return 0;
}

void replace(std::string& line, const std::string& from, const std::string& to) {
  const size_t at = line.find(from);
  REQUIRE(at != std::string::npos);
  line.replace(at, from.size(), to);
}

} // namespace

TEST_CASE("verify_state") {
  test::TempState temp;
  fill(*temp.state);
  store::Database& db = temp.state->db();
  const int64_t org = temp.state->org("default").id();
  SUBCASE("intact") {
    const VerifyResult result = verify_state(*temp.state, "default");
    CHECK(result.ok());
    CHECK(result.events_checked == 20);
    CHECK(result.heads_checked == 7);
    CHECK(result.latest_head->size == 20);
  }
  SUBCASE("a changed field") {
    db.execute("UPDATE audit_events SET actor = 'mallory' WHERE seq = 5");
    const Failure f = failure_of(*temp.state);
    CHECK(f.problem == Problem::changed);
    CHECK(f.seq == 5);
  }
  SUBCASE("details swapped with another row's") {
    db.execute("UPDATE audit_events SET details = (SELECT details FROM audit_events WHERE seq = 3) "
               "WHERE seq = 6");
    const Failure f = failure_of(*temp.state);
    CHECK(f.problem == Problem::changed);
    CHECK(f.seq == 6);
  }
  SUBCASE("an event deleted from the middle") {
    db.execute("DELETE FROM audit_events WHERE seq = 9");
    const Failure f = failure_of(*temp.state);
    CHECK(f.problem == Problem::deleted);
    CHECK(f.seq == 9);
  }
  SUBCASE("events deleted at the tail are caught by the signed tree head") {
    db.execute("DELETE FROM audit_events WHERE seq >= 18");
    const Failure f = failure_of(*temp.state);
    CHECK(f.problem == Problem::deleted_tail);
    CHECK(f.seq == 18);
    CHECK(f.message.find("tree head") != std::string::npos);
  }
  SUBCASE("the tail and its heads deleted too: the authenticated tail catches it") {
    db.execute(
      "DELETE FROM audit_events WHERE seq >= 18; DELETE FROM audit_heads WHERE size >= 18");
    const Failure f = failure_of(*temp.state);
    CHECK(f.problem == Problem::deleted_tail);
  }
  SUBCASE("an event inserted, the ones after renumbered") {
    db.execute(
      "UPDATE audit_events SET seq = -seq WHERE seq >= 7;"
      "UPDATE audit_events SET seq = 1 - seq WHERE seq < 0;"
      "INSERT INTO audit_events (org_id, seq, time, category, actor, action, resource_type, "
      "resource_id, outcome, correlation_id, prev_hash, hash, details) SELECT org_id, 7, "
      "time, category, 'mallory', action, resource_type, resource_id, outcome, correlation_id, "
      "prev_hash, hash, details FROM audit_events WHERE seq = 6");
    const Failure f = failure_of(*temp.state);
    CHECK(f.problem == Problem::inserted);
    CHECK(f.seq == 7);
  }
  SUBCASE("two events swapped") {
    db.execute("UPDATE audit_events SET seq = -1 WHERE seq = 11;"
               "UPDATE audit_events SET seq = 11 WHERE seq = 12;"
               "UPDATE audit_events SET seq = 12 WHERE seq = -1");
    const Failure f = failure_of(*temp.state);
    CHECK(f.problem == Problem::reordered);
    CHECK(f.seq == 11);
  }
  SUBCASE("a forged tree head") {
    db.execute("UPDATE audit_heads SET root = zeroblob(32) WHERE size = 10");
    const Failure f = failure_of(*temp.state);
    CHECK(f.problem == Problem::forged_head);
  }
  SUBCASE("a replaced public key") {
    db.execute("UPDATE audit_logs SET public_key = zeroblob(32)");
    CHECK(failure_of(*temp.state).problem == Problem::resigned);
  }
  SUBCASE("a tree head deleted") {
    db.execute("DELETE FROM audit_heads WHERE size = 7");
    CHECK(failure_of(*temp.state).problem == Problem::forged_head);
  }
  SUBCASE("the authenticated tail edited") {
    db.execute("UPDATE audit_logs SET head_size = 19");
    CHECK(failure_of(*temp.state).problem == Problem::tail);
  }
  (void)org;
}

TEST_CASE("verify_export") {
  test::TempState temp;
  fill(*temp.state);
  const auto file = temp.dir() / "export.jsonl";
  crypto::VerifyKey key = [&] {
    Recorder recorder(*temp.state, "default", Identity{"tester", "ff"});
    export_log(recorder, file, ExportFormat::jsonl, {});
    return recorder.public_key();
  }();
  auto lines = lines_of(file);
  const auto check_failure = [&](Problem problem, std::optional<int64_t> seq) {
    write_lines(file, lines);
    const VerifyResult result = verify_export(file, key);
    REQUIRE_FALSE(result.ok());
    MESSAGE(result.failure->message);
    CHECK(result.failure->problem == problem);
    if (seq) {
      CHECK(result.failure->seq == seq);
    }
  };

  SUBCASE("intact") {
    const VerifyResult result = verify_export(file, key);
    CHECK(result.ok());
    CHECK(result.events_checked == 20);
    CHECK(result.heads_checked == 7);
  }
  SUBCASE("a changed field") {
    replace(lines[line_of_event(lines, 8)], "\"actor\":\"tester\"", "\"actor\":\"mallory\"");
    check_failure(Problem::changed, 8);
  }
  SUBCASE("a changed field in the last event") {
    replace(lines[line_of_event(lines, 20)], "\"actor\":\"tester\"", "\"actor\":\"mallory\"");
    check_failure(Problem::changed, 20);
  }
  SUBCASE("a changed field in an event right before a head") {
    replace(lines[line_of_event(lines, 10)], "\"actor\":\"tester\"", "\"actor\":\"mallory\"");
    check_failure(Problem::changed, 10);
  }
  SUBCASE("an event deleted from the middle") {
    lines.erase(lines.begin() + static_cast<long>(line_of_event(lines, 12)));
    check_failure(Problem::deleted, 12);
  }
  SUBCASE("events deleted at the tail, their heads and seal kept") {
    for (int64_t seq = 18; seq <= 20; ++seq) {
      lines.erase(lines.begin() + static_cast<long>(line_of_event(lines, seq)));
    }
    check_failure(Problem::deleted_tail, 18);
  }
  SUBCASE("the tail and its seal cut off") {
    lines.resize(line_of_event(lines, 15) + 1);
    check_failure(Problem::deleted_tail, std::nullopt);
  }
  SUBCASE("an event duplicated") {
    const size_t at = line_of_event(lines, 5);
    lines.insert(lines.begin() + static_cast<long>(at), lines[at]);
    check_failure(Problem::inserted, 5);
  }
  SUBCASE("two events swapped") {
    std::swap(lines[line_of_event(lines, 5)], lines[line_of_event(lines, 6)]);
    check_failure(Problem::reordered, 6);
  }
  SUBCASE("a forged tree head") {
    for (std::string& line : lines) {
      if (line.find("\"type\":\"tree_head\"") != std::string::npos &&
          line.find("\"size\":10,") != std::string::npos) {
        replace(line, "\"root\":\"", "\"root\":\"00");
        line.erase(line.find("\"root\":\"00") + 72, 2);
      }
    }
    check_failure(Problem::forged_head, std::nullopt);
  }
  SUBCASE("a tree head removed") {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].find("\"size\":13,") != std::string::npos) {
        lines.erase(lines.begin() + static_cast<long>(i));
        break;
      }
    }
    check_failure(Problem::deleted, std::nullopt);
  }
  SUBCASE("re-signed with another key, its public key replaced") {
    const crypto::SigningKey other = crypto::SigningKey::generate();
    for (std::string& line : lines) {
      auto json = nlohmann::json::parse(line);
      if (json["type"] == "public_key") {
        json["pem"] = other.verify_key().to_pem();
        line = json.dump();
      } else if (json["type"] == "tree_head") {
        TreeHead head = *head_from_json(json);
        sign(head, other);
        line = to_line(head);
      } else if (json["type"] == "export_seal") {
        ExportSeal seal = *seal_from_json(json);
        sign(seal, other);
        line = to_line(seal);
      }
    }
    check_failure(Problem::resigned, std::nullopt);
    // Checked against the re-signer's own key, everything holds: only the key given decides.
    CHECK(verify_export(file, other.verify_key()).ok());
  }
  SUBCASE("a line added after the seal") {
    lines.push_back(lines[line_of_event(lines, 3)]);
    check_failure(Problem::inserted, std::nullopt);
  }
}

TEST_CASE("export_log") {
  test::TempState temp;
  fill(*temp.state);
  Recorder recorder(*temp.state, "default", Identity{"tester", "ff"});
  const auto file = temp.dir() / "slice.jsonl";
  SUBCASE("a slice verifies on its own, with the prefix and suffix nodes") {
    const ExportResult result = export_log(recorder, file, ExportFormat::jsonl, {6, 14});
    CHECK(result.events == 9);
    const VerifyResult verified = verify_export(file, recorder.public_key());
    CHECK(verified.ok());
    CHECK(verified.first_seq == 6);
    CHECK(verified.last_seq == 14);
    CHECK(verified.heads_checked == result.heads);
  }
  SUBCASE("a slice with a changed event fails") {
    export_log(recorder, file, ExportFormat::jsonl, {6, 14});
    auto lines = lines_of(file);
    replace(lines[line_of_event(lines, 14)], "\"resource_id\":\"14\"", "\"resource_id\":\"41\"");
    write_lines(file, lines);
    const VerifyResult verified = verify_export(file, recorder.public_key());
    REQUIRE_FALSE(verified.ok());
    CHECK(verified.failure->problem == Problem::changed);
  }
  SUBCASE("csv quotes fields and defuses formulas") {
    export_log(recorder, file, ExportFormat::csv, {});
    const auto lines = lines_of(file);
    CHECK(lines.size() == 21);
    CHECK(lines[0].rfind("seq,time,category", 0) == 0);
    CHECK(csv_field("=cmd()") == "'=cmd()");
    CHECK(csv_field("a,\"b\"") == "\"a,\"\"b\"\"\"");
  }
  SUBCASE("a range outside the log is a usage error") {
    CHECK_THROWS_AS(export_log(recorder, file, ExportFormat::jsonl, {0, 3}), UsageError);
    CHECK_THROWS_AS(export_log(recorder, file, ExportFormat::jsonl, {5, 99}), UsageError);
  }
}
