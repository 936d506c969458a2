#include "store/sqlite/journal.h"

#include <pthread.h>

#include <utility>
#include <vector>

#include "store/sqlite/plans.h"

namespace ogpd::store {
namespace {

// Bounds one transaction, so a huge backlog is committed in slices and the first callers hear back sooner.
constexpr std::size_t kMaxBatch = 4096;

}  // namespace

std::unique_ptr<SqliteJournal> SqliteJournal::start(SqliteDatabase& database, JournalOptions options) {
  return std::unique_ptr<SqliteJournal>(new SqliteJournal(database, std::move(options)));
}

SqliteJournal::SqliteJournal(SqliteDatabase& database, JournalOptions options)
    : database_(database), options_(std::move(options)) {
  running_ = true;
  writer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "ogpd-journal");
    run();
  });
}

SqliteJournal::~SqliteJournal() {
  stop();
}

void SqliteJournal::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
}

void SqliteJournal::append(Received received, Done done) {
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

Status SqliteJournal::health() const {
  if (!running_) return Status::unavailable("store is stopped");
  if (auto file = database_.file_health(); !file.ok()) return file;
  if (!last_write_ok_) return Status::unavailable("store is not writable (its last write failed)");
  return {};
}

void SqliteJournal::run() {
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

void SqliteJournal::commit(std::deque<Pending>& batch) {
  std::vector<AppendResult> results(batch.size());
  // Planned events are reported (logs, metrics) only once their transaction committed.
  std::vector<std::pair<std::size_t, PlannedEvent>> planned;
  Planner* const planner = options_.planner;
  ++transactions_;
  Status status = database_.file_health();
  if (status.ok()) {
    auto session = database_.lock();
    status = session.transaction(Durability::kFull, [&]() -> Status {  // the one fsync for the whole batch
      for (std::size_t i = 0; i < batch.size(); ++i) {
        const Received& r = batch[i].received;
        const Event& e = r.event;
        // Plan first (it reads only links and the ledger), so the event is written once, already 'done', and
        // its actions join it in this transaction. A duplicate's plan is simply dropped.
        std::optional<PlannedEvent> plan;
        if (planner != nullptr && is_actionable(e.kind)) {
          SqlitePlanningView view(session);
          plan = planner->plan(e, view);
        }
        if (auto s = session.run(Sql::kInsertEvent,
                                 [&](Statement& insert) {
                                   insert.bind(1, to_string(e.source));
                                   insert.bind(2, std::string_view(e.type));
                                   insert.bind(3, to_string(e.kind));
                                   insert.bind(4, std::string_view(e.dedupe_key));
                                   insert.bind(5, e.delivery_id);
                                   insert.bind(6, e.alert_id);
                                   insert.bind(7, e.incident_id);
                                   insert.bind(8, e.incident_key);
                                   insert.bind(9, e.actor_id);
                                   insert.bind(10, e.actor_name);
                                   insert.bind(11, e.note);
                                   insert.bind(12, e.title);
                                   insert.bind(13, e.description);
                                   insert.bind(14, e.priority);
                                   insert.bind(15, e.occurred_at);
                                   insert.bind(16, r.received_at_ms);
                                   insert.bind(17, std::string_view(plan                    ? "done"
                                                                    : is_actionable(e.kind) ? "pending"
                                                                                            : "ignored"));
                                   insert.bind_blob(18, r.raw_body);
                                   insert.bind(
                                       19, plan ? std::optional<std::string>(plan->outcome) : std::nullopt);
                                   insert.bind(20, e.trimmed_note_id);
                                   insert.bind(21, e.route);
                                 });
            !s.ok())
          return s;
        if (session.db().changes() == 1) {
          results[i] = {AppendOutcome::kStored, session.db().last_insert_rowid(), {}, {}};
          if (plan) {
            results[i].plan_outcome = plan->outcome;
            plan->event_id = results[i].event_id;
            if (auto s = write_plan(session, *plan, r.received_at_ms, /*mark_event=*/false); !s.ok())
              return s;
            planned.emplace_back(i, std::move(*plan));
          }
          continue;
        }
        auto find = session.statement(Sql::kFindDuplicate);
        find->bind(1, std::string_view(e.dedupe_key));
        find->bind(2, e.delivery_id);
        if (find->step() != SQLITE_ROW) return session.db().last_error();
        results[i] = {AppendOutcome::kDuplicate, find->column_int(0), {}, {}};
      }
      return {};
    });
  }
  if (!status.ok()) {
    planned.clear();
    for (auto& result : results) result = {AppendOutcome::kUnavailable, 0, status.message(), {}};
  }
  last_write_ok_ = status.ok();
  for (const auto& [i, plan] : planned) planner->planned(plan.event_id, batch[i].received.event, plan);
  bool stored_any = false;
  for (const auto& r : results) stored_any |= r.outcome == AppendOutcome::kStored;
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(results[i]));
  if (stored_any && options_.on_commit) options_.on_commit();
}

}  // namespace ogpd::store
