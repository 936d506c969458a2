// PgDatabase: the shared store (DATABASE_URL=postgresql://...) — a small pool of connections to one
// PostgreSQL database that several proxies use at once (DESIGN §6). Every role over PostgreSQL — the
// journal's writer, the outbox, the pair ledger, the admin views — borrows a connection through a Session.
//
// open() connects, applies pending migrations under an advisory lock (instances starting together agree on
// one migrator) and starts no thread, so operator commands use it as the daemon does. When the server goes
// away, sessions fail with kUnavailable at once (a webhook sender is told to retry rather than kept waiting),
// broken connections are dropped, and new ones are tried again with backoff (100 ms doubling to 5 s).
// Thread-safe; failures are values.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "store/postgres/pg.h"

namespace ogpd::store {

struct PgOptions {
  // Connections this process opens at most (the LISTEN connection and singleton holds come on top).
  int max_connections = 8;
  // How long a claimed outbox action stays this proxy's before another may take it (OUTBOX_LEASE_SECONDS).
  std::chrono::milliseconds lease = std::chrono::seconds(30);
  // This proxy's name as a lease owner; empty: host name, process id and a random suffix.
  std::string instance;
};

// How a commit must reach the disk (as SQLite's Durability, sqlite/database.h).
enum class PgCommit {
  kFlushed,  // synchronous_commit=on: on disk when the commit returns (the journal: a 202 promises it; and
             // outbox claims, whose loss could let an action run twice without looking)
  kLazy,     // synchronous_commit=off: survives this proxy's crash at once and the server's within a moment;
             // for outcomes, links and the echo ledger, whose loss only makes an action run again, looking
             // first (its lease was held: a takeover is ambiguous)
};

// Advisory lock keys (one number each, the same on every instance).
enum class PgLock : std::int64_t {
  kMigrations = 0x6f677064'0001,
  kRetention = 0x6f677064'0002,
  kReconciliation = 0x6f677064'0003,
};

class PgDatabase {
 public:
  static Result<std::unique_ptr<PgDatabase>> open(const std::string& url, const Clock& clock,
                                                  PgOptions options = {});
  ~PgDatabase();

  // One pooled connection, held for as long as the Session lives.
  class Session {
   public:
    Session(Session&& other) noexcept
        : database_(other.database_), connection_(std::move(other.connection_)) {}
    Session& operator=(Session&&) = delete;
    ~Session();
    Result<pg::Rows> query(std::string_view sql, const pg::Params& params = {}) {
      return connection_->query(sql, params);
    }
    Status run(std::string_view sql, const pg::Params& params = {}) { return connection_->run(sql, params); }
    // BEGIN ... COMMIT, or ROLLBACK when `body` or the commit fails. What the session commits after this
    // (this transaction, or statements run on their own) reaches the disk as `commit` says.
    Status transaction(const std::function<Status()>& body, PgCommit commit = PgCommit::kFlushed);
    Status commit_as(PgCommit commit) { return connection_->synchronous(commit == PgCommit::kFlushed); }

   private:
    friend class PgDatabase;
    Session(PgDatabase& database, std::unique_ptr<pg::Connection> connection)
        : database_(database), connection_(std::move(connection)) {}
    PgDatabase& database_;
    std::unique_ptr<pg::Connection> connection_;
  };

  // A pooled connection; kUnavailable while the server cannot be reached.
  Result<Session> session();
  // A connection of its own, outside the pool (LISTEN, a singleton's advisory lock).
  Result<pg::Connection> dedicated() { return pg::Connection::open(url_); }

  // OK while the server answers; otherwise why not. Never waits (the network thread asks, for /readyz): it
  // says what the last connection learnt. Recovery needs no caller: the engine's loop uses the store every
  // second, so a new connection is tried (with backoff) and its success makes the store healthy again.
  Status health();

  int schema_version() const { return schema_version_; }
  const std::string& instance() const { return options_.instance; }
  std::int64_t lease_ms() const { return options_.lease.count(); }
  const Clock& clock() const { return clock_; }

 private:
  PgDatabase(std::string url, const Clock& clock, PgOptions options)
      : url_(std::move(url)), clock_(clock), options_(std::move(options)) {}
  void give_back(std::unique_ptr<pg::Connection> connection);

  const std::string url_;
  const Clock& clock_;
  PgOptions options_;
  int schema_version_ = 0;

  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<pg::Connection>> idle_;  // guarded by mu_
  int open_ = 0;                                       // guarded by mu_: connections lent or idle
  std::int64_t next_connect_ms_ = 0;                   // guarded by mu_: backoff after a failed connect
  std::int64_t backoff_ms_ = 0;                        // guarded by mu_
  std::string last_error_;                             // guarded by mu_
  std::atomic<bool> reachable_{true};
};

// Applies the numbered migrations of postgres/schema.h that the database lacks, under the migrations'
// advisory lock. Returns the resulting version.
Result<int> migrate(pg::Connection& connection, std::int64_t now_ms);

}  // namespace ogpd::store
