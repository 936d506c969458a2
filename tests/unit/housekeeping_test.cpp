// Housekeeping and the worker pool, driven by hand: a clock the test sets, a real SQLite store.
#include "delivery/housekeeping.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <random>

#include "delivery/worker_pool.h"
#include "store/sqlite/journal.h"
#include "store/sqlite/store.h"
#include "support/temp_store.h"

namespace ogpd::delivery {
namespace {

class HandClock final : public Clock {
 public:
  std::int64_t now_ms() const override { return now; }
  std::int64_t now = 0;
};

class HousekeepingTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(store_); }

  HandClock clock_;
  ogpd::testing::TempStore store_{"ogpd-chores-", clock_};
};

constexpr std::int64_t kHour = 3'600'000;

TEST_F(HousekeepingTest, EchoesExpireOnceOlderThanTheirWindowAndNotBefore) {
  Housekeeping chores(store_->ledger, store_->admin, {.echo_ttl = std::chrono::hours(1)}, clock_);
  const Echo echo{Side::kPagerDuty, "Q1", "acknowledge", ""};
  ASSERT_TRUE(store_->ledger.record_echo(echo, 10 * kHour).ok());

  EXPECT_EQ(chores.run_due(10 * kHour + 1000), 10 * kHour + 1000 + 60'000);    // next expiry in a minute
  EXPECT_TRUE(store_->ledger.echo_recorded(echo, 0));                          // younger than an hour
  EXPECT_EQ(chores.run_due(10 * kHour + 30'000), 10 * kHour + 1000 + 60'000);  // not due: nothing done
  chores.run_due(11 * kHour + 1);
  EXPECT_FALSE(store_->ledger.echo_recorded(echo, 0));
}

TEST_F(HousekeepingTest, RetentionDeletesFinishedEventsOnlyWhenSetAndDue) {
  const std::int64_t day = 24 * kHour;
  {
    auto journal = store::SqliteJournal::start(*store_->database);
    std::promise<store::AppendResult> stored;
    store::Received r;
    r.event.kind = EventKind::kOther;  // nothing to do: 'ignored' at once
    r.event.dedupe_key = "old";
    r.received_at_ms = 1 * day;
    journal->append(std::move(r), [&](store::AppendResult result) { stored.set_value(result); });
    ASSERT_EQ(stored.get_future().get().outcome, store::AppendOutcome::kStored);
  }
  Housekeeping keep_all(store_->ledger, store_->admin, {}, clock_);
  keep_all.run_due(40 * day);
  EXPECT_EQ(store_->admin.recent_events(10).size(), 1u);

  Housekeeping thirty_days(store_->ledger, store_->admin, {.retention = std::chrono::hours(24 * 30)}, clock_);
  EXPECT_EQ(thirty_days.run_due(20 * day), 20 * day + 60'000);  // 19 days old: kept
  EXPECT_EQ(store_->admin.recent_events(10).size(), 1u);
  thirty_days.run_due(20 * day + 60'000);  // expiry is due, retention is not (every ten minutes)
  thirty_days.run_due(32 * day);
  EXPECT_TRUE(store_->admin.recent_events(10).empty());
}

TEST(WorkerPool, StopRunsEveryQueuedJobThenRefusesMore) {
  std::atomic<int> ran{0};
  WorkerPool pool(2);
  for (int i = 0; i < 100; ++i) pool.post([&] { ++ran; });
  pool.stop();
  EXPECT_EQ(ran, 100);
  pool.post([&] { ++ran; });
  EXPECT_EQ(ran, 100);
}

}  // namespace
}  // namespace ogpd::delivery
