#include "store/postgres/store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <future>
#include <latch>
#include <optional>
#include <thread>

#include "store/action_json.h"
#include "store/postgres/plans.h"
#include "store/postgres/schema.h"
#include "store/spaced_summary.h"
#include "store/sqlite/store.h"
#include "support/postgres.h"

namespace ogpd::store {
namespace {

enum class Backend { kSqlite, kPostgres };

// An Opsgenie event of `kind` under `key` (its dedupe key), as the intake would journal it.
Received received(const std::string& key, EventKind kind, const std::string& type) {
  Received r;
  r.event.source = Source::kOpsgenie;
  r.event.kind = kind;
  r.event.type = type;
  r.event.dedupe_key = key;
  r.raw_body = "{}";
  return r;
}

// Appends `r` and waits for its outcome.
AppendResult append_and_wait(Journal& journal, Received r) {
  std::promise<AppendResult> done;
  journal.append(std::move(r), [&done](AppendResult result) { done.set_value(std::move(result)); });
  return done.get_future().get();
}

// The roles' contract, on each backend (store.h). On PostgreSQL the lease is 0 here, so a claimed head is
// claimable again at once, as an SQLite head is (its in-flight guard is the engine's `busy` set); leases
// themselves are PgLeases' below.
class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres) {
      database_ = std::make_unique<testing::TestDatabase>();
      ASSERT_TRUE(database_->ok());
      auto opened = PgStore::open(database_->url(), clock_, {.lease = std::chrono::milliseconds(0)});
      ASSERT_TRUE(opened.ok()) << opened.error();
      store_ = std::move(*opened);
    } else {
      path_ = (std::filesystem::temp_directory_path() /
               ("ogpd-sync-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++) + ".db"))
                  .string();
      std::filesystem::remove(path_);
      auto opened = SqliteStore::open(path_, clock_);
      ASSERT_TRUE(opened.ok()) << opened.error();
      store_ = std::move(*opened);
    }
    journal_ = store_->start_journal({});
  }
  void TearDown() override {
    journal_.reset();
    store_.reset();
    database_.reset();
    if (!path_.empty())
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }

  std::int64_t journal(const std::string& key, EventKind kind = EventKind::kAlertAcknowledged,
                       std::int64_t received_at_ms = 0) {
    Received r = received(key, kind, "Acknowledge");
    r.event.alert_id = "A-" + key;
    r.event.actor_name = "alice";
    r.received_at_ms = received_at_ms;
    return append_and_wait(*journal_, std::move(r)).event_id;
  }

  static Action note(const std::string& alert, const std::string& text) {
    Action a;
    a.kind = ActionKind::kAddIncidentNote;
    a.alert_id = alert;
    a.note = text;
    return a;
  }

  static inline int counter_ = 0;
  std::string path_;
  std::unique_ptr<testing::TestDatabase> database_;
  const SystemClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<GroupJournal> journal_;
};

TEST(ActionJson, RoundTripsEveryField) {
  Action a;
  a.kind = ActionKind::kCreateIncident;
  a.alert_id = "A";
  a.incident_key = "K";
  a.title = "t \"quoted\"";
  a.details = "d\nline";
  a.urgency = "low";
  a.note = "n";
  a.user = "u";
  a.full_note_id = "N1";
  a.priority = "SEV-1";
  a.service_id = "PSVC";
  a.escalation_policy_id = "PEP";
  a.events_route = "events";
  a.alias = "pd-Q1";
  a.tags = {"a", "b"};
  a.responders = {{"team", "ops", ""}, {"user", "", "U1"}};
  EXPECT_EQ(action_from_json(action_to_json(a)), a);
  EXPECT_FALSE(action_from_json("{}").has_value());
  EXPECT_FALSE(action_from_json("not json").has_value());
}

TEST_P(StoreTest, PendingEventsComeInArrivalOrderAndLeaveOncePlanned) {
  const auto first = journal("e1");
  const auto second = journal("e2");
  auto pending = store_->outbox.pending_events(10);
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].id, first);
  EXPECT_EQ(pending[1].id, second);
  EXPECT_EQ(pending[0].event.alert_id, "A-e1");
  EXPECT_EQ(pending[0].event.kind, EventKind::kAlertAcknowledged);

  ASSERT_TRUE(
      store_->outbox
          .commit_plans(
              {{first, "mirrored", {note("A-e1", "n1"), note("A-e1", "n2")}, std::nullopt, std::nullopt}},
              1000)
          .ok());
  pending = store_->outbox.pending_events(10);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].id, second);
}

