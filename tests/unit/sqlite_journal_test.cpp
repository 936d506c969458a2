#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <random>
#include <thread>

#include "delivery/planner.h"
#include "store/sqlite/admin.h"
#include "store/sqlite/database.h"
#include "store/sqlite/db.h"
#include "store/sqlite/journal.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/wal_writes.h"

namespace ogpd::store {
namespace {

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("ogpd-store-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

Received received(const std::string& key, EventKind kind = EventKind::kAlertCreated,
                  std::optional<std::string> delivery = std::nullopt) {
  Received r;
  r.event.source = Source::kOpsgenie;
  r.event.kind = kind;
  r.event.type = "Create";
  r.event.dedupe_key = key;
  r.event.delivery_id = std::move(delivery);
  r.event.alert_id = "alert-" + key;
  r.event.note = "n";
  r.raw_body = "{\"k\":\"" + key + "\"}";
  r.received_at_ms = 1700000000000;
  return r;
}

const SystemClock kClock;

// A journal on its database, as the daemon has them (the journal stops before its database closes).
struct OpenJournal {
  std::unique_ptr<SqliteDatabase> database;
  std::unique_ptr<SqliteJournal> journal;
  SqliteJournal* operator->() { return journal.get(); }
  SqliteJournal& operator*() { return *journal; }
  explicit operator bool() const { return journal != nullptr; }
};

OpenJournal open_journal(const std::string& path, std::string* error, Planner* planner = nullptr,
                         SqliteOptions options = {}) {
  auto database = SqliteDatabase::open(path, kClock, options);
  if (!database.ok()) {
    *error = database.error();
    return {};
  }
  auto journal = SqliteJournal::start(**database, {.planner = planner});
  return {std::move(*database), std::move(journal)};
}

AppendResult append_and_wait(Journal& journal, Received r) {
  std::promise<AppendResult> promise;
  auto future = promise.get_future();
  journal.append(std::move(r), [&promise](AppendResult result) { promise.set_value(std::move(result)); });
  return future.get();
}

std::int64_t count_rows(const std::string& path, const std::string& where = "1") {
  std::string error;
  auto db = Db::open(path);
  auto stmt = db->prepare("SELECT COUNT(*) FROM events WHERE " + where);
  EXPECT_EQ(stmt.step(), SQLITE_ROW);
  return stmt.column_int(0);
}

TEST(SqliteJournal, StoresAnEventWithItsFieldsAndRawBody) {
  TempDir dir;
  const auto path = dir.file("nested/dir/ogpd.db");
  std::string error;
  auto store = open_journal(path, &error);
  ASSERT_TRUE(store) << error;
  EXPECT_EQ(store.database->schema_version(), static_cast<int>(sqlite_sql::kMigrations.size()));
  const auto result = append_and_wait(*store, received("k1"));
  EXPECT_EQ(result.outcome, AppendOutcome::kStored);
  EXPECT_GT(result.event_id, 0);
  EXPECT_TRUE(store->ready());
  store->stop();

  auto db = Db::open(path);
  auto stmt = db->prepare("SELECT source, kind, alert_id, note, raw_body, status FROM events WHERE id = ?1");
  stmt.bind(1, result.event_id);
  ASSERT_EQ(stmt.step(), SQLITE_ROW);
  EXPECT_EQ(stmt.column_text(0), "opsgenie");
  EXPECT_EQ(stmt.column_text(1), "alert.created");
  EXPECT_EQ(stmt.column_text(2), "alert-k1");
  EXPECT_EQ(stmt.column_text(3), "n");
  EXPECT_EQ(stmt.column_text(4), "{\"k\":\"k1\"}");
  EXPECT_EQ(stmt.column_text(5), "pending");
}

TEST(SqliteJournal, EventsWithNothingToDoAreStoredAsIgnored) {
  TempDir dir;
  std::string error;
  auto store = open_journal(dir.file("o.db"), &error);
  EXPECT_EQ(append_and_wait(*store, received("ping", EventKind::kPing)).outcome, AppendOutcome::kStored);
  store->stop();
  EXPECT_EQ(count_rows(dir.file("o.db"), "status = 'ignored'"), 1);
}

TEST(SqliteJournal, SameDedupeKeyOrDeliveryIdIsADuplicateOfTheFirst) {
  TempDir dir;
  std::string error;
  auto store = open_journal(dir.file("o.db"), &error);
  const auto first = append_and_wait(*store, received("k1", EventKind::kAlertCreated, "wh-1"));
  const auto again = append_and_wait(*store, received("k1"));
  EXPECT_EQ(again.outcome, AppendOutcome::kDuplicate);
  EXPECT_EQ(again.event_id, first.event_id);
  const auto same_delivery = append_and_wait(*store, received("k2", EventKind::kAlertCreated, "wh-1"));
  EXPECT_EQ(same_delivery.outcome, AppendOutcome::kDuplicate);
  EXPECT_EQ(same_delivery.event_id, first.event_id);
  EXPECT_EQ(append_and_wait(*store, received("k3")).outcome, AppendOutcome::kStored);
  store->stop();
  EXPECT_EQ(count_rows(dir.file("o.db")), 2);
}

// An Opsgenie change as webhook/opsgenie.cpp names it: by alert, action and updatedAt.
Received change(const std::string& alert, std::int64_t updated_at) {
  Received r = received("og:" + alert + ":Create:" + std::to_string(updated_at));
  r.event.alert_id = alert;
  r.event.occurred_at = std::to_string(updated_at);
  return r;
}

TEST(SqliteJournal, OnlyAnOpsgenieChangeWithANumericUpdatedAtIsFiledByIt) {
  Event e;
  e.source = Source::kOpsgenie;
  e.dedupe_key = "og:a:Close:17";
  e.occurred_at = "17";
  EXPECT_EQ(SqliteJournal::filed_key(e), "og@00000000000000000017:og:a:Close:17");
  e.occurred_at = "1700000000000000000";
  EXPECT_EQ(SqliteJournal::filed_key(e), "og@01700000000000000000:og:a:Close:17");
  for (const char* odd : {"", "2024-01-01T00:00:00Z", "-1", "123456789012345678901"}) {
    e.occurred_at = odd;
    EXPECT_EQ(SqliteJournal::filed_key(e), std::nullopt) << odd;
  }
  e.occurred_at.reset();
  EXPECT_EQ(SqliteJournal::filed_key(e), std::nullopt);
  e.occurred_at = "17";
  e.dedupe_key = "reconcile:drift:a:17";  // the proxy's own events keep their key
  EXPECT_EQ(SqliteJournal::filed_key(e), std::nullopt);
  Event pagerduty;
  pagerduty.source = Source::kPagerDuty;
  pagerduty.dedupe_key = "pd:01GI0KHLHVH4YZ44BJY1VLT6F2";  // a ULID: in time order already
  pagerduty.occurred_at = "17";
  EXPECT_EQ(SqliteJournal::filed_key(pagerduty), std::nullopt);
}

TEST(SqliteJournal, OpsgenieChangesAreFiledByUpdatedAtSoNewKeysGoToTheEndOfTheDedupeIndex) {
  // Alert ids are random (UUIDs): filed alert first, each new key would land anywhere in the index, and each
  // group commit would rewrite one index page per event.
  TempDir dir;
  std::string error;
  auto store = open_journal(dir.file("o.db"), &error);
  ASSERT_TRUE(store) << error;
  std::mt19937 random(7);
  for (int i = 0; i < 200; ++i) {
    char alert[32];
    std::snprintf(alert, sizeof alert, "%08x-%04x", static_cast<unsigned>(random()),
                  static_cast<unsigned>(random() & 0xffff));
    ASSERT_EQ(append_and_wait(*store, change(alert, 1700000000000000000 + i * 1000)).outcome,
              AppendOutcome::kStored);
  }
  store->stop();
  // In the dedupe index's order, the events come as they were stored.
  auto db = Db::open(dir.file("o.db"));
  auto in_key_order = db->prepare("SELECT id FROM events ORDER BY dedupe_key");
  std::int64_t last = 0;
  int seen = 0;
  while (in_key_order.step() == SQLITE_ROW) {
    EXPECT_GT(in_key_order.column_int(0), last) << "after " << seen << " events";
    last = in_key_order.column_int(0);
    ++seen;
  }
  EXPECT_EQ(seen, 200);
}

TEST(SqliteJournal, ARedeliveryOfAChangeAnEarlierVersionFiledUnderItsKeyIsStillADuplicate) {
  TempDir dir;
  std::string error;
  auto store = open_journal(dir.file("o.db"), &error);
  ASSERT_TRUE(store) << error;
  // Earlier versions filed every change under its dedupe key itself; so is a change without updatedAt.
  Received earlier = change("a-1", 1700000000000000001);
  earlier.event.occurred_at.reset();
  const auto first = append_and_wait(*store, earlier);
  ASSERT_EQ(first.outcome, AppendOutcome::kStored);
  const auto again = append_and_wait(*store, change("a-1", 1700000000000000001));
  EXPECT_EQ(again.outcome, AppendOutcome::kDuplicate);
  EXPECT_EQ(again.event_id, first.event_id);
  // One filed by its updatedAt is found by that.
  const auto second = append_and_wait(*store, change("a-2", 1700000000000000002));
  ASSERT_EQ(second.outcome, AppendOutcome::kStored);
  const auto second_again = append_and_wait(*store, change("a-2", 1700000000000000002));
  EXPECT_EQ(second_again.outcome, AppendOutcome::kDuplicate);
  EXPECT_EQ(second_again.event_id, second.event_id);
  // The same alert and action at another updatedAt is another change.
  EXPECT_EQ(append_and_wait(*store, change("a-2", 1700000000000000003)).outcome, AppendOutcome::kStored);
  store->stop();
  EXPECT_EQ(count_rows(dir.file("o.db")), 3);
}

TEST(SqliteJournal, ConcurrentAppendsAreGroupCommittedAndAllAnswered) {
  TempDir dir;
  std::string error;
  auto store = open_journal(dir.file("o.db"), &error);
  constexpr int kThreads = 8, kEach = 250;
  std::atomic<int> stored{0}, duplicates{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        // every key twice: once from this thread, once from its neighbour
        const int key = (t * kEach + i) / 2;
        const auto r = append_and_wait(*store, received("key-" + std::to_string(key)));
        (r.outcome == AppendOutcome::kStored ? stored : duplicates)++;
      }
    });
  }
  for (auto& t : threads) t.join();
  store->stop();
  EXPECT_EQ(stored + duplicates, kThreads * kEach);
  EXPECT_EQ(stored, kThreads * kEach / 2);
  EXPECT_EQ(count_rows(dir.file("o.db")), kThreads * kEach / 2);
}

