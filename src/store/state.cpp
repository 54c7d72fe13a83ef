#include "state_file.hpp"

#include <velocity/core/env.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/core/time.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/store/schema.hpp>
#include <velocity/store/state.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

#include <fcntl.h>
#include <unistd.h>

namespace velocity::store {

namespace {

constexpr char k_sealed_format = 0x01;
constexpr size_t k_sealed_header = 5;

std::string field_identity(const Field& field, uint32_t key_version) {
  std::string aad = "velocity:field:v1";
  aad.push_back('\0');
  aad.append(field.table);
  aad.push_back('\0');
  aad.append(field.column);
  aad.push_back('\0');
  aad.append(std::to_string(field.row_id));
  aad.push_back('\0');
  aad.append(std::to_string(key_version));
  return aad;
}

void check_org_name(std::string_view name) {
  const bool valid = !name.empty() && name.size() <= 64 &&
                     name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789._-") == std::string_view::npos;
  if (!valid) {
    throw UsageError(fmt::format("invalid organisation name '{}'", name),
                     "use 1 to 64 letters, digits, '.', '_' or '-'");
  }
}

// Files that hold secrets and that other users may read: said every time until mended, as ssh
// does (a world-readable key file is refused outright when it is read).
std::vector<std::string> exposure_warnings(const std::filesystem::path& state,
                                           const crypto::MasterKey& key) {
  std::vector<std::string> warnings;
  const auto warn_if_shared = [&warnings](const std::filesystem::path& file, const char* what) {
    const unsigned mode = fs::permissions_of(file);
    if ((mode & 0077U) != 0) {
      warnings.push_back(fmt::format("{} {} may be read by other users (mode {:04o}): run "
                                     "`chmod 600 {}`",
                                     what, file.string(), mode, file.string()));
    }
  };
  warn_if_shared(state, "state");
  if (!key.file.empty()) {
    warn_if_shared(key.file, "master key file");
  }
  return warnings;
}

void check_writable(const std::filesystem::path& path) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  if (::access(dir.c_str(), W_OK) != 0) {
    throw PermissionError(
      fmt::format("cannot write in {}, the directory of state {}", dir.string(), path.string()),
      "velocity keeps its journal beside the state: make the directory writable");
  }
  if (std::filesystem::exists(path) && ::access(path.c_str(), W_OK) != 0) {
    throw PermissionError(fmt::format("state {} is not writable", path.string()),
                          "check the file's owner and permissions (it should be yours, mode 0600)");
  }
}

void apply_migrations(Database& db) {
  const int version = db.user_version();
  const int latest = latest_schema_version();
  if (version >= latest) {
    return;
  }
  Transaction tx(db);
  const auto all = migrations();
  for (int i = version; i < latest; ++i) {
    db.execute(all[static_cast<size_t>(i)]);
  }
  db.set_user_version(latest);
  tx.commit();
}

void remove_state_files(const std::filesystem::path& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::remove(path.string() + suffix, ec);
  }
}

StateError unreadable_org_key(std::string_view name) {
  return StateError(
    fmt::format("cannot unwrap the data key of organisation '{}': it was tampered with", name),
    "restore the state file from a backup");
}

StateError rotated_while_running(std::string_view help) {
  return StateError("the master key was rotated while this command ran; run it again",
                    std::string(help));
}

std::filesystem::path pending_key_file(const std::filesystem::path& key_file) {
  return key_file.string() + ".new";
}

// The key in `file` when the file exists, reads as a key and opens `check_value`.
std::optional<crypto::SecretKey> key_matching(const std::filesystem::path& file,
                                              std::string_view check_value) {
  std::error_code ec;
  if (file.empty() || !std::filesystem::exists(file, ec)) {
    return std::nullopt;
  }
  try {
    crypto::SecretKey key = crypto::read_key_file(file);
    if (crypto::matches_check_value(key, check_value)) {
      return key;
    }
  } catch (const Error&) {
    // Unreadable, malformed or not a file at all: not the key we look for.
  }
  return std::nullopt;
}

