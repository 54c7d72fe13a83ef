#include <velocity/core/error.hpp>
#include <velocity/store/database.hpp>

#include <fmt/format.h>
#include <sqlite3.h>

#include <utility>

namespace velocity::store {

namespace {

constexpr int k_busy_timeout_ms = 10000;

[[noreturn]] void throw_error(sqlite3* handle, int rc, std::string_view what) {
  const char* name = handle != nullptr ? sqlite3_db_filename(handle, "main") : nullptr;
  const std::string file = name != nullptr ? name : "(unknown)";
  const std::string detail = handle != nullptr ? sqlite3_errmsg(handle) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    throw StateError(fmt::format("state {} is locked by another velocity process", file),
                     "wait for the other command to finish and run this one again");
  case SQLITE_NOTADB:
    throw StateError(fmt::format("{} is not a velocity state file: {}", file, detail),
                     "point --state (or VELOCITY_STATE) at the state file, or run `velocity init`");
  case SQLITE_CORRUPT:
    throw StateError(fmt::format("state {} is corrupt: {}", file, detail),
                     "restore the state file from a backup");
  case SQLITE_READONLY:
  case SQLITE_CANTOPEN:
  case SQLITE_PERM:
  case SQLITE_IOERR:
    throw StateError(fmt::format("cannot use state {}: {}", file, detail),
                     "check that the file and its directory exist and are writable by you");
  case SQLITE_FULL:
    throw StateError(fmt::format("no space left on the device of state {} (the state is "
                                 "unchanged: nothing of this command was saved)",
                                 file),
                     "free some space and run the command again");
  default:
    throw StateError(fmt::format("state {}: {} failed: {}", file, what, detail));
  }
}

// `path` as an SQLite URI that opens it immutable; %, ? and # are escaped so that they stay part of
// the file name.
std::string immutable_uri(const std::filesystem::path& path) {
  std::string uri = "file:";
  for (const char c : path.string()) {
    if (c == '%' || c == '?' || c == '#') {
      uri += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    } else {
      uri += c;
    }
  }
  return uri + "?immutable=1";
}

// An online backup from one connection to another (sqlite3_backup), finished once.
class OnlineBackup {
public:
  OnlineBackup(sqlite3* destination, sqlite3* source)
    : m_handle(sqlite3_backup_init(destination, "main", source, "main")) {}
  OnlineBackup(const OnlineBackup&) = delete;
  OnlineBackup& operator=(const OnlineBackup&) = delete;
  ~OnlineBackup() { sqlite3_backup_finish(m_handle); }

  bool started() const noexcept { return m_handle != nullptr; }
  // Copies every page in one step; the result of the step, else that of finishing.
  int copy_all() {
    const int step = sqlite3_backup_step(m_handle, -1);
    const int finished = sqlite3_backup_finish(std::exchange(m_handle, nullptr));
    return step == SQLITE_DONE ? finished : step;
  }

private:
  sqlite3_backup* m_handle;
};

} // namespace

Statement::Statement(sqlite3* db, sqlite3_stmt* stmt) : m_db(db), m_stmt(stmt) {}

Statement::Statement(Statement&& other) noexcept
  : m_db(other.m_db),
    m_stmt(std::exchange(other.m_stmt, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(m_stmt);
    m_db = other.m_db;
    m_stmt = std::exchange(other.m_stmt, nullptr);
  }
  return *this;
}

void Statement::fail(int rc, std::string_view what) const {
  throw_error(m_db, rc, what);
}

Statement::~Statement() {
  sqlite3_finalize(m_stmt);
}

Statement& Statement::bind(int index, int64_t value) {
  if (const int rc = sqlite3_bind_int64(m_stmt, index, value); rc != SQLITE_OK) {
    fail(rc, "bind");
  }
  return *this;
}