TEST_P(StoreTest, OnlyTheOldestPendingActionOfEachPairIsDue) {
  const auto e = journal("e1");
  ASSERT_TRUE(
      store_->outbox
          .commit_plans(
              {{e, "mirrored", {note("A", "1"), note("A", "2"), note("B", "1")}, std::nullopt, std::nullopt}},
              1000)
          .ok());
  auto heads = store_->outbox.due_heads(1000, 10, {});
  ASSERT_EQ(heads.size(), 2u);
  EXPECT_EQ(heads[0].action.note, "1");
  EXPECT_EQ(heads[0].pair_key, "alert:A");
  EXPECT_EQ(heads[1].pair_key, "alert:B");
  // A busy pair is skipped; a rescheduled head holds its pair back until it is due.
  EXPECT_EQ(store_->outbox.due_heads(1000, 10, {"alert:A"}).size(), 1u);
  ASSERT_TRUE(store_->outbox.reschedule(heads[0].id, 1, 5000, "HTTP 500", true).ok());
  heads = store_->outbox.due_heads(1000, 10, {});
  ASSERT_EQ(heads.size(), 1u);
  EXPECT_EQ(heads[0].pair_key, "alert:B");
  EXPECT_EQ(store_->outbox.next_due_ms(), 1000);
  heads = store_->outbox.due_heads(5000, 10, {});
  ASSERT_EQ(heads.size(), 2u);
  EXPECT_EQ(heads[0].attempts + heads[1].attempts, 1);
  // Completing the head makes the next action of the pair due.
  const auto a_head = heads[0].pair_key == "alert:A" ? heads[0] : heads[1];
  EXPECT_TRUE(a_head.ambiguous);
  ASSERT_TRUE(store_->outbox.complete(a_head.id, 5000, std::nullopt).ok());
  heads = store_->outbox.due_heads(5000, 10, {"alert:B"});
  ASSERT_EQ(heads.size(), 1u);
  EXPECT_EQ(heads[0].action.note, "2");
}

TEST_P(StoreTest, DeadLettersAreListedAndReplayable) {
  const auto e = journal("e1");
  ASSERT_TRUE(
      store_->outbox.commit_plans({{e, "mirrored", {note("A", "1")}, std::nullopt, std::nullopt}}, 1000)
          .ok());
  const auto head = store_->outbox.due_heads(1000, 1, {}).at(0);
  ASSERT_TRUE(
      store_->outbox.finish(head.id, ActionState::kDead, "gave up after 12 attempts: HTTP 500", 2000).ok());
  EXPECT_TRUE(store_->outbox.due_heads(9999, 10, {}).empty());
  const auto dead = store_->admin.actions_in_state(ActionState::kDead, 10);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].last_error, "gave up after 12 attempts: HTTP 500");
  ASSERT_TRUE(store_->admin.replay(head.id, 3000).ok());
  EXPECT_FALSE(store_->admin.replay(head.id, 3000).ok());  // no longer dead
  const auto again = store_->outbox.due_heads(3000, 10, {});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempts, 0);
  EXPECT_TRUE(again[0].ambiguous);  // it may have landed before: look first
  EXPECT_FALSE(store_->admin.replay(424242, 3000).ok());
}

