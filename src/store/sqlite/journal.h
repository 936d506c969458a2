// SqliteJournal: the Journal over the embedded store's connection (SqliteDatabase), with one writer thread.
//
// append() only queues; the writer takes everything queued since its last commit and stores it in ONE
// transaction with ONE fsync (synchronous=FULL; group commit), then reports each outcome. So no callback runs
// before its event's commit, and a burst costs one fsync, not one per event. When a Planner is given, each
// new actionable event is planned inside that same transaction. Thread-safe. start() cannot fail: opening
// the database is where things fail loudly; afterwards failures are outcomes.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "store/journal.h"
#include "store/sqlite/database.h"

namespace ogpd::store {

struct JournalOptions {
  // Plans each new actionable event inside the transaction that stores it; null leaves events 'pending' for
  // the engine to plan.
  Planner* planner = nullptr;
  // Called on the writer thread after every commit that stored at least one new event.
  std::function<void()> on_commit;
};

class SqliteJournal final : public Journal {
 public:
  // Starts the writer. `database` must outlive the journal.
  static std::unique_ptr<SqliteJournal> start(SqliteDatabase& database, JournalOptions options = {});
  ~SqliteJournal() override;  // stops the writer after everything queued has been committed

  void append(Received received, Done done) override;
  Status health() const override;

  // Commits everything queued so far, then stops the writer. Further appends answer kUnavailable.
  void stop();

  // Transactions the writer has begun so far (each is one fsync when it commits), and events waiting for the
  // next one: what group commit is about, for tests and diagnostics.
  std::uint64_t transactions() const { return transactions_; }
  std::size_t queued() const {
    std::lock_guard lock(mu_);
    return queue_.size();
  }

 private:
  struct Pending {
    Received received;
    Done done;
  };

  SqliteJournal(SqliteDatabase& database, JournalOptions options);
  void run();
  void commit(std::deque<Pending>& batch);

  SqliteDatabase& database_;
  const JournalOptions options_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;  // guarded by mu_
  bool stopping_ = false;      // guarded by mu_

  std::atomic<bool> last_write_ok_{true};
  std::atomic<std::uint64_t> transactions_{0};
  std::atomic<bool> running_{false};
  std::thread writer_;
};

}  // namespace ogpd::store