TEST(SqliteJournal, EventsThatArriveDuringACommitShareTheNextTransaction) {
  TempDir dir;
  std::string error;
  auto store = open_journal(dir.file("o.db"), &error);
  ASSERT_TRUE(store) << error;
  const auto before = store->transactions();
  // Another connection holds the write lock: the writer takes the first event and waits in BEGIN.
  auto other = Db::open(dir.file("o.db"));
  ASSERT_TRUE(other->exec("BEGIN EXCLUSIVE").ok());
  constexpr int kEvents = 20;
  std::vector<std::future<AppendResult>> results;
  std::vector<std::shared_ptr<std::promise<AppendResult>>> promises;
  for (int i = 0; i < kEvents; ++i) {
    promises.push_back(std::make_shared<std::promise<AppendResult>>());
    results.push_back(promises.back()->get_future());
    store->append(received("g" + std::to_string(i)),
                  [p = promises.back()](AppendResult r) { p->set_value(r); });
    if (i == 0) {
      while (store->queued() != 0) std::this_thread::yield();  // the writer has taken the first
    }
  }
  EXPECT_EQ(store->queued(), static_cast<std::size_t>(kEvents - 1));
  ASSERT_TRUE(other->exec("COMMIT").ok());
  for (auto& r : results) EXPECT_EQ(r.get().outcome, AppendOutcome::kStored);
  // One transaction for the first event, ONE for the 19 that waited: not one each.
  EXPECT_EQ(store->transactions() - before, 2u);
}

TEST(SqliteJournal, DuplicatesWithinOneBatchAreDetected) {
  TempDir dir;
  std::string error;
  auto store = open_journal(dir.file("o.db"), &error);
  std::vector<std::promise<AppendResult>> promises(50);
  for (auto& p : promises)
    store->append(received("same"), [&p](AppendResult r) { p.set_value(std::move(r)); });
  int stored = 0;
  for (auto& p : promises) stored += p.get_future().get().outcome == AppendOutcome::kStored;
  EXPECT_EQ(stored, 1);
}

TEST(SqliteJournal, ALockedDatabaseAnswersUnavailableThenRecovers) {
  TempDir dir;
  std::string error;
  auto store = open_journal(dir.file("o.db"), &error);
  ASSERT_EQ(append_and_wait(*store, received("before")).outcome, AppendOutcome::kStored);

  auto other = Db::open(dir.file("o.db"));
  ASSERT_TRUE(other->exec("BEGIN EXCLUSIVE").ok());
  const auto blocked = append_and_wait(*store, received("while-locked"));
  EXPECT_EQ(blocked.outcome, AppendOutcome::kUnavailable);
  EXPECT_FALSE(blocked.error.empty());
  EXPECT_FALSE(store->ready());
  ASSERT_TRUE(other->exec("COMMIT").ok());

  EXPECT_EQ(append_and_wait(*store, received("after")).outcome, AppendOutcome::kStored);
  EXPECT_TRUE(store->ready());
  store->stop();
  EXPECT_EQ(count_rows(dir.file("o.db")), 2);
  EXPECT_EQ(count_rows(dir.file("o.db"), "dedupe_key = 'while-locked'"), 0);
}

