// SqliteDatabase: the embedded store's connection (DATABASE_URL=sqlite:<path>), its lock and its cache of
// prepared statements. Every role over SQLite that writes — the journal's writer, the outbox, the pair
// ledger, the admin's replay and retention — borrows it through a Session, so there is one WAL writer and
// never an SQLITE_BUSY between them. The views whose reads grow with the store read through a second,
// read-only connection (read(), below), so they never hold the first.
//
// open() applies pending migrations and checks the file can be written; it starts no thread, so operator
// commands use it as the daemon does. Thread-safe: a Session holds the lock for as long as it lives. Failures
// are values; the only thing open() may not do is leave a half-migrated schema (each migration is one
// transaction).
//
// Checkpoints are the database's own, not SQLite's automatic ones: a commit at Durability::kWritten syncs
// nothing, and SQLite's checkpoint at that level would copy unsynced pages into the database file and then
// restart the WAL unsynced. Once the WAL holds `checkpoint_pages` new pages, a PASSIVE checkpoint runs:
//  - in the background, once checkpoint_in_background() started it (the daemon's journal does): a thread
//    with its own connection syncs the WAL and copies it into the database file, while the connection goes
//    on committing (SQLite syncs the database file only after a pass that copied the whole WAL). Under a
//    burst (commits of `checkpoint_burst_frames` WAL frames on average: events queued behind the sync,
//    committed many at a time), passes start at most every `checkpoint_spacing_ms` unless the WAL holds
//    `checkpoint_pages_most` new pages: the WAL absorbs the burst, and a page written many times in it (the
//    last leaf of each table and index, a leaf of a small index) is copied once. Otherwise, the frames
//    committed during a pass (at a steady load there always are some), if no more than half the threshold,
//    are copied right after it: the thread syncs the database file, then copies them and syncs again holding
//    the connection, so the next commit restarts the WAL from its start instead of growing it (BENCHMARKS.md,
//    "A WAL that restarts at a steady load"). Only if the WAL outgrows eight times the threshold, or twice
//    `checkpoint_pages_most` if more (a load the background cannot catch up with), does the next commit at
//    NORMAL or FULL checkpoint inline, holding the connection;
//  - inline otherwise (a daemon whose background connection could not open, tests), in the next commit at
//    NORMAL or FULL, or right after a kWritten transaction, back at FULL;
//  - never, for operator commands (SqliteOptions::checkpoint): a daemon beside them owns the WAL.
// A commit that restarts the WAL from its start has its new header on disk before any frame written after
// it, at OFF too: the file layer syncs it (wal_writes.h; an unsynced restart can, after a power cut, replay a
// stale prefix of the old log over newer pages). The connection is at OFF only inside a kWritten
// transaction.
#pragma once

#include <sys/types.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/status.h"
#include "store/sqlite/db.h"
#include "store/sqlite/schema.h"

namespace ogpd::store {

struct SqliteOptions {
  // false for operator commands: a store that does not exist is an error, not a new empty file.
  bool create = true;
  // false for operator commands: their commits never checkpoint. A daemon running beside them owns its WAL
  // and paces its checkpoints (see above). (The last connection to close a store checkpoints it, synced, as
  // SQLite always does.)
  bool checkpoint = true;
  // A webhook sender waits for our answer (PagerDuty gives up after 5 s): a lock held longer than this by
  // another process is reported as unavailable so the sender retries, rather than answered late.
  int busy_timeout_ms = 2000;
  // New WAL pages that call for a checkpoint (SQLite's own automatic threshold)...
  int checkpoint_pages = 1000;
  // ...and, for background checkpoints under a burst, the least time between the starts of two passes,
  // unless the WAL holds `checkpoint_pages_most` new pages (62.5 MiB of 4 KiB pages). A burst is commits of
  // `checkpoint_burst_frames` frames or more on average: at 1,000 events/s a commit holds one to three
  // events (about 8 frames), at the limit of the disk dozens (about 100). Larger passes cost a steady load
  // latency (each ends in a longer fsync the next commits wait behind), so they are kept to bursts
  // (BENCHMARKS.md, "Opening statuses, checkpoints spaced under a burst, and a quiet disk"). 0: no spacing.
  int checkpoint_spacing_ms = 100;
  int checkpoint_pages_most = 16000;
  double checkpoint_burst_frames = 32;
  // The connection's page cache, filled as pages are read (SQLite's default is 2 MiB). An event writes a
  // random leaf of each index keyed by alert (alert ids are UUIDs) and its delivery writes most of them again
  // moments later; with 2 MiB those leaves were read back from the file, and delivery fell behind at 1,000
  // events/s (BENCHMARKS.md, "Pages per event, by index").
  int cache_kib = 16384;
};

// How a transaction's commit must reach the disk.
enum class Durability {
  kFull,     // synchronous=FULL: survives a power cut (the journal: a 202 promises it)
  kProcess,  // synchronous=NORMAL: survives kill -9, not a power cut; for outcomes whose loss only makes an
             // action run again, looking first (pending actions are marked ambiguous at start-up)
  kWritten,  // synchronous=OFF: written to the WAL, synced by nobody yet; survives kill -9. Durable once a
             // later sync_log() returns ok (the journal's: the next group's work overlaps this one's sync)
};

class SqliteDatabase {
 public:
  // One prepared statement per Sql, made on first use.
  using Statements = std::array<Statement, static_cast<std::size_t>(Sql::kCount)>;