// Where the master key of a state may be after a rotation: the key file the key came from, the
// configured key file (where `key rotate` writes by default), and `recorded`, the file the last
// rotation of this state wrote (meta rotated_key_file), each without duplicates.
std::vector<std::filesystem::path> key_file_candidates(const crypto::MasterKey* key,
                                                       const std::optional<std::string>& recorded) {
  std::vector<std::filesystem::path> files;
  const auto add = [&files](const std::filesystem::path& file) {
    if (!file.empty() && std::find(files.begin(), files.end(), file) == files.end()) {
      files.push_back(file);
    }
  };
  if (key != nullptr) {
    add(key->file);
  }
  add(crypto::configured_key_file());
  if (recorded) {
    add(*recorded);
  }
  return files;
}

// The key among `files` and their `.new` that opens `check_value`, as the key of the file it
// belongs in. Looks twice: the key may move from `.new` into place between two looks.
std::optional<crypto::MasterKey> locate_key(const std::vector<std::filesystem::path>& files,
                                            std::string_view check_value) {
  for (int look = 0; look < 2; ++look) {
    for (const std::filesystem::path& file : files) {
      for (const std::filesystem::path& candidate : {file, pending_key_file(file)}) {
        if (auto key = key_matching(candidate, check_value)) {
          return crypto::MasterKey{*key, crypto::KeyOrigin::key_file, file,
                                   "key file " + file.string()};
        }
      }
    }
  }
  return std::nullopt;
}

// Moves the new key of a committed rotation from `pending` to `key_file`. Only called with the
// write lock held, so no other rotation writes `pending` meanwhile. When another process moved it
// first, `key_file` holds it already.
void move_pending_key(const std::filesystem::path& pending, const std::filesystem::path& key_file,
                      std::string_view check_value) {
  std::error_code ec;
  std::filesystem::rename(pending, key_file, ec);
  if (ec && !key_matching(key_file, check_value)) {
    throw StateError(fmt::format("cannot move the new master key from {} to {}: {}",
                                 pending.string(), key_file.string(), ec.message()),
                     fmt::format("move it by hand (`mv {} {}`) before anything else; the state "
                                 "opens only with that key",
                                 pending.string(), key_file.string()));
  }
}

// Finishes a rotation that committed but did not move its new key into place, and removes the
// `.new` a rotation left when it stopped before its commit. It holds the write lock meanwhile:
// a rotation writes its `.new` only while it holds it, so a `.new` seen here belongs to no running
// rotation. Sets `key` to the finished rotation's key; returns the check value, re-read under the
// lock.
std::string settle_pending_keys(Database& db, const std::vector<std::filesystem::path>& files,
                                std::optional<crypto::MasterKey>& key,
                                std::vector<std::string>& notices) {
  std::vector<std::filesystem::path> pending;
  std::error_code ec;
  for (const std::filesystem::path& file : files) {
    if (std::filesystem::exists(pending_key_file(file), ec)) {
      pending.push_back(file);
    }
  }
  Transaction lock(db, pending.empty() ? TransactionKind::deferred : TransactionKind::immediate);
  const std::string check_value = read_meta(db, "kcv").value_or("");
  for (const std::filesystem::path& file : pending) {
    const std::filesystem::path pending_file = pending_key_file(file);
    if (auto new_key = key_matching(pending_file, check_value)) {
      move_pending_key(pending_file, file, check_value);
      notices.push_back(fmt::format(
        "finished an interrupted key rotation: the master key is now in {}", file.string()));
      if (file != crypto::configured_key_file()) {
        notices.push_back(
          fmt::format("set VELOCITY_KEY_FILE={} so that velocity finds it", file.string()));
      }
      key =
        crypto::MasterKey{*new_key, crypto::KeyOrigin::key_file, file, "key file " + file.string()};
    } else if (key && crypto::matches_check_value(key->key, check_value) &&
               std::filesystem::remove(pending_file, ec)) {
      notices.push_back(fmt::format("removed {}, left by a key rotation that stopped before it "
                                    "committed (the master key did not change)",
                                    pending_file.string()));
    }
  }
  lock.commit();
  return check_value;
}

