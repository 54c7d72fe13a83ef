#pragma once

// Internal to the store module: what the state and its backups share — the file's header check,
// the meta table, the passphrase settings and the identity a data key is wrapped under.

#include <velocity/core/error.hpp>
#include <velocity/crypto/keys.hpp>
#include <velocity/store/database.hpp>
#include <velocity/store/state.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace velocity::store {

// What a file is being opened as, for the words and exit codes of check_sqlite_file: the state
// (broken: exit 3) or a backup given to `restore` (an input file of the wrong kind: exit 2).
enum class FileRole { state, backup };

// Refuses, without opening it with SQLite, a file that is not an SQLite database or is shorter
// than its header says: opening such a file must leave it untouched.
void check_sqlite_file(const std::filesystem::path& path, FileRole role);

// "FILE is not a velocity backup (WHY)", exit 2.
UsageError not_a_backup(const std::filesystem::path& path, std::string_view why);

uint32_t read_be32(std::string_view bytes);

// The associated data a data key of organisation `org_id` is wrapped with.
std::string org_key_identity(int64_t org_id, uint32_t key_version);

std::optional<std::string> read_meta(Database& db, std::string_view key);
void write_meta(Database& db, std::string_view key, std::string_view value);

std::string passphrase_settings_json(const crypto::PassphraseSettings& settings);
std::optional<crypto::PassphraseSettings> read_passphrase_settings(Database& db);

// What to do about a master key that does not open a state (or backup).
std::string key_help(const crypto::MasterKey& key);

// The organisation called `name` in `db`.
std::optional<OrgInfo> find_org_in(Database& db, std::string_view name);

} // namespace velocity::store
