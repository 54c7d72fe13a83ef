#pragma once

#include <velocity/core/fs.hpp>
#include <velocity/crypto/keys.hpp>
#include <velocity/store/database.hpp>
#include <velocity/store/state.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>

// `velocity backup` and `velocity restore`: a copy of the whole state taken with SQLite's online
// backup API, so that commands running meanwhile are neither stopped nor seen half-done.
namespace velocity::store {

struct BackupResult {
  std::filesystem::path file;
  uintmax_t bytes;
  int schema_version;
  size_t organizations;
};

// A backup of the state on its way to `file`.
class StateBackup {
public:
  // Refuses what cannot be written where asked before anything is copied: a directory or the
  // state itself (UsageError), then makes the temporary file beside `file`, with the errors of
  // fs::AtomicFile (a missing directory 2, no permission 4, a full disk 3).
  StateBackup(State& state, const std::filesystem::path& file);

  // Writes a consistent copy of the state, mode 0600: copied into the temporary file, checked
  // (SQLite's integrity check, the key check value and every organisation's data key open under
  // the state's master key), synced, then renamed to the file. On any failure the file is as it
  // was and the temporary file is gone; a copy that does not verify is a StateError.
  BackupResult write();

private:
  State& m_state;
  std::filesystem::path m_file;
  fs::AtomicFile m_out;
};

// A backup file, checked and copied beside the state it is to replace; nothing of the state is
// changed until install().
class StagedRestore {
public:
  // Checks `backup`: a regular file (UsageError when missing or a directory, PermissionError when
  // unreadable), an intact velocity state (UsageError: not SQLite, not velocity's, damaged, from
  // a newer schema, or a live state with a write-ahead log beside it) that opens with the master
  // key the usual sources give (StateError "wrong master key"), then copies it beside
  // `state_path`. A full disk is a StateError that says the state is unchanged.
  StagedRestore(const std::filesystem::path& backup, const std::filesystem::path& state_path,
                const crypto::PassphrasePrompt& prompt);
  StagedRestore(const StagedRestore&) = delete;
  StagedRestore& operator=(const StagedRestore&) = delete;
  ~StagedRestore();

  // The staged copy, read-only use: what the backup holds (its audit logs, for the witness).
  Database& copy() noexcept { return *m_copy; }
  // The organisation called `name` in the backup.
  std::optional<OrgInfo> find_org(std::string_view name);
  // The master key that opens the backup, with where it came from.
  const crypto::MasterKey& master_key() const noexcept { return m_key; }
  int schema_version() const noexcept { return m_schema_version; }
  // True when a file is at the state path: install() replaces it.
  bool replaces_state() const;

  // Puts the backup in place. Over an existing state it is one SQLite transaction (the online
  // backup API again), so that a command with the state open sees it before or after, never
  // half; where there is no state (or a file SQLite cannot read) the staged file is renamed into
  // place. Organisation ids stay above every id the replaced state gave, so that a command
  // still holding one of its organisations never takes a new one for it.
  void install();

private:
  struct CheckedBackup;
  static CheckedBackup check(const std::filesystem::path& backup,
                             const std::filesystem::path& state_path,
                             const crypto::PassphrasePrompt& prompt);
  StagedRestore(CheckedBackup checked, const std::filesystem::path& state_path);

  std::filesystem::path m_state_path;
  fs::AtomicFile m_file;
  // Declared after m_file: closed before its temporary file is removed.
  std::unique_ptr<Database> m_copy;
  crypto::MasterKey m_key;
  int m_schema_version = 0;
};

} // namespace velocity::store