// The master key of the state in `db`: from its source (crypto::find_master_key), else from the
// `.new` of a rotation that committed and was stopped before it moved it into place, which this
// finishes (and a `.new` left by one that did not commit is removed). Sets `check_value` to the
// key check value it matches. Throws StateError naming where the key was looked for.
crypto::MasterKey open_master_key(Database& db, const crypto::PassphrasePrompt& prompt,
                                  std::vector<std::string>& notices, std::string& check_value) {
  const auto recorded = read_meta(db, "rotated_key_file");
  std::optional<crypto::MasterKey> key;
  std::optional<StateError> key_error;
  try {
    key = crypto::find_master_key(read_passphrase_settings(db), prompt);
  } catch (const StateError& error) {
    // The key file may be missing because a rotation stopped before it moved the new one there.
    key_error = error;
  }
  const auto candidates = key_file_candidates(key ? &*key : nullptr, recorded);
  check_value = settle_pending_keys(db, candidates, key, notices);
  if (key && !key->file.empty() && !crypto::matches_check_value(key->key, check_value)) {
    // A rotation committed after the key file was read: it is in the file now, or in its `.new`.
    if (auto moved = locate_key({key->file}, check_value)) {
      key = std::move(moved);
    }
  }
  if (!key || !crypto::matches_check_value(key->key, check_value)) {
    std::string help = key ? key_help(*key) : key_error->help();
    if (recorded && (!key || key->file != *recorded)) {
      help += fmt::format("; the last `velocity key rotate` wrote the master key of this state to "
                          "{}: set VELOCITY_KEY_FILE={}",
                          *recorded, *recorded);
    }
    std::error_code missing;
    for (const std::filesystem::path& file : candidates) {
      if (std::filesystem::exists(pending_key_file(file), missing)) {
        help += fmt::format("; {} (left by an interrupted key rotation) does not open it either",
                            pending_key_file(file).string());
      }
    }
    throw StateError(
      key ? fmt::format("wrong master key for {}", db.path().string()) : key_error->what(), help);
  }
  return std::move(*key);
}

} // namespace

Org::Org(int64_t id, std::string name, OrgKind kind, uint32_t key_version, crypto::SecretKey key)
  : m_id(id),
    m_name(std::move(name)),
    m_kind(kind),
    m_key_version(key_version),
    m_key(key) {}

std::string Org::seal(const Field& field, std::string_view plaintext) const {
  std::string out;
  out.reserve(k_sealed_header + crypto::k_nonce_size + plaintext.size() + crypto::k_tag_size);
  out.push_back(k_sealed_format);
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((m_key_version >> shift) & 0xff));
  }
  out += crypto::seal(m_key, plaintext, field_identity(field, m_key_version));
  return out;
}

std::string Org::open(const Field& field, std::string_view sealed) const {
  const auto fail = [&](std::string_view why) -> StateError {
    return StateError(fmt::format("cannot decrypt {}.{} of row {} (organisation '{}'): {}",
                                  field.table, field.column, field.row_id, m_name, why),
                      "the state file was modified outside velocity; restore it from a backup");
  };
  if (sealed.size() < k_sealed_header || sealed[0] != k_sealed_format) {
    throw fail("not an encrypted value");
  }
  const uint32_t version = read_be32(sealed.substr(1, 4));
  if (version > m_key_version) {
    throw StateError(fmt::format("cannot decrypt {}.{} of row {} (organisation '{}'): the master "
                                 "key was rotated while this command ran; run it again",
                                 field.table, field.column, field.row_id, m_name),
                     fmt::format("it was re-encrypted under data key version {} after this "
                                 "command loaded version {}",
                                 version, m_key_version));
  }
  if (version != m_key_version) {
    throw fail(fmt::format("sealed under data key version {}, the current one is {}", version,
                           m_key_version));
  }
  auto plaintext =
    crypto::open(m_key, sealed.substr(k_sealed_header), field_identity(field, version));
  if (!plaintext) {
    throw fail("it was tampered with or copied from another row");
  }
  return std::move(*plaintext);
}

void Org::require_current(Database& db) const {
  const auto version = current_key_version(db, m_id);
  if (!version) {
    throw StateError(
      fmt::format("organisation '{}' was deleted while this command ran; nothing was written",
                  m_name),
      "`velocity org list` shows the organisations");
  }
  if (*version != m_key_version) {
    throw rotated_while_running(
      fmt::format("`key rotate --reencrypt` gave organisation '{}' data key version {} after this "
                  "command loaded version {}; nothing was written",
                  m_name, *version, m_key_version));
  }
}

std::optional<uint32_t> current_key_version(Database& db, int64_t org_id) {
  Statement& stmt = db.cached("SELECT key_version FROM organizations WHERE id = ?");
  stmt.bind(1, org_id);
  std::optional<uint32_t> version;
  if (stmt.step()) {
    version = static_cast<uint32_t>(stmt.column_int(0));
  }
  stmt.reset();
  return version;
}

