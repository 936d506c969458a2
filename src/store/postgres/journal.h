// PgJournal: the Journal over the shared PostgreSQL store: GroupJournal's writer (group_journal.h),
// committing each group in one transaction (synchronous_commit=on: the commit returns once it is on disk, so
// a 202 means the transaction committed). Deduplication is the database's: a delivery sent to two proxies at
// once is inserted by one, and the other's insert waits for that commit and finds it. Each event's pairs are
// locked (transaction-scoped advisory locks) before it is planned, so two proxies never plan one pair side by
// side. While the server cannot be reached, appends answer kUnavailable (503 + Retry-After) and health() says
// why. Thread-safe.
#pragma once

#include <memory>

#include "store/group_journal.h"
#include "store/postgres/database.h"

namespace ogpd::store {

class PgJournal final : public GroupJournal {
 public:
  // Starts the writer. `database` must outlive the journal.
  static std::unique_ptr<PgJournal> start(PgDatabase& database, JournalOptions options = {});
  ~PgJournal() override { stop(); }

  // Ready while the writer runs and the server answers (asked again after a failure, so readiness comes back
  // by itself when the database does).
  Status health() const override;

 private:
  PgJournal(PgDatabase& database, JournalOptions options)
      : GroupJournal(std::move(options)), database_(database) {}
  Status write_batch(const std::deque<Pending>& batch, std::vector<AppendResult>& results,
                     Planned& planned) override;
  // Every group tries the server itself (failing at once while it is away, with backoff between connects),
  // so the first group after the server returns is stored and readiness follows.
  Status store_health() const override { return {}; }

  PgDatabase& database_;
};

}  // namespace ogpd::store