TEST_P(StoreTest, LinksKeepAKnownIncident) {
  ASSERT_TRUE(store_->ledger.save_link({"A", std::nullopt, "A"}, 1).ok());
  EXPECT_EQ(store_->ledger.link_by_alert("A"), (Link{"A", std::nullopt, "A"}));
  ASSERT_TRUE(store_->ledger.save_link({"A", "Q1", "A"}, 2).ok());
  EXPECT_EQ(store_->ledger.link_by_incident("Q1")->alert_id, "A");
  ASSERT_TRUE(store_->ledger.save_link({"A", std::nullopt, std::nullopt}, 3).ok());
  EXPECT_EQ(store_->ledger.link_by_alert("A")->incident_id, "Q1");
  EXPECT_FALSE(store_->ledger.link_by_alert("nope").has_value());
}

TEST_P(StoreTest, EchoesAreFoundConsumedOnceAndExpire) {
  const Echo echo{Side::kOpsgenie, "A", "acknowledge", ""};
  ASSERT_TRUE(store_->ledger.record_echo(echo, 1000).ok());
  EXPECT_TRUE(store_->ledger.echo_recorded(echo, 0));
  EXPECT_FALSE(store_->ledger.echo_recorded(echo, 2000));  // older than the window
  EXPECT_FALSE(store_->ledger.echo_recorded({Side::kOpsgenie, "A", "close", ""}, 0));
  const auto e = journal("e1");
  ASSERT_TRUE(store_->outbox.commit_plans({{e, "echo", {}, std::nullopt, echo}}, 1500).ok());
  EXPECT_FALSE(store_->ledger.echo_recorded(echo, 0));
  ASSERT_TRUE(store_->ledger.record_echo(echo, 1000).ok());
  ASSERT_TRUE(store_->ledger.expire_echoes(1001).ok());
  EXPECT_FALSE(store_->ledger.echo_recorded(echo, 0));
}

TEST_P(StoreTest, OpsgenieChecksAreScheduledWithTheCompletion) {
  const auto e = journal("e1");
  ASSERT_TRUE(
      store_->outbox.commit_plans({{e, "mirrored", {note("A", "1")}, std::nullopt, std::nullopt}}, 1000)
          .ok());
  const auto head = store_->outbox.due_heads(1000, 1, {}).at(0);
  ASSERT_TRUE(store_->outbox.complete(head.id, 1000, Check{"req-1", head.id, 0}).ok());
  auto checks = store_->outbox.due_checks(1000, 10);
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].request_id, "req-1");
  ASSERT_TRUE(store_->outbox.reschedule_check("req-1", 1, 4000).ok());
  EXPECT_TRUE(store_->outbox.due_checks(3999, 10).empty());
  EXPECT_EQ(store_->outbox.next_due_ms(), 4000);
  ASSERT_TRUE(store_->outbox.drop_check("req-1").ok());
  EXPECT_FALSE(store_->outbox.next_due_ms().has_value());
}

