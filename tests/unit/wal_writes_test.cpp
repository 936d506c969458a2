#include "store/sqlite/wal_writes.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <thread>

#include "store/sqlite/db.h"

namespace ogpd::store {
namespace {

class WalWrites : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ogpd-wal-writes-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path() const { return (dir_ / "w.db").string(); }

  static Db open(const std::string& path, bool create = true) {
    auto opened = Db::open(path, create);
    EXPECT_TRUE(opened.ok()) << opened.error();
    Db db = std::move(*opened);
    EXPECT_TRUE(db.configure("NORMAL", 5000).ok());
    return db;
  }

  static std::int64_t count(Db& db, const std::string& sql) {
    auto stmt = db.prepare(sql);
    if (stmt.step() != SQLITE_ROW) return -1;
    return stmt.column_int(0);
  }

  // Runs `body` in a child process and returns its exit code (-1 if it did not exit). What `body` returns
  // is the code, after its locals close; to leave its files as a kill would, it calls _exit itself.
  static int in_child(const std::function<int()>& body) {
    const pid_t child = ::fork();
    if (child < 0) return -1;
    if (child == 0) ::_exit(body());
    int status = 0;
    if (::waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
  }

  // In a child: the store opened as the journal opens it, with `pragma` run; the child exits with `code` if
  // either fails.
  Db child_db(const char* pragma, int code) const {
    auto opened = Db::open(path(), false);
    if (!opened.ok()) ::_exit(code);
    Db db = std::move(*opened);
    if (!db.configure("NORMAL", 5000).ok() || !db.exec(pragma).ok()) ::_exit(code);
    return db;
  }

  // Inserts `n` rows keyed by key(i); false at the first that fails.
  static bool insert_rows(Statement& insert, int n, const std::function<std::string(int)>& key) {
    for (int i = 0; i < n; ++i) {
      const std::string k = key(i);
      insert.bind(1, std::string_view(k));
      const int rc = insert.step();
      insert.reset();
      if (rc != SQLITE_DONE) return false;
    }
    return true;
  }

  static std::string integrity(Db& db) {
    auto check = db.prepare("PRAGMA integrity_check");
    if (check.step() != SQLITE_ROW) return "no answer";
    return check.column_text(0).value_or("");
  }

  // `groups` commits of `rows` rows each, keyed at random so index pages split and scatter.
  static void commit_groups(Db& db, int groups, int rows, std::uint64_t seed) {
    std::mt19937_64 random(seed);
    auto insert = db.prepare("INSERT INTO t (k, body) VALUES (?1, zeroblob(300))");
    for (int g = 0; g < groups; ++g) {
      ASSERT_TRUE(db.exec("BEGIN").ok());
      for (int i = 0; i < rows; ++i) {
        const std::string key = std::to_string(random());
        insert.bind(1, std::string_view(key));
        ASSERT_EQ(insert.step(), SQLITE_DONE);
        insert.reset();
      }
      const Status committed = db.exec("COMMIT");
      ASSERT_TRUE(committed.ok()) << committed.message();
    }
  }

  // The WAL header's checkpoint sequence number (bytes 12-15, big-endian): one more each time the log
  // restarts from its start.
  std::uint32_t log_sequence() const {
    std::ifstream wal(path() + "-wal", std::ios::binary);
    unsigned char header[16] = {};
    if (!wal.read(reinterpret_cast<char*>(header), sizeof header)) return 0;
    return (std::uint32_t{header[12]} << 24) | (std::uint32_t{header[13]} << 16) |
           (std::uint32_t{header[14]} << 8) | header[15];
  }

  // Copies the whole log into the database file; the next write transaction then restarts the log.
  static void checkpoint_all(Db& db) {
    auto checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
    ASSERT_EQ(checkpoint.step(), SQLITE_ROW);
    ASSERT_EQ(checkpoint.column_int(0), 0) << "busy";
    ASSERT_EQ(checkpoint.column_int(1), checkpoint.column_int(2)) << "frames left behind";
  }

  std::filesystem::path dir_;
};

constexpr const char* kTable =
    "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL UNIQUE, body BLOB NOT NULL)";

TEST_F(WalWrites, ACommitsFramesGoOutInOneWriteAndAReaderSeesEveryCommitWhole) {
  Db writer = open(path());
  ASSERT_TRUE(wal_writes::install());
  ASSERT_TRUE(writer.exec(kTable).ok());
  Db reader = open(path(), /*create=*/false);

  // The reader, on its own connection and file handles, counts rows while the writer commits: every count it
  // sees is a whole number of commits, and never goes back. A frame the writer had gathered but not written
  // when its commit became visible would read as zeros or as an older page: an error or a wrong count.
  constexpr int kGroups = 60, kRows = 200;
  std::atomic<bool> done{false};
  std::atomic<int> reads{0}, torn{0}, failed{0};
  std::thread watching([&] {
    std::int64_t last = 0;
    while (!done.load()) {
      const std::int64_t n = count(reader, "SELECT COUNT(*) FROM t");
      const std::int64_t keys = count(reader, "SELECT COUNT(*) FROM t INDEXED BY sqlite_autoindex_t_1");
      if (n < 0 || keys < 0) {
        ++failed;
        continue;
      }
      if (n % kRows != 0 || n < last) ++torn;
      last = n;
      ++reads;
    }
  });
  const auto before = wal_writes::counts();
  commit_groups(writer, kGroups, kRows, 11);
  const auto after = wal_writes::counts();
  done = true;
  watching.join();

  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(count(reader, "SELECT COUNT(*) FROM t"), kGroups * kRows);
  // Each commit writes tens of frames, two writes each; the layer makes them one per commit, plus the odd
  // one when SQLite writes out of order or reads back.
  const auto asked = after.asked - before.asked, made = after.made - before.made;
  EXPECT_GT(asked, 20u * kGroups) << "SQLite wrote each frame as a header and a page";
  EXPECT_LT(made * 8, asked) << "asked " << asked << ", made " << made;
  EXPECT_EQ(after.late - before.late, 0u)
      << "each commit's frames were written by the write that completed it";
  EXPECT_EQ(integrity(writer), "ok");
}

// A process killed in the middle of a transaction too big for its cache (so SQLite spills pages to the WAL
// before the commit, and reads some back) leaves what it had gathered unwritten: recovery keeps every commit
// before it, whole, and nothing of the rest.
TEST_F(WalWrites, AProcessKilledMidTransactionLeavesEveryEarlierCommitAndNothingElse) {
  {
    Db db = open(path());
    ASSERT_TRUE(db.exec(kTable).ok());
  }
  const int code = in_child([&]() -> int {
    Db db = child_db("PRAGMA cache_size=20", 2);
    std::mt19937_64 random(5);
    auto insert = db.prepare("INSERT INTO t (k, body) VALUES (?1, zeroblob(300))");
    for (int g = 0; g < 10; ++g) {
      if (!db.exec("BEGIN").ok()) return 3;
      if (!insert_rows(insert, 100, [&](int) { return std::to_string(random()); })) return 4;
      if (!db.exec("COMMIT").ok()) return 5;
    }
    if (!db.exec("BEGIN").ok()) return 6;
    if (!insert_rows(insert, 5000, [&](int) { return "unfinished " + std::to_string(random()); })) return 7;
    auto seen = db.prepare("SELECT COUNT(*) FROM t");  // reads spilled pages back from the WAL
    if (seen.step() != SQLITE_ROW || seen.column_int(0) != 6000) return 8;
    ::_exit(0);  // no commit, no close: like kill -9 here
  });
  ASSERT_EQ(code, 0) << "the child's step that failed";
  EXPECT_GT(std::filesystem::file_size(path() + "-wal"), 5000u * 300u) << "the big transaction spilled";

  Db db = open(path(), /*create=*/false);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM t"), 1000);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM t WHERE k LIKE 'unfinished%'"), 0);
  EXPECT_EQ(integrity(db), "ok");
  commit_groups(db, 3, 100, 9);  // and the store takes commits again
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM t"), 1300);
}

