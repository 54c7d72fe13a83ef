#include <velocity/core/error.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/crypto/uuid.hpp>

#include <doctest/doctest.h>

using namespace velocity::crypto;

TEST_CASE("sha1") {
  // FIPS 180-2 appendix A.
  CHECK(to_hex(sha1("abc")) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(to_hex(sha1("")) == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

TEST_CASE("uuid_v5") {
  SUBCASE("known answers (Python's uuid.uuid5)") {
    // The RFC 9562 DNS namespace.
    CHECK(uuid_v5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org") ==
          "886313e1-3b8a-5372-9b90-0c9aee199e5d");
    CHECK(uuid_v5(k_uuid_namespace_url, "https://velocity.dev/ns/oscal") ==
          "2274b5f9-fcb4-501d-8f2f-16eaf5d07bb5");
  }
  SUBCASE("the namespace may be upper case; names give different UUIDs") {
    CHECK(uuid_v5("6BA7B810-9DAD-11D1-80B4-00C04FD430C8", "python.org") ==
          "886313e1-3b8a-5372-9b90-0c9aee199e5d");
    CHECK(uuid_v5(k_uuid_namespace_url, "a") != uuid_v5(k_uuid_namespace_url, "b"));
  }
  SUBCASE("a namespace that is not a UUID is refused") {
    CHECK_THROWS_AS(uuid_v5("not-a-uuid", "x"), velocity::UsageError);
    CHECK_THROWS_AS(uuid_v5("6ba7b810-9dad-11d1-80b4-00c04fd430cg", "x"), velocity::UsageError);
    CHECK_THROWS_AS(uuid_v5("6ba7b810x9dad-11d1-80b4-00c04fd430c8", "x"), velocity::UsageError);
  }
}