  static Result<std::unique_ptr<SqliteDatabase>> open(const std::string& path, const Clock& clock,
                                                      SqliteOptions options = {});
  ~SqliteDatabase();
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  // The connection, locked. Statements from statement() are reset when their guard goes.
  class Session {
   public:
    // A cached statement; reset (ending its read) when the guard goes out of scope.
    class Cached {
     public:
      explicit Cached(Statement& statement) : statement_(statement) {}
      ~Cached() { statement_.reset(); }
      Cached(const Cached&) = delete;
      Cached& operator=(const Cached&) = delete;
      Statement* operator->() { return &statement_; }
      Statement& operator*() { return statement_; }

     private:
      Statement& statement_;
    };

    Cached statement(Sql which);
    // Binds, steps once, resets. ok on a row or on done.
    Status run(Sql which, const std::function<void(Statement&)>& bind);
    // BEGIN IMMEDIATE (waiting for another process's write lock) ... COMMIT, or ROLLBACK when `body` or the
    // commit fails.
    Status transaction(Durability durability, const std::function<Status()>& body);
    Db& db() { return database_.db_; }

   private:
    friend class SqliteDatabase;
    explicit Session(SqliteDatabase& database) : database_(database), lock_(database.mu_) {}
    SqliteDatabase& database_;
    std::unique_lock<std::mutex> lock_;
  };

  Session lock() { return Session(*this); }

  // The reader: a second connection to the file, read-only (query_only), with its own lock, statements and
  // SQLite's default 2 MiB cache (emptied whenever another connection has committed), for the admin's views:
  // the queue summary behind /metrics and the status page, whose read takes time in proportion to the
  // backlog, and the listings. In WAL mode it reads while the connection above commits, so a scrape over a
  // long backlog no longer holds the journal's commits. It sees every committed transaction, the kWritten
  // ones not yet synced included, as the connection above does. Where the second connection could not open,
  // the views lock the connection above, as before (the journal says so at start).
  //
  // Its reads must be short or spaced: while one lasts, the WAL cannot restart from its start, and one begun
  // on a fully copied WAL keeps checkpoints from copying. Summaries read back to back grew the WAL by 12 MB a
  // second, so the daemon spaces them (store/spaced_summary.h); reconciliation, which reads page after page,
  // stays on the connection above.
  class Reading {
   public:
    Session::Cached statement(Sql which);
    Db& db() { return db_; }
    // Every statement until the guard goes reads one snapshot (a read transaction), as the views read under
    // the connection above's lock before.
    class Snapshot {
     public:
      explicit Snapshot(Db& db) : db_(db), open_(db.exec("BEGIN").ok()) {}
      ~Snapshot() {
        if (open_) (void)db_.exec("COMMIT");
      }
      Snapshot(const Snapshot&) = delete;
      Snapshot& operator=(const Snapshot&) = delete;

     private:
      Db& db_;
      const bool open_;
    };
    Snapshot snapshot() { return Snapshot(db_); }

   private:
    friend class SqliteDatabase;
    Reading(std::mutex& mu, Db& db, Statements& statements) : lock_(mu), db_(db), statements_(statements) {}
    std::unique_lock<std::mutex> lock_;
    Db& db_;
    Statements& statements_;
  };

  Reading read();
  // Whether read() has its own connection (false: it shares the one above).
  bool reads_apart() const { return reader_ != nullptr; }

