#pragma once

#include <velocity/crypto/aead.hpp>
#include <velocity/crypto/keys.hpp>
#include <velocity/store/database.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace velocity::store {

// Where an encrypted value lives; bound into its associated data so that a ciphertext copied to
// another row, column or table does not open.
struct Field {
  std::string_view table;
  std::string_view column;
  int64_t row_id;
};

enum class OrgKind { regular, demo };

// An organisation with its unwrapped data key: seals and opens the values of its rows.
class Org {
public:
  Org(int64_t id, std::string name, OrgKind kind, uint32_t key_version, crypto::SecretKey key);

  int64_t id() const noexcept { return m_id; }
  const std::string& name() const noexcept { return m_name; }
  OrgKind kind() const noexcept { return m_kind; }
  uint32_t key_version() const noexcept { return m_key_version; }

  // AES-256-GCM of `plaintext` bound to `field` and the key version.
  std::string seal(const Field& field, std::string_view plaintext) const;
  // Opens a value sealed for `field`. Throws StateError when it was tampered with, belongs to
  // another row, or was sealed under another key; when it was sealed under a newer data key (a
  // `key rotate --reencrypt` committed since this Org was loaded) the error says so and asks to
  // run the command again.
  std::string open(const Field& field, std::string_view sealed) const;
  // Throws StateError ("the master key was rotated while this command ran; run it again") when
  // this data key is no longer the organisation's (a `key rotate --reencrypt` committed since it
  // was loaded), and UsageError when the organisation was deleted. Call it inside the write
  // transaction that seals with this Org, so that what it seals commits under the current key.
  void require_current(Database& db) const;

private:
  friend class State;
  int64_t m_id;
  std::string m_name;
  OrgKind m_kind;
  uint32_t m_key_version;
  crypto::SecretKey m_key;
};

struct OrgInfo {
  int64_t id;
  std::string name;
  std::string created_at;
  OrgKind kind;
  uint32_t key_version;
};

// How `velocity init` gets the master key of a new state.
enum class NewKeySource { automatic, passphrase };

struct InitResult {
  bool created;           // false: a state was already there and nothing changed
  std::string key_source; // where the master key is, in words
  bool key_file_written;
};

struct RotateProblem {
  std::string org;
  std::string message;
};

struct RotateResult {
  std::filesystem::path key_file; // where the new master key was written
  int organizations;
  int64_t values_reencrypted;
  // Organisations that could not be read, each named with what was done and what to do; the
  // others were rotated.
  std::vector<RotateProblem> problems;
};

// The data key version of organisation `org_id`; nothing when there is no such organisation.
std::optional<uint32_t> current_key_version(Database& db, int64_t org_id);

enum class Reencrypt { no, yes };

// How much an organisation holds, for `velocity status`.
struct OrgCounts {
  int64_t integrations;
  int64_t evidence;
};

// The state file: the SQLite database with its master key checked and migrations applied.
class State {
public:
  static constexpr std::string_view k_default_org = "default";

  // The state path: `explicit_path`, else $VELOCITY_STATE, else
  // $XDG_DATA_HOME/velocity/velocity.db.
  static std::filesystem::path resolve_path(const std::optional<std::string>& explicit_path);

  // Creates the state at `path` with its master key and the default organisation. When a state
  // is already there it changes nothing. Nothing is left behind on failure.
  static InitResult initialize(const std::filesystem::path& path, NewKeySource source,
                               const crypto::PassphrasePrompt& prompt);

  // Opens an existing state: refuses a file that is not a velocity state, is truncated or comes
  // from a newer schema without touching it, checks the master key before anything is read, then
  // applies pending migrations.
  static State open(const std::filesystem::path& path, const crypto::PassphrasePrompt& prompt);

  Database& db() noexcept { return m_db; }
  const crypto::MasterKey& master_key() const noexcept { return m_master_key; }
  const std::filesystem::path& path() const noexcept { return m_path; }
  // Things the user should know about that happened while opening (a finished key rotation).
  const std::vector<std::string>& notices() const noexcept { return m_notices; }
  // What is wrong but does not stop the command (files others may read), shown even with -q.
  const std::vector<std::string>& warnings() const noexcept { return m_warnings; }

  // The organisation called `name` with its data key. Throws UsageError when there is none.
  Org org(std::string_view name);
  std::optional<OrgInfo> find_org(std::string_view name);
  std::vector<OrgInfo> list_orgs();
  OrgCounts org_counts(int64_t org_id);
  // Creates an organisation with a fresh data key. Throws UsageError when the name is taken.
  OrgInfo create_org(std::string_view name, OrgKind kind);
  // Deletes the organisation, its rows and its data key (crypto-erase).
  void delete_org(std::string_view name);

  // Replaces the master key with a new random key written to `key_file`; with Reencrypt::yes also
  // replaces every data key and re-seals every encrypted value. It takes the write lock before it
  // reads anything, writes the new key to `key_file`.new, commits, then moves it to `key_file`;
  // `record` runs inside the transaction, after the rewrap, so that what it writes (the audit
  // events) commits with the rotation. A crash before the commit leaves the state readable with
  // the old key (the next command removes the `.new`); a crash after it is finished by the next
  // command. A passphrase-protected state leaves its passphrase behind: it opens with the new key
  // file from then on. An organisation whose data key or values cannot be read is named in
  // `problems` instead of stopping the others.
  RotateResult rotate_master_key(const std::filesystem::path& key_file, Reencrypt reencrypt,
                                 const std::function<void(const RotateResult&)>& record);

private:
  State(Database db, std::filesystem::path path, crypto::MasterKey key, std::string check_value);
  // Makes the master key the one whose check value is `check_value` (read in the same transaction
  // as what it is about to unwrap or wrap): a key rotation committed since it was loaded. Looks in
  // the key file the key came from, the configured key file and their `.new`. Throws StateError
  // ("rotated while this command ran; run it again") when it is in none of them.
  void follow_master_key(const std::string& check_value);
  struct OrgKeyRow {
    int64_t id;
    OrgKind kind;
    uint32_t version;
    std::string wrapped_key;
    std::string check_value;
  };
  // The organisation's wrapped data key with the key check value of the same snapshot.
  std::optional<OrgKeyRow> find_org_key(std::string_view name);
  // Rewraps one organisation's data key under `new_kek` (re-encrypting its values first with
  // Reencrypt::yes), or names it in result.problems when it cannot be read.
  void rotate_org(const OrgInfo& info, const crypto::SecretKey& new_kek, Reencrypt reencrypt,
                  RotateResult& result);

  Database m_db;
  std::filesystem::path m_path;
  crypto::MasterKey m_master_key;
  std::string m_check_value; // the key check value m_master_key matches
  std::vector<std::string> m_notices;
  std::vector<std::string> m_warnings;
};

} // namespace velocity::store