// A transaction too big for its cache spills pages to the WAL, changes some of them again (SQLite rewrites
// those frames in place) and commits (SQLite then rewrites the checksums of its frames, the commit frame's
// header last). Killed right after the commit returns, the process must leave the whole transaction behind.
TEST_F(WalWrites, ACommitThatRewroteItsFramesIsWholeAfterAKillRightAfterIt) {
  {
    Db db = open(path());
    ASSERT_TRUE(db.exec(kTable).ok());
  }
  const int code = in_child([&]() -> int {
    Db db = child_db("PRAGMA cache_size=10", 3);
    const auto before = wal_writes::counts();
    if (!db.exec("BEGIN").ok()) return 4;
    auto insert = db.prepare("INSERT INTO t (k, body) VALUES (?1, zeroblob(300))");
    if (!insert_rows(insert, 3000, [](int i) { return "k" + std::to_string(i); })) return 5;
    // Every row again: pages spilled before are changed and spilled again.
    if (!db.exec("UPDATE t SET body = zeroblob(310)").ok()) return 6;
    if (!db.exec("COMMIT").ok()) return 7;
    const auto after = wal_writes::counts();
    if (after.rewrites == before.rewrites) return 8;  // SQLite rewrote no frame: not the case under test
    if (after.late != before.late) return 9;
    ::_exit(0);  // no close: like kill -9 right after the commit
  });
  ASSERT_EQ(code, 0) << "the child's step that failed";

  Db db = open(path(), /*create=*/false);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM t"), 3000);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM t WHERE length(body) = 310"), 3000);
  EXPECT_EQ(integrity(db), "ok");
}