TEST(SqliteJournal, ReopeningKeepsEveryEventAndAppliesNoMigrationTwice) {
  TempDir dir;
  std::string error;
  {
    auto store = open_journal(dir.file("o.db"), &error);
    for (int i = 0; i < 10; ++i) append_and_wait(*store, received("k" + std::to_string(i)));
  }
  auto store = open_journal(dir.file("o.db"), &error);
  ASSERT_TRUE(store) << error;
  EXPECT_EQ(store.database->schema_version(), static_cast<int>(sqlite_sql::kMigrations.size()));
  EXPECT_EQ(append_and_wait(*store, received("k3")).outcome, AppendOutcome::kDuplicate);
  store->stop();
  EXPECT_EQ(count_rows(dir.file("o.db")), 10);
}

TEST(SqliteJournal, ANewerSchemaThanKnownRefusesToOpen) {
  TempDir dir;
  std::string error;
  { open_journal(dir.file("o.db"), &error); }
  {
    auto db = Db::open(dir.file("o.db"));
    ASSERT_TRUE(db->exec("INSERT INTO schema_migrations VALUES (99, 0)").ok());
  }
  EXPECT_FALSE(open_journal(dir.file("o.db"), &error));
  EXPECT_NE(error.find("newer"), std::string::npos) << error;
}

TEST(SqliteJournal, AnUnopenablePathFailsWithTheReason) {
  std::string error;
  EXPECT_FALSE(open_journal("/proc/version/ogpd.db", &error));
  EXPECT_FALSE(error.empty());
}

TEST(SqliteJournal, AppendAfterStopIsUnavailable) {
  TempDir dir;
  std::string error;
  auto store = open_journal(dir.file("o.db"), &error);
  store->stop();
  EXPECT_EQ(append_and_wait(*store, received("late")).outcome, AppendOutcome::kUnavailable);
  EXPECT_FALSE(store->ready());
}

TEST(SqliteJournal, ADeletedFileIsNotReadyAndTakesNoMoreEvents) {
  TempDir dir;
  std::string error;
  auto store = open_journal(dir.file("o.db"), &error);
  ASSERT_EQ(append_and_wait(*store, received("before")).outcome, AppendOutcome::kStored);
  EXPECT_TRUE(store->ready());
  ASSERT_TRUE(std::filesystem::remove(dir.file("o.db")));
  EXPECT_NE(store->health().message().find("was deleted"), std::string::npos) << store->health().message();
  const auto after = append_and_wait(*store, received("after"));
  EXPECT_EQ(after.outcome, AppendOutcome::kUnavailable);
  EXPECT_NE(after.error.find("was deleted"), std::string::npos) << after.error;
}

TEST(SqliteJournal, AReplacedFileIsNotReady) {
  TempDir dir;
  std::string error;
  auto store = open_journal(dir.file("o.db"), &error);
  { std::ofstream(dir.file("other.db")) << ""; }
  std::filesystem::rename(dir.file("other.db"), dir.file("o.db"));
  EXPECT_NE(store->health().message().find("was replaced"), std::string::npos) << store->health().message();
  EXPECT_EQ(append_and_wait(*store, received("after")).outcome, AppendOutcome::kUnavailable);
}

TEST(SqliteJournal, AReadOnlyFileRefusesToOpen) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes read-only files; the end-to-end test runs as nobody";
  TempDir dir;
  std::string error;
  { open_journal(dir.file("o.db"), &error); }
  std::filesystem::permissions(dir.file("o.db"), std::filesystem::perms::owner_read);
  EXPECT_FALSE(open_journal(dir.file("o.db"), &error));
  EXPECT_NE(error.find("cannot write the store"), std::string::npos) << error;
}

// Plans every event with one action and counts what it is told was planned.
class CountingPlanner : public Planner {
 public:
  PlannedEvent plan(const Event& event, PlanningView&) override {
    PlannedEvent p;
    p.outcome = "mirrored";
    Action a;
    a.kind = ActionKind::kAddIncidentNote;
    a.alert_id = event.alert_id;
    a.note = "n";
    p.actions.push_back(a);
    return p;
  }
  void planned(std::int64_t, const Event&, const PlannedEvent&) override { ++told; }
  std::atomic<int> told{0};
};

TEST(SqliteJournal, APlanIsReportedOnlyAfterItsTransactionCommitted) {
  TempDir dir;
  std::string error;
  {
    // A deferred foreign key that the action for alert-boom breaks: found at COMMIT, after planning.
    auto db = Db::open(dir.file("o.db"));
    open_journal(dir.file("o.db"), &error)->stop();
    ASSERT_TRUE(db->exec("CREATE TABLE trap (x INTEGER REFERENCES events(id) DEFERRABLE INITIALLY DEFERRED);"
                         "CREATE TRIGGER boom AFTER INSERT ON outbox WHEN NEW.pair_key LIKE '%alert-boom%'"
                         " BEGIN INSERT INTO trap VALUES (-1); END;")
                    .ok());
  }
  CountingPlanner planner;
  auto store = open_journal(dir.file("o.db"), &error, &planner);
  ASSERT_TRUE(store) << error;
  EXPECT_EQ(append_and_wait(*store, received("fine")).outcome, AppendOutcome::kStored);
  EXPECT_EQ(planner.told, 1);
  EXPECT_EQ(append_and_wait(*store, received("boom")).outcome, AppendOutcome::kUnavailable);
  EXPECT_EQ(planner.told, 1);  // rolled back: nothing to report
  store->stop();
  EXPECT_EQ(count_rows(dir.file("o.db")), 1);
}

// A backend whose sync waits at a gate the test opens: what each stage did, and when.
class GatedJournal final : public GroupJournal {
 public:
  GatedJournal() : GroupJournal({}) { start_writer(); }
  ~GatedJournal() override {
    open_gate();
    stop();
  }