  int schema_version() const { return schema_version_; }
  const std::string& path() const { return path_; }
  const Clock& clock() const { return clock_; }
  // fdatasync of the WAL: every transaction committed before the call is on disk when it returns ok. Takes
  // no Session (the connection stays free for the next transaction meanwhile); one caller at a time.
  Status sync_log();
  // Moves checkpoints to a thread with its own connection to the file (see above). Call once, before the
  // connection is shared; the thread stops with the database.
  Status checkpoint_in_background();
  // Checkpoints run so far: inline (holding the connection); in the background; and of a background pass's
  // tail, holding the connection (see above). For tests and diagnostics.
  std::uint64_t checkpoints() const { return checkpoints_; }
  std::uint64_t background_checkpoints() const { return background_checkpoints_; }
  std::uint64_t tail_checkpoints() const { return tail_checkpoints_; }

  // OK while `path` still names the file that was opened. A file deleted or replaced under a running proxy
  // would take writes into an unlinked inode, lost at the next start.
  Status file_health() const;

 private:
  struct FileId {
    dev_t device = 0;
    ino_t inode = 0;
  };
  SqliteDatabase(Db db, int schema_version, std::string path, FileId file, const Clock& clock,
                 const SqliteOptions& options);

  // `which` from `statements`, prepared on `db` first if it is not yet: the cache behind Session and Reading.
  static Session::Cached cached(Db& db, Statements& statements, Sql which);
  static int on_wal_commit(void* self, sqlite3* db, const char* schema, int pages);
  Status set_synchronous(Durability durability);  // under mu_
  void checkpoint();                              // under mu_, at synchronous NORMAL or FULL
  void checkpoint_when_due();                     // under mu_; checkpoints inline only at NORMAL or FULL
  void run_checkpointer(Db connection);  // the background thread: await_pass() then run_pass(), until stopped
  bool await_pass();                     // false once the database stops
  void run_pass(Db& connection);
  // A background pass's tail this size or less is copied holding the connection, so the WAL restarts.
  int restart_tail_most() const { return std::max(checkpoint_pages_ / 2, 1); }

  std::mutex mu_;
  Db db_;                                       // guarded by mu_
  Statements statements_;                       // guarded by mu_; lazily
  Durability synchronous_ = Durability::kFull;  // guarded by mu_: the connection's current level
  // guarded by mu_: frames in the WAL after the last commit (0 after an inline checkpoint, until the next)
  int wal_pages_ = 0;
  int backfilled_ = 0;  // guarded by mu_: WAL pages the last background one copied
  std::chrono::steady_clock::time_point background_started_;  // guarded by mu_: when the last one began
  double frames_per_commit_ = 0;  // guarded by mu_: WAL frames recent commits wrote, a moving average
  std::atomic<std::uint64_t> checkpoints_{0};
  std::atomic<std::uint64_t> background_checkpoints_{0};
  std::atomic<std::uint64_t> tail_checkpoints_{0};
  std::mutex checkpointer_mu_;
  std::condition_variable checkpointer_wake_;
  bool checkpoint_due_ = false;  // guarded by checkpointer_mu_
  // guarded by checkpointer_mu_: a pass deferred under a burst, due then unless asked for sooner
  std::optional<std::chrono::steady_clock::time_point> checkpoint_due_at_;
  bool checkpointer_stop_ = false;  // guarded by checkpointer_mu_
  std::thread checkpointer_;        // guarded by mu_: joinable once checkpoint_in_background() started it
  struct Reader {
    std::mutex mu;
    Db db;                  // guarded by mu
    Statements statements;  // guarded by mu; lazily
  };
  std::unique_ptr<Reader> reader_;  // set by open(), or null; closed before the connection above
  std::mutex log_mu_;
  int log_fd_ = -1;  // guarded by log_mu_: the WAL file, opened by the first sync_log()
  const int schema_version_;
  const std::string path_;
  const FileId file_;
  const Clock& clock_;
  const int checkpoint_pages_;
  const int checkpoint_pages_most_;
  const std::chrono::milliseconds checkpoint_spacing_;
  const double checkpoint_burst_frames_;
  const bool checkpoint_enabled_;
};

// Applies the numbered migrations of schema.h that `db` lacks. Returns the resulting version.
Result<int> migrate(Db& db, std::int64_t now_ms);

}  // namespace ogpd::store
