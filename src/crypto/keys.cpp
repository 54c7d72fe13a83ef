#include <velocity/core/env.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/core/input_limits.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/crypto/keys.hpp>

#include <fmt/format.h>
#include <openssl/crypto.h>

namespace velocity::crypto {

namespace {

constexpr std::string_view k_check_plaintext = "velocity master key check v1";
constexpr std::string_view k_check_aad = "velocity:key-check:v1";

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

MasterKey from_file(const std::filesystem::path& path, KeyOrigin origin) {
  return MasterKey{read_key_file(path), origin, path, "key file " + path.string()};
}

} // namespace

std::filesystem::path default_key_file() {
  return env::config_home() / "velocity" / "master.key";
}

std::filesystem::path configured_key_file() {
  if (auto path = env::get("VELOCITY_KEY_FILE")) {
    return *path;
  }
  return default_key_file();
}

SecretKey parse_master_key(std::string_view text, const std::string& where) {
  const auto decoded = base64_decode(trim(text));
  if (!decoded) {
    throw StateError(fmt::format("{} is not valid base64", where),
                     "a master key is 32 random bytes in base64, e.g. `openssl rand -base64 32`");
  }
  auto key = SecretKey::from_bytes(*decoded);
  std::string copy = *decoded;
  OPENSSL_cleanse(copy.data(), copy.size());
  if (!key) {
    throw StateError(fmt::format("{} holds {} bytes, a master key has 32", where, decoded->size()),
                     "a master key is 32 random bytes in base64, e.g. `openssl rand -base64 32`");
  }
  return *key;
}

SecretKey read_key_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw StateError(fmt::format("master key file {} does not exist", path.string()),
                     "set VELOCITY_KEY_FILE or VELOCITY_MASTER_KEY to the key this state was "
                     "created with, or run `velocity init` for a new state");
  }
  std::string text = fs::read_file(path, limits::master_key_file);
  const unsigned mode = fs::permissions_of(path);
  if ((mode & 0004U) != 0) {
    OPENSSL_cleanse(text.data(), text.size());
    throw StateError(fmt::format("master key file {} may be read by every user (mode {:04o}): "
                                 "refused",
                                 path.string(), mode),
                     fmt::format("run `chmod 600 {}`, and consider the key exposed: rotate it "
                                 "with `velocity key rotate` once it is private again",
                                 path.string()));
  }
  SecretKey key = parse_master_key(text, "master key file " + path.string());
  OPENSSL_cleanse(text.data(), text.size());
  return key;
}

void write_key_file(const std::filesystem::path& path, const SecretKey& key) {
  fs::create_private_directories(path.parent_path());
  fs::write_file_atomic(path, base64_encode(key.bytes()) + "\n", fs::Mode::private_file);
}

MasterKey find_master_key(const std::optional<PassphraseSettings>& passphrase,
                          const PassphrasePrompt& prompt) {
  if (auto text = env::get("VELOCITY_MASTER_KEY")) {
    return MasterKey{parse_master_key(*text, "VELOCITY_MASTER_KEY"),
                     KeyOrigin::environment,
                     {},
                     "VELOCITY_MASTER_KEY"};
  }
  if (auto path = env::get("VELOCITY_KEY_FILE")) {
    return from_file(*path, KeyOrigin::key_file);
  }
  if (passphrase) {
    std::optional<std::string> text = env::get("VELOCITY_PASSPHRASE");
    std::string description = "passphrase (VELOCITY_PASSPHRASE)";
    if (!text && prompt) {
      text = prompt("Passphrase for the velocity state: ");
      description = "passphrase (prompt)";
    }
    if (!text) {
      throw StateError("this state is protected by a passphrase and none was given",
                       "set VELOCITY_PASSPHRASE or run velocity on a terminal to be asked");
    }
    SecretKey key = derive_from_passphrase(*text, passphrase->salt, passphrase->params);
    OPENSSL_cleanse(text->data(), text->size());
    return MasterKey{key, KeyOrigin::passphrase, {}, description};
  }
  return from_file(default_key_file(), KeyOrigin::default_key_file);
}

std::string make_check_value(const SecretKey& kek) {
  return seal(kek, k_check_plaintext, k_check_aad);
}

bool matches_check_value(const SecretKey& kek, std::string_view check_value) {
  const auto plaintext = open(kek, check_value, k_check_aad);
  return plaintext && *plaintext == k_check_plaintext;
}

std::string wrap_key(const SecretKey& kek, const SecretKey& dek, std::string_view identity) {
  return seal(kek, dek.bytes(), identity);
}

std::optional<SecretKey> unwrap_key(const SecretKey& kek, std::string_view wrapped,
                                    std::string_view identity) {
  auto bytes = open(kek, wrapped, identity);
  if (!bytes) {
    return std::nullopt;
  }
  auto key = SecretKey::from_bytes(*bytes);
  OPENSSL_cleanse(bytes->data(), bytes->size());
  return key;
}

} // namespace velocity::crypto