  void open_gate() {
    std::lock_guard lock(mu_);
    gate_open_ = true;
    changed_.notify_all();
  }
  // Waits until `done()` holds; false after five seconds.
  template <typename Done>
  bool wait_until(Done done) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(5), [&] { return done(*this); });
  }

  int written = 0;         // guarded by mu_: groups write_batch stored
  int syncs_entered = 0;   // guarded by mu_
  bool fail_sync = false;  // guarded by mu_

 private:
  Status write_batch(const std::deque<Pending>& batch, std::vector<AppendResult>& results,
                     Planned&) override {
    std::lock_guard lock(mu_);
    for (std::size_t i = 0; i < batch.size(); ++i) results[i] = {AppendOutcome::kStored, ++next_id_, {}, {}};
    ++written;
    changed_.notify_all();
    return {};
  }
  Status store_health() const override { return {}; }
  Status make_durable() override {
    std::unique_lock lock(mu_);
    ++syncs_entered;
    changed_.notify_all();
    changed_.wait(lock, [this] { return gate_open_; });
    return fail_sync ? Status::unavailable("disk gone") : Status{};
  }

  std::mutex mu_;
  std::condition_variable changed_;
  bool gate_open_ = false;
  std::int64_t next_id_ = 0;
};

TEST(GroupJournal, AnEventIsAnsweredOnlyOnceItsSyncReturnedAndTheNextGroupIsWrittenMeanwhile) {
  GatedJournal journal;
  std::promise<AppendResult> first, second;
  journal.append(received("a"), [&](AppendResult r) { first.set_value(std::move(r)); });
  ASSERT_TRUE(journal.wait_until([](const GatedJournal& j) { return j.syncs_entered == 1; }));
  // The first group's sync has not returned: its caller has heard nothing.
  auto first_answer = first.get_future();
  EXPECT_EQ(first_answer.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  // Meanwhile the writer stores the next group.
  journal.append(received("b"), [&](AppendResult r) { second.set_value(std::move(r)); });
  ASSERT_TRUE(journal.wait_until([](const GatedJournal& j) { return j.written == 2; }));
  auto second_answer = second.get_future();
  EXPECT_EQ(second_answer.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  journal.open_gate();
  EXPECT_EQ(first_answer.get().event_id, 1);
  EXPECT_EQ(second_answer.get().event_id, 2);
  EXPECT_TRUE(journal.ready());
}

TEST(GroupJournal, AFailedSyncAnswersRetryLaterAndTakesNothingMoreUntilARestart) {
  GatedJournal journal;
  journal.wait_until([](GatedJournal& j) { return j.fail_sync = true; });
  journal.open_gate();
  EXPECT_EQ(append_and_wait(journal, received("a")).outcome, AppendOutcome::kUnavailable);
  EXPECT_FALSE(journal.ready());
  EXPECT_NE(journal.health().message().find("restart"), std::string::npos) << journal.health().message();
  const int written = [&] {
    int n = 0;
    journal.wait_until([&](const GatedJournal& j) { return (n = j.written), true; });
    return n;
  }();
  EXPECT_EQ(append_and_wait(journal, received("b")).outcome, AppendOutcome::kUnavailable);
  journal.wait_until([&](const GatedJournal& j) {
    EXPECT_EQ(j.written, written);  // not even written
    return true;
  });
}

// Appends `count` events of `body_bytes` each, all at once, and waits for every answer.
void append_all(Journal& journal, const std::string& prefix, int count, std::size_t body_bytes) {
  std::vector<std::promise<AppendResult>> promises(static_cast<std::size_t>(count));
  std::vector<std::future<AppendResult>> answers;
  for (int i = 0; i < count; ++i) {
    Received r = received(prefix + std::to_string(i));
    r.raw_body = std::string(body_bytes, 'x');
    auto& promise = promises[static_cast<std::size_t>(i)];
    answers.push_back(promise.get_future());
    journal.append(std::move(r), [&promise](AppendResult a) { promise.set_value(std::move(a)); });
  }
  for (auto& answer : answers) ASSERT_EQ(answer.get().outcome, AppendOutcome::kStored);
}

// Appends `count` events of `body_bytes` each, keeping `window` unanswered at any time: a steady load, so the
// journal always has a group to commit and one lands during every background checkpoint.
void append_steadily(Journal& journal, const std::string& prefix, int count, std::size_t body_bytes,
                     int window) {
  std::mutex mu;
  std::condition_variable answered;
  int in_flight = 0, stored = 0;
  for (int i = 0; i < count; ++i) {
    {
      std::unique_lock lock(mu);
      answered.wait(lock, [&] { return in_flight < window; });
      ++in_flight;
    }
    Received r = received(prefix + std::to_string(i));
    r.raw_body = std::string(body_bytes, 'x');
    journal.append(std::move(r), [&](AppendResult a) {
      std::lock_guard lock(mu);
      --in_flight;
      if (a.outcome == AppendOutcome::kStored) ++stored;
      answered.notify_all();
    });
  }
  std::unique_lock lock(mu);
  answered.wait(lock, [&] { return in_flight == 0; });
  EXPECT_EQ(stored, count);
}

TEST(SqliteJournal, AtASteadyLoadTheLogRestartsBehindTheBackgroundInsteadOfOutgrowingIt) {
  // Only a commit that begins on a wholly copied WAL restarts it, and at a steady load a commit lands during
  // every background pass. Unless the pass's tail is copied too, the WAL grows to eight times the threshold
  // and a commit then checkpoints inline, holding the connection through the whole copy.
  TempDir dir;
  std::string error;
  auto store =
      open_journal(dir.file("s.db"), &error, nullptr,
                   {.checkpoint_pages = 256, .checkpoint_spacing_ms = 0, .checkpoint_pages_most = 256});
  ASSERT_TRUE(store) << error;
  const auto before = wal_writes::counts();
  append_steadily(*store, "s", 6000, 3000, 8);  // about 18 MB through the WAL, 4,500 pages of 4 KiB
  EXPECT_GT(store.database->background_checkpoints(), 4u);
  EXPECT_GT(store.database->tail_checkpoints(), 0u);
  EXPECT_GT(wal_writes::counts().headers - before.headers, 0u) << "the WAL never restarted";
  EXPECT_EQ(store.database->checkpoints(), 0u) << "the WAL outgrew the background checkpoints";
  EXPECT_LT(std::filesystem::file_size(dir.file("s.db") + "-wal"), 2048u * 4096)
      << "the WAL reached the outrun size";
  store->stop();
  EXPECT_EQ(count_rows(dir.file("s.db")), 6000);
}

TEST(SqliteJournal, TheLogIsCheckpointedInTheBackgroundThoughTheJournalCommitsUnsynced) {
  // Journal commits sync nothing themselves (the syncer does), so SQLite's automatic checkpoint is replaced
  // by the database's: without it the WAL would grow by every event. The journal's database checkpoints on
  // a connection of its own, so the copy never holds the one the journal commits on.
  TempDir dir;
  std::string error;
  auto store =
      open_journal(dir.file("c.db"), &error, nullptr, {.checkpoint_pages = 64, .checkpoint_pages_most = 64});
  ASSERT_TRUE(store) << error;
  for (int round = 0; round < 150; ++round) append_all(*store, "k" + std::to_string(round) + "-", 20, 3000);
  EXPECT_GT(store.database->background_checkpoints(), 0u);
  // 3000 events of 3 KB are 9 MB; the WAL restarts once a checkpoint caught up with it, and never holds
  // much more than eight times the threshold (64 pages of 4 KiB, 2 MiB) before an inline one makes it.
  EXPECT_LT(std::filesystem::file_size(dir.file("c.db") + "-wal"), 3u << 20);
  store->stop();
  EXPECT_EQ(count_rows(dir.file("c.db")), 3000);
}

TEST(SqliteJournal, EveryAnsweredEventSurvivesKill9WhileTheLogIsCheckpointedInTheBackground) {
  // A child process appends 3 KB events as fast as the journal answers them, with a checkpoint due every 16
  // pages, so its checkpointer copies the WAL nearly all the time; it reports each answered event id (and
  // each background checkpoint, as 0) through a pipe. It is killed once several checkpoints ran; the store
  // it leaves must open intact and hold every event it answered.
  TempDir dir;
  const auto path = dir.file("k.db");
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(pipe_fds[0]);
    const int out = pipe_fds[1];
    std::string error;
    auto store = open_journal(path, &error, nullptr, {.checkpoint_pages = 16, .checkpoint_pages_most = 16});
    if (!store) ::_exit(2);
    std::uint64_t checkpoints_seen = 0;
    for (int round = 0;; ++round) {
      std::vector<std::promise<void>> answered(8);
      for (int i = 0; i < 8; ++i) {
        Received r = received("kill-" + std::to_string(round) + "-" + std::to_string(i));
        r.raw_body = std::string(3000, 'x');
        store->append(std::move(r), [out, &answered, i](AppendResult a) {
          if (a.outcome == AppendOutcome::kStored) (void)!::write(out, &a.event_id, sizeof a.event_id);
          answered[static_cast<std::size_t>(i)].set_value();
        });
      }
      for (auto& a : answered) a.get_future().wait();
      for (; checkpoints_seen < store.database->background_checkpoints(); ++checkpoints_seen) {
        const std::int64_t marker = 0;
        (void)!::write(out, &marker, sizeof marker);
      }
    }
  }
  ::close(pipe_fds[1]);
  std::vector<std::int64_t> answered;
  int checkpoints = 0;
  std::int64_t id = 0;
  // Until 50 background checkpoints ran, or (should they not) 20,000 events were answered.
  while (checkpoints < 50 && answered.size() < 20'000 &&
         ::read(pipe_fds[0], &id, sizeof id) == static_cast<ssize_t>(sizeof id)) {
    if (id == 0)
      ++checkpoints;
    else
      answered.push_back(id);
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child stopped by itself (status " << status << ")";
  while (::read(pipe_fds[0], &id, sizeof id) == static_cast<ssize_t>(sizeof id))
    if (id != 0) answered.push_back(id);
  ::close(pipe_fds[0]);
  ASSERT_EQ(checkpoints, 50);
  ASSERT_GT(answered.size(), 100u);

  auto db = Db::open(path);
  ASSERT_TRUE(db.ok());
  auto check = db->prepare("PRAGMA integrity_check");
  ASSERT_EQ(check.step(), SQLITE_ROW);
  EXPECT_EQ(check.column_text(0), "ok");
  std::string ids;
  for (const auto answered_id : answered) ids += (ids.empty() ? "" : ",") + std::to_string(answered_id);
  EXPECT_EQ(count_rows(path, "id IN (" + ids + ")"), static_cast<std::int64_t>(answered.size()));
}

// A database that checkpoints in the background at 16 new pages and calls a burst commits of 16 frames or
// more, with the given spacing and most; `commits` transactions of `rows` rows of 3 KB each into a table of
// its own with no index (a page a row), so how many frames a commit writes does not depend on how a journal
// happened to group events.
struct SpacedDatabase {
  TempDir dir;
  std::unique_ptr<SqliteDatabase> database;

  SpacedDatabase(int spacing_ms, int most) {
    auto opened = SqliteDatabase::open(dir.file("b.db"), kClock,
                                       {.checkpoint_pages = 16,
                                        .checkpoint_spacing_ms = spacing_ms,
                                        .checkpoint_pages_most = most,
                                        .checkpoint_burst_frames = 16});
    if (!opened.ok()) return;
    database = std::move(*opened);
    const bool made = database->lock().db().exec("CREATE TABLE filler (x BLOB)").ok();
    if (!made || !database->checkpoint_in_background().ok()) database.reset();
  }
  bool commit(int commits, int rows) {
    for (int c = 0; c < commits; ++c) {
      auto session = database->lock();
      const Status s = session.transaction(Durability::kFull, [&]() -> Status {
        for (int i = 0; i < rows; ++i)
          if (auto row = session.db().exec("INSERT INTO filler (x) VALUES (randomblob(3000))"); !row.ok())
            return row;
        return {};
      });
      if (!s.ok()) return false;
    }
    return true;
  }
};

TEST(SqliteDatabase, UnderABurstBackgroundCheckpointsAreSpacedAndTheWalAbsorbsTheRest) {
  // A burst: 40 commits of 200 rows (about 8,000 pages of WAL, every commit asking for a pass) on a database
  // whose passes start at most once a minute, with a most (and so an outrun) out of reach. The first commit
  // has its pass; from the second the average tells the burst, and every later pass waits for its minute.
  // Then 300 commits of one row: no burst, so that database's passes are not spaced.
  // The passes counted once `at_least` have finished (or 10 s have gone): a pass the commits asked for may
  // still wait for the connection, which they held back to back, when they end.
  const auto passes = [](int commits, int rows, std::uint64_t at_least) -> std::uint64_t {
    SpacedDatabase spaced(60'000, 1'000'000);
    EXPECT_TRUE(spaced.database);
    if (!spaced.database) return 0;
    EXPECT_TRUE(spaced.commit(commits, rows));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (spaced.database->background_checkpoints() < at_least &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return spaced.database->background_checkpoints();
  };
  const std::uint64_t burst = passes(40, 200, 1);
  EXPECT_GE(burst, 1u);
  EXPECT_LE(burst, 2u) << "every commit of the burst asked for a pass; after the first, none was due";
  // Some 300 pages in all, asked for every 16: were they taken for a burst, none after the first would come.
  EXPECT_GE(passes(300, 1, 2), 2u) << "commits of one row are no burst";
}

TEST(SqliteDatabase, APassDeferredUnderABurstComesWhenTheBurstEndsWithoutAnotherCommit) {
  // A burst shorter than the spacing: its later passes are deferred to two seconds after the last one
  // began. Nothing is committed after it, and the deferred pass still comes.
  SpacedDatabase spaced(2000, 1'000'000);
  ASSERT_TRUE(spaced.database);
  ASSERT_TRUE(spaced.commit(30, 20));
  const std::uint64_t after_burst = spaced.database->background_checkpoints();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (spaced.database->background_checkpoints() == after_burst &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_GT(spaced.database->background_checkpoints(), after_burst) << "the deferred pass never came";
}

TEST(SqliteDatabase, AnOperatorCommandsCommitNeverCheckpointsTheDaemonsLog) {
  // The daemon alone knows when its WAL may restart and syncs the commit that may restart it; a commit by an
  // operator command (a dead-letter replay) that checkpointed the whole log would let the daemon's next
  // unsynced commit restart the log without syncing its header.
  TempDir dir;
  const auto path = dir.file("op.db");
  auto daemon = SqliteDatabase::open(path, kClock, {.checkpoint_pages = 16, .checkpoint_pages_most = 16});
  ASSERT_TRUE(daemon.ok()) << daemon.error();
  const auto insert_into = [](SqliteDatabase& database, const std::string& prefix, int rows) {
    auto session = database.lock();
    return session.transaction(Durability::kFull, [&]() -> Status {
      for (int i = 0; i < rows; ++i)
        if (auto s = session.db().exec("INSERT INTO echoes (side, target_id, verb, note_digest, "
                                       "created_at_ms) VALUES ('opsgenie', '" +
                                       prefix + std::to_string(i) + "', 'note', '" + std::string(3000, 'x') +
                                       "', 0)");
            !s.ok())
          return s;
      return {};
    });
  };
  {
    // Frames the daemon has not checkpointed yet: another connection wrote them, with SQLite's own
    // checkpoints off.
    auto writer = Db::open(path);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE(writer->exec("PRAGMA wal_autocheckpoint=0").ok());
    for (int i = 0; i < 40; ++i)
      ASSERT_TRUE(writer
                      ->exec("INSERT INTO echoes (side, target_id, verb, note_digest, created_at_ms) VALUES"
                             " ('opsgenie', 'w" +
                             std::to_string(i) + "', 'note', '" + std::string(3000, 'x') + "', 0)")
                      .ok());
  }
  auto operator_command =
      SqliteDatabase::open(path, kClock, {.create = false, .checkpoint = false, .checkpoint_pages = 16});
  ASSERT_TRUE(operator_command.ok()) << operator_command.error();
  ASSERT_TRUE(insert_into(**operator_command, "op-", 1).ok());
  EXPECT_EQ((*operator_command)->checkpoints(), 0u);
  // The daemon's next commit checkpoints the log, as it always did.
  ASSERT_TRUE(insert_into(**daemon, "daemon-", 1).ok());
  EXPECT_EQ((*daemon)->checkpoints(), 1u);
}

TEST(SqliteJournal, ACheckpointConnectionThatCannotOpenLeavesCheckpointsInlineAndSaysSo) {
  TempDir dir;
  auto database =
      SqliteDatabase::open(dir.file("f.db"), kClock, {.checkpoint_pages = 16, .checkpoint_pages_most = 16});
  ASSERT_TRUE(database.ok()) << database.error();
  // No file descriptor left while the journal starts: its second connection cannot open the file.
  rlimit before{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &before), 0);
  const int lowest_free = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(lowest_free, 0);
  ::close(lowest_free);
  rlimit none = before;
  none.rlim_cur = static_cast<rlim_t>(lowest_free);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &none), 0);
  std::vector<std::string> warnings;
  auto journal = SqliteJournal::start(
      **database, {.on_warning = [&warnings](const std::string& why) { warnings.push_back(why); }});
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &before), 0);

  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("checkpoint"), std::string::npos) << warnings[0];
  for (int round = 0; round < 10; ++round) append_all(*journal, "f" + std::to_string(round) + "-", 5, 3000);
  EXPECT_EQ((*database)->background_checkpoints(), 0u);
  EXPECT_GT((*database)->checkpoints(), 0u) << "the journal's commits should have checkpointed inline";
  journal->stop();
  EXPECT_EQ(count_rows(dir.file("f.db")), 50);
}