// With synchronous=FULL and no power-safe overwrite, SQLite pads each commit to a sector with copies of its
// commit frame and syncs in the middle of the one that crosses the sector's end. The layer follows the split
// frame: no commit is left for the barrier to write.
TEST_F(WalWrites, CommitsPaddedToASectorAreFollowedThroughTheSplitFrame) {
  Db made = open(path());
  ASSERT_TRUE(made.exec(kTable).ok());
  sqlite3* raw = nullptr;
  ASSERT_EQ(
      sqlite3_open_v2(("file:" + path() + "?psow=0").c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, wal_writes::kVfsName),
      SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr), SQLITE_OK);
  const auto before = wal_writes::counts();
  std::mt19937_64 random(3);
  int rows = 0;
  for (int g = 0; g < 40; ++g) {
    ASSERT_EQ(sqlite3_exec(raw, "BEGIN", nullptr, nullptr, nullptr), SQLITE_OK);
    for (int i = 0; i < 1 + g % 7; ++i, ++rows) {
      const std::string sql = "INSERT INTO t (k, body) VALUES ('" + std::to_string(random()) +
                              "', zeroblob(" + std::to_string(100 + g) + "))";
      ASSERT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    }
    ASSERT_EQ(sqlite3_exec(raw, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  }
  const auto after = wal_writes::counts();
  sqlite3_close(raw);
  EXPECT_EQ(after.late - before.late, 0u);
  EXPECT_LT(after.made - before.made, after.asked - before.asked);
  EXPECT_EQ(count(made, "SELECT COUNT(*) FROM t"), rows);
  EXPECT_EQ(integrity(made), "ok");
}

// A gathered write that fails (here at the file-size limit, as at a full disk) fails the transaction that
// made it, whether the write came in its middle (128 KiB gathered) or with its commit frame: every commit
// that returned ok is in the store after, none that failed, and once there is room again the next commit is
// whole.
TEST_F(WalWrites, AWriteThatFailsFailsItsTransactionAndTheNextCommitIsWhole) {
  {
    Db db = open(path());
    ASSERT_TRUE(db.exec(kTable).ok());
    ASSERT_TRUE(db.exec("INSERT INTO t (k, body) VALUES ('first', zeroblob(10))").ok());
  }
  constexpr int kRows = 500;  // about 200 KiB of frames per transaction
  const int code = in_child([&]() -> int {
    Db db = child_db("PRAGMA wal_autocheckpoint=0", 201);
    std::signal(SIGXFSZ, SIG_IGN);
    const auto room = std::filesystem::file_size(path() + "-wal") + (600 << 10);
    const rlimit limited{room, RLIM_INFINITY};
    if (::setrlimit(RLIMIT_FSIZE, &limited) != 0) return 202;
    std::mt19937_64 random(8);
    auto insert = db.prepare("INSERT INTO t (k, body) VALUES (?1, zeroblob(300))");
    auto group = [&] {
      if (!db.exec("BEGIN").ok()) return false;
      if (insert_rows(insert, kRows, [&](int) { return std::to_string(random()); }) && db.exec("COMMIT").ok())
        return true;
      (void)db.exec("ROLLBACK");
      return false;
    };
    int committed = 0;
    while (committed < 50 && group()) ++committed;
    if (committed == 50) return 250;  // the limit was never reached
    const rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
    if (::setrlimit(RLIMIT_FSIZE, &unlimited) != 0) return 203;
    if (!group()) return 204;
    return committed + 1;
  });
  const int committed = code;
  ASSERT_LT(committed, 50) << "the child's step that failed: " << committed;
  EXPECT_GE(committed, 2) << "at least one commit before the failure, and the one after it";

  Db db = open(path(), /*create=*/false);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM t"), 1 + committed * kRows);
  EXPECT_EQ(integrity(db), "ok");
}

// A transaction on a log that restarts (a checkpoint copied it all and truncated it) spills pages, rolls
// back a savepoint (SQLite then writes again over frames it had written) and commits; killed right after,
// the process leaves that transaction whole, without what the savepoint held.
TEST_F(WalWrites, ASavepointRolledBackAfterASpillLeavesTheRestWholeOnARestartedLog) {
  {
    Db db = open(path());
    ASSERT_TRUE(db.exec(kTable).ok());
    commit_groups(db, 5, 100, 4);
  }
  const int code = in_child([&]() -> int {
    Db db = child_db("PRAGMA cache_size=10", 3);
    if (!db.exec("PRAGMA wal_checkpoint(TRUNCATE)").ok()) return 4;
    if (std::filesystem::file_size(path() + "-wal") != 0) return 5;
    const auto before = wal_writes::counts();
    auto insert = db.prepare("INSERT INTO t (k, body) VALUES (?1, zeroblob(300))");
    auto rows = [&](const std::string& prefix, int n) {
      return insert_rows(insert, n, [&](int i) { return prefix + std::to_string(i); });
    };
    if (!db.exec("BEGIN").ok() || !rows("kept ", 1000)) return 7;
    if (!db.exec("SAVEPOINT s").ok() || !rows("dropped ", 2000)) return 8;
    if (!db.exec("ROLLBACK TO s").ok() || !db.exec("RELEASE s").ok()) return 9;
    if (!rows("after ", 500) || !db.exec("COMMIT").ok()) return 10;
    if (wal_writes::counts().late != before.late) return 11;
    ::_exit(0);  // no close: like kill -9 right after the commit
  });
  ASSERT_EQ(code, 0) << "the child's step that failed";

  Db db = open(path(), /*create=*/false);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM t"), 500 + 1000 + 500);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM t WHERE k LIKE 'dropped%'"), 0);
  EXPECT_EQ(integrity(db), "ok");
}

