#include "state_file.hpp"

#include <velocity/core/error.hpp>
#include <velocity/store/backup.hpp>
#include <velocity/store/schema.hpp>

#include <fmt/format.h>

#include <charconv>
#include <string>
#include <vector>

namespace velocity::store {

namespace {

// At most this many problems are listed from SQLite's integrity check.
constexpr int k_integrity_problems_listed = 5;

// What SQLite's integrity check finds wrong with `db`; empty when it is intact.
std::vector<std::string> integrity_problems(Database& db) {
  Statement stmt =
    db.prepare(fmt::format("PRAGMA integrity_check({})", k_integrity_problems_listed));
  std::vector<std::string> problems;
  while (stmt.step()) {
    std::string row = stmt.column_text(0);
    if (row != "ok") {
      problems.push_back(std::move(row));
    }
  }
  return problems;
}

std::string joined(const std::vector<std::string>& problems) {
  std::string text;
  for (const std::string& problem : problems) {
    text += text.empty() ? "" : "; ";
    text += problem;
  }
  return text;
}

// The first organisation of `db` whose data key does not unwrap under `kek`.
std::optional<std::string> org_key_not_opening(Database& db, const crypto::SecretKey& kek) {
  Statement stmt = db.prepare("SELECT id, name, key_version, wrapped_key FROM organizations");
  while (stmt.step()) {
    const auto version = static_cast<uint32_t>(stmt.column_int(2));
    if (!crypto::unwrap_key(kek, stmt.column_blob(3),
                            org_key_identity(stmt.column_int(0), version))) {
      return stmt.column_text(1);
    }
  }
  return std::nullopt;
}

size_t count_orgs(Database& db) {
  Statement stmt = db.prepare("SELECT count(*) FROM organizations");
  stmt.step();
  return static_cast<size_t>(stmt.column_int(0));
}

int page_size(Database& db) {
  Statement stmt = db.prepare("PRAGMA page_size");
  stmt.step();
  return static_cast<int>(stmt.column_int(0));
}

int64_t last_org_id(Database& db) {
  const std::string text = read_meta(db, "last_org_id").value_or("0");
  int64_t id = 0;
  std::from_chars(text.data(), text.data() + text.size(), id);
  return id;
}

bool same_file(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code ec;
  return std::filesystem::equivalent(a, b, ec);
}

void require_not_directory(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    throw UsageError(fmt::format("cannot write {}: it is a directory", file.string()),
                     "give a file name");
  }
}

void remove_beside(const std::filesystem::path& path) {
  std::error_code ec;
  for (const char* suffix : {"-wal", "-shm", "-journal"}) {
    std::filesystem::remove(path.string() + suffix, ec);
  }
}

const std::filesystem::path& checked_target(State& state, const std::filesystem::path& file) {
  require_not_directory(file);
  if (same_file(file, state.path())) {
    throw UsageError(fmt::format("{} is the state itself", file.string()),
                     "write the backup to another file, preferably on another disk");
  }
  return file;
}

// Checks everything about `backup` that needs no copy of it, reading it as an immutable file so
// that nothing is written to it or beside it.
Database open_backup(const std::filesystem::path& backup) {
  fs::require_readable_file(backup);
  check_sqlite_file(backup, FileRole::backup);
  std::error_code ec;
  if (std::filesystem::file_size(backup.string() + "-wal", ec) > 0 && !ec) {
    throw UsageError(
      fmt::format("{} has a write-ahead log beside it: it is a state in use, not a backup",
                  backup.string()),
      fmt::format("make a backup of it first: `velocity --state {} backup FILE`", backup.string()));
  }
  return Database::open(backup, OpenMode::read_only_snapshot);
}

} // namespace

StateBackup::StateBackup(State& state, const std::filesystem::path& file)
  : m_state(state),
    m_file(file),
    m_out(checked_target(state, file), fs::Mode::private_file) {}

BackupResult StateBackup::write() {
  {
    Database copy = Database::open(m_out.temporary_path(), OpenMode::read_write);
    // No journal while copying: the temporary file is thrown away whole when anything fails.
    copy.execute("PRAGMA journal_mode = OFF");
    m_state.db().copy_to(copy, m_file);
    // The state's header says WAL: left so, the backup would keep a log beside it once opened.
    // A backup is one file.
    copy.execute("PRAGMA journal_mode = DELETE");
  }
  BackupResult result{m_file, 0, 0, 0};
  {
    Database check = Database::open(m_out.temporary_path(), OpenMode::read_only_snapshot);
    if (const auto problems = integrity_problems(check); !problems.empty()) {
      throw StateError(fmt::format("the copy of state {} does not pass SQLite's integrity check "
                                   "({}); {} was not written",
                                   m_state.path().string(), joined(problems), m_file.string()),
                       "run `velocity status`; if the state itself is damaged, restore it from "
                       "an earlier backup");
    }
    const auto check_value = read_meta(check, "kcv");
    if (!check_value || !crypto::matches_check_value(m_state.master_key().key, *check_value)) {
      throw StateError("the master key was rotated while this command ran; run it again",
                       fmt::format("{} was not written", m_file.string()));
    }
    if (const auto org = org_key_not_opening(check, m_state.master_key().key)) {
      throw StateError(fmt::format("the data key of organisation '{}' does not open in the copy of "
                                   "state {}; {} was not written",
                                   *org, m_state.path().string(), m_file.string()),
                       "run `velocity audit verify`; restore the state from an earlier backup "
                       "if it was tampered with");
    }
    result.schema_version = check.user_version();
    result.organizations = count_orgs(check);
  }
  m_out.commit();
  std::error_code ec;
  result.bytes = std::filesystem::file_size(m_file, ec);
  return result;
}