TEST(SqliteJournal, AWalTheBackgroundCannotCatchUpWithIsCheckpointedInline) {
  // A reader's snapshot (an operator command's long read) keeps checkpoints from copying past it, so the WAL
  // only grows; once the reader is gone, the inline checkpoint of an outrun WAL copies it all and the WAL
  // restarts from its start.
  TempDir dir;
  std::string error;
  auto store =
      open_journal(dir.file("o.db"), &error, nullptr, {.checkpoint_pages = 16, .checkpoint_pages_most = 16});
  ASSERT_TRUE(store) << error;
  append_all(*store, "before-", 1, 100);
  {
    auto reader = Db::open(dir.file("o.db"));
    ASSERT_TRUE(reader.ok());
    ASSERT_TRUE(reader->exec("BEGIN").ok());
    auto read = reader->prepare("SELECT COUNT(*) FROM events");
    ASSERT_EQ(read.step(), SQLITE_ROW);
    for (int round = 0; round < 20; ++round)
      append_all(*store, "held" + std::to_string(round) + "-", 5, 3000);
    read.reset();
    ASSERT_TRUE(reader->exec("COMMIT").ok());
  }
  const auto grown = std::filesystem::file_size(dir.file("o.db") + "-wal");
  EXPECT_GT(grown, 128u * 4096) << "the reader should have held the WAL past eight times 16 pages";
  EXPECT_GT(store.database->checkpoints(), 0u) << "the journal's commits should have tried inline ones";
  for (int round = 0; round < 4; ++round) append_all(*store, "after" + std::to_string(round) + "-", 5, 3000);
  // Restarted: the WAL's header names a new salt, its frames start again at the beginning of the file.
  auto db = Db::open(dir.file("o.db"));
  auto frames = db->prepare("PRAGMA wal_checkpoint(PASSIVE)");
  ASSERT_EQ(frames.step(), SQLITE_ROW);
  EXPECT_LT(frames.column_int(1), 128) << "frames in the WAL after the inline checkpoint";
  frames.reset();
  store->stop();
  EXPECT_EQ(count_rows(dir.file("o.db")), 121);
}