TEST_P(StoreTest, RetentionDeletesOnlyOldFinishedWork) {
  const auto old_done = journal("old-done", EventKind::kAlertAcknowledged, 1000);
  const auto old_dead = journal("old-dead", EventKind::kAlertAcknowledged, 1000);
  const auto old_pending = journal("old-pending", EventKind::kAlertAcknowledged, 1000);
  const auto old_ignored = journal("old-ignored", EventKind::kOther, 1000);
  const auto new_done = journal("new-done", EventKind::kAlertAcknowledged, 9000);
  ASSERT_TRUE(store_->outbox
                  .commit_plans({{old_done, "mirrored", {note("A", "1")}, Link{"A", "Q1", "A"}, std::nullopt},
                                 {old_dead, "mirrored", {note("B", "1")}, std::nullopt, std::nullopt},
                                 {old_pending, "mirrored", {note("C", "1")}, std::nullopt, std::nullopt},
                                 {new_done, "mirrored", {note("D", "1")}, std::nullopt, std::nullopt}},
                                1000)
                  .ok());
  for (const auto& head : store_->outbox.due_heads(1000, 10, {})) {
    Status s;
    if (head.pair_key == "alert:A") s = store_->outbox.complete(head.id, 1000, std::nullopt);
    if (head.pair_key == "alert:B") s = store_->outbox.finish(head.id, ActionState::kDead, "x", 1000);
    if (head.pair_key == "alert:D") s = store_->outbox.complete(head.id, 9000, std::nullopt);
    ASSERT_TRUE(s.ok()) << s.message();
  }
  const auto pruned = store_->admin.prune(5000, 500);
  ASSERT_TRUE(pruned.ok()) << pruned.error();
  EXPECT_EQ(*pruned, 3);  // old-done's action and event, and old-ignored
  EXPECT_EQ(*store_->admin.prune(5000, 500), 0);
  std::vector<std::int64_t> left;
  for (const auto& e : store_->admin.recent_events(100)) left.push_back(e.id);
  EXPECT_EQ(left, (std::vector<std::int64_t>{new_done, old_pending, old_dead}));
  EXPECT_EQ(store_->admin.actions_in_state(ActionState::kDead, 10).size(), 1u);
  EXPECT_EQ(store_->outbox.due_heads(1000, 10, {}).size(), 1u);  // old-pending's action
  EXPECT_TRUE(store_->ledger.link_by_alert("A").has_value());    // links stay
  (void)old_ignored;
}

TEST_P(StoreTest, ReconciliationsWalkReadsOnePageAtATimeHoweverManyPairsAreSettled) {
  // A busy week's pairs are mostly closed on both sides. Skipping them inside the query made one call walk
  // every one of them up to the next open pair: seconds holding the store, at every pass.
  for (int i = 0; i < 250; ++i) {
    const std::string alert = "a-" + std::to_string(1000 + i);
    ASSERT_TRUE(store_->ledger.save_link({alert, "P-" + alert, alert}, 100 + i).ok());
    ASSERT_TRUE(store_->ledger.save_status({Side::kOpsgenie, alert, "closed", true}, 500).ok());
    ASSERT_TRUE(store_->ledger.save_status({Side::kPagerDuty, "P-" + alert, "resolved", true}, 500).ok());
  }
  ASSERT_TRUE(store_->ledger.save_link({"a-open", "P-open", "a-open"}, 400).ok());

  const auto page = store_->ledger.pairs_to_reconcile(0, std::nullopt, 100);
  ASSERT_EQ(page.size(), 100u);
  EXPECT_EQ(page.front().link.alert_id, "a-1000");
  EXPECT_TRUE(std::all_of(page.begin(), page.end(), [](const LinkedPair& p) { return p.settled; }));
  std::optional<LinkedPair> cursor = page.back();
  std::vector<std::string> open;
  int calls = 1;
  for (;;) {
    const auto next = store_->ledger.pairs_to_reconcile(0, cursor, 100);
    ++calls;
    for (const auto& p : next)
      if (!p.settled) open.push_back(p.link.alert_id);
    if (next.size() < 100) break;
    cursor = next.back();
  }
  EXPECT_EQ(open, (std::vector<std::string>{"a-open"}));
  EXPECT_EQ(calls, 3);
}

TEST_P(StoreTest, AFailedCommitChangesNothing) {
  if (GetParam() == Backend::kPostgres)
    GTEST_SKIP() << "a locked SQLite file; PostgreSQL going away is "
                    "PgStore.ALostServerIsUnavailableAndTheStoreRecoversByItself";
  const auto e = journal("e1");
  auto other = Db::open(path_);
  ASSERT_TRUE(other.ok()) << other.error();
  ASSERT_TRUE(other->exec("BEGIN EXCLUSIVE").ok());
  // Held until the store has given up waiting for it (its busy timeout).
  const auto s =
      store_->outbox.commit_plans({{e, "mirrored", {note("A", "1")}, std::nullopt, std::nullopt}}, 1000);
  ASSERT_TRUE(other->exec("ROLLBACK").ok());
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kUnavailable) << s.message();
  EXPECT_EQ(store_->outbox.pending_events(10).size(), 1u);
  EXPECT_TRUE(store_->outbox.due_heads(1000, 10, {}).empty());
}

