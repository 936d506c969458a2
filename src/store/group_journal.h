// GroupJournal: the Journal's queue and its two threads, shared by every backend (sqlite/journal.h,
// postgres/journal.h). append() only queues. The writer takes everything queued since its last commit and
// hands it to the backend's write_batch(), which stores it in ONE transaction and plans each new actionable
// event inside it. The syncer then calls the backend's make_durable() once for every group committed since
// its last call, and only then reports each outcome. So no callback runs before its event is on disk, a burst
// costs one sync, not one per event, and the writer commits the next group while the current one syncs (a
// backend whose commit is already durable, PostgreSQL's, leaves make_durable() empty). Thread-safe.
//
// A backend derives, implements write_batch() and store_health() (and make_durable() when its commit is not
// durable by itself), calls start_writer() at the end of its constructor and stop() at the start of its
// destructor (the threads call into the backend).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "store/journal.h"

namespace ogpd::store {

struct JournalOptions {
  // Plans each new actionable event inside the transaction that stores it; null leaves events 'pending' for
  // the engine to plan.
  Planner* planner = nullptr;
  // Called on the writer thread after every commit that stored at least one new event.
  std::function<void()> on_commit;
  // Called on the thread that starts the journal, while it starts, with a way it runs below its best but as
  // safely (the SQLite store's checkpoint connection could not be opened), for the log. Never a secret or an
  // event's text.
  std::function<void(const std::string&)> on_warning;
};

class GroupJournal : public Journal {
 public:
  ~GroupJournal() override;

  void append(Received received, Done done) override;
  Status health() const override;
  // Commits everything queued so far, then stops the writer. Further appends answer kUnavailable.
  void stop();

  // Transactions the writer has begun so far (each group shares one sync), and events waiting for the next
  // one: what group commit is about, for tests and diagnostics.
  std::uint64_t transactions() const { return transactions_; }
  std::size_t queued() const {
    std::lock_guard lock(mu_);
    return queue_.size();
  }

 protected:
  struct Pending {
    Received received;
    Done done;
  };
  // What one transaction stored: the events planned in it, by their index in the batch.
  using Planned = std::vector<std::pair<std::size_t, PlannedEvent>>;

  explicit GroupJournal(JournalOptions options) : options_(std::move(options)) {}
  void start_writer();
  Planner* planner() const { return options_.planner; }
  bool writer_running() const { return running_; }

  // Stores `batch` in one transaction: sets results[i] (kStored with the event id and plan outcome, or
  // kDuplicate naming the first copy) and adds each event planned in it to `planned`. A failure rolls
  // everything back and is reported to every caller of the batch as kUnavailable.
  virtual Status write_batch(const std::deque<Pending>& batch, std::vector<AppendResult>& results,
                             Planned& planned) = 0;
  // Whether the backend can take events apart from the last write (a replaced file, a lost server).
  virtual Status store_health() const = 0;
  // Makes every transaction committed so far durable; called on the syncer thread, while the writer may be
  // committing the next group. A failure answers the groups it covered kUnavailable (their events may be in
  // the store: a retry is then a duplicate, never a loss) and leaves the journal not ready until a restart.
  virtual Status make_durable() { return {}; }

 private:
  // One committed group, waiting for its sync.
  struct Committed {
    std::deque<Pending> batch;
    std::vector<AppendResult> results;
    Planned planned;
    bool stored_any = false;
  };

  void run();
  void sync_loop();
  Committed commit(std::deque<Pending> batch);
  void report(Committed& group, const Status& synced);

  const JournalOptions options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;  // guarded by mu_
  bool stopping_ = false;      // guarded by mu_
  std::atomic<bool> last_write_ok_{true};
  std::atomic<bool> sync_failed_{false};
  std::atomic<std::uint64_t> transactions_{0};
  std::atomic<bool> running_{false};
  std::thread writer_;
  std::condition_variable synced_wake_;
  std::deque<Committed> committed_;  // guarded by mu_: written, waiting for make_durable()
  bool writer_done_ = false;         // guarded by mu_
  std::thread syncer_;
};

}  // namespace ogpd::store
