// SqliteJournal: the Journal over the embedded store's connection (SqliteDatabase): GroupJournal's writer
// (group_journal.h) commits each group in one transaction written to the WAL unsynced (Durability::kWritten),
// and its syncer's one fdatasync of the WAL (make_durable) makes every event of the group durable before any
// is answered, while the writer is already committing the next group. When a Planner is given, each new
// actionable event is planned inside that same transaction. start() also moves the database's checkpoints to
// a background connection (database.h), so copying the WAL does not hold the connection the writer commits
// on; should that connection not open, they stay on the writer's, and start() says so (on_warning).
// An Opsgenie change is named by its alert, action and updatedAt (webhook/opsgenie.cpp). Filed alert first,
// every new event would land on a random leaf of the dedupe index, so each group commit rewrote one index
// page per event; the store files it updatedAt first instead (filed_key), so new keys follow one another at
// the index's end, and still finds a redelivery of an event an earlier version filed under the key itself.
// Thread-safe. start() cannot fail: opening the database is where things fail loudly; afterwards failures
// are outcomes.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "store/group_journal.h"
#include "store/sqlite/database.h"

namespace ogpd::store {

class SqliteJournal final : public GroupJournal {
 public:
  // Starts the writer. `database` must outlive the journal.
  static std::unique_ptr<SqliteJournal> start(SqliteDatabase& database, JournalOptions options = {});
  // The key `e` is filed under in the events table when it is not its dedupe key itself:
  // "og@<updatedAt, 20 digits>:<its dedupe key>" for an Opsgenie change with a numeric updatedAt, else
  // nullopt. migrate-store takes the prefix off.
  static std::optional<std::string> filed_key(const Event& e);
  ~SqliteJournal() override { stop(); }  // stops the writer after everything queued has been committed

 private:
  SqliteJournal(SqliteDatabase& database, JournalOptions options)
      : GroupJournal(std::move(options)), database_(database) {}
  Status write_batch(const std::deque<Pending>& batch, std::vector<AppendResult>& results,
                     Planned& planned) override;
  Status store_health() const override { return database_.file_health(); }
  Status make_durable() override { return database_.sync_log(); }

  SqliteDatabase& database_;
};

}  // namespace ogpd::store