INSTANTIATE_TEST_SUITE_P(Both, StoreTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return std::string(info.param == Backend::kSqlite ? "sqlite" : "postgres");
                         });

// Two proxies on one database: a head one claims is the other's only once the lease has run out, and then
// it is ambiguous (the first may have acted); an outcome from a proxy whose lease was taken changes nothing.
// Two proxies ("one", "two", 30-second leases) on one database, and one action queued at t = 1000 ms.
class PgLeases : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(database_.ok());
    auto one = PgStore::open(database_.url(), clock_, {.lease = std::chrono::seconds(30), .instance = "one"});
    auto two = PgStore::open(database_.url(), clock_, {.lease = std::chrono::seconds(30), .instance = "two"});
    ASSERT_TRUE(one.ok() && two.ok());
    first_ = std::move(*one);
    second_ = std::move(*two);
    journal_ = first_->start_journal({});
    const auto event =
        append_and_wait(*journal_, received("lease-1", EventKind::kAlertAcknowledged, "Acknowledge"))
            .event_id;
    Action a;
    a.kind = ActionKind::kAddIncidentNote;
    a.alert_id = "A";
    a.note = "1";
    ASSERT_TRUE(
        first_->outbox.commit_plans({{event, "mirrored", {a}, std::nullopt, std::nullopt}}, 1000).ok());
  }

  testing::TestDatabase database_;
  const SystemClock clock_;
  std::unique_ptr<PgStore> first_, second_;
  std::unique_ptr<GroupJournal> journal_;
};

