#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace velocity::store {

class Database;

// A prepared statement, owned; bind parameters are 1-based, columns 0-based.
class Statement {
public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& bind(int index, int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, const std::string& text) {
    return bind(index, std::string_view(text));
  }
  Statement& bind_blob(int index, std::string_view bytes);
  Statement& bind_null(int index);
  // Binds `value` or NULL.
  Statement& bind(int index, const std::optional<std::string>& value);
  Statement& bind(int index, const std::optional<int64_t>& value);

  // Runs one step: true when a row is ready to read, false when the statement is done.
  bool step();
  // Runs the statement to completion, for statements that return no rows.
  void run();
  // Makes the statement ready to run again, with its bindings cleared.
  void reset();

  bool is_null(int column) const;
  int64_t column_int(int column) const;
  double column_double(int column) const;
  std::string column_text(int column) const;
  std::string column_blob(int column) const;
  std::optional<std::string> column_optional_text(int column) const;
  std::optional<int64_t> column_optional_int(int column) const;

private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* stmt);
  [[noreturn]] void fail(int rc, std::string_view what) const;
  sqlite3* m_db;
  sqlite3_stmt* m_stmt;
};

// read_only_snapshot opens the file as SQLite's "immutable": no lock, no journal, nothing written
// or created beside it, and changes not yet checkpointed from another connection's WAL unseen.
enum class OpenMode { read_write, create, read_only_snapshot };

// An open SQLite connection, owned. Every error becomes a velocity::StateError naming the file.
class Database {
public:
  // Opens `path`. `OpenMode::create` creates the file when it does not exist.
  // `OpenMode::read_only_snapshot` reads it without writing anything (see OpenMode).
  static Database open(const std::filesystem::path& path, OpenMode mode);

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs one or more statements that return no rows.
  void execute(std::string_view sql);
  Statement prepare(std::string_view sql);
  // A statement prepared once per connection and reset before it is handed out: for hot paths.
  Statement& cached(const std::string& sql);

  int64_t last_insert_rowid() const;
  int64_t changes() const;
  // True while a transaction is open on this connection.
  bool in_transaction() const;
  int user_version();
  void set_user_version(int version);
  const std::filesystem::path& path() const noexcept { return m_path; }
  // Whether closing the connection moves the write-ahead log into the database file. Off until a
  // state is known to be opened with the right key, so that a failed open changes no file.
  void checkpoint_on_close(bool enabled);

  // Copies this whole database into `destination` in one step of SQLite's online backup API: a
  // consistent snapshot, taken while other connections go on writing (in WAL mode they are not
  // even held up), and written into `destination` in one transaction. `target` names the
  // destination in errors: a full disk says that it is unchanged.
  void copy_to(Database& destination, const std::filesystem::path& target);

  // Throws the StateError for SQLite result `rc`, with `what` saying what was being done.
  [[noreturn]] void fail(int rc, std::string_view what) const;

private:
  Database(sqlite3* handle, std::filesystem::path path);
  sqlite3* m_handle;
  std::filesystem::path m_path;
  std::unordered_map<std::string, std::unique_ptr<Statement>> m_cache;
};

// `immediate` takes the write lock at once (BEGIN IMMEDIATE), so that what a write reads cannot
// change before it commits; `deferred` reads one consistent snapshot of the state.
enum class TransactionKind { deferred, immediate };

// BEGIN on construction, COMMIT on commit(), ROLLBACK on destruction unless committed. Inside a
// transaction already open on the connection it is a savepoint instead: it commits or rolls back
// with the outer one, and a failure undoes only its own part. So a store function that writes in a
// transaction of its own can run inside a caller's, and both commit as one.
class Transaction {
public:
  explicit Transaction(Database& db, TransactionKind kind = TransactionKind::immediate);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  void commit();

private:
  Database& m_db;
  bool m_nested;
  bool m_done = false;
};

} // namespace velocity::store
