// SqliteStore: the embedded store (DATABASE_URL=sqlite:<path>), every role over one database: what the
// daemon, the operator commands and the tests open. No thread runs until a journal is started on `database`
// (journal.h). Open fails, with the reason, when the file cannot be opened, migrated or written.
#pragma once

#include <memory>
#include <string>

#include "store/sqlite/admin.h"
#include "store/sqlite/database.h"
#include "store/sqlite/ledger.h"
#include "store/sqlite/outbox.h"

namespace ogpd::store {

struct SqliteStore {
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path, const Clock& clock,
                                                   SqliteOptions options = {});

  explicit SqliteStore(std::unique_ptr<SqliteDatabase> opened)
      : database(std::move(opened)), outbox(*database), ledger(*database), admin(*database) {}

  std::unique_ptr<SqliteDatabase> database;
  SqliteOutbox outbox;
  SqliteLedger ledger;
  SqliteAdmin admin;
};

}  // namespace ogpd::store