TEST_F(PgLeases, AClaimIsExclusiveUntilItsLeaseEndsAndATakeoverLooksFirst) {
  const auto mine = first_->outbox.due_heads(1000, 10, {});
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_FALSE(mine[0].ambiguous);
  EXPECT_TRUE(second_->outbox.due_heads(1000, 10, {}).empty()) << "held by the first";
  EXPECT_TRUE(second_->outbox.due_heads(30'999, 10, {}).empty()) << "still within the lease";
  EXPECT_EQ(second_->outbox.next_due_ms(), 31'000) << "due again when the lease ends";
  const auto taken = second_->outbox.due_heads(31'000, 10, {});
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_TRUE(taken[0].ambiguous) << "the first may have acted: look before acting";
  // The first comes back late: its outcome is not recorded over the second's claim.
  ASSERT_TRUE(first_->outbox.complete(mine[0].id, 32'000, std::nullopt).ok());
  EXPECT_EQ(first_->outbox.action(mine[0].id)->state, ActionState::kPending);
  ASSERT_TRUE(second_->outbox.complete(taken[0].id, 32'000, std::nullopt).ok());
  EXPECT_EQ(first_->outbox.action(mine[0].id)->state, ActionState::kDone);
}

// A slow call keeps its action: the engine extends the leases it holds, and another proxy can take the
// action only once the extended lease has run out; a lease held by another proxy is not extended.
TEST_F(PgLeases, AnExtendedLeaseKeepsTheActionUntilItsNewEnd) {
  const auto mine = first_->outbox.due_heads(1000, 10, {});
  ASSERT_EQ(mine.size(), 1u);

  ASSERT_TRUE(first_->outbox.extend({mine[0].id}, 20'000).ok());  // held until 50 s
  EXPECT_TRUE(second_->outbox.due_heads(31'000, 10, {}).empty()) << "the first lease was extended";
  ASSERT_TRUE(second_->outbox.extend({mine[0].id}, 45'000).ok());
  EXPECT_EQ(second_->outbox.next_due_ms(), 50'000) << "not the second's to extend";
  const auto taken = second_->outbox.due_heads(50'000, 10, {});
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_TRUE(taken[0].ambiguous);
}

// A connection given back still inside a transaction (a body that threw, a ROLLBACK that failed) is rolled
// back before it is lent again: nothing its earlier user did stays pending under the next one.
TEST(PgStore, AConnectionGivenBackInsideATransactionIsRolledBackBeforeItIsLentAgain) {
  testing::TestDatabase database;
  ASSERT_TRUE(database.ok());
  const SystemClock clock;
  auto db = PgDatabase::open(database.url(), clock, {.max_connections = 1});
  ASSERT_TRUE(db.ok()) << db.error();
  {
    auto session = (*db)->session();
    ASSERT_TRUE(session.ok());
    ASSERT_TRUE(session->run("BEGIN").ok());
    ASSERT_TRUE(session->run("CREATE TABLE left_open (x int)").ok());
  }                              // given back mid-transaction
  auto next = (*db)->session();  // the only connection of the pool, lent again
  ASSERT_TRUE(next.ok()) << next.status().message();
  auto seen = next->query("SELECT COUNT(*) FROM pg_tables WHERE tablename = 'left_open'");
  ASSERT_TRUE(seen.ok()) << seen.status().message();
  EXPECT_EQ(seen->integer(0, 0), 0) << "the earlier transaction was rolled back";
  ASSERT_TRUE(next->run("CREATE TABLE committed_alone (x int)").ok());
  EXPECT_EQ(database.count("SELECT COUNT(*) FROM pg_tables WHERE tablename = 'committed_alone'"), 1)
      << "a statement of the next user commits on its own";
}

// A statement the server refuses is an error that retrying will not mend (kInternal, the server's words
// kept); a lost connection is one it may (kUnavailable). The server's SQLSTATE is read before its answer is
// freed.
TEST(PgStore, AStatementTheServerRefusesIsInternalAndKeepsTheServersWords) {
  testing::TestDatabase database;
  ASSERT_TRUE(database.ok());
  auto connection = pg::Connection::open(database.url());
  ASSERT_TRUE(connection.ok()) << connection.error();
  const auto missing = connection->query("SELECT MAX(version) FROM no_such_table");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kInternal) << missing.status().message();
  EXPECT_NE(missing.status().message().find("no_such_table"), std::string::npos)
      << missing.status().message();
  const auto with_parameter = connection->query("SELECT $1::int / 0", pg::params(std::string("1")));
  ASSERT_FALSE(with_parameter.ok());
  EXPECT_EQ(with_parameter.status().code(), Status::Code::kInternal);
  EXPECT_TRUE(connection->healthy()) << "a refused statement leaves the connection usable";
}

// Two proxies whose plans each reach the pair the other locked first (a note on a pair born in PagerDuty,
// planned beside an event of its alert): neither waits on the other in a circle, which PostgreSQL would
// break by failing one of them. The late key is only tried; a round that found it busy runs again with every
// key taken in order, and both commit.
TEST(PgPairLocks, PlansReachingEachOthersPairsBothCommitWithoutADeadlock) {
  testing::TestDatabase database;
  ASSERT_TRUE(database.ok());
  const SystemClock clock;
  auto db = PgDatabase::open(database.url(), clock);
  ASSERT_TRUE(db.ok()) << db.error();
  std::latch both_hold_their_first(2);
  const auto proxy = [&](std::string first, std::string late, int* rounds) {
    auto session = (*db)->session();
    if (!session.ok()) return session.status();
    return run_with_pair_locks(*session, {first}, PgCommit::kFlushed, [&](PairLocks& locks) -> Status {
      if (++*rounds == 1) both_hold_their_first.arrive_and_wait();
      return locks.take_late({late});
    });
  };
  int rounds_a = 0, rounds_b = 0;
  auto a = std::async(std::launch::async, proxy, "alert:A", "incident:P", &rounds_a);
  auto b = std::async(std::launch::async, proxy, "incident:P", "alert:A", &rounds_b);
  const Status from_a = a.get(), from_b = b.get();
  EXPECT_TRUE(from_a.ok()) << from_a.message();
  EXPECT_TRUE(from_b.ok()) << from_b.message();
  EXPECT_GE(rounds_a + rounds_b, 3) << "one found the other's pair busy and ran again";
}

// Migrations run once, under an advisory lock, however many proxies start together; a database newer than
// this binary is refused.
TEST(PgStore, ProxiesStartingTogetherMigrateOnceAndANewerSchemaIsRefused) {
  testing::TestDatabase database;
  ASSERT_TRUE(database.ok());
  const SystemClock clock;
  std::vector<std::thread> starters;
  std::atomic<int> opened{0};
  for (int i = 0; i < 4; ++i)
    starters.emplace_back([&] {
      if (PgStore::open(database.url(), clock).ok()) ++opened;
    });
  for (auto& t : starters) t.join();
  EXPECT_EQ(opened.load(), 4);
  EXPECT_EQ(database.count("SELECT COUNT(*) FROM schema_migrations"),
            static_cast<std::int64_t>(pg_sql::kMigrations.size()));
  auto connection = pg::Connection::open(database.url());
  ASSERT_TRUE(connection.ok());
  ASSERT_TRUE(connection->run("INSERT INTO schema_migrations VALUES (999, 0)").ok());
  const auto newer = PgStore::open(database.url(), clock);
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.error().find("newer than this ogpd-proxy knows"), std::string::npos) << newer.error();
}

// A server that goes away: calls fail as unavailable at once (a webhook is told to retry), and the store
// comes back by itself when the server does.
TEST(PgStore, ALostServerIsUnavailableAndTheStoreRecoversByItself) {
  testing::PostgresServer server;
  ASSERT_TRUE(server.started());
  testing::TestDatabase database(server.url());
  const SystemClock clock;
  auto store = PgStore::open(database.url(), clock);
  ASSERT_TRUE(store.ok()) << store.error();
  auto journal = (*store)->start_journal({});
  const auto append = [&](const std::string& key) {
    return append_and_wait(*journal, received(key, EventKind::kOther, "Ping"));
  };
  EXPECT_EQ(append("before").outcome, AppendOutcome::kStored);
  ASSERT_TRUE(server.pause());
  const auto refused = append("during");
  EXPECT_EQ(refused.outcome, AppendOutcome::kUnavailable);
  EXPECT_NE(refused.error.find("PostgreSQL"), std::string::npos) << refused.error;
  EXPECT_FALSE(journal->health().ok());
  EXPECT_FALSE((*store)->outbox.commit_plans({}, 1).ok() && (*store)->admin.prune(1, 1).ok());
  ASSERT_TRUE(server.resume());
  AppendResult after;
  for (int i = 0; i < 100 && after.outcome != AppendOutcome::kStored; ++i) {
    after = append("after");
    if (after.outcome != AppendOutcome::kStored) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(after.outcome, AppendOutcome::kStored) << after.error;
  EXPECT_TRUE(journal->health().ok());
  EXPECT_EQ(database.count("SELECT COUNT(*) FROM events"), 2);
}

// What PostgreSQL plans for a statement, on a migrated database whose planner prices scans of the whole
// table out: its tables are empty, so only then does the plan show which index a statement can use.
class PgPlans {
 public:
  PgPlans() {
    const SystemClock clock;
    if (!database_.ok() || !PgDatabase::open(database_.url(), clock).ok()) return;
    auto connection = pg::Connection::open(database_.url());
    if (connection.ok() && connection->query("SET enable_seqscan = off").ok())
      connection_.emplace(std::move(*connection));
  }
  bool ok() const { return connection_.has_value(); }
  // The plan's steps, one per line, or why there is none.
  std::string of(std::string_view sql, const pg::Params& params) {
    auto plan = connection_->query("EXPLAIN " + std::string(sql), params);
    if (!plan.ok()) return "no plan: " + plan.status().message();
    std::string steps;
    for (int row = 0; row < plan->size(); ++row) steps += plan->text_or(row, 0, "") + "\n";
    return steps;
  }

 private:
  testing::TestDatabase database_;
  std::optional<pg::Connection> connection_;
};

}  // namespace

// Retention finds finished actions by their age through the partial index, as on SQLite
// (SqliteJournal.RetentionFindsOldFinishedActionsByAgeNotByWalkingEveryOne): its predicate must match the
// queries' word for word, or PostgreSQL walks every finished action.
TEST(PgStore, RetentionFindsOldFinishedActionsByAgeThroughTheirIndex) {
  PgPlans plans;
  ASSERT_TRUE(plans.ok());
  for (const auto sql : {pg_sql::kPruneChecks, pg_sql::kPruneActions}) {
    const auto steps = plans.of(sql, pg::params(std::int64_t{0}, std::int64_t{100}));
    EXPECT_NE(steps.find("using outbox_finished_by_target on outbox"), std::string::npos) << sql << "\n"
                                                                                          << steps;
  }
}

TEST(PgStore, TheQueueSummaryReadsOpenActionsAndEachVendorsNewestFinishedOne) {
  // Every /metrics scrape reads the summary; through outbox_state it counted every finished action.
  PgPlans plans;
  ASSERT_TRUE(plans.ok());
  const auto open_stats = plans.of(pg_sql::kOpenActionStats, {});
  EXPECT_NE(open_stats.find("outbox_open"), std::string::npos) << open_stats;
  const auto open_listing =
      plans.of(pg_sql::kOpenActionsInState,
               pg::params(std::string("dead"), std::int64_t{10}, std::string("opsgenie")));
  EXPECT_NE(open_listing.find("outbox_open"), std::string::npos) << open_listing;
  const auto last_success = plans.of(pg_sql::kLastSuccess, pg::params(std::string("pagerduty")));
  EXPECT_NE(last_success.find("Scan Backward using outbox_finished_by_target"), std::string::npos)
      << last_success;
}

}  // namespace ogpd::store

namespace ogpd::store {
namespace {

// A fake steady clock the test moves, and a summary read that takes `takes` of it.
struct SpacedReads {
  std::chrono::steady_clock::time_point now{};
  std::chrono::milliseconds takes{0};
  int reads = 0;
  SpacedSummary summary{[this] {
                          ++reads;
                          now += takes;
                          QueueStats stats;
                          stats.events_pending = reads;
                          return stats;
                        },
                        [this] { return now; }};
};

TEST(SpacedSummary, ReadsAgainOnlyOnceTwentyTimesWhatTheLastReadTookHasPassed) {
  // A summary over a long backlog takes tens of milliseconds on SQLite's reading connection, and while it
  // lasts the WAL cannot restart: /metrics scraped back to back grew it by 12 MB a second.
  SpacedReads s;
  s.takes = std::chrono::milliseconds(45);
  EXPECT_EQ(s.summary.get().events_pending, 1);
  s.now += std::chrono::milliseconds(899);
  EXPECT_EQ(s.summary.get().events_pending, 1) << "the last summary, served within 20 x 45 ms of its end";
  EXPECT_EQ(s.reads, 1);
  s.now += std::chrono::milliseconds(1);
  EXPECT_EQ(s.summary.get().events_pending, 2) << "read again 900 ms after the last read ended";
  EXPECT_EQ(s.reads, 2);
}

TEST(SpacedSummary, AQuickReadLeavesTheSummaryFresh) {
  SpacedReads s;  // a read that takes no time on the clock: the queue is small
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(s.summary.get().events_pending, i);
  EXPECT_EQ(s.reads, 3);
}

}  // namespace
}  // namespace ogpd::store
