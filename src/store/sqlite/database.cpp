#include "store/sqlite/database.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ogpd::store {
namespace {

// A WAL this many times the checkpoint threshold (or twice checkpoint_pages_most, if more) has outrun the
// background checkpoints: the connection checkpoints inline, so no writer appends meanwhile and the WAL
// restarts after it.
constexpr int kOutrunFactor = 8;

// Commits over which the WAL frames each one wrote are averaged, to tell a burst.
constexpr double kCommitsAveraged = 16;

constexpr const char* synchronous_pragma(Durability durability) {
  switch (durability) {
    case Durability::kFull:
      return "PRAGMA synchronous=FULL";
    case Durability::kProcess:
      return "PRAGMA synchronous=NORMAL";
    case Durability::kWritten:
      return "PRAGMA synchronous=OFF";
  }
  return "PRAGMA synchronous=FULL";
}

// A PASSIVE checkpoint on `connection`: copies what no reader still needs, never waits; `copied` (if given)
// is then the WAL frames copied into the database file so far.
int copy_wal(Db& connection, int* copied) {
  return sqlite3_wal_checkpoint_v2(connection.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, copied);
}

// fdatasync of the database file, through the checkpointer's own connection's handle to it.
int sync_database_file(Db& connection) {
  sqlite3_file* file = nullptr;
  if (sqlite3_file_control(connection.handle(), "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK ||
      file == nullptr || file->pMethods == nullptr)
    return SQLITE_ERROR;
  return file->pMethods->xSync(file, SQLITE_SYNC_NORMAL);
}

}  // namespace

SqliteDatabase::SqliteDatabase(Db db, int schema_version, std::string path, FileId file, const Clock& clock,
                               const SqliteOptions& options)
    : db_(std::move(db)),
      schema_version_(schema_version),
      path_(std::move(path)),
      file_(file),
      clock_(clock),
      checkpoint_pages_(std::max(options.checkpoint_pages, 1)),
      checkpoint_pages_most_(std::max(options.checkpoint_pages_most, checkpoint_pages_)),
      checkpoint_spacing_(std::max(options.checkpoint_spacing_ms, 0)),
      checkpoint_burst_frames_(options.checkpoint_burst_frames),
      checkpoint_enabled_(options.checkpoint) {
  sqlite3_wal_hook(db_.handle(), &SqliteDatabase::on_wal_commit, this);  // replaces automatic checkpoints
}

SqliteDatabase::~SqliteDatabase() {
  if (checkpointer_.joinable()) {
    {
      std::lock_guard lock(checkpointer_mu_);
      checkpointer_stop_ = true;
    }
    checkpointer_wake_.notify_one();
    checkpointer_.join();
  }
  if (log_fd_ >= 0) ::close(log_fd_);
  reader_.reset();  // before the writer's connection: the last one to close checkpoints the store
}

int SqliteDatabase::on_wal_commit(void* self, sqlite3* db, const char*, int pages) {
  // Runs inside the commit, on the thread that holds mu_.
  auto* database = static_cast<SqliteDatabase*>(self);
  // Pages this transaction wrote into the WAL (SQLite's own count, reset here; a restart does not blur it),
  // averaged over recent commits.
  int written = 0, highest = 0;
  if (sqlite3_db_status(db, SQLITE_DBSTATUS_CACHE_WRITE, &written, &highest, /*reset=*/1) == SQLITE_OK)
    database->frames_per_commit_ += (written - database->frames_per_commit_) / kCommitsAveraged;
  database->wal_pages_ = pages;
  database->checkpoint_when_due();
  return SQLITE_OK;
}

void SqliteDatabase::checkpoint_when_due() {
  if (!checkpoint_enabled_) return;
  const bool may_sync = synchronous_ != Durability::kWritten;
  if (!checkpointer_.joinable()) {
    if (wal_pages_ >= checkpoint_pages_ && may_sync) checkpoint();
    return;
  }
  if (wal_pages_ < backfilled_) backfilled_ = 0;  // the WAL restarted since the last background checkpoint
  if (wal_pages_ >= std::max(kOutrunFactor * checkpoint_pages_, 2 * checkpoint_pages_most_)) {
    if (may_sync) checkpoint();
    return;
  }
  const int fresh = wal_pages_ - backfilled_;
  if (fresh < checkpoint_pages_) return;
  // The spacing paces a thread, not a decision anything stores: measured on the steady clock.
  const auto now = std::chrono::steady_clock::now();
  const auto spaced_until = background_started_ + checkpoint_spacing_;
  const bool burst = frames_per_commit_ >= checkpoint_burst_frames_;
  {
    std::lock_guard lock(checkpointer_mu_);
    if (burst && fresh < checkpoint_pages_most_ && now < spaced_until) {
      // Deferred, not dropped: should the burst end here, no commit would ask again.
      if (checkpoint_due_at_ == spaced_until) return;  // the checkpointer already waits for it
      checkpoint_due_at_ = spaced_until;
    } else {
      checkpoint_due_ = true;
      background_started_ = now;
    }
  }
  checkpointer_wake_.notify_one();
}

Status SqliteDatabase::checkpoint_in_background() {
  std::lock_guard lock(mu_);  // checkpoint_when_due() reads checkpointer_ under it
  if (checkpointer_.joinable()) return {};
  auto connection = Db::open(path_, /*create=*/false);
  if (!connection.ok()) return connection.status().prefixed("checkpoint connection: ");
  // NORMAL: the checkpoint syncs the WAL before copying it and the database file before the WAL may restart.
  if (auto s = connection->configure("NORMAL", 0); !s.ok()) return s.prefixed("checkpoint connection: ");
  checkpointer_ = std::thread([this, connection = std::move(*connection)]() mutable {
    pthread_setname_np(pthread_self(), "ogpd-checkpoint");
    run_checkpointer(std::move(connection));
  });
  return {};
}

void SqliteDatabase::run_checkpointer(Db connection) {
  while (await_pass()) run_pass(connection);
}

bool SqliteDatabase::await_pass() {
  for (;;) {
    std::unique_lock lock(checkpointer_mu_);
    if (checkpoint_due_at_) {
      // A deferred pass: due at its time, or sooner if asked for.
      const auto due_at = *checkpoint_due_at_;
      checkpointer_wake_.wait_until(lock, due_at, [this] { return checkpoint_due_ || checkpointer_stop_; });
      if (checkpointer_stop_) return false;
      if (!checkpoint_due_ && std::chrono::steady_clock::now() < due_at) continue;
    } else {
      checkpointer_wake_.wait(
          lock, [this] { return checkpoint_due_ || checkpointer_stop_ || checkpoint_due_at_.has_value(); });
      if (checkpointer_stop_) return false;
      if (!checkpoint_due_) continue;  // a pass was deferred: wait for its time
    }
    checkpoint_due_ = false;
    checkpoint_due_at_.reset();
    return true;
  }
}

void SqliteDatabase::run_pass(Db& connection) {
  {
    std::lock_guard lock(mu_);
    background_started_ = std::chrono::steady_clock::now();
  }
  int copied = 0;
  int rc = copy_wal(connection, &copied);
  ++background_checkpoints_;
  // Only a transaction that begins on a wholly copied WAL restarts it, and only a pass that copies the whole
  // WAL syncs the database file. At a steady load a commit lands during every pass, so neither happens: the
  // WAL grows until it outruns the passes and a commit checkpoints inline, holding the connection through a
  // copy and a sync of every page copied since; and every sync of a growing WAL file also changes its size,
  // which waits on the file system's journal together with the database file's sync. So when what landed
  // meanwhile is a small tail (not under a burst: the WAL absorbs it), the database file is synced here, not
  // holding the connection, and then the tail is copied holding it: a short copy and a sync of the tail's
  // pages. The next transaction restarts the WAL over the file's own blocks.
  bool tail_due = false;
  {
    std::lock_guard lock(mu_);
    if (rc == SQLITE_OK) backfilled_ = copied;
    const int tail = wal_pages_ - copied;
    tail_due = rc == SQLITE_OK && tail > 0 && tail <= restart_tail_most() &&
               frames_per_commit_ < checkpoint_burst_frames_;
  }
  if (tail_due && sync_database_file(connection) == SQLITE_OK) {
    std::lock_guard lock(mu_);
    if (copy_wal(connection, &copied) == SQLITE_OK) {
      ++tail_checkpoints_;
      backfilled_ = copied;
    }
  }
  // Commits during the pass asked for the next one, as what it copied was not counted yet.
  std::lock_guard lock(mu_);
  if (wal_pages_ - backfilled_ < checkpoint_pages_) {
    std::lock_guard due(checkpointer_mu_);
    checkpoint_due_ = false;
  }
}

void SqliteDatabase::checkpoint() {
  // PASSIVE: never waits for readers (operator commands); what it could not copy stays in the WAL for the
  // next one. At NORMAL or FULL, SQLite syncs the WAL before copying and the database file after.
  copy_wal(db_, nullptr);
  ++checkpoints_;
  wal_pages_ = 0;
}

Status SqliteDatabase::set_synchronous(Durability durability) {
  if (synchronous_ == durability) return {};
  if (auto s = db_.exec(synchronous_pragma(durability)); !s.ok()) return s;
  synchronous_ = durability;
  return {};
}

Status SqliteDatabase::sync_log() {
  std::lock_guard lock(log_mu_);
  const std::string wal = path_ + "-wal";
  struct stat named {};
  if (::stat(wal.c_str(), &named) != 0) {
    // No WAL: nothing is committed that is not already in the database file (a checkpoint synced it).
    if (errno == ENOENT) return {};
    return Status::unavailable(wal + ": " + std::strerror(errno));
  }
  struct stat open {};
  if (log_fd_ >= 0 &&
      (::fstat(log_fd_, &open) != 0 || open.st_ino != named.st_ino || open.st_dev != named.st_dev)) {
    ::close(log_fd_);
    log_fd_ = -1;
  }
  if (log_fd_ < 0) log_fd_ = ::open(wal.c_str(), O_RDONLY | O_CLOEXEC);
  if (log_fd_ < 0) return Status::unavailable(wal + ": " + std::strerror(errno));
  if (::fdatasync(log_fd_) != 0)
    return Status::unavailable(wal + ": fdatasync failed: " + std::strerror(errno));
  return {};
}

Result<int> migrate(Db& db, std::int64_t now_ms) {
  if (auto s = db.exec(sqlite_sql::kCreateMigrations); !s.ok())
    return s.prefixed("cannot create schema_migrations: ");
  auto current = db.prepare(sqlite_sql::kCurrentVersion);
  if (!current.valid() || current.step() != SQLITE_ROW)
    return db.last_error().prefixed("cannot read schema version: ");
  int version = static_cast<int>(current.column_int(0));
  current.reset();  // a statement still reading would keep a migration from dropping an index
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
  if (auto s = db->exec("PRAGMA cache_size=-" + std::to_string(std::max(options.cache_kib, 1))); !s.ok())
    return s.prefixed(path + ": ");
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
  std::unique_ptr<SqliteDatabase> database(
      new SqliteDatabase(std::move(*db), *version, path, FileId{st.st_dev, st.st_ino}, clock, options));
  if (auto reader = Db::open(path, /*create=*/false); reader.ok()) {
    reader->wait_for_locks(options.busy_timeout_ms);
    if (reader->exec("PRAGMA query_only=1").ok())
      database->reader_.reset(new Reader{{}, std::move(*reader), {}});
  }
  return database;
}

SqliteDatabase::Reading SqliteDatabase::read() {
  if (reader_ == nullptr) return Reading(mu_, db_, statements_);
  return Reading(reader_->mu, reader_->db, reader_->statements);
}

SqliteDatabase::Session::Cached SqliteDatabase::Reading::statement(Sql which) {
  return cached(db_, statements_, which);
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

SqliteDatabase::Session::Cached SqliteDatabase::cached(Db& db, Statements& statements, Sql which) {
  Statement& slot = statements[static_cast<std::size_t>(which)];
  if (!slot.valid()) slot = db.prepare(text(which));
  return Session::Cached(slot);
}

SqliteDatabase::Session::Cached SqliteDatabase::Session::statement(Sql which) {
  return cached(database_.db_, database_.statements_, which);
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
  // A commit at kWritten that restarts the WAL from its start needs its new header synced before its frames:
  // the file layer does it (wal_writes.h).
  if (auto s = database_.set_synchronous(durability); !s.ok()) return s;
  if (auto s = connection.exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  Status result = body();
  if (result.ok()) result = connection.exec("COMMIT");
  // After a failed body or commit; its error is the one to report, and a failed ROLLBACK leaves nothing
  // committed either.
  if (!result.ok()) (void)connection.exec("ROLLBACK");
  if (durability == Durability::kWritten) {
    // Statements outside a transaction commit at the connection's level: never leave it at OFF.
    if (auto s = database_.set_synchronous(Durability::kFull); !s.ok() && result.ok()) result = s;
    database_.checkpoint_when_due();
  }
  return result;
}

}  // namespace ogpd::store