Statement& Statement::bind(int index, double value) {
  if (const int rc = sqlite3_bind_double(m_stmt, index, value); rc != SQLITE_OK) {
    fail(rc, "bind");
  }
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  if (const int rc =
        sqlite3_bind_text64(m_stmt, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      rc != SQLITE_OK) {
    fail(rc, "bind");
  }
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  if (const int rc =
        sqlite3_bind_blob64(m_stmt, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
      rc != SQLITE_OK) {
    fail(rc, "bind");
  }
  return *this;
}

Statement& Statement::bind_null(int index) {
  if (const int rc = sqlite3_bind_null(m_stmt, index); rc != SQLITE_OK) {
    fail(rc, "bind");
  }
  return *this;
}

Statement& Statement::bind(int index, const std::optional<std::string>& value) {
  return value ? bind(index, std::string_view(*value)) : bind_null(index);
}

Statement& Statement::bind(int index, const std::optional<int64_t>& value) {
  return value ? bind(index, *value) : bind_null(index);
}

bool Statement::step() {
  const int rc = sqlite3_step(m_stmt);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  sqlite3_reset(m_stmt);
  fail(rc, sqlite3_sql(m_stmt));
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(m_stmt);
  sqlite3_clear_bindings(m_stmt);
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

int64_t Statement::column_int(int column) const {
  return sqlite3_column_int64(m_stmt, column);
}

double Statement::column_double(int column) const {
  return sqlite3_column_double(m_stmt, column);
}

std::string Statement::column_text(int column) const {
  const auto* text = sqlite3_column_text(m_stmt, column);
  const int size = sqlite3_column_bytes(m_stmt, column);
  return text == nullptr
           ? std::string()
           : std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
}

std::string Statement::column_blob(int column) const {
  const void* blob = sqlite3_column_blob(m_stmt, column);
  const int size = sqlite3_column_bytes(m_stmt, column);
  return blob == nullptr ? std::string()
                         : std::string(static_cast<const char*>(blob), static_cast<size_t>(size));
}

std::optional<std::string> Statement::column_optional_text(int column) const {
  if (is_null(column)) {
    return std::nullopt;
  }
  return column_text(column);
}

std::optional<int64_t> Statement::column_optional_int(int column) const {
  if (is_null(column)) {
    return std::nullopt;
  }
  return column_int(column);
}

Database::Database(sqlite3* handle, std::filesystem::path path)
  : m_handle(handle),
    m_path(std::move(path)) {}

Database::Database(Database&& other) noexcept
  : m_handle(std::exchange(other.m_handle, nullptr)),
    m_path(std::move(other.m_path)),
    m_cache(std::move(other.m_cache)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    m_cache.clear();
    sqlite3_close_v2(m_handle);
    m_handle = std::exchange(other.m_handle, nullptr);
    m_path = std::move(other.m_path);
    m_cache = std::move(other.m_cache);
  }
  return *this;
}

Database::~Database() {
  m_cache.clear();
  sqlite3_close_v2(m_handle);
}

Database Database::open(const std::filesystem::path& path, OpenMode mode) {
  sqlite3* handle = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  std::string name = path.string();
  if (mode == OpenMode::create) {
    flags |= SQLITE_OPEN_CREATE;
  } else if (mode == OpenMode::read_only_snapshot) {
    flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    name = immutable_uri(path);
  }
  const int rc = sqlite3_open_v2(name.c_str(), &handle, flags, nullptr);
  Database db(handle, path);
  if (rc != SQLITE_OK) {
    throw StateError(fmt::format("cannot open state {}: {}", path.string(),
                                 handle != nullptr ? sqlite3_errmsg(handle) : sqlite3_errstr(rc)),
                     "check that the file and its directory exist and are writable by you");
  }
  sqlite3_extended_result_codes(handle, 1);
  sqlite3_busy_timeout(handle, k_busy_timeout_ms);
  return db;
}

void Database::execute(std::string_view sql) {
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(m_handle, text.c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);
  if (rc != SQLITE_OK) {
    fail(rc, sql);
  }
}

Statement Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc =
    sqlite3_prepare_v2(m_handle, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    fail(rc, sql);
  }
  return Statement(m_handle, stmt);
}

Statement& Database::cached(const std::string& sql) {
  auto it = m_cache.find(sql);
  if (it == m_cache.end()) {
    it = m_cache.emplace(sql, std::make_unique<Statement>(prepare(sql))).first;
  } else {
    it->second->reset();
  }
  return *it->second;
}

int64_t Database::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(m_handle);
}

int64_t Database::changes() const {
  return sqlite3_changes64(m_handle);
}

bool Database::in_transaction() const {
  return sqlite3_get_autocommit(m_handle) == 0;
}

int Database::user_version() {
  Statement stmt = prepare("PRAGMA user_version");
  stmt.step();
  return static_cast<int>(stmt.column_int(0));
}

void Database::set_user_version(int version) {
  execute(fmt::format("PRAGMA user_version = {}", version));
}

void Database::checkpoint_on_close(bool enabled) {
  if (const int rc =
        sqlite3_db_config(m_handle, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, enabled ? 0 : 1, nullptr);
      rc != SQLITE_OK) {
    fail(rc, "setting the checkpoint on close");
  }
}

void Database::copy_to(Database& destination, const std::filesystem::path& target) {
  OnlineBackup backup(destination.m_handle, m_handle);
  if (!backup.started()) {
    destination.fail(sqlite3_errcode(destination.m_handle), "starting the backup");
  }
  const int rc = backup.copy_all();
  if ((rc & 0xff) == SQLITE_FULL) {
    throw StateError(fmt::format("no space left on the device of {} ({} is unchanged)",
                                 target.string(), target.filename().string()),
                     "free some space and run the command again");
  }
  if (rc != SQLITE_OK) {
    destination.fail(rc, fmt::format("copying {} to {}", m_path.string(), target.string()));
  }
}

void Database::fail(int rc, std::string_view what) const {
  throw_error(m_handle, rc, what);
}

// Cached statements: an audit append opens a transaction per event, and parsing SQL each time
// would cost more than the insert.
Transaction::Transaction(Database& db, TransactionKind kind)
  : m_db(db),
    m_nested(db.in_transaction()) {
  if (m_nested) {
    m_db.cached("SAVEPOINT velocity_nested").run();
  } else {
    m_db.cached(kind == TransactionKind::immediate ? "BEGIN IMMEDIATE" : "BEGIN").run();
  }
}

Transaction::~Transaction() {
  if (m_done) {
    return;
  }
  try {
    if (m_nested) {
      m_db.cached("ROLLBACK TO velocity_nested").run();
      m_db.cached("RELEASE velocity_nested").run();
    } else {
      m_db.cached("ROLLBACK").run();
    }
  } catch (const Error&) {
    // The connection already rolled back (e.g. after SQLITE_FULL); nothing left to undo.
  }
}

void Transaction::commit() {
  m_db.cached(m_nested ? "RELEASE velocity_nested" : "COMMIT").run();
  m_done = true;
}

} // namespace velocity::store
