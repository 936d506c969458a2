// Rows read back from the embedded store, and the one-statement write, shared by its roles (outbox.h,
// ledger.h, admin.h). Internal to src/store/sqlite/.
#pragma once

#include <functional>
#include <vector>

#include "store/records.h"
#include "store/sqlite/database.h"

namespace ogpd::store {

std::vector<StoredEvent> read_events(Statement& stmt);
std::vector<OutboxItem> read_actions(Statement& stmt);
// Every row of a statement selecting alert_id, incident_id, incident_key, route, born_in_pagerduty.
std::vector<Link> read_links(Statement& stmt);

// One statement in its own transaction (synchronous=NORMAL, see outbox.h). `changed`, when given, receives
// the number of rows the statement changed.
Status write_one(SqliteDatabase& database, Sql which, const std::function<void(Statement&)>& bind,
                 int* changed = nullptr);

// After `action_id` went back to pending (replay, Opsgenie's failed verdict): exactly the oldest pending
// action of its pair is the head again. Inside the caller's transaction.
Status recompute_heads(SqliteDatabase::Session& session, std::int64_t action_id);

}  // namespace ogpd::store
