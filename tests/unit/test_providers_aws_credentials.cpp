// The AWS credential chain, read as the AWS CLI reads it, with a fake environment.

#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/providers/aws/credentials.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <map>

using namespace velocity;
using namespace velocity::providers::aws;

namespace {

struct FakeHome {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("velocity-unit-aws-" + crypto::to_hex(crypto::random_bytes(6)));
  std::map<std::string, std::string> vars;

  FakeHome() {
    std::filesystem::create_directories(dir / ".aws");
    vars["HOME"] = dir.string();
  }
  ~FakeHome() { std::filesystem::remove_all(dir); }

  void write(const std::string& name, const std::string& text) {
    fs::write_file_atomic(dir / ".aws" / name, text, fs::Mode::private_file);
  }
  EnvLookup env() const {
    return [this](const char* name) -> std::optional<std::string> {
      const auto found = vars.find(name);
      return found == vars.end() ? std::nullopt : std::optional<std::string>(found->second);
    };
  }
};

} // namespace

TEST_CASE("parse_ini") {
  const IniFile ini =
    parse_ini("# comment\n[default]\naws_access_key_id = A\r\n; note\n"
              "[profile x]\nRegion=eu-west-1\ns3 =\n  max_concurrent_requests = 2\n");
  CHECK(ini.at("default").at("aws_access_key_id") == "A");
  CHECK(ini.at("profile x").at("region") == "eu-west-1");
  CHECK_FALSE(ini.at("profile x").contains("max_concurrent_requests"));
}

TEST_CASE("resolve_credentials") {
  FakeHome home;
  SUBCASE("environment variables first") {
    home.vars["AWS_ACCESS_KEY_ID"] = "AKIAENV";
    home.vars["AWS_SECRET_ACCESS_KEY"] = "secret";
    home.vars["AWS_SESSION_TOKEN"] = "token";
    home.vars["AWS_DEFAULT_REGION"] = "eu-north-1";
    const auto resolved = resolve_credentials({}, home.env());
    CHECK(resolved.credentials.access_key_id == "AKIAENV");
    CHECK(resolved.credentials.session_token == "token");
    CHECK(resolved.source == "environment variables");
    CHECK(resolved.region == "eu-north-1");
  }
  SUBCASE("half the keys in the environment is an error") {
    home.vars["AWS_ACCESS_KEY_ID"] = "AKIAENV";
    CHECK_THROWS_AS(resolve_credentials({}, home.env()), UsageError);
  }
  SUBCASE("AWS_PROFILE with the credentials and config files") {
    home.write("credentials", "[default]\naws_access_key_id=D\naws_secret_access_key=d\n"
                              "[work]\naws_access_key_id=W\naws_secret_access_key=w\n");
    home.write("config", "[default]\nregion=us-west-2\n[profile work]\nregion=ap-south-1\n"
                         "endpoint_url = http://localhost:5000\n");
    home.vars["AWS_PROFILE"] = "work";
    const auto resolved = resolve_credentials({}, home.env());
    CHECK(resolved.credentials.access_key_id == "W");
    CHECK(resolved.region == "ap-south-1");
    CHECK(resolved.endpoint_url == "http://localhost:5000");
    CHECK(resolved.source.starts_with("profile work of "));
    home.vars.erase("AWS_PROFILE");
    CHECK(resolve_credentials({}, home.env()).credentials.access_key_id == "D");
  }
  SUBCASE("an explicit profile wins over the environment, as in the AWS CLI") {
    home.write("credentials", "[ci]\naws_access_key_id=C\naws_secret_access_key=c\n");
    home.vars["AWS_ACCESS_KEY_ID"] = "AKIAENV";
    home.vars["AWS_SECRET_ACCESS_KEY"] = "secret";
    ChainOptions options;
    options.profile = "ci";
    CHECK(resolve_credentials(options, home.env()).credentials.access_key_id == "C");
  }
  SUBCASE("role_arn with source_profile in the config file") {
    home.write("credentials", "[base]\naws_access_key_id=B\naws_secret_access_key=b\n");
    home.write("config", "[profile audit]\nrole_arn=arn:aws:iam::111122223333:role/Audit\n"
                         "source_profile=base\nexternal_id=xyz\n");
    ChainOptions options;
    options.profile = "audit";
    const auto resolved = resolve_credentials(options, home.env());
    CHECK(resolved.credentials.access_key_id == "B");
    CHECK(resolved.role_arn == "arn:aws:iam::111122223333:role/Audit");
    CHECK(resolved.external_id == "xyz");
  }
  SUBCASE("--credentials-file") {
    fs::write_file_atomic(home.dir / "keys.ini",
                          "[default]\naws_access_key_id=F\naws_secret_access_key=f\n",
                          fs::Mode::private_file);
    ChainOptions options;
    options.credentials_file = home.dir / "keys.ini";
    CHECK(resolve_credentials(options, home.env()).credentials.access_key_id == "F");
    options.credentials_file = home.dir / "missing.ini";
    CHECK_THROWS_AS(resolve_credentials(options, home.env()), UsageError);
  }
  SUBCASE("nothing anywhere, or an unknown profile") {
    CHECK_THROWS_WITH_AS(resolve_credentials({}, home.env()),
                         doctest::Contains("no AWS credentials found"), UsageError);
    home.write("credentials", "[default]\naws_access_key_id=D\naws_secret_access_key=d\n");
    ChainOptions options;
    options.profile = "ghost";
    CHECK_THROWS_WITH_AS(resolve_credentials(options, home.env()), doctest::Contains("ghost"),
                         UsageError);
  }
}

TEST_CASE("serialise_credentials") {
  const Credentials credentials{"A", "s/e+c", "t"};
  const Credentials back = parse_credentials(serialise_credentials(credentials));
  CHECK(back.access_key_id == "A");
  CHECK(back.secret_access_key == "s/e+c");
  CHECK(back.session_token == "t");
  CHECK_THROWS_AS(parse_credentials("not json"), StateError);
}
