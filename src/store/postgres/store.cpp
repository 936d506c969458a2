#include "store/postgres/store.h"

#include "store/postgres/schema.h"

namespace ogpd::store {

Result<std::unique_ptr<PgStore>> PgStore::open(const std::string& url, const Clock& clock,
                                               PgOptions options) {
  auto database = PgDatabase::open(url, clock, std::move(options));
  if (!database.ok()) return database.status();
  return std::make_unique<PgStore>(std::move(*database));
}

std::shared_ptr<void> PgStore::take_turn(SingletonJob job, std::int64_t now_ms, std::int64_t every_ms) {
  (void)job;  // one job so far
  auto connection = database->dedicated();
  if (!connection.ok()) return nullptr;
  auto mine = connection->query("SELECT pg_try_advisory_lock($1)",
                                pg::params(static_cast<std::int64_t>(PgLock::kReconciliation)));
  if (!mine.ok() || !mine->boolean(0, 0)) return nullptr;
  auto due = connection->query(pg_sql::kTakeTurn, pg::params("reconciliation", now_ms, every_ms));
  if (!due.ok() || due->empty()) return nullptr;  // another proxy had this interval's turn
  // The lock is the session's: closing the connection when the turn ends releases it.
  return std::make_shared<pg::Connection>(std::move(*connection));
}

}  // namespace ogpd::store
