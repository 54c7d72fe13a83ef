#include <velocity/audit/event.hpp>

#include <doctest/doctest.h>

using namespace velocity;
using namespace velocity::audit;

namespace {

Event sample_event() {
  Event event;
  event.seq = 17;
  event.prev = *hash_from_hex(std::string(62, '0') + "ab");
  event.time = "2026-11-23T07:59:04.123Z";
  event.category = "system_security";
  event.actor = "alice";
  event.action = "org.create";
  event.resource_type = "organization";
  event.resource_id = "acme \"corp\"\n\x01";
  event.outcome = "success";
  event.correlation_id = "c0ffee";
  event.nonce = std::string(16, '\x11');
  event.details = R"({"a":1,"b":"x"})";
  return event;
}

} // namespace

TEST_CASE("canonical") {
  SUBCASE("fixed field order, escaping and details written as recorded") {
    CHECK(
      canonical(sample_event()) ==
      R"({"type":"audit_event","v":1,"seq":17,"prev":")" + std::string(62, '0') +
        R"(ab","time":"2026-11-23T07:59:04.123Z","category":"system_security","actor":"alice",)"
        R"("action":"org.create","resource_type":"organization","resource_id":"acme \"corp\"\n\u0001",)"
        R"("outcome":"success","correlation_id":"c0ffee","nonce":"11111111111111111111111111111111",)"
        R"("details":{"a":1,"b":"x"}})");
  }
  SUBCASE("the hash is the RFC 9162 leaf hash of the canonical bytes") {
    const std::string bytes = canonical(sample_event());
    CHECK(event_hash(bytes) == crypto::sha256(std::string(1, '\0') + bytes));
  }
  SUBCASE("every field changes the hash") {
    const Hash base = event_hash(canonical(sample_event()));
    for (int field = 0; field < 12; ++field) {
      Event e = sample_event();
      switch (field) {
      case 0:
        e.seq = 18;
        break;
      case 1:
        e.prev[0] ^= 1;
        break;
      case 2:
        e.time = "2026-11-23T07:59:04.124Z";
        break;
      case 3:
        e.category = "data_access";
        break;
      case 4:
        e.actor = "mallory";
        break;
      case 5:
        e.action = "org.delete";
        break;
      case 6:
        e.resource_type = "org";
        break;
      case 7:
        e.resource_id = "acme";
        break;
      case 8:
        e.outcome = "failure";
        break;
      case 9:
        e.correlation_id = "c0ffef";
        break;
      case 10:
        e.nonce[0] = 'x';
        break;
      default:
        e.details = R"({"a":2,"b":"x"})";
        break;
      }
      CAPTURE(field);
      CHECK(event_hash(canonical(e)) != base);
    }
  }
}

TEST_CASE("read_event_prefix") {
  const std::string line = canonical(sample_event());
  SUBCASE("reads seq and prev without a JSON parser") {
    const auto prefix = read_event_prefix(line);
    REQUIRE(prefix);
    CHECK(prefix->seq == 17);
    CHECK(prefix->prev == sample_event().prev);
  }
  SUBCASE("refuses what is not canonical") {
    std::string upper = line;
    upper.replace(upper.find("ab\""), 2, "AB");
    CHECK_FALSE(read_event_prefix(upper));
    std::string padded = line;
    padded.replace(padded.find("17"), 2, "017");
    CHECK_FALSE(read_event_prefix(padded));
    CHECK_FALSE(read_event_prefix(line.substr(0, line.find("\"time\""))));
    CHECK_FALSE(read_event_prefix(line.substr(0, line.size() - 1) + " "));
    CHECK_FALSE(read_event_prefix(R"({"type":"tree_head"})"));
  }
}

TEST_CASE("parse_event") {
  SUBCASE("gives back the event whose canonical bytes the line is") {
    const auto event = parse_event(canonical(sample_event()));
    REQUIRE(event);
    CHECK(event->resource_id == sample_event().resource_id);
    CHECK(event->details == sample_event().details);
    CHECK(canonical(*event) == canonical(sample_event()));
  }
  SUBCASE("a line that parses but is not canonical is refused") {
    std::string line = canonical(sample_event());
    line.replace(line.find("\"actor\":"), 8, "\"actor\" :");
    CHECK_FALSE(parse_event(line));
  }
}

TEST_CASE("details_text") {
  CHECK(details_text({{"b", 1}, {"a", "x"}}) == R"({"a":"x","b":1})");
  CHECK(details_text({{"bad", std::string("\xff")}}) == "{\"bad\":\"\xef\xbf\xbd\"}");
}

TEST_CASE("valid_utf8") {
  CHECK(valid_utf8("plain") == "plain");
  CHECK(valid_utf8("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(valid_utf8("a\xffz") == "a\xef\xbf\xbdz");
  CHECK(valid_utf8("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); // a surrogate
}