TEST(SqliteJournal, RetentionFindsOldFinishedActionsByAgeNotByWalkingEveryOne) {
  // On a store of millions of recent finished actions, walking them in id order to find none old enough held
  // the connection for seconds at every pass.
  TempDir dir;
  std::string error;
  open_journal(dir.file("r.db"), &error)->stop();
  auto db = Db::open(dir.file("r.db"));
  ASSERT_TRUE(db.ok()) << db.error();
  for (const auto sql : {sqlite_sql::kPruneChecks, sqlite_sql::kPruneActions}) {
    auto plan = db->prepare("EXPLAIN QUERY PLAN " + std::string(sql));
    ASSERT_TRUE(plan.valid()) << sql;
    std::string steps;
    while (plan.step() == SQLITE_ROW) steps += plan.column_text(3).value_or("") + "\n";
    EXPECT_NE(steps.find("SEARCH outbox USING COVERING INDEX outbox_finished_by_target (target=? AND state=? "
                         "AND updated_at_ms<?)"),
              std::string::npos)
        << steps;
  }
}

// Pages one connection fetched (from its cache or the file) since the last call.
int pages_fetched(Db& connection) {
  int total = 0;
  for (const int counter : {SQLITE_DBSTATUS_CACHE_HIT, SQLITE_DBSTATUS_CACHE_MISS}) {
    int current = 0, highest = 0;
    sqlite3_db_status(connection.handle(), counter, &current, &highest, /*reset=*/1);
    total += current;
  }
  return total;
}

