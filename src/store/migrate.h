// Moving up from one box (DESIGN §6): copies an embedded SQLite store into an empty PostgreSQL database, so
// the proxies that share it carry on where the one proxy stopped. Copied: every event the journal keeps (the
// dedupe window), the links, the echo ledger, the pairs' known statuses, and every action still to do or to
// look at — pending (marked to look before acting), dead letters, unpaired, and done actions whose Opsgenie
// verdict is still to come, with those checks. Finished work is left behind. One transaction: the target
// holds everything or nothing. Ids are kept, so dead-letter ids and `events` output stay the same.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"
#include "store/postgres/database.h"
#include "store/sqlite/database.h"

namespace ogpd::store {

struct CopyCounts {
  std::int64_t events = 0;
  std::int64_t actions = 0;
  std::int64_t links = 0;
  std::int64_t echoes = 0;
  std::int64_t statuses = 0;
  std::int64_t checks = 0;
};

// Fails, changing nothing, when the target already holds events or links.
Result<CopyCounts> copy_to_postgres(SqliteDatabase& source, PgDatabase& target);

}  // namespace ogpd::store
