#include "store/sqlite/db.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <system_error>
#include <thread>

#include "store/sqlite/page_cache.h"
#include "store/sqlite/wal_writes.h"

namespace ogpd::store {

Statement::Statement(sqlite3* db, std::string_view sql) {
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  }
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = other.stmt_;
    other.stmt_ = nullptr;
  }
  return *this;
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

void Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

void Statement::bind(int index, const std::optional<std::string>& text) {
  if (text) {
    bind(index, std::string_view(*text));
  } else {
    sqlite3_bind_null(stmt_, index);
  }
}

void Statement::bind_blob(int index, std::string_view bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
}

void Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
}

int Statement::step() {
  return sqlite3_step(stmt_);
}

void Statement::reset() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::column_int(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

std::optional<std::string> Statement::column_text(int index) const {
  const auto* text = sqlite3_column_text(stmt_, index);
  if (text == nullptr) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)));
}

Status sqlite_status(int code, std::string message) {
  switch (code & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
      return {};
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      return Status::unavailable(std::move(message));
    default:
      return Status::internal(std::move(message));
  }
}

Result<Db> Db::open(const std::string& path, bool create) {
  if (!create) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return Status::not_found("no database at " + path);
  }
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (create && !parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) return Status::unavailable("cannot create directory " + parent.string() + ": " + ec.message());
  }
  page_cache::install();  // before anything else uses SQLite
  // The file layer syncs a restarted WAL's header at synchronous=OFF, which SQLite's own does not: no store
  // opens without it.
  if (!wal_writes::install())
    return Status::unavailable("cannot open " + path + ": SQLite's file layer could not be registered");
  const char* vfs = wal_writes::kVfsName;
  sqlite3* handle = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  const int rc = sqlite3_open_v2(path.c_str(), &handle, flags, vfs);
  if (rc != SQLITE_OK) {
    Status failed = sqlite_status(
        rc, "cannot open " + path + ": " + (handle ? sqlite3_errmsg(handle) : sqlite3_errstr(rc)));
    sqlite3_close(handle);
    return failed;
  }
  return Db(handle);
}

Db::~Db() {
  sqlite3_close(db_);
}

Status Db::exec(std::string_view sql) {
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  Status status = sqlite_status(rc, message ? message : sqlite3_errstr(rc));
  sqlite3_free(message);
  return status;
}

void Db::wait_for_locks(int timeout_ms) {
  sqlite3_busy_timeout(db_, timeout_ms);
}

Status Db::configure(const char* synchronous, int busy_timeout_ms) {
  const std::string pragmas[] = {"PRAGMA journal_mode=WAL", std::string("PRAGMA synchronous=") + synchronous,
                                 "PRAGMA foreign_keys=ON"};
  for (const auto& pragma : pragmas)
    if (auto s = exec(pragma); !s.ok()) return s.prefixed(pragma + ": ");
  wait_for_locks(busy_timeout_ms);
  return {};
}

Status Db::last_error() const {
  const int code = sqlite3_extended_errcode(db_);
  return sqlite_status(code == SQLITE_OK ? SQLITE_ERROR : code, sqlite3_errmsg(db_));
}

}  // namespace ogpd::store
