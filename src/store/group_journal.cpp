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
    commit(batch);
    batch.clear();
  }
  running_ = false;
}

void GroupJournal::commit(std::deque<Pending>& batch) {
  std::vector<AppendResult> results(batch.size());
  // Planned events are reported (logs, metrics) only once their transaction committed.
  Planned planned;
  ++transactions_;
  Status status = store_health();
  if (status.ok()) status = write_batch(batch, results, planned);
  if (!status.ok()) {
    planned.clear();
    for (auto& result : results) result = {AppendOutcome::kUnavailable, 0, status.message(), {}};
  }
  last_write_ok_ = status.ok();
  for (const auto& [i, plan] : planned)
    options_.planner->planned(plan.event_id, batch[i].received.event, plan);
  bool stored_any = false;
  for (const auto& r : results) stored_any |= r.outcome == AppendOutcome::kStored;
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(results[i]));
  if (stored_any && options_.on_commit) options_.on_commit();
}

}  // namespace ogpd::store