// Pages the store's connections (the writer's and the reader's) fetched since the last call.
int pages_fetched(SqliteDatabase& database) {
  int total = 0;
  {
    auto session = database.lock();
    total += pages_fetched(session.db());
  }
  if (database.reads_apart()) {
    auto reading = database.read();
    total += pages_fetched(reading.db());
  }
  return total;
}

TEST(SqliteJournal, TheQueueSummaryReadsOpenActionsNotEveryFinishedOne) {
  // /metrics and the status page read the summary at each scrape. Counting every finished action for each
  // vendor's last success took a second per million actions, on the connection the journal commits on.
  TempDir dir;
  auto database = SqliteDatabase::open(dir.file("q.db"), kClock);
  ASSERT_TRUE(database.ok()) << database.error();
  const std::string payload = R"('{"kind":"pagerduty.add_note","alert_id":"A","note":"n"}')";
  // `count` actions of (pair key prefix, target, state), the n-th created at `created` + n, finished at
  // `updated` + n.
  const auto actions = [&](const std::string& pair, const std::string& target, const std::string& state,
                           int count, int created, int updated) {
    return "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
           std::to_string(count) +
           ") INSERT INTO outbox (event_id, pair_key, target, kind, payload, state, next_attempt_at_ms,"
           " created_at_ms, updated_at_ms, head) SELECT 1, '" +
           pair + "' || i, '" + target + "', 'k', " + payload + ", '" + state + "', 0, " +
           std::to_string(created) + " + i, " + std::to_string(updated) + " + i, 1 FROM n;";
  };
  const auto exec = [&](const std::string& sql) {
    auto session = (*database)->lock();
    return session.db().exec(sql).ok();
  };
  ASSERT_TRUE(exec(
      "INSERT INTO events (id, source, type, kind, dedupe_key, received_at_ms, status, raw_body)"
      " VALUES (1, 'opsgenie', 'Create', 'alert.created', 'k', 0, 'done', '{}');" +
      actions("done:", "pagerduty", "done", 20000, 0, 1000) +
      // A dead letter replayed: pending again, queued anew, numbered before the others.
      actions("replayed:", "pagerduty", "pending", 1, 8999, 0) +
      actions("p1:", "pagerduty", "pending", 1, 499, 0) + actions("p3:", "opsgenie", "pending", 1, 599, 0) +
      actions("p2:", "pagerduty", "pending", 1, 699, 0) + actions("d1:", "opsgenie", "dead", 1, 799, 799) +
      actions("x1:", "opsgenie", "discarded", 1, 899, 89999) +
      actions("o1:", "opsgenie", "done", 1, 899, 949)));
  SqliteAdmin admin(**database);
  pages_fetched(**database);
  const QueueStats stats = admin.queue_stats();
  const int fetched = pages_fetched(**database);

  const auto& pd = stats.vendors.at("pagerduty");
  EXPECT_EQ(pd.pending, 3);
  EXPECT_EQ(pd.oldest_pending_ms, 500) << "queued first, though not numbered first";
  EXPECT_EQ(pd.last_success_ms, 21000);
  const auto& og = stats.vendors.at("opsgenie");
  EXPECT_EQ(og.pending, 1);
  EXPECT_EQ(og.oldest_pending_ms, 600);
  EXPECT_EQ(og.dead, 1);
  EXPECT_EQ(og.last_success_ms, 950) << "a discarded action is not a success";
  // 20,000 finished actions fill hundreds of pages; the summary needs the few holding open actions and the
  // newest finished one of each vendor.
  EXPECT_LT(fetched, 40) << "pages the summary fetched";

  pages_fetched(**database);
  const auto pending = admin.actions_in_state(ActionState::kPending, 10);
  const auto first_two = admin.actions_in_state(ActionState::kPending, 2);
  EXPECT_EQ(admin.actions_in_state(ActionState::kDead, 10).size(), 1u);
  EXPECT_LT(pages_fetched(**database), 40) << "pages the listings fetched";
  const auto pairs = [](const std::vector<OutboxItem>& items) {
    std::vector<std::string> out;
    for (const auto& i : items) out.push_back(i.pair_key);
    return out;
  };
  EXPECT_EQ(pairs(pending), (std::vector<std::string>{"replayed:1", "p1:1", "p3:1", "p2:1"}))
      << "both vendors', in order";
  EXPECT_EQ(pairs(first_two), (std::vector<std::string>{"replayed:1", "p1:1"}));
  EXPECT_EQ(admin.actions_in_state(ActionState::kDiscarded, 10).size(), 1u);

  // A backlog is counted in the index alone: its rows (each with its payload) span several times the pages.
  ASSERT_TRUE(exec(actions("backlog:", "pagerduty", "pending", 20000, 1000, 0)));
  pages_fetched(**database);
  EXPECT_EQ(admin.queue_stats().vendors.at("pagerduty").pending, 20003);
  EXPECT_LT(pages_fetched(**database), 300) << "pages the summary of a backlog of 20,000 fetched";
}

