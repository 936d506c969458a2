// Thin RAII wrappers over the SQLite C API: a connection and a prepared statement. Errors are values
// (Status), never exceptions. Not thread-safe: one thread at a time; SqliteDatabase (database.h) owns the
// daemon's connections (one that writes, one that reads, one that checkpoints) and serialises their users.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ogpd::store {

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
  // Opens the database file; creates it (and missing parent directories) when `create`, else a missing file
  // is an error.
  static Result<Db> open(const std::string& path, bool create = true);

  Db(Db&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Db& operator=(Db&&) = delete;
  Db(const Db&) = delete;
  ~Db();

  sqlite3* handle() const { return db_; }
  Status exec(std::string_view sql);
  Statement prepare(std::string_view sql) const { return Statement(db_, sql); }
  // The connection's last error, as a failed Status (kUnavailable for busy, locked, I/O, full, read-only).
  Status last_error() const;
  int changes() const { return sqlite3_changes(db_); }
  std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

  // WAL, the given synchronous level, foreign keys, and waiting up to `busy_timeout_ms` for other processes'
  // locks. Fails naming the setting that could not be applied.
  Status configure(const char* synchronous, int busy_timeout_ms);

  // Waits up to `timeout_ms` for a lock held by another connection (another process: inside ogpd-proxy every
  // writer shares one connection).
  void wait_for_locks(int timeout_ms);

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

// A SQLite result code as a Status: ok for OK/ROW/DONE; kUnavailable for what waiting or an operator can fix
// (busy, locked, full, I/O, read-only, cannot open); kInternal otherwise.
Status sqlite_status(int code, std::string message);

}  // namespace ogpd::store
