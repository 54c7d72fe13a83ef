#include "fixture_files.hpp"

#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/crypto/jwt.hpp>
#include <velocity/crypto/rsa.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

using namespace velocity::crypto;

namespace {

const std::filesystem::path k_gcp = std::filesystem::path(VELOCITY_TESTDATA_DIR) / "gcp" / "oauth";
const std::filesystem::path k_keys = std::filesystem::path(VELOCITY_TESTS_DIR) / "fakes" / "keys";

nlohmann::json read_json(const std::filesystem::path& path) {
  return nlohmann::json::parse(read_fixture(path));
}

nlohmann::json kat() {
  return read_json(k_gcp / "jwt-bearer-kat.json");
}

// The google-auth-library-python test key as its service-account JSON carries it (PKCS#1).
RsaPrivateKey test_key_pkcs1() {
  const auto account = read_json(k_gcp / "google-auth-library-python" / "service_account.json");
  return RsaPrivateKey::from_pem(account.at("private_key").get<std::string>(),
                                 "service_account.json");
}

// The same key in PKCS#8, as real service-account JSON files carry it.
RsaPrivateKey test_key_pkcs8() {
  const auto account = read_json(k_keys / "gcp-sa.json");
  return RsaPrivateKey::from_pem(account.at("private_key").get<std::string>(), "gcp-sa.json");
}

std::string signature_part(const std::string& jwt) {
  return jwt.substr(jwt.rfind('.') + 1);
}

} // namespace

TEST_CASE("RsaPrivateKey::from_pem") {
  SUBCASE("PKCS#1 RSA PRIVATE KEY") {
    const auto key = test_key_pkcs1();
    CHECK(key.bits() == 2048);
  }
  SUBCASE("PKCS#8 PRIVATE KEY, as in a service-account JSON") {
    const auto key = test_key_pkcs8();
    CHECK(key.bits() == 2048);
  }
  SUBCASE("not PEM") {
    CHECK_THROWS_WITH_AS(RsaPrivateKey::from_pem("MIIEpAIBAAKCAQEA", "sa.json"),
                         doctest::Contains("cannot read sa.json: it is not PEM"),
                         velocity::UsageError);
  }
  SUBCASE("PEM that is not a private key") {
    const auto pub = read_fixture(k_keys / "other-rsa.pub");
    CHECK_THROWS_WITH_AS(RsaPrivateKey::from_pem(pub), doctest::Contains("not a PEM private key"),
                         velocity::UsageError);
  }
  SUBCASE("truncated PEM") {
    auto pem = read_fixture(k_keys / "other-rsa.pem");
    pem.resize(pem.size() / 2);
    CHECK_THROWS_AS(RsaPrivateKey::from_pem(pem), velocity::UsageError);
  }
  SUBCASE("encrypted key is refused without prompting") {
    const auto pem = read_fixture(k_keys / "other-rsa.encrypted.pem");
    CHECK_THROWS_WITH_AS(RsaPrivateKey::from_pem(pem), doctest::Contains("encrypted"),
                         velocity::UsageError);
  }
  SUBCASE("EC key is not RSA") {
    const auto pem = read_fixture(k_keys / "ec-p256.pem");
    CHECK_THROWS_WITH_AS(RsaPrivateKey::from_pem(pem), doctest::Contains("not an RSA key"),
                         velocity::UsageError);
  }
}

TEST_CASE("RsaPrivateKey::sign_rs256") {
  const auto vector = kat();
  const auto input = vector.at("signing_input").get<std::string>();
  const auto expected = vector.at("signature_b64").get<std::string>();

  SUBCASE("known answer, byte for byte") {
    CHECK(base64url_encode(test_key_pkcs1().sign_rs256(input)) == expected);
  }
  SUBCASE("PKCS#8 and PKCS#1 forms of one key sign alike") {
    CHECK(base64url_encode(test_key_pkcs8().sign_rs256(input)) == expected);
  }
  SUBCASE("deterministic and modulus-sized") {
    const auto key = test_key_pkcs1();
    const auto first = key.sign_rs256("message");
    CHECK(first.size() == 256);
    CHECK(key.sign_rs256("message") == first);
    CHECK(key.sign_rs256("messagE") != first);
  }
  SUBCASE("another key signs differently") {
    const auto other = RsaPrivateKey::from_pem(read_fixture(k_keys / "other-rsa.pem"));
    CHECK(base64url_encode(other.sign_rs256(input)) != expected);
  }
}