std::filesystem::path State::resolve_path(const std::optional<std::string>& explicit_path) {
  if (explicit_path && !explicit_path->empty()) {
    return *explicit_path;
  }
  if (auto path = env::get("VELOCITY_STATE")) {
    return *path;
  }
  return env::data_home() / "velocity" / "velocity.db";
}

State::State(Database db, std::filesystem::path path, crypto::MasterKey key,
             std::string check_value)
  : m_db(std::move(db)),
    m_path(std::move(path)),
    m_master_key(std::move(key)),
    m_check_value(std::move(check_value)) {}

InitResult State::initialize(const std::filesystem::path& path, NewKeySource source,
                             const crypto::PassphrasePrompt& prompt) {
  if (std::filesystem::exists(path)) {
    check_sqlite_file(path, FileRole::state);
    return InitResult{false, {}, false};
  }
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  fs::create_private_directories(dir);
  check_writable(path);

  std::optional<crypto::PassphraseSettings> passphrase;
  std::optional<crypto::SecretKey> kek;
  std::string key_source;
  std::optional<std::filesystem::path> written_key_file;
  if (auto text = env::get("VELOCITY_MASTER_KEY")) {
    kek = crypto::parse_master_key(*text, "VELOCITY_MASTER_KEY");
    key_source = "VELOCITY_MASTER_KEY";
  } else if (source == NewKeySource::passphrase || env::get("VELOCITY_PASSPHRASE")) {
    std::optional<std::string> phrase = env::get("VELOCITY_PASSPHRASE");
    key_source = "passphrase (VELOCITY_PASSPHRASE)";
    if (!phrase) {
      phrase = prompt ? prompt("New passphrase for the velocity state: ") : std::nullopt;
      const auto again = prompt ? prompt("Repeat the passphrase: ") : std::nullopt;
      if (!phrase || !again) {
        throw UsageError("a passphrase was asked for and there is no terminal to ask on",
                         "set VELOCITY_PASSPHRASE, or leave out --passphrase to use a key file");
      }
      if (*phrase != *again) {
        throw UsageError("the two passphrases differ; nothing was created");
      }
      key_source = "passphrase";
    }
    if (phrase->size() < 8) {
      throw UsageError("the passphrase is shorter than 8 characters; nothing was created");
    }
    passphrase = crypto::PassphraseSettings{crypto::random_bytes(16), {}};
    kek = crypto::derive_from_passphrase(*phrase, passphrase->salt, passphrase->params);
  } else {
    const std::filesystem::path key_file = crypto::configured_key_file();
    if (std::filesystem::exists(key_file)) {
      kek = crypto::read_key_file(key_file);
      key_source = "key file " + key_file.string() + " (existing)";
    } else {
      kek = crypto::SecretKey::generate();
      crypto::write_key_file(key_file, *kek);
      written_key_file = key_file;
      key_source = "key file " + key_file.string();
    }
  }

  try {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      throw StateError(
        fmt::format("cannot create state {}: {}", path.string(), std::strerror(errno)));
    }
    ::close(fd);
    Database db = Database::open(path, OpenMode::read_write);
    // 16 KiB pages: evidence payloads are around a kilobyte, and larger pages halve the write
    // cost of big collection batches (bench/bench_store_encrypt).
    db.execute("PRAGMA page_size = 16384; PRAGMA journal_mode = WAL");
    db.execute("PRAGMA foreign_keys = ON");
    apply_migrations(db);
    Transaction tx(db);
    const std::string check_value = crypto::make_check_value(*kek);
    write_meta(db, "kcv", check_value);
    write_meta(db, "created_at", time::to_iso8601(time::now()));
    if (passphrase) {
      write_meta(db, "kdf", passphrase_settings_json(*passphrase));
    }
    tx.commit();
    State state(std::move(db), path,
                crypto::MasterKey{*kek, crypto::KeyOrigin::key_file, {}, key_source}, check_value);
    state.create_org(k_default_org, OrgKind::regular);
  } catch (...) {
    remove_state_files(path);
    if (written_key_file) {
      std::error_code ec;
      std::filesystem::remove(*written_key_file, ec);
    }
    throw;
  }
  return InitResult{true, key_source, written_key_file.has_value()};
}