struct StagedRestore::CheckedBackup {
  Database source;
  crypto::MasterKey key;
  int schema_version;
};

StagedRestore::CheckedBackup StagedRestore::check(const std::filesystem::path& backup,
                                                  const std::filesystem::path& state_path,
                                                  const crypto::PassphrasePrompt& prompt) {
  if (same_file(backup, state_path)) {
    throw UsageError(fmt::format("{} is the state itself", backup.string()),
                     "give the backup file to restore the state from");
  }
  Database source = open_backup(backup);
  int version = 0;
  std::optional<std::string> check_value;
  try {
    version = source.user_version();
    check_value = version > 0 ? read_meta(source, "kcv") : std::nullopt;
    if (const auto problems = integrity_problems(source); !problems.empty()) {
      throw not_a_backup(backup, "damaged: " + joined(problems));
    }
  } catch (const StateError& error) {
    throw not_a_backup(backup, error.what());
  }
  if (!check_value) {
    throw not_a_backup(backup, "an SQLite database, but no velocity state");
  }
  if (version > latest_schema_version()) {
    throw UsageError(fmt::format("backup {} has schema version {}, newer than this velocity "
                                 "understands ({})",
                                 backup.string(), version, latest_schema_version()),
                     "restore it with the velocity that made it, or upgrade velocity");
  }
  crypto::MasterKey key = crypto::find_master_key(read_passphrase_settings(source), prompt);
  if (!crypto::matches_check_value(key.key, *check_value)) {
    throw StateError(fmt::format("wrong master key for backup {}", backup.string()),
                     key_help(key) + "; a backup made before a `velocity key rotate` opens with "
                                     "the master key of that time");
  }
  if (const auto org = org_key_not_opening(source, key.key)) {
    throw StateError(fmt::format("the data key of organisation '{}' in backup {} does not open "
                                 "under the master key: it was tampered with",
                                 *org, backup.string()),
                     "restore from another backup");
  }
  fs::create_private_directories(state_path.has_parent_path() ? state_path.parent_path() : ".");
  return CheckedBackup{std::move(source), std::move(key), version};
}

StagedRestore::StagedRestore(const std::filesystem::path& backup,
                             const std::filesystem::path& state_path,
                             const crypto::PassphrasePrompt& prompt)
  : StagedRestore(check(backup, state_path, prompt), state_path) {}

StagedRestore::StagedRestore(CheckedBackup checked, const std::filesystem::path& state_path)
  : m_state_path(state_path),
    m_file(state_path, fs::Mode::private_file),
    m_key(std::move(checked.key)),
    m_schema_version(checked.schema_version) {
  m_copy =
    std::make_unique<Database>(Database::open(m_file.temporary_path(), OpenMode::read_write));
  m_copy->execute("PRAGMA journal_mode = OFF");
  checked.source.copy_to(*m_copy, m_state_path);
  // A raw copy of a state says WAL in its header; the staged copy is worked on as one file.
  m_copy->execute("PRAGMA journal_mode = DELETE");
}

StagedRestore::~StagedRestore() = default;

std::optional<OrgInfo> StagedRestore::find_org(std::string_view name) {
  return find_org_in(*m_copy, name);
}

bool StagedRestore::replaces_state() const {
  std::error_code ec;
  return std::filesystem::exists(m_state_path, ec);
}

void StagedRestore::install() {
  bool sqlite_state = false;
  if (replaces_state()) {
    try {
      check_sqlite_file(m_state_path, FileRole::state);
      sqlite_state = true;
    } catch (const StateError&) {
      // Not an SQLite file at all: no command can have it open, so it is replaced as a file.
    }
  }
  if (sqlite_state) {
    Database live = Database::open(m_state_path, OpenMode::read_write);
    if (const int live_page_size = page_size(live); live_page_size != page_size(*m_copy)) {
      // SQLite copies into a database in WAL mode only between equal page sizes.
      m_copy->execute(fmt::format("PRAGMA page_size = {}; VACUUM", live_page_size));
    }
    if (live.user_version() > 0) {
      if (const int64_t replaced_last = last_org_id(live); replaced_last > last_org_id(*m_copy)) {
        write_meta(*m_copy, "last_org_id", std::to_string(replaced_last));
      }
    }
    m_copy->copy_to(live, m_state_path);
    return;
  }
  m_copy->execute("PRAGMA journal_mode = WAL");
  m_copy.reset();
  // Left by a state that is gone, they would be taken for the log of the new one.
  remove_beside(m_state_path);
  m_file.commit();
}

} // namespace velocity::store