TEST_CASE("RsaPublicKey::verify_rs256") {
  const auto vector = kat();
  const auto input = vector.at("signing_input").get<std::string>();
  const auto signature = test_key_pkcs1().sign_rs256(input);
  const auto published = RsaPublicKey::from_pem(
    read_fixture(k_gcp / "google-auth-library-python" / "privatekey.pub"), "privatekey.pub");

  SUBCASE("the published public key verifies the signature") {
    CHECK(published.bits() == 2048);
    CHECK(published.verify_rs256(input, signature));
  }
  SUBCASE("the public half of the private key is the published key") {
    const auto derived = test_key_pkcs1().public_key();
    CHECK(derived.to_pem() == published.to_pem());
    CHECK(derived.verify_rs256(input, signature));
  }
  SUBCASE("tampered message, tampered or truncated signature, other key") {
    CHECK_FALSE(published.verify_rs256(input + "x", signature));
    auto flipped = signature;
    flipped[10] = static_cast<char>(flipped[10] ^ 0x01);
    CHECK_FALSE(published.verify_rs256(input, flipped));
    CHECK_FALSE(published.verify_rs256(input, signature.substr(1)));
    CHECK_FALSE(published.verify_rs256(input, ""));
    const auto other = RsaPublicKey::from_pem(read_fixture(k_keys / "other-rsa.pub"));
    CHECK_FALSE(other.verify_rs256(input, signature));
  }
  SUBCASE("PKCS#1 RSA PUBLIC KEY is read too") {
    // The same key as "-----BEGIN RSA PUBLIC KEY-----" (made with openssl rsa -RSAPublicKey_out).
    const auto pkcs1 = read_fixture(k_keys / "other-rsa.pkcs1.pub");
    const auto spki = read_fixture(k_keys / "other-rsa.pub");
    CHECK(RsaPublicKey::from_pem(pkcs1).to_pem() == RsaPublicKey::from_pem(spki).to_pem());
  }
  SUBCASE("not a public key") {
    CHECK_THROWS_WITH_AS(RsaPublicKey::from_pem("hello", "k.pub"),
                         doctest::Contains("cannot read k.pub"), velocity::UsageError);
    CHECK_THROWS_AS(RsaPublicKey::from_pem(read_fixture(k_keys / "ec-p256.pem")),
                    velocity::UsageError);
  }
}

TEST_CASE("sign_jwt_rs256") {
  const auto vector = kat();
  const auto jwt = sign_jwt_rs256(vector.at("header_json").get<std::string>(),
                                  vector.at("claims_json").get<std::string>(), test_key_pkcs1());
  CHECK(jwt == vector.at("assertion").get<std::string>());
  CHECK(jwt.substr(0, jwt.rfind('.')) == vector.at("signing_input").get<std::string>());
}

TEST_CASE("JwtBuilder") {
  const auto vector = kat();

  SUBCASE("the Google JWT-bearer claim set reproduces the known answer") {
    JwtBuilder builder("1");
    builder.claim("iss", "service-account@example.com")
      .claim("scope", "https://www.googleapis.com/auth/cloud-platform.read-only")
      .claim("aud", "https://oauth2.googleapis.com/token")
      .claim("iat", int64_t{1700000000})
      .claim("exp", int64_t{1700003600});
    CHECK(builder.header_json() == vector.at("header_json").get<std::string>());
    CHECK(builder.claims_json() == vector.at("claims_json").get<std::string>());
    const auto jwt = builder.sign(test_key_pkcs8());
    CHECK(jwt == vector.at("assertion").get<std::string>());
    CHECK(signature_part(jwt) == vector.at("signature_b64").get<std::string>());
  }
  SUBCASE("no key id: no kid in the header") {
    CHECK(JwtBuilder().header_json() == R"({"alg":"RS256","typ":"JWT"})");
  }
  SUBCASE("a claim set twice keeps its place and takes the new value") {
    JwtBuilder builder;
    builder.claim("iat", int64_t{1}).claim("exp", int64_t{2}).claim("iat", int64_t{-3});
    CHECK(builder.claims_json() == R"({"iat":-3,"exp":2})");
  }
  SUBCASE("strings are escaped, parse back and stay UTF-8") {
    JwtBuilder builder;
    const std::string tricky = "a\"b\\c/d\ne\tf\x01g\x1fh \xc3\xa9";
    builder.claim("sub", tricky).claim("we\"ird", "x");
    CHECK(builder.claims_json() ==
          "{\"sub\":\"a\\\"b\\\\c/d\\ne\\tf\\u0001g\\u001fh \xc3\xa9\",\"we\\\"ird\":\"x\"}");
    const auto parsed = nlohmann::json::parse(builder.claims_json());
    CHECK(parsed.at("sub").get<std::string>() == tricky);
    CHECK(parsed.at("we\"ird").get<std::string>() == "x");
  }
}
