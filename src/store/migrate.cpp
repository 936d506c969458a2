#include "store/migrate.h"

#include <functional>
#include <vector>

#include "store/postgres/schema.h"

namespace ogpd::store {
namespace {

// Copies every row `select` gives from `source` into `insert` on the target: each column as text (NULL
// kept), in order, as $1, $2, ... Returns how many rows went.
Result<std::int64_t> copy_rows(SqliteDatabase::Session& source, PgDatabase::Session& target,
                               std::string_view select, int columns, std::string_view insert) {
  Statement rows = source.db().prepare(select);
  if (!rows.valid()) return source.db().last_error();
  std::int64_t copied = 0;
  for (int step = rows.step(); step != SQLITE_DONE; step = rows.step()) {
    if (step != SQLITE_ROW) return sqlite_status(step, "reading the SQLite store");
    pg::Params params;
    for (int c = 0; c < columns; ++c) params.push_back(rows.column_text(c));
    if (auto s = target.run(insert, params); !s.ok()) return s;
    ++copied;
  }
  return copied;
}

}  // namespace

Result<CopyCounts> copy_to_postgres(SqliteDatabase& source, PgDatabase& target) {
  auto from = source.lock();
  auto to = target.session();
  if (!to.ok()) return to.status();
  CopyCounts counts;
  Status status = to->transaction([&]() -> Status {
    auto any = to->query(pg_sql::kAnyEvent);
    if (!any.ok()) return any.status();
    if (any->boolean(0, 0))
      return Status::invalid("the PostgreSQL database already holds events or links: copy into an empty one");
    struct Table {
      std::int64_t* count;
      std::string_view select;
      int columns;
      std::string_view insert;
    };
    const std::vector<Table> tables{
        {&counts.events,
         // An Opsgenie key filed updatedAt first (SqliteJournal::filed_key) goes over as the key itself.
         "SELECT id, source, type, kind,"
         " CASE WHEN substr(dedupe_key, 1, 3) = 'og@' THEN substr(dedupe_key, instr(dedupe_key, ':') + 1)"
         " ELSE dedupe_key END, delivery_id, alert_id, incident_id, incident_key, actor_id,"
         " actor_name, note, title, description, priority, occurred_at, received_at_ms, status, "
         "CAST(raw_body AS"
         " TEXT), outcome, trimmed_note_id, route FROM events ORDER BY id",
         22,
         "INSERT INTO events (id, source, type, kind, dedupe_key, delivery_id, alert_id, incident_id,"
         " incident_key, actor_id, actor_name, note, title, description, priority, occurred_at, "
         "received_at_ms,"
         " status, raw_body, outcome, trimmed_note_id, route) OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4,"
         " $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)"},
        {&counts.actions,
         "SELECT id, event_id, pair_key, target, kind, payload, state, attempts,"
         " CASE WHEN state = 'pending' THEN 'true' WHEN ambiguous = 1 THEN 'true' ELSE 'false' END,"
         " next_attempt_at_ms, created_at_ms, updated_at_ms, last_error FROM outbox"
         " WHERE state IN ('pending', 'dead', 'unpaired') OR id IN (SELECT action_id FROM checks) ORDER BY "
         "id",
         13,
         "INSERT INTO outbox (id, event_id, pair_key, target, kind, payload, state, attempts, ambiguous,"
         " next_attempt_at_ms, created_at_ms, updated_at_ms, last_error) OVERRIDING SYSTEM VALUE VALUES ($1,"
         " $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"},
        {&counts.checks, "SELECT request_id, action_id, attempts, next_at_ms FROM checks", 4,
         "INSERT INTO checks (request_id, action_id, attempts, next_at_ms) VALUES ($1, $2, $3, $4)"},
        {&counts.links,
         "SELECT alert_id, incident_id, incident_key, created_at_ms, updated_at_ms, route,"
         " CASE WHEN born_in_pagerduty = 1 THEN 'true' ELSE 'false' END FROM links",
         7,
         "INSERT INTO links (alert_id, incident_id, incident_key, created_at_ms, updated_at_ms, route,"
         " born_in_pagerduty) VALUES ($1, $2, $3, $4, $5, $6, $7)"},
        {&counts.echoes, "SELECT side, target_id, verb, note_digest, created_at_ms FROM echoes ORDER BY id",
         5,
         "INSERT INTO echoes (side, target_id, verb, note_digest, created_at_ms) VALUES ($1, $2, $3, $4, "
         "$5)"},
        {&counts.statuses, "SELECT side, target_id, status, updated_at_ms FROM pair_state", 4,
         "INSERT INTO pair_state (side, target_id, status, updated_at_ms) VALUES ($1, $2, $3, $4)"},
    };
    for (const auto& table : tables) {
      auto copied = copy_rows(from, *to, table.select, table.columns, table.insert);
      if (!copied.ok()) return copied.status();
      *table.count = *copied;
    }
    // New rows continue after the copied ids.
    for (const char* table : {"events", "outbox"})
      if (auto s = to->run(std::string("SELECT setval(pg_get_serial_sequence('") + table +
                           "', 'id'), GREATEST((SELECT COALESCE(MAX(id), 0) FROM " + table + "), 1))");
          !s.ok())
        return s;
    return to->run(pg_sql::kNotify);
  });
  if (!status.ok()) return status;
  return counts;
}

}  // namespace ogpd::store