TEST(SqliteJournal, TheViewsReadBesideTheConnectionTheJournalCommitsOn) {
  // The queue summary behind /metrics takes time in proportion to the backlog (about 25 ms at 132k pending
  // actions). Read on the connection the journal commits on, it held every webhook arriving meanwhile.
  TempDir dir;
  auto database = SqliteDatabase::open(dir.file("r.db"), kClock);
  ASSERT_TRUE(database.ok()) << database.error();
  ASSERT_TRUE((*database)->reads_apart());
  SqliteAdmin admin(**database);
  struct Views {
    QueueStats stats;
    std::size_t pending = 0;
  };
  std::future<Views> views;
  {
    // Held as a group commit holds it: after a commit the views must see, inside a write transaction they
    // must not.
    auto writer = (*database)->lock();
    ASSERT_TRUE(
        writer.db()
            .exec("INSERT INTO events (id, source, type, kind, dedupe_key, received_at_ms, status,"
                  " raw_body) VALUES (1, 'opsgenie', 'Create', 'alert.created', 'k', 0, 'done', '{}');"
                  "INSERT INTO outbox (event_id, pair_key, target, kind, payload, state,"
                  " next_attempt_at_ms, created_at_ms, updated_at_ms, head) VALUES (1, 'a', 'pagerduty',"
                  " 'k', '{\"kind\":\"pagerduty.add_note\",\"alert_id\":\"A\",\"note\":\"n\"}',"
                  " 'pending', 0, 5, 5, 1);")
            .ok());
    ASSERT_TRUE(
        writer.db()
            .exec("BEGIN IMMEDIATE; INSERT INTO outbox (event_id, pair_key, target, kind, payload, state,"
                  " next_attempt_at_ms, created_at_ms, updated_at_ms, head) SELECT event_id, 'b', target,"
                  " kind, payload, state, 0, 1, 1, 1 FROM outbox WHERE pair_key = 'a';")
            .ok());
    views = std::async(std::launch::async, [&admin] {
      return Views{admin.queue_stats(), admin.actions_in_state(ActionState::kPending, 10).size()};
    });
    ASSERT_EQ(views.wait_for(std::chrono::seconds(30)), std::future_status::ready)
        << "the views waited for the journal's connection";
    ASSERT_TRUE(writer.db().exec("ROLLBACK").ok());
  }
  const Views read = views.get();
  EXPECT_EQ(read.stats.vendors.at("pagerduty").pending, 1) << "the reader sees what the writer committed";
  EXPECT_EQ(read.stats.vendors.at("pagerduty").oldest_pending_ms, 5) << "not the uncommitted action's 1";
  EXPECT_EQ(read.pending, 1U);
}

TEST(SqliteJournal, AnOperatorsLinkLookupReadsItsKeyNotEveryLink) {
  // `links --alert`, `simulate` (which asks ten times a second) and migrate-links' re-pairing name one alert
  // or incident; a condition that may be NULL kept SQLite from the key's index, so each walked every link.
  TempDir dir;
  auto database = SqliteDatabase::open(dir.file("l.db"), kClock);
  ASSERT_TRUE(database.ok()) << database.error();
  {
    auto session = (*database)->lock();
    ASSERT_TRUE(
        session.db()
            .exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)"
                  " INSERT INTO links (alert_id, incident_id, incident_key, created_at_ms, updated_at_ms)"
                  " SELECT 'a-' || i, 'P-' || i, 'a-' || i, i, i FROM n")
            .ok());
  }
  SqliteAdmin admin(**database);
  pages_fetched(**database);
  const auto by_alert = admin.links(std::string("a-12345"), std::nullopt);
  const auto by_incident = admin.links(std::nullopt, std::string("P-777"));
  const auto both = admin.links(std::string("a-1"), std::string("P-1"));
  const auto mismatched = admin.links(std::string("a-1"), std::string("P-2"));
  EXPECT_LT(pages_fetched(**database), 40) << "pages four lookups by key fetched";
  ASSERT_EQ(by_alert.size(), 1u);
  EXPECT_EQ(by_alert[0].incident_id, "P-12345");
  ASSERT_EQ(by_incident.size(), 1u);
  EXPECT_EQ(by_incident[0].alert_id, "a-777");
  EXPECT_EQ(both.size(), 1u);
  EXPECT_TRUE(mismatched.empty());
  const auto recent = admin.links(std::nullopt, std::nullopt);
  ASSERT_EQ(recent.size(), 1000u);
  EXPECT_EQ(recent.front().alert_id, "a-20000");
}

TEST(SqliteJournal, MigrateLinksFindsACreateNearItsLinksMakingNotByWalkingTheJournal) {
  // The journal has no index by alert; walking it for each link made a JSM move of a month's store take
  // hours.
  TempDir dir;
  auto database = SqliteDatabase::open(dir.file("m.db"), kClock);
  ASSERT_TRUE(database.ok()) << database.error();
  {
    auto session = (*database)->lock();
    // A Create a minute for two weeks, each linked a moment after it was received.
    ASSERT_TRUE(
        session.db()
            .exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)"
                  " INSERT INTO events (source, type, kind, dedupe_key, alert_id, received_at_ms, status,"
                  " raw_body) SELECT 'opsgenie', 'Create', 'alert.created', 'k' || i, 'a-' || i,"
                  " i * 60000, 'done', '{\"alias\":\"x-' || i || '\"}' FROM n;"
                  "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)"
                  " INSERT INTO links (alert_id, incident_id, incident_key, created_at_ms, updated_at_ms)"
                  " SELECT 'a-' || i, 'P-' || i, 'a-' || i, i * 60000 + 40, i * 60000 + 40 FROM n")
            .ok());
  }
  SqliteAdmin admin(**database);
  pages_fetched(**database);
  const auto body = admin.create_webhook_of("a-12345");
  const auto none = admin.create_webhook_of("a-unknown");
  EXPECT_LT(pages_fetched(**database), 40) << "pages two lookups fetched";
  EXPECT_EQ(body, std::optional<std::string>(R"({"alias":"x-12345"})"));
  EXPECT_FALSE(none.has_value());
}

// A Create that arrives after its alert's Close (Opsgenie does not promise order) leaves the alert known
// closed: the status a pair opens with is not recorded, so it cannot replace a later one.
TEST(SqliteJournal, ACreateArrivingAfterItsAlertsCloseLeavesTheAlertKnownClosed) {
  TempDir dir;
  std::string error;
  delivery::EventPlanner planner(sync::SyncSettings{}, std::chrono::minutes(10), kClock, nullptr);
  auto store = open_journal(dir.file("o.db"), &error, &planner);
  ASSERT_TRUE(store) << error;
  Received close = received("close-1", EventKind::kAlertClosed);
  close.event.type = "Close";
  close.event.alert_id = "A1";
  Received create = received("create-1", EventKind::kAlertCreated);
  create.event.alert_id = "A1";
  ASSERT_EQ(append_and_wait(*store, std::move(close)).outcome, AppendOutcome::kStored);
  ASSERT_EQ(append_and_wait(*store, std::move(create)).outcome, AppendOutcome::kStored);

  auto db = Db::open(dir.file("o.db"));
  ASSERT_TRUE(db.ok()) << db.error();
  auto stmt = db->prepare("SELECT status FROM pair_state WHERE side = 'opsgenie' AND target_id = 'A1'");
  ASSERT_EQ(stmt.step(), SQLITE_ROW);
  EXPECT_EQ(stmt.column_text(0).value_or(""), "closed");
}

}  // namespace
}  // namespace ogpd::store
