// Thin RAII wrappers over the SQLite C API: a connection and a prepared statement. Errors are values
// (Status), never exceptions. Not thread-safe: one thread at a time; a Db shared by threads is guarded by its
// owner (SqliteStore's db_mu_ serialises the journal writer and an attached SqliteSyncStore).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ogpd::store {

struct Status {
  int code = SQLITE_OK;
  std::string message;
  bool ok() const { return code == SQLITE_OK || code == SQLITE_DONE || code == SQLITE_ROW; }
};

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, std::string_view sql);
  Statement(Statement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  bool valid() const { return stmt_ != nullptr; }
  void bind(int index, std::string_view text);
  void bind(int index, const std::optional<std::string>& text);  // nullopt binds NULL
  void bind_blob(int index, std::string_view bytes);
  void bind(int index, std::int64_t value);
  int step();  // SQLITE_ROW, SQLITE_DONE or an error code
  void reset();
  std::int64_t column_int(int index) const;
  std::optional<std::string> column_text(int index) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

class Db {
 public:
  // Opens (creating when absent) the database file; creates missing parent directories.
  static std::optional<Db> open(const std::string& path, std::string* error);

  Db(Db&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Db& operator=(Db&&) = delete;
  Db(const Db&) = delete;
  ~Db();

  sqlite3* handle() const { return db_; }
  Status exec(std::string_view sql);
  Statement prepare(std::string_view sql) const { return Statement(db_, sql); }
  Status last_error() const;

  // WAL, the given synchronous level, foreign keys, and waiting up to `busy_timeout_ms` for other processes'
  // locks. Returns an error text naming the failed setting, or empty.
  std::string configure(const char* synchronous, int busy_timeout_ms);

  // Waits up to `timeout_ms` for a lock held by another connection (another process: inside ogpd-proxy every
  // writer shares one connection).
  void wait_for_locks(int timeout_ms);

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

}  // namespace ogpd::store
