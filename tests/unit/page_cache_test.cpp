#include "store/sqlite/page_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>

#include "store/sqlite/db.h"

namespace ogpd::store {
namespace {

using page_cache::HeldBound;

constexpr unsigned kParking = 262145;  // the lock-byte page with 4 KiB pages

TEST(PageCacheBound, APageParkedForASwapNoLongerCountsOnceItMovesBack) {
  HeldBound bound(kParking);
  for (unsigned page = 1; page <= 100; ++page) bound.fetched(page);
  // SQLite's swap of pages 40 and 70 after a split: 40 is parked, 70 takes 40's number, 40 takes 70's.
  bound.moved(40, kParking);
  EXPECT_TRUE(bound.may_hold_from(101)) << "while parked, page 262,145 is held";
  bound.moved(70, 40);
  bound.moved(kParking, 70);
  EXPECT_FALSE(bound.may_hold_from(101)) << "a truncation to 100 pages has nothing to drop";
  EXPECT_TRUE(bound.may_hold_from(100));
}

TEST(PageCacheBound, EveryPageThatMayBeAboveTheLimitPassesTheTruncationOn) {
  HeldBound bound(kParking);
  for (unsigned page = 1; page <= 200; ++page) bound.fetched(page);
  EXPECT_TRUE(bound.may_hold_from(150)) << "a rollback that shrinks the database drops pages 150 to 200";
  bound.truncated(150);
  EXPECT_FALSE(bound.may_hold_from(150));
  EXPECT_TRUE(bound.may_hold_from(149));

  bound.moved(3, 500);
  EXPECT_TRUE(bound.may_hold_from(300)) << "a page moved out past the limit";
  bound.truncated(300);
  EXPECT_FALSE(bound.may_hold_from(300));

  bound.moved(5, kParking);
  bound.truncated(100);  // the parked page went with the truncation, and so did its count
  EXPECT_FALSE(bound.may_hold_from(100));
  EXPECT_TRUE(bound.may_hold_from(99));
}

TEST(PageCacheBound, TheLockBytePageFetchedForItselfKeepsCounting) {
  HeldBound bound(kParking);
  bound.fetched(10);
  bound.fetched(kParking);  // a page found under that number, not parked there by a move
  bound.moved(kParking, 11);
  EXPECT_TRUE(bound.may_hold_from(200000)) << "nothing said the page under 262,145 was a parked one";
  bound.truncated(12);
  EXPECT_FALSE(bound.may_hold_from(12));
}

// Through SQLite itself: a store whose random keys split index pages in every transaction (so pages are
// parked and moved back), a transaction that grows the file and rolls back (so the cache must drop the pages
// past the end), and growth again over the same page numbers.
TEST(PageCache, SplitsRollbacksAndRegrowthLeaveTheStoreWhole) {
  const auto dir = std::filesystem::temp_directory_path() / ("ogpd-page-cache-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    auto opened = Db::open((dir / "p.db").string());
    ASSERT_TRUE(opened.ok()) << opened.error();
    ASSERT_TRUE(page_cache::install()) << "Db::open installs the layer before SQLite's first use";
    Db& db = *opened;
    ASSERT_TRUE(db.configure("NORMAL", 1000).ok());
    ASSERT_TRUE(db.exec("PRAGMA cache_size=-16384").ok());
    ASSERT_TRUE(db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL UNIQUE, tag TEXT NOT NULL,"
                        " body BLOB NOT NULL)")
                    .ok());
    std::mt19937_64 random(7);
    auto insert_some = [&](int rows, const std::string& tag) {
      auto stmt = db.prepare("INSERT INTO t (k, tag, body) VALUES (?1, ?2, zeroblob(600))");
      for (int i = 0; i < rows; ++i) {
        const std::string key = std::to_string(random());
        stmt.bind(1, std::string_view(key));
        stmt.bind(2, std::string_view(tag));
        ASSERT_EQ(stmt.step(), SQLITE_DONE);
        stmt.reset();
      }
    };
    auto count = [&](const std::string& sql) {
      auto stmt = db.prepare(sql);
      EXPECT_EQ(stmt.step(), SQLITE_ROW);
      return stmt.column_int(0);
    };
    const auto at_start = page_cache::truncations();
    const auto parked_at_start = page_cache::parkings();
    for (int group = 0; group < 40; ++group) {
      ASSERT_TRUE(db.exec("BEGIN").ok());
      insert_some(250, "kept");
      ASSERT_TRUE(db.exec("COMMIT").ok());
    }
    const auto after_commits = page_cache::truncations();
    // Random keys split leaves, and each split parks a page: without the layer, those commits' truncations
    // would walk the cache.
    EXPECT_GT(page_cache::parkings(), parked_at_start) << "the commits split pages and parked one";
    // Each commit truncates its cache to the database's end; with nothing held past it, none is passed on.
    EXPECT_GE(after_commits.left_out - at_start.left_out, 40u);
    EXPECT_EQ(after_commits.passed_on, at_start.passed_on);

    const auto pages_before = count("PRAGMA page_count");
    ASSERT_TRUE(db.exec("BEGIN").ok());
    insert_some(4000, "rolled back");
    EXPECT_GT(count("PRAGMA page_count"), pages_before + 500);
    ASSERT_TRUE(db.exec("ROLLBACK").ok());
    EXPECT_EQ(count("PRAGMA page_count"), pages_before);
    EXPECT_GT(page_cache::truncations().passed_on, after_commits.passed_on)
        << "the rollback's truncation had pages to drop";
    for (int group = 0; group < 10; ++group) {
      ASSERT_TRUE(db.exec("BEGIN").ok());
      insert_some(250, "after");
      ASSERT_TRUE(db.exec("COMMIT").ok());
    }

    EXPECT_EQ(count("SELECT COUNT(*) FROM t WHERE tag = 'kept'"), 10000);
    EXPECT_EQ(count("SELECT COUNT(*) FROM t WHERE tag = 'rolled back'"), 0);
    EXPECT_EQ(count("SELECT COUNT(*) FROM t WHERE tag = 'after'"), 2500);
    auto check = db.prepare("PRAGMA integrity_check");
    ASSERT_EQ(check.step(), SQLITE_ROW);
    EXPECT_EQ(check.column_text(0).value_or(""), "ok");
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ogpd::store
