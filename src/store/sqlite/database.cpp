#include "store/sqlite/database.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace ogpd::store {
namespace {

constexpr const char* synchronous_pragma(Durability durability) {
  return durability == Durability::kFull ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL";
}

}  // namespace

Result<int> migrate(Db& db, std::int64_t now_ms) {
  if (auto s = db.exec(sqlite_sql::kCreateMigrations); !s.ok())
    return s.prefixed("cannot create schema_migrations: ");
  auto current = db.prepare(sqlite_sql::kCurrentVersion);
  if (!current.valid() || current.step() != SQLITE_ROW)
    return db.last_error().prefixed("cannot read schema version: ");
  int version = static_cast<int>(current.column_int(0));
  const int known = static_cast<int>(sqlite_sql::kMigrations.size());
  if (version > known)
    return Status::invalid("database schema version " + std::to_string(version) +
                           " is newer than this ogpd-proxy knows (" + std::to_string(known) +
                           "): upgrade ogpd-proxy");
  for (; version < known; ++version) {
    const int next = version + 1;
    Status s = db.exec("BEGIN IMMEDIATE");
    if (s.ok()) s = db.exec(sqlite_sql::kMigrations[static_cast<std::size_t>(version)]);
    if (s.ok()) {
      auto record = db.prepare(sqlite_sql::kRecordMigration);
      record.bind(1, static_cast<std::int64_t>(next));
      record.bind(2, now_ms);
      if (record.step() != SQLITE_DONE) s = db.last_error();
    }
    if (s.ok()) s = db.exec("COMMIT");
    if (!s.ok()) {
      (void)db.exec("ROLLBACK");  // the migration failed either way; its own error is the one to report
      return s.prefixed("migration " + std::to_string(next) + " failed: ");
    }
  }
  return version;
}

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::open(const std::string& path, const Clock& clock,
                                                             SqliteOptions options) {
  auto db = Db::open(path, options.create);
  if (!db.ok()) return db.status();
  if (auto s = db->configure("FULL", options.busy_timeout_ms); !s.ok()) return s.prefixed(path + ": ");
  auto version = migrate(*db, clock.now_ms());
  if (!version.ok()) return version.status().prefixed(path + ": ");
  // A file opened read-only, or a directory where the journal cannot be written, is found now, not by the
  // first webhook.
  Status writable = sqlite3_db_readonly(db->handle(), "main") == 1
                        ? Status::unavailable("the file is read-only")
                        : db->exec("BEGIN IMMEDIATE");
  if (writable.ok()) writable = db->exec("ROLLBACK");
  if (!writable.ok())
    return Status::unavailable(path + ": cannot write the store: " + writable.message() +
                               " (ogpd-proxy needs to write the database file and its directory)");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::unavailable(path + ": " + std::strerror(errno));
  return std::unique_ptr<SqliteDatabase>(
      new SqliteDatabase(std::move(*db), *version, path, FileId{st.st_dev, st.st_ino}, clock));
}

Status SqliteDatabase::file_health() const {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0)
    return Status::unavailable("the database file " + path_ + " was deleted while running (" +
                               std::strerror(errno) + "); restart ogpd-proxy");
  if (st.st_dev != file_.device || st.st_ino != file_.inode)
    return Status::unavailable("the database file " + path_ +
                               " was replaced while running; restart ogpd-proxy");
  return {};
}

SqliteDatabase::Session::Cached SqliteDatabase::Session::statement(Sql which) {
  Statement& slot = database_.statements_[static_cast<std::size_t>(which)];
  if (!slot.valid()) slot = database_.db_.prepare(text(which));
  return Cached(slot);
}

Status SqliteDatabase::Session::run(Sql which, const std::function<void(Statement&)>& bind) {
  auto stmt = statement(which);
  if (!stmt->valid()) return db().last_error();
  bind(*stmt);
  const int rc = stmt->step();
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return db().last_error();
  return {};
}

Status SqliteDatabase::Session::transaction(Durability durability, const std::function<Status()>& body) {
  Db& connection = db();
  if (database_.synchronous_ != durability) {
    if (auto s = connection.exec(synchronous_pragma(durability)); !s.ok()) return s;
    database_.synchronous_ = durability;
  }
  if (auto s = connection.exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  Status result = body();
  if (result.ok()) result = connection.exec("COMMIT");
  // After a failed body or commit; its error is the one to report, and a failed ROLLBACK leaves nothing
  // committed either.
  if (!result.ok()) (void)connection.exec("ROLLBACK");
  return result;
}

}  // namespace ogpd::store
