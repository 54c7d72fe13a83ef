#include <velocity/crypto/aead.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/crypto/ed25519.hpp>

#include <doctest/doctest.h>

using namespace velocity::crypto;
using namespace std::string_view_literals;

namespace {

std::string from_hex_for_test(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

} // namespace

TEST_CASE("seal") {
  const SecretKey key = SecretKey::generate();
  const std::string sealed = seal(key, "secret payload",
                                  "table\0column\0"
                                  "1"sv);

  SUBCASE("opens with the same key and associated data") {
    CHECK(open(key, sealed,
               "table\0column\0"
               "1"sv) == std::optional<std::string>("secret payload"));
    CHECK(sealed.size() == k_nonce_size + 14 + k_tag_size);
  }
  SUBCASE("a fresh nonce every time") {
    CHECK(seal(key, "secret payload", "aad") != seal(key, "secret payload", "aad"));
  }
  SUBCASE("any flipped byte is refused") {
    for (size_t i = 0; i < sealed.size(); ++i) {
      std::string tampered = sealed;
      tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
      CHECK_FALSE(open(key, tampered,
                       "table\0column\0"
                       "1"sv)
                    .has_value());
    }
  }
  SUBCASE("other associated data or key is refused") {
    CHECK_FALSE(open(key, sealed,
                     "table\0column\0"
                     "2"sv)
                  .has_value());
    CHECK_FALSE(open(SecretKey::generate(), sealed,
                     "table\0column\0"
                     "1"sv)
                  .has_value());
    CHECK_FALSE(open(key, sealed.substr(0, 10), "x").has_value());
  }
  SUBCASE("many keys in turn on one thread") {
    const SecretKey other = SecretKey::generate();
    const std::string a = seal(key, "a", "x");
    const std::string b = seal(other, "b", "x");
    CHECK(open(key, a, "x") == std::optional<std::string>("a"));
    CHECK(open(other, b, "x") == std::optional<std::string>("b"));
    CHECK_FALSE(open(other, a, "x").has_value());
  }
}

TEST_CASE("derive_from_passphrase") {
  // RFC 7914 test vector 2, first 32 bytes.
  const SecretKey key = derive_from_passphrase("password", "NaCl", ScryptParams{1024, 8, 16});
  CHECK(to_hex(key.bytes()) == "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162");
}

TEST_CASE("SecretKey::from_bytes") {
  CHECK(SecretKey::from_bytes(std::string(32, 'k')).has_value());
  CHECK_FALSE(SecretKey::from_bytes(std::string(31, 'k')).has_value());
}

TEST_CASE("SigningKey") {
  const SigningKey key = SigningKey::generate();
  const VerifyKey public_key = key.verify_key();
  const std::string signature = key.sign("manifest");

  SUBCASE("signs and verifies") {
    CHECK(signature.size() == 64);
    CHECK(public_key.verify("manifest", signature));
    CHECK_FALSE(public_key.verify("manifest!", signature));
    CHECK_FALSE(SigningKey::generate().verify_key().verify("manifest", signature));
  }
  SUBCASE("PEM round trip and fingerprint") {
    const auto parsed = VerifyKey::from_pem(public_key.to_pem());
    REQUIRE(parsed.has_value());
    CHECK(parsed->raw() == public_key.raw());
    CHECK(parsed->fingerprint() == public_key.fingerprint());
    CHECK(public_key.fingerprint().rfind("SHA256:", 0) == 0);
    CHECK_FALSE(VerifyKey::from_pem("not a key").has_value());
  }
  SUBCASE("the seed recreates the key") {
    const auto again = SigningKey::from_seed(key.seed());
    REQUIRE(again.has_value());
    CHECK(again->verify_key().raw() == public_key.raw());
  }
  SUBCASE("RFC 8032 test 1") {
    const auto seed =
      from_hex_for_test("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    const auto rfc = SigningKey::from_seed(seed);
    REQUIRE(rfc.has_value());
    CHECK(to_hex(rfc->verify_key().raw()) ==
          "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    CHECK(to_hex(rfc->sign("")) ==
          "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e3970"
          "1cf9b46bd25bf5f0595bbe24655141438e7a100b");
  }
}
