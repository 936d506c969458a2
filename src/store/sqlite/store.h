// SqliteStore: the embedded store (DATABASE_URL=sqlite:<path>), every role over one database. No thread runs
// until a journal is started on it. Open fails, with the reason, when the file cannot be opened, migrated or
// written. One proxy per file (owner_lock.h).
#pragma once

#include <memory>
#include <string>

#include "store/sqlite/admin.h"
#include "store/sqlite/database.h"
#include "store/sqlite/journal.h"
#include "store/sqlite/ledger.h"
#include "store/sqlite/outbox.h"
#include "store/store.h"

namespace ogpd::store {

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path, const Clock& clock,
                                                   SqliteOptions options = {});

  explicit SqliteStore(std::unique_ptr<SqliteDatabase> opened)
      : Store(outbox_role_, ledger_role_, admin_role_),
        database(std::move(opened)),
        outbox_role_(*database),
        ledger_role_(*database),
        admin_role_(*database) {}

  std::unique_ptr<GroupJournal> start_journal(JournalOptions options) override {
    return SqliteJournal::start(*database, std::move(options));
  }
  std::string describe() const override {
    return "sqlite:" + database->path() + " schema version " + std::to_string(database->schema_version());
  }

  const std::unique_ptr<SqliteDatabase> database;

 private:
  SqliteOutbox outbox_role_;
  SqliteLedger ledger_role_;
  SqliteAdmin admin_role_;
};

}  // namespace ogpd::store
