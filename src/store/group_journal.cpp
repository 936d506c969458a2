#include "store/group_journal.h"

#include <pthread.h>

namespace ogpd::store {
namespace {

// Bounds one transaction, so a huge backlog is committed in slices and the first callers hear back sooner.
constexpr std::size_t kMaxBatch = 4096;

}  // namespace

GroupJournal::~GroupJournal() {
  stop();
}

void GroupJournal::start_writer() {
  running_ = true;
  syncer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "ogpd-sync");
    sync_loop();
  });
  writer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "ogpd-journal");
    run();
  });
}

void GroupJournal::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (syncer_.joinable()) syncer_.join();
}

void GroupJournal::append(Received received, Done done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back({std::move(received), std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  done({AppendOutcome::kUnavailable, 0, "store is shutting down"});
}

Status GroupJournal::health() const {
  if (!running_) return Status::unavailable("store is stopped");
  if (auto s = store_health(); !s.ok()) return s;
  if (sync_failed_)
    return Status::unavailable(
        "the store could not sync its log to disk; what it holds is safe only in memory: "
        "restart ogpd-proxy");
  if (!last_write_ok_) return Status::unavailable("store is not writable (its last write failed)");
  return {};
}

void GroupJournal::run() {
  std::deque<Pending> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stopping, and everything queued is committed
      if (queue_.size() <= kMaxBatch) {
        batch.swap(queue_);
      } else {
        for (std::size_t i = 0; i < kMaxBatch; ++i) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
    }
    Committed group = commit(std::move(batch));
    batch.clear();
    {
      std::lock_guard lock(mu_);
      committed_.push_back(std::move(group));
    }
    synced_wake_.notify_one();
  }
  {
    std::lock_guard lock(mu_);
    writer_done_ = true;
  }
  synced_wake_.notify_one();
}

void GroupJournal::sync_loop() {
  std::deque<Committed> groups;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      synced_wake_.wait(lock, [this] { return writer_done_ || !committed_.empty(); });
      if (committed_.empty()) break;  // the writer stopped, and every group it committed is reported
      groups.swap(committed_);
    }
    // One sync for every group committed since the last one (a failed group has nothing to sync).
    Status synced;
    for (const auto& group : groups) {
      if (group.stored_any) {
        synced = make_durable();
        break;
      }
    }
    // After a failed sync the kernel may have dropped the unsynced pages: take nothing more until a restart.
    if (!synced.ok()) sync_failed_ = true;
    for (auto& group : groups) report(group, synced);
    groups.clear();
  }
  running_ = false;
}

GroupJournal::Committed GroupJournal::commit(std::deque<Pending> batch) {
  Committed group{std::move(batch), {}, {}, false};
  group.results.resize(group.batch.size());
  ++transactions_;
  Status status =
      sync_failed_ ? Status::unavailable("the store could not sync its log to disk") : store_health();
  if (status.ok()) status = write_batch(group.batch, group.results, group.planned);
  if (!status.ok()) {
    group.planned.clear();
    for (auto& result : group.results) result = {AppendOutcome::kUnavailable, 0, status.message(), {}};
  }
  last_write_ok_ = status.ok();
  for (const auto& r : group.results) group.stored_any |= r.outcome == AppendOutcome::kStored;
  return group;
}

void GroupJournal::report(Committed& group, const Status& synced) {
  if (!synced.ok()) {
    // Committed but maybe not on disk: the sender is told to retry, and its retry finds the first copy.
    group.planned.clear();
    group.stored_any = false;
    for (auto& result : group.results)
      if (result.outcome == AppendOutcome::kStored)
        result = {
            AppendOutcome::kUnavailable, 0, "the store could not sync its log: " + synced.message(), {}};
  }
  // Planned events are reported (logs, metrics) only once their transaction is durable.
  for (const auto& [i, plan] : group.planned)
    options_.planner->planned(plan.event_id, group.batch[i].received.event, plan);
  for (std::size_t i = 0; i < group.batch.size(); ++i) group.batch[i].done(std::move(group.results[i]));
  if (group.stored_any && options_.on_commit) options_.on_commit();
}

}  // namespace ogpd::store