State State::open(const std::filesystem::path& path, const crypto::PassphrasePrompt& prompt) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (ec == std::errc::permission_denied) {
    throw PermissionError(fmt::format("cannot read state {}: permission denied", path.string()),
                          "the state and its directory belong to another user: run velocity as "
                          "that user, or point --state at a state of yours");
  }
  if (!exists) {
    throw StateError(fmt::format("no velocity state at {}", path.string()),
                     "run `velocity init` first, or point --state (or VELOCITY_STATE) at a state");
  }
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw StateError(fmt::format("{} is not a file", path.string()));
  }
  check_sqlite_file(path, FileRole::state);
  check_writable(path);

  Database db = Database::open(path, OpenMode::read_write);
  db.checkpoint_on_close(false);
  // WAL with synchronous=NORMAL stays consistent after a crash and loses at most the last
  // transactions on power loss. The page cache is bounded at 8 MiB, so that memory stays flat as
  // the state and a collection's batches grow: a larger transaction spills its pages to the
  // write-ahead log before it commits, and the operating system caches the file for reads.
  db.execute("PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; PRAGMA synchronous = NORMAL; "
             "PRAGMA cache_size = -8192");
  const int version = db.user_version();
  if (version > latest_schema_version()) {
    throw StateError(fmt::format("state {} has schema version {}, newer than this velocity "
                                 "understands ({})",
                                 path.string(), version, latest_schema_version()),
                     "upgrade velocity; the file was left untouched");
  }
  const auto check_value = version > 0 ? read_meta(db, "kcv") : std::nullopt;
  if (!check_value) {
    throw StateError(
      fmt::format("{} is not a velocity state file (no key check value)", path.string()),
      "point --state (or VELOCITY_STATE) at the state file, or run `velocity init`");
  }

  std::vector<std::string> notices;
  std::string current_check_value;
  crypto::MasterKey key = open_master_key(db, prompt, notices, current_check_value);
  db.checkpoint_on_close(true);
  apply_migrations(db);
  State state(std::move(db), path, std::move(key), current_check_value);
  state.m_notices = std::move(notices);
  state.m_warnings = exposure_warnings(path, state.m_master_key);
  return state;
}

void State::follow_master_key(const std::string& check_value) {
  if (check_value == m_check_value) {
    return;
  }
  const auto recorded = read_meta(m_db, "rotated_key_file");
  if (auto found = locate_key(key_file_candidates(&m_master_key, recorded), check_value)) {
    m_master_key = std::move(*found);
    m_check_value = check_value;
    return;
  }
  throw rotated_while_running(
    recorded
      ? fmt::format("the new master key is in {}; set VELOCITY_KEY_FILE={} if velocity does "
                    "not look there",
                    *recorded, *recorded)
      : std::string("the new master key is where `velocity key rotate --key-file` wrote it"));
}

std::optional<OrgInfo> State::find_org(std::string_view name) {
  return find_org_in(m_db, name);
}

Org State::org(std::string_view name) {
  const auto info = find_org_key(name);
  if (!info) {
    throw UsageError(fmt::format("no organisation named '{}' in {}", name, m_path.string()),
                     "`velocity org list` shows them; `velocity org create NAME` makes one");
  }
  follow_master_key(info->check_value);
  auto key = crypto::unwrap_key(m_master_key.key, info->wrapped_key,
                                org_key_identity(info->id, info->version));
  if (!key) {
    throw unreadable_org_key(name);
  }
  return Org(info->id, std::string(name), info->kind, info->version, *key);
}

std::optional<State::OrgKeyRow> State::find_org_key(std::string_view name) {
  // The organisation and the key check value from one snapshot: a rotation that commits in
  // between changes both, and the master key that opens the one unwraps the other.
  Transaction read(m_db, TransactionKind::deferred);
  std::optional<OrgKeyRow> row;
  {
    Statement stmt = m_db.prepare(
      "SELECT o.id, o.is_demo, o.key_version, o.wrapped_key, m.value FROM organizations o "
      "LEFT JOIN meta m ON m.key = 'kcv' WHERE o.name = ?");
    stmt.bind(1, name);
    if (stmt.step()) {
      row = OrgKeyRow{
        stmt.column_int(0), stmt.column_int(1) != 0 ? OrgKind::demo : OrgKind::regular,
        static_cast<uint32_t>(stmt.column_int(2)), stmt.column_blob(3), stmt.column_blob(4)};
    }
  }
  read.commit();
  return row;
}

