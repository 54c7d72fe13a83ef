#pragma once

#include <velocity/crypto/aead.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

// The key hierarchy: the master key (KEK) and where it comes from, the key check value that
// detects a wrong master key before anything is read, and data keys (DEKs) wrapped by the KEK.
namespace velocity::crypto {

enum class KeyOrigin {
  environment,      // VELOCITY_MASTER_KEY
  key_file,         // VELOCITY_KEY_FILE
  passphrase,       // VELOCITY_PASSPHRASE or the prompt, stretched with scrypt
  default_key_file, // $XDG_CONFIG_HOME/velocity/master.key
};

// How a state set up with a passphrase stretches it; kept in the state.
struct PassphraseSettings {
  std::string salt;
  ScryptParams params;
};

struct MasterKey {
  SecretKey key;
  KeyOrigin origin;
  std::filesystem::path file; // for key_file and default_key_file
  // "VELOCITY_MASTER_KEY", "key file /x/master.key", "passphrase (VELOCITY_PASSPHRASE)" ...
  std::string description;
};

// Asks the user for a passphrase without echo; nothing when there is no terminal.
using PassphrasePrompt = std::function<std::optional<std::string>(const std::string& question)>;

// $XDG_CONFIG_HOME/velocity/master.key.
std::filesystem::path default_key_file();

// VELOCITY_KEY_FILE when set, else the default key file.
std::filesystem::path configured_key_file();

// Finds the master key of an existing state, in this order: VELOCITY_MASTER_KEY,
// VELOCITY_KEY_FILE, the passphrase (VELOCITY_PASSPHRASE, else `prompt`) when the state was set up
// with one (`passphrase` given), the default key file. Throws StateError naming the source that
// is missing or malformed.
MasterKey find_master_key(const std::optional<PassphraseSettings>& passphrase,
                          const PassphrasePrompt& prompt);

// Decodes VELOCITY_MASTER_KEY-style text: base64 of exactly 32 bytes. `where` names the source in
// the error.
SecretKey parse_master_key(std::string_view text, const std::string& where);

// Reads a key file (base64 of 32 bytes, as write_key_file writes it).
SecretKey read_key_file(const std::filesystem::path& path);

// Writes `key` to `path` atomically, mode 0600, creating its directory (0700).
void write_key_file(const std::filesystem::path& path, const SecretKey& key);

// A value sealed under `kek` that proves, when it opens, that `kek` is the right master key.
std::string make_check_value(const SecretKey& kek);
bool matches_check_value(const SecretKey& kek, std::string_view check_value);

// A data key sealed under the master key; `identity` binds it to its owner and version.
std::string wrap_key(const SecretKey& kek, const SecretKey& dek, std::string_view identity);
std::optional<SecretKey> unwrap_key(const SecretKey& kek, std::string_view wrapped,
                                    std::string_view identity);

} // namespace velocity::crypto
