#include "store/sqlite_store.h"

#include <pthread.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "store/sqlite_schema.h"

namespace ogpd::store {
namespace {

// A webhook sender waits for our answer (PagerDuty gives up after 5 s): a lock held longer than this by
// another process is reported as "unavailable" so the sender retries, rather than answered late.
constexpr int kBusyTimeoutMs = 2000;
// Bounds one transaction, so a huge backlog is committed in slices and the first callers hear back sooner.
constexpr std::size_t kMaxBatch = 4096;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int migrate(Db& db, std::string* error) {
  if (auto s = db.exec(sqlite_sql::kCreateMigrations); !s.ok()) {
    *error = "cannot create schema_migrations: " + s.message;
    return -1;
  }
  auto current = db.prepare(sqlite_sql::kCurrentVersion);
  if (!current.valid() || current.step() != SQLITE_ROW) {
    *error = "cannot read schema version: " + db.last_error().message;
    return -1;
  }
  int version = static_cast<int>(current.column_int(0));
  if (version > static_cast<int>(sqlite_sql::kMigrations.size())) {
    *error = "database schema version " + std::to_string(version) + " is newer than this ogpd-proxy knows (" +
             std::to_string(sqlite_sql::kMigrations.size()) + "): upgrade ogpd-proxy";
    return -1;
  }
  for (; version < static_cast<int>(sqlite_sql::kMigrations.size()); ++version) {
    const int next = version + 1;
    Status s = db.exec("BEGIN IMMEDIATE");
    if (s.ok()) s = db.exec(sqlite_sql::kMigrations[static_cast<std::size_t>(version)]);
    if (s.ok()) {
      auto record = db.prepare(sqlite_sql::kRecordMigration);
      record.bind(1, static_cast<std::int64_t>(next));
      record.bind(2, now_ms());
      if (record.step() != SQLITE_DONE) s = db.last_error();
    }
    if (s.ok()) s = db.exec("COMMIT");
    if (!s.ok()) {
      db.exec("ROLLBACK");
      *error = "migration " + std::to_string(next) + " failed: " + s.message;
      return -1;
    }
  }
  return version;
}

std::unique_ptr<SqliteStore> SqliteStore::open(const std::string& path, std::string* error) {
  auto db = Db::open(path, error);
  if (!db) return nullptr;
  if (auto failed = db->configure("FULL", kBusyTimeoutMs); !failed.empty()) {
    *error = path + ": " + failed;
    return nullptr;
  }
  const int version = migrate(*db, error);
  if (version < 0) {
    *error = path + ": " + *error;
    return nullptr;
  }
  // A file opened read-only, or a directory where the journal cannot be written, is found now, not by the
  // first webhook.
  Status writable = sqlite3_db_readonly(db->handle(), "main") == 1
                        ? Status{SQLITE_READONLY, "the file is read-only"}
                        : db->exec("BEGIN IMMEDIATE");
  if (writable.ok()) writable = db->exec("ROLLBACK");
  if (!writable.ok()) {
    *error = path + ": cannot write the store: " + writable.message +
             " (ogpd-proxy needs to write the database file and its directory)";
    return nullptr;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    *error = path + ": " + std::strerror(errno);
    return nullptr;
  }
  return std::unique_ptr<SqliteStore>(
      new SqliteStore(std::move(*db), version, path, FileId{st.st_dev, st.st_ino}));
}

SqliteStore::SqliteStore(Db db, int schema_version, std::string path, FileId file)
    : db_(std::move(db)), schema_version_(schema_version), path_(std::move(path)), file_(file) {
  running_ = true;
  writer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "ogpd-journal");
    run();
  });
}

SqliteStore::~SqliteStore() {
  stop();
}

void SqliteStore::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
}

void SqliteStore::append(Received received, Done done) {
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

std::string SqliteStore::file_problem() const {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0)
    return "the database file " + path_ + " was deleted while running (" + std::strerror(errno) +
           "); restart ogpd-proxy";
  if (st.st_dev != file_.device || st.st_ino != file_.inode)
    return "the database file " + path_ + " was replaced while running; restart ogpd-proxy";
  return {};
}

std::string SqliteStore::problem() const {
  if (!running_) return "store is stopped";
  if (auto file = file_problem(); !file.empty()) return file;
  if (!last_write_ok_) return "store is not writable (its last write failed)";
  return {};
}

void SqliteStore::run() {
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

void SqliteStore::commit(std::deque<Pending>& batch) {
  std::vector<AppendResult> results(batch.size());
  // Planned events are reported (logs, metrics) only once their transaction committed.
  std::vector<std::pair<std::size_t, PlannedEvent>> planned;
  std::unique_lock db_lock(db_mu_);
  ++transactions_;
  const std::string file = file_problem();
  Status status = file.empty() ? db_.exec("BEGIN IMMEDIATE") : Status{SQLITE_CANTOPEN, file};
  if (status.ok()) {
    auto insert = db_.prepare(sqlite_sql::kInsertEvent);
    auto find = db_.prepare(sqlite_sql::kFindDuplicate);
    if (!insert.valid() || !find.valid()) status = db_.last_error();
    for (std::size_t i = 0; status.ok() && i < batch.size(); ++i) {
      const Received& r = batch[i].received;
      const Event& e = r.event;
      // Plan first (it reads only links and the ledger), so the event is written once, already 'done', and
      // its actions join it in this transaction. A duplicate's plan is simply dropped.
      std::optional<PlannedEvent> plan;
      if (planner_ != nullptr && is_actionable(e.kind)) {
        if (!plans_) plans_ = std::make_unique<PlanStatements>(db_);
        SqlitePlanningView view(*plans_);
        plan = planner_->plan(e, view);
      }
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
      insert.bind(17, std::string_view(plan ? "done" : is_actionable(e.kind) ? "pending" : "ignored"));
      insert.bind_blob(18, r.raw_body);
      insert.bind(19, plan ? std::optional<std::string>(plan->outcome) : std::nullopt);
      if (insert.step() != SQLITE_DONE) {
        status = db_.last_error();
        break;
      }
      insert.reset();
      if (sqlite3_changes(db_.handle()) == 1) {
        results[i] = {AppendOutcome::kStored, sqlite3_last_insert_rowid(db_.handle()), {}};
        if (plan) {
          plan->event_id = results[i].event_id;
          if (auto written = plans_->write(db_, *plan, r.received_at_ms, /*mark_event=*/false); !written.ok) {
            status = Status{SQLITE_ERROR, written.error};
            break;
          }
          planned.emplace_back(i, std::move(*plan));
        }
        continue;
      }
      find.bind(1, std::string_view(e.dedupe_key));
      find.bind(2, e.delivery_id);
      if (find.step() != SQLITE_ROW) {
        status = db_.last_error();
        break;
      }
      results[i] = {AppendOutcome::kDuplicate, find.column_int(0), {}};
      find.reset();
    }
  }
  if (status.ok()) status = db_.exec("COMMIT");  // the one fsync for the whole batch
  if (!status.ok()) {
    db_.exec("ROLLBACK");
    for (auto& result : results) result = {AppendOutcome::kUnavailable, 0, status.message};
  }
  db_lock.unlock();
  last_write_ok_ = status.ok();
  if (status.ok())
    for (const auto& [i, plan] : planned) planner_->planned(plan.event_id, batch[i].received.event, plan);
  bool stored_any = false;
  for (const auto& r : results) stored_any |= r.outcome == AppendOutcome::kStored;
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(results[i]));
  if (stored_any && on_commit_) on_commit_();
}

}  // namespace ogpd::store