std::vector<OrgInfo> State::list_orgs() {
  std::vector<OrgInfo> orgs;
  Statement stmt = m_db.prepare(
    "SELECT id, name, created_at, is_demo, key_version FROM organizations ORDER BY name");
  while (stmt.step()) {
    orgs.push_back(OrgInfo{stmt.column_int(0), stmt.column_text(1), stmt.column_text(2),
                           stmt.column_int(3) != 0 ? OrgKind::demo : OrgKind::regular,
                           static_cast<uint32_t>(stmt.column_int(4))});
  }
  return orgs;
}

OrgCounts State::org_counts(int64_t org_id) {
  Statement stmt = m_db.prepare("SELECT (SELECT count(*) FROM integrations WHERE org_id = ?1), "
                                "(SELECT count(*) FROM evidence WHERE org_id = ?1)");
  stmt.bind(1, org_id);
  stmt.step();
  return OrgCounts{stmt.column_int(0), stmt.column_int(1)};
}

OrgInfo State::create_org(std::string_view name, OrgKind kind) {
  check_org_name(name);
  Transaction tx(m_db);
  // The data key is wrapped under the master key the state has now, not the one loaded.
  follow_master_key(read_meta(m_db, "kcv").value_or(""));
  if (find_org(name)) {
    throw UsageError(fmt::format("an organisation named '{}' already exists", name));
  }
  const std::string created_at = time::to_iso8601(time::now());
  // Ids are never reused (meta last_org_id remembers the highest given), so that an Org's id and
  // key version name one data key: a command that loaded an organisation which `demo --reset`
  // or `org delete` then replaced finds it gone instead of sealing under a dead key.
  const std::string last_text = read_meta(m_db, "last_org_id").value_or("0");
  int64_t last_id = 0;
  std::from_chars(last_text.data(), last_text.data() + last_text.size(), last_id);
  m_db
    .prepare("INSERT INTO organizations (id, name, created_at, is_demo, key_version, wrapped_key) "
             "VALUES (max(?, (SELECT coalesce(max(id), 0) FROM organizations)) + 1, ?, ?, ?, 1, "
             "x'')")
    .bind(1, last_id)
    .bind(2, name)
    .bind(3, created_at)
    .bind(4, kind == OrgKind::demo ? 1 : 0)
    .run();
  const int64_t id = m_db.last_insert_rowid();
  write_meta(m_db, "last_org_id", std::to_string(id));
  const crypto::SecretKey dek = crypto::SecretKey::generate();
  m_db.prepare("UPDATE organizations SET wrapped_key = ? WHERE id = ?")
    .bind_blob(1, crypto::wrap_key(m_master_key.key, dek, org_key_identity(id, 1)))
    .bind(2, id)
    .run();
  tx.commit();
  return OrgInfo{id, std::string(name), created_at, kind, 1};
}

void State::delete_org(std::string_view name) {
  Transaction tx(m_db);
  m_db.prepare("DELETE FROM organizations WHERE name = ?").bind(1, name).run();
  if (m_db.changes() == 0) {
    throw UsageError(fmt::format("no organisation named '{}' in {}", name, m_path.string()),
                     "`velocity org list` shows them");
  }
  tx.commit();
}

