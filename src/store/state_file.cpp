#include "state_file.hpp"

#include <velocity/core/error.hpp>
#include <velocity/crypto/digest.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cerrno>
#include <fstream>

#include <unistd.h>

namespace velocity::store {

namespace {

constexpr size_t k_sqlite_header_size = 100;
constexpr uintmax_t k_wal_header_size = 32;
constexpr std::string_view k_sqlite_magic{"SQLite format 3\0", 16};

} // namespace

std::string org_key_identity(int64_t org_id, uint32_t key_version) {
  return fmt::format("velocity:org-key:v1:{}:{}", org_id, key_version);
}

uint32_t read_be32(std::string_view bytes) {
  uint32_t value = 0;
  for (size_t i = 0; i < 4; ++i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return value;
}

UsageError not_a_backup(const std::filesystem::path& path, std::string_view why) {
  return UsageError(fmt::format("{} is not a velocity backup ({})", path.string(), why),
                    "give a file written by `velocity backup`");
}

void check_sqlite_file(const std::filesystem::path& path, FileRole role) {
  const bool backup = role == FileRole::backup;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (::access(path.c_str(), R_OK) != 0 && errno == EACCES) {
      if (backup) {
        throw PermissionError(fmt::format("cannot read {}: permission denied", path.string()),
                              "check the file's permissions");
      }
      throw PermissionError(fmt::format("cannot read state {}: permission denied", path.string()),
                            "the state belongs to another user: run velocity as that user, or "
                            "point --state at a state of yours");
    }
    throw StateError(fmt::format("cannot read state {}", path.string()),
                     "check that the file is readable by you");
  }
  std::array<char, k_sqlite_header_size> header{};
  in.read(header.data(), header.size());
  const auto got = static_cast<size_t>(in.gcount());
  const std::string_view view(header.data(), got);
  if (got < k_sqlite_header_size || view.substr(0, k_sqlite_magic.size()) != k_sqlite_magic) {
    if (backup) {
      throw not_a_backup(path, "not an SQLite database");
    }
    throw StateError(
      fmt::format("{} is not a velocity state file (not an SQLite database)", path.string()),
      "point --state (or VELOCITY_STATE) at the state file, or run `velocity init`");
  }
  uint64_t page_size =
    (static_cast<unsigned char>(view[16]) << 8) | static_cast<unsigned char>(view[17]);
  if (page_size == 1) {
    page_size = 65536;
  }
  const uint64_t pages = read_be32(view.substr(28, 4));
  const uint64_t expected = page_size * pages;
  const uint64_t actual = std::filesystem::file_size(path);
  // Pages still in the write-ahead log belong to the state too: a checkpoint stopped by a full
  // disk leaves the header counting pages that only the log holds, and SQLite finishes it.
  std::error_code ec;
  const auto wal_size = std::filesystem::file_size(path.string() + "-wal", ec);
  const bool wal_has_frames = !ec && wal_size > k_wal_header_size;
  if (actual < expected && !wal_has_frames) {
    if (backup) {
      throw not_a_backup(path, fmt::format("truncated: {} bytes of {}", actual, expected));
    }
    throw StateError(
      fmt::format("state {} is truncated: {} bytes of {}", path.string(), actual, expected),
      "restore the state file from a backup");
  }
}

std::optional<std::string> read_meta(Database& db, std::string_view key) {
  Statement stmt = db.prepare("SELECT value FROM meta WHERE key = ?");
  stmt.bind(1, key);
  if (!stmt.step()) {
    return std::nullopt;
  }
  return stmt.column_blob(0);
}

void write_meta(Database& db, std::string_view key, std::string_view value) {
  db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) "
             "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
    .bind(1, key)
    .bind_blob(2, value)
    .run();
}

std::string passphrase_settings_json(const crypto::PassphraseSettings& settings) {
  return nlohmann::json{{"algorithm", "scrypt"},
                        {"salt", crypto::base64_encode(settings.salt)},
                        {"n", settings.params.n},
                        {"r", settings.params.r},
                        {"p", settings.params.p}}
    .dump();
}

std::optional<crypto::PassphraseSettings> read_passphrase_settings(Database& db) {
  const auto text = read_meta(db, "kdf");
  if (!text) {
    return std::nullopt;
  }
  try {
    const auto json = nlohmann::json::parse(*text);
    crypto::PassphraseSettings settings;
    settings.salt = crypto::base64_decode(json.at("salt").get<std::string>()).value();
    settings.params.n = json.at("n").get<uint64_t>();
    settings.params.r = json.at("r").get<uint64_t>();
    settings.params.p = json.at("p").get<uint64_t>();
    return settings;
  } catch (const std::exception&) {
    throw StateError(
      fmt::format("state {}: the passphrase settings are corrupt", db.path().string()));
  }
}

std::string key_help(const crypto::MasterKey& key) {
  return fmt::format("the key came from {}; use the key this state was created with "
                     "(VELOCITY_MASTER_KEY, VELOCITY_KEY_FILE, VELOCITY_PASSPHRASE or {})",
                     key.description, crypto::default_key_file().string());
}

std::optional<OrgInfo> find_org_in(Database& db, std::string_view name) {
  Statement stmt = db.prepare(
    "SELECT id, name, created_at, is_demo, key_version FROM organizations WHERE name = ?");
  stmt.bind(1, name);
  if (!stmt.step()) {
    return std::nullopt;
  }
  return OrgInfo{stmt.column_int(0), stmt.column_text(1), stmt.column_text(2),
                 stmt.column_int(3) != 0 ? OrgKind::demo : OrgKind::regular,
                 static_cast<uint32_t>(stmt.column_int(4))};
}

} // namespace velocity::store
