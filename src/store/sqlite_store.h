// SqliteStore: the embedded store (DATABASE_URL=sqlite:<path>), a WAL database with synchronous=FULL.
//
// Owns one writer thread and its connection. append() only queues; the writer takes everything queued since
// its last commit and stores it in ONE transaction with ONE fsync (group commit), then reports each outcome.
// So no callback runs before its event's commit, and a burst costs one fsync, not one per event.
// Thread-safe. Construction (open) is the only place that may fail loudly; afterwards failures are outcomes.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "store/journal.h"
#include "store/sqlite_db.h"
#include "store/sqlite_plans.h"
#include "store/sync_store.h"

namespace ogpd::store {

class SqliteStore final : public Journal {
 public:
  // Opens the file, applies pending migrations, starts the writer. On failure returns nullptr and sets
  // `error`: among others when the file cannot be written (read-only file, directory or file system), since
  // a journal that cannot write would answer every webhook 503.
  static std::unique_ptr<SqliteStore> open(const std::string& path, std::string* error);

  ~SqliteStore() override;  // stops the writer after everything queued has been committed

  void append(Received received, Done done) override;
  std::string problem() const override;

  // Commits everything queued so far, then stops the writer. Further appends answer kUnavailable.
  void stop();

  // Called on the writer thread after every commit that stored at least one new event. Set before appending.
  void set_on_commit(std::function<void()> on_commit) { on_commit_ = std::move(on_commit); }
  // Plans each new actionable event inside the transaction that stores it. Set before appending; may be null
  // (events then stay 'pending' for the engine to plan).
  void set_planner(Planner* planner) { planner_ = planner; }

  int schema_version() const { return schema_version_; }
  // Transactions the writer has begun so far (each is one fsync when it commits), and events waiting for the
  // next one: what group commit is about, for tests and diagnostics.
  std::uint64_t transactions() const { return transactions_; }
  std::size_t queued() const {
    std::lock_guard lock(mu_);
    return queue_.size();
  }

  // The connection and its lock, for a SqliteSyncStore in the same process: one connection for every write
  // means no SQLITE_BUSY between them, and one WAL writer.
  Db& shared_db() { return db_; }
  std::mutex& shared_db_mutex() { return db_mu_; }

 private:
  struct Pending {
    Received received;
    Done done;
  };

  struct FileId {
    dev_t device = 0;
    ino_t inode = 0;
  };

  SqliteStore(Db db, int schema_version, std::string path, FileId file);
  // Empty while `path_` still names the file that was opened; else why not. A file deleted or replaced
  // under a running proxy would take writes into an unlinked inode, lost at the next start.
  std::string file_problem() const;
  void run();
  void commit(std::deque<Pending>& batch);

  std::mutex db_mu_;
  Db db_;  // guarded by db_mu_ (the writer thread, and an attached SqliteSyncStore)
  const int schema_version_;
  const std::string path_;
  const FileId file_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;  // guarded by mu_
  bool stopping_ = false;      // guarded by mu_

  std::function<void()> on_commit_;
  Planner* planner_ = nullptr;
  std::unique_ptr<PlanStatements> plans_;  // writer thread only
  std::atomic<bool> last_write_ok_{true};
  std::atomic<std::uint64_t> transactions_{0};
  std::atomic<bool> running_{false};
  std::thread writer_;
};

// Applies the numbered migrations of sqlite_schema.h that `db` lacks. Returns the resulting version, or -1
// with `error` set.
int migrate(Db& db, std::string* error);

}  // namespace ogpd::store