RotateResult State::rotate_master_key(const std::filesystem::path& key_file, Reencrypt reencrypt,
                                      const std::function<void(const RotateResult&)>& record) {
  std::error_code not_found;
  if (std::filesystem::is_directory(key_file, not_found)) {
    // Checked before anything is written: the new key could never be moved into place, and the
    // committed rotation would leave the state opening only with the `.new` beside it.
    throw UsageError(
      fmt::format("cannot write the new master key to {}: it is a directory", key_file.string()),
      "give --key-file the path of a file, e.g. DIR/master.key");
  }
  const std::filesystem::path pending = pending_key_file(key_file);
  const crypto::SecretKey new_kek = crypto::SecretKey::generate();
  const std::string new_check_value = crypto::make_check_value(new_kek);
  RotateResult result{key_file, 0, 0, {}};
  {
    // The write lock before anything is read: nothing rewrapped below changes before the commit,
    // and no other rotation writes its `.new` meanwhile.
    Transaction tx(m_db);
    follow_master_key(read_meta(m_db, "kcv").value_or(""));
    const crypto::MasterKey old_key = m_master_key;
    const std::string old_check_value = m_check_value;
    crypto::write_key_file(pending, new_kek);
    try {
      for (const OrgInfo& info : list_orgs()) {
        rotate_org(info, new_kek, reencrypt, result);
      }
      write_meta(m_db, "kcv", new_check_value);
      m_db.prepare("DELETE FROM meta WHERE key = 'kdf'").run();
      write_meta(m_db, "rotated_key_file", std::filesystem::absolute(key_file).string());
      m_master_key = crypto::MasterKey{new_kek, crypto::KeyOrigin::key_file, key_file,
                                       "key file " + key_file.string()};
      m_check_value = new_check_value;
      if (record) {
        record(result);
      }
      tx.commit();
    } catch (...) {
      m_master_key = old_key;
      m_check_value = old_check_value;
      std::error_code ec;
      std::filesystem::remove(pending, ec);
      throw;
    }
  }
  // Under the write lock again: a rotation that follows writes its own `.new` only while it holds
  // it. Another command may have moved the key into place already; one more rotation may have
  // committed, and then it moves its own key.
  Transaction lock(m_db);
  if (read_meta(m_db, "kcv") == new_check_value) {
    move_pending_key(pending, key_file, new_check_value);
  }
  lock.commit();
  return result;
}

void State::rotate_org(const OrgInfo& info, const crypto::SecretKey& new_kek, Reencrypt reencrypt,
                       RotateResult& result) {
  Statement stmt = m_db.prepare("SELECT wrapped_key FROM organizations WHERE id = ?");
  stmt.bind(1, info.id);
  stmt.step();
  const auto old_key = crypto::unwrap_key(m_master_key.key, stmt.column_blob(0),
                                          org_key_identity(info.id, info.key_version));
  if (!old_key) {
    result.problems.push_back(
      {info.name, fmt::format("the data key of organisation '{}' does not open under the master "
                              "key: it was left as it was and cannot be read; restore the state "
                              "from a backup, or delete the organisation with `velocity org "
                              "delete {} --yes`",
                              info.name, info.name)});
    return;
  }
  crypto::SecretKey dek = *old_key;
  uint32_t version = info.key_version;
  if (reencrypt == Reencrypt::yes) {
    const Org old_org(info.id, info.name, info.kind, info.key_version, *old_key);
    const Org new_org(info.id, info.name, info.kind, info.key_version + 1,
                      crypto::SecretKey::generate());
    int64_t values = 0;
    std::optional<std::string> failure;
    {
      // A value that does not open undoes the re-encryption of this organisation only.
      Transaction org_tx(m_db);
      try {
        for (const EncryptedColumn& column : encrypted_columns()) {
          Statement select =
            m_db.prepare(fmt::format("SELECT id, {1} FROM {0} WHERE org_id = ? AND {1} IS NOT NULL",
                                     column.table, column.column));
          Statement update = m_db.prepare(
            fmt::format("UPDATE {} SET {} = ? WHERE id = ?", column.table, column.column));
          select.bind(1, info.id);
          while (select.step()) {
            const Field field{column.table, column.column, select.column_int(0)};
            const std::string plaintext = old_org.open(field, select.column_blob(1));
            update.bind_blob(1, new_org.seal(field, plaintext)).bind(2, field.row_id).run();
            update.reset();
            ++values;
          }
        }
        org_tx.commit();
      } catch (const StateError& error) {
        failure = error.what();
      }
    }
    if (failure) {
      result.problems.push_back(
        {info.name,
         fmt::format("organisation '{}' was not re-encrypted: {}; its data key was "
                     "rewrapped under the new master key and its values are as they "
                     "were: restore what does not open from a backup, then run `velocity "
                     "key rotate --reencrypt` again",
                     info.name, *failure)});
    } else {
      dek = new_org.m_key;
      version = new_org.key_version();
      result.values_reencrypted += values;
    }
  }
  m_db.prepare("UPDATE organizations SET wrapped_key = ?, key_version = ? WHERE id = ?")
    .bind_blob(1, crypto::wrap_key(new_kek, dek, org_key_identity(info.id, version)))
    .bind(2, static_cast<int64_t>(version))
    .bind(3, info.id)
    .run();
  ++result.organizations;
}

} // namespace velocity::store
