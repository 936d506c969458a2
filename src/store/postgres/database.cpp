#include "store/postgres/database.h"

#include <unistd.h>

#include <algorithm>
#include <random>

#include "store/postgres/schema.h"

namespace ogpd::store {
namespace {

constexpr std::int64_t kFirstBackoffMs = 100;
constexpr std::int64_t kMaxBackoffMs = 5000;
// How long a caller waits for a pooled connection that is in use before the store counts as unavailable.
constexpr auto kPoolWait = std::chrono::seconds(5);

std::string default_instance() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host[0] != '\0' ? host : "ogpd") + ":" + std::to_string(::getpid()) + ":" +
         std::to_string(std::random_device{}() % 1000000);
}

}  // namespace

Result<int> migrate(pg::Connection& connection, std::int64_t now_ms) {
  const auto lock = pg::params(static_cast<std::int64_t>(PgLock::kMigrations));
  if (auto s = connection.run("SELECT pg_advisory_lock($1)", lock); !s.ok()) return s;
  const auto unlock = [&] { (void)connection.run("SELECT pg_advisory_unlock($1)", lock); };
  if (auto s = connection.exec_script(pg_sql::kCreateMigrations); !s.ok()) {
    unlock();
    return s;
  }
  auto current = connection.query(pg_sql::kCurrentVersion);
  if (!current.ok()) {
    unlock();
    return current.status();
  }
  int version = static_cast<int>(current->integer(0, 0));
  if (version > static_cast<int>(pg_sql::kMigrations.size())) {
    unlock();
    return Status::invalid("the database has schema version " + std::to_string(version) +
                           ", newer than this ogpd-proxy knows (" +
                           std::to_string(pg_sql::kMigrations.size()) + "); run the newer version");
  }
  for (; version < static_cast<int>(pg_sql::kMigrations.size()); ++version) {
    Status s = connection.exec_script("BEGIN");
    if (s.ok()) s = connection.exec_script(pg_sql::kMigrations[static_cast<std::size_t>(version)]);
    if (s.ok()) s = connection.run(pg_sql::kRecordMigration, pg::params(version + 1, now_ms));
    if (s.ok()) s = connection.exec_script("COMMIT");
    if (!s.ok()) {
      (void)connection.exec_script("ROLLBACK");
      unlock();
      return s.prefixed("migration " + std::to_string(version + 1) + ": ");
    }
  }
  unlock();
  return version;
}

Result<std::unique_ptr<PgDatabase>> PgDatabase::open(const std::string& url, const Clock& clock,
                                                     PgOptions options) {
  if (options.instance.empty()) options.instance = default_instance();
  options.max_connections = std::max(1, options.max_connections);
  std::unique_ptr<PgDatabase> database(new PgDatabase(url, clock, std::move(options)));
  auto first = pg::Connection::open(url);
  if (!first.ok()) return first.status();
  auto version = migrate(*first, clock.now_ms());
  if (!version.ok()) return version.status();
  database->schema_version_ = *version;
  database->open_ = 1;
  database->idle_.push_back(std::make_unique<pg::Connection>(std::move(*first)));
  return database;
}

PgDatabase::~PgDatabase() = default;

Result<PgDatabase::Session> PgDatabase::session() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return Session(*this, std::move(connection));
    }
    if (open_ < options_.max_connections) break;
    if (!returned_.wait_for(lock, kPoolWait,
                            [this] { return !idle_.empty() || open_ < options_.max_connections; }))
      return Status::unavailable("PostgreSQL: every connection of the pool is busy");
  }
  const std::int64_t now = clock_.now_ms();
  if (now < next_connect_ms_) return Status::unavailable(last_error_);
  ++open_;
  lock.unlock();
  auto connection = pg::Connection::open(url_);
  lock.lock();
  if (!connection.ok()) {
    --open_;
    backoff_ms_ = backoff_ms_ == 0 ? kFirstBackoffMs : std::min(backoff_ms_ * 2, kMaxBackoffMs);
    next_connect_ms_ = clock_.now_ms() + backoff_ms_;
    last_error_ = connection.error();
    reachable_ = false;
    return connection.status();
  }
  backoff_ms_ = 0;
  next_connect_ms_ = 0;
  reachable_ = true;
  return Session(*this, std::make_unique<pg::Connection>(std::move(*connection)));
}

void PgDatabase::give_back(std::unique_ptr<pg::Connection> connection) {
  // A connection still inside a transaction (a body that threw, a ROLLBACK that failed) must not be lent
  // again: everything its next user did would stay uncommitted, its locks held.
  if (connection->healthy() && PQtransactionStatus(connection->handle()) != PQTRANS_IDLE)
    (void)connection->exec_script("ROLLBACK");
  const bool reusable = connection->healthy() && PQtransactionStatus(connection->handle()) == PQTRANS_IDLE;
  {
    std::lock_guard lock(mu_);
    if (reusable) {
      reachable_ = true;  // it just answered
      idle_.push_back(std::move(connection));
    } else {
      --open_;
      reachable_ = false;
      last_error_ = "PostgreSQL: the connection to the server was lost";
    }
  }
  returned_.notify_one();
}

PgDatabase::Session::~Session() {
  if (connection_) database_.give_back(std::move(connection_));
}

Status PgDatabase::Session::transaction(const std::function<Status()>& body, PgCommit commit) {
  if (auto s = commit_as(commit); !s.ok()) return s;
  if (auto s = connection_->exec_script("BEGIN"); !s.ok()) return s;
  Status status = body();
  if (status.ok()) {
    // A COMMIT of a transaction that failed part-way answers ROLLBACK, without an error.
    auto commit = connection_->query("COMMIT");
    if (!commit.ok()) return commit.status();
    if (commit->command() != "COMMIT") return Status::internal("PostgreSQL: the transaction was rolled back");
    return {};
  }
  if (!status.ok() && connection_->healthy()) (void)connection_->exec_script("ROLLBACK");
  return status;
}

Status PgDatabase::health() {
  if (reachable_) return {};
  std::lock_guard lock(mu_);
  return Status::unavailable(last_error_.empty() ? "PostgreSQL is unreachable" : last_error_);
}

}  // namespace ogpd::store