TEST_F(WalWrites, ALogRestartedAtSynchronousOffHasItsNewHeaderSyncedByTheLayer) {
  // At synchronous=OFF SQLite restarts the log without syncing its new header; the journal commits at OFF
  // (its own thread syncs the log before answering). The layer syncs the header before the first frame
  // after it, as SQLite does at NORMAL and FULL.
  Db db = open(path());
  ASSERT_TRUE(wal_writes::install());
  ASSERT_TRUE(db.exec(kTable).ok());
  ASSERT_TRUE(db.exec("PRAGMA wal_autocheckpoint=0").ok());
  ASSERT_TRUE(db.exec("PRAGMA synchronous=OFF").ok());
  commit_groups(db, 3, 50, 1);
  checkpoint_all(db);
  const std::uint32_t sequence = log_sequence();

  auto before = wal_writes::counts();
  commit_groups(db, 1, 50, 2);
  auto after = wal_writes::counts();
  ASSERT_EQ(log_sequence(), sequence + 1) << "the commit should have restarted the log";
  EXPECT_EQ(after.header_syncs - before.header_syncs, 1u);

  // A commit that appends to the log writes no header, and syncs nothing.
  before = wal_writes::counts();
  commit_groups(db, 2, 50, 3);
  after = wal_writes::counts();
  EXPECT_EQ(log_sequence(), sequence + 1);
  EXPECT_EQ(after.header_syncs - before.header_syncs, 0u);

  // Above OFF SQLite syncs the new header itself, right after writing it: the layer adds no sync of its own.
  ASSERT_TRUE(db.exec("PRAGMA synchronous=NORMAL").ok());
  checkpoint_all(db);
  before = wal_writes::counts();
  commit_groups(db, 1, 50, 4);
  after = wal_writes::counts();
  ASSERT_EQ(log_sequence(), sequence + 2);
  EXPECT_EQ(after.header_syncs - before.header_syncs, 0u);
  EXPECT_EQ(integrity(db), "ok");
}

}  // namespace
}  // namespace ogpd::store
