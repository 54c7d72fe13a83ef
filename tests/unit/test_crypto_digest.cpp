#include <velocity/crypto/digest.hpp>

#include <doctest/doctest.h>

using namespace velocity::crypto;

TEST_CASE("sha256") {
  SUBCASE("known answers (FIPS 180-2)") {
    CHECK(to_hex(sha256("abc")) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(to_hex(sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }
  SUBCASE("incremental equals one shot") {
    Sha256 hasher;
    hasher.update("a");
    hasher.update("bc");
    CHECK(hasher.finish() == sha256("abc"));
  }
}

TEST_CASE("hmac_sha256") {
  // RFC 4231 test case 2.
  CHECK(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("base64") {
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_decode("Zm8=") == std::optional<std::string>("fo"));
  CHECK(base64_decode("Zm9v\nYmFy\n") == std::optional<std::string>("foobar"));
  CHECK_FALSE(base64_decode("Zm9").has_value());
  CHECK_FALSE(base64_decode("Z!9v").has_value());
  CHECK(base64url_encode("\xfb\xff") == "-_8");
}

TEST_CASE("random_bytes") {
  CHECK(random_bytes(32).size() == 32);
  CHECK(random_bytes(16) != random_bytes(16));
}

TEST_CASE("constant_time_equal") {
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "abcd"));
}

TEST_CASE("from_hex") {
  CHECK(from_hex("00ff7F") == std::optional<std::string>(std::string("\x00\xff\x7f", 3)));
  CHECK(from_hex("") == std::optional<std::string>(""));
  CHECK(to_hex(*from_hex(to_hex(sha256("abc")))) == to_hex(sha256("abc")));
  CHECK_FALSE(from_hex("abc").has_value());
  CHECK_FALSE(from_hex("zz").has_value());
}
