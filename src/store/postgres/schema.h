// The PostgreSQL store's schema as numbered migrations, and its SQL as named constants. Migrations are
// applied in order at start-up under an advisory lock (database.h), each in its own transaction; a migration,
// once released, never changes. The tables and their meaning are the SQLite store's (sqlite/schema.h); what
// differs is what sharing takes: outbox leases (owner, expiry) instead of one process's in-memory set, and
// heads found by the query rather than kept in a column (a pair's actions are inserted under its advisory
// lock, so ids follow the order of planning).
#pragma once

#include <array>
#include <string_view>

#define OGPD_PG_EVENT_COLUMNS                                                                        \
  "id, source, type, kind, dedupe_key, delivery_id, alert_id, incident_id, incident_key, actor_id, " \
  "actor_name, note, title, description, priority, occurred_at, received_at_ms, status, outcome, "   \
  "trimmed_note_id, route"
#define OGPD_PG_ACTION_COLUMNS                                                                       \
  "id, event_id, pair_key, payload, state, attempts, ambiguous, created_at_ms, next_attempt_at_ms, " \
  "last_error"

namespace ogpd::store::pg_sql {

constexpr std::string_view kCreateMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at_ms BIGINT NOT "
    "NULL)";
constexpr std::string_view kCurrentVersion = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
constexpr std::string_view kRecordMigration =
    "INSERT INTO schema_migrations (version, applied_at_ms) VALUES ($1, $2)";

// Index i holds migration version i + 1.
constexpr std::array<std::string_view, 5> kMigrations{
    // 1: the whole store as SQLite's migration 13 left it, with outbox leases.
    "CREATE TABLE events ("
    " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " source TEXT NOT NULL, type TEXT NOT NULL, kind TEXT NOT NULL,"
    " dedupe_key TEXT NOT NULL UNIQUE,"
    " delivery_id TEXT UNIQUE,"
    " alert_id TEXT, incident_id TEXT, incident_key TEXT, actor_id TEXT, actor_name TEXT, note TEXT,"
    " title TEXT, description TEXT, priority TEXT, occurred_at TEXT,"
    " received_at_ms BIGINT NOT NULL,"
    " status TEXT NOT NULL,"
    " raw_body TEXT NOT NULL,"
    " outcome TEXT, trimmed_note_id TEXT, route TEXT);"
    "CREATE INDEX events_pending ON events (id) WHERE status = 'pending';"
    "CREATE INDEX events_received ON events (received_at_ms);"
    "CREATE INDEX events_route ON events (route, received_at_ms) WHERE route IS NOT NULL;"
    "CREATE INDEX events_unrouted ON events (alert_id) WHERE outcome = 'no_route';"
    "CREATE TABLE links ("
    " alert_id TEXT PRIMARY KEY,"
    " incident_id TEXT UNIQUE,"
    " incident_key TEXT,"
    " created_at_ms BIGINT NOT NULL,"
    " updated_at_ms BIGINT NOT NULL,"
    " route TEXT,"
    " born_in_pagerduty BOOLEAN NOT NULL DEFAULT false);"
    "CREATE INDEX links_created ON links (created_at_ms, alert_id);"
    "CREATE TABLE outbox ("
    " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " event_id BIGINT NOT NULL REFERENCES events (id),"
    " pair_key TEXT NOT NULL, target TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL,"
    " state TEXT NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " ambiguous BOOLEAN NOT NULL DEFAULT false,"
    " next_attempt_at_ms BIGINT NOT NULL,"
    " created_at_ms BIGINT NOT NULL,"
    " updated_at_ms BIGINT NOT NULL,"
    " last_error TEXT,"
    " lease_owner TEXT,"        // the proxy running it now; NULL: nobody
    " lease_until_ms BIGINT);"  // after this, another proxy may take it (and looks before acting)
    "CREATE INDEX outbox_pending ON outbox (pair_key, id) WHERE state = 'pending';"
    "CREATE INDEX outbox_due ON outbox (target, next_attempt_at_ms, id) WHERE state = 'pending';"
    "CREATE INDEX outbox_state ON outbox (state, id);"
    "CREATE INDEX outbox_event ON outbox (event_id);"
    "CREATE TABLE echoes ("
    " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " side TEXT NOT NULL, target_id TEXT NOT NULL, verb TEXT NOT NULL, note_digest TEXT NOT NULL,"
    " created_at_ms BIGINT NOT NULL);"
    "CREATE INDEX echoes_lookup ON echoes (side, target_id, verb, note_digest);"
    "CREATE INDEX echoes_created ON echoes (created_at_ms);"
    "CREATE TABLE checks ("
    " request_id TEXT PRIMARY KEY,"
    " action_id BIGINT NOT NULL REFERENCES outbox (id),"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_at_ms BIGINT NOT NULL);"
    "CREATE TABLE vendor_state ("
    " vendor TEXT PRIMARY KEY, paused_reason TEXT, paused_since_ms BIGINT, last_error TEXT,"
    " updated_at_ms BIGINT NOT NULL, identity TEXT);"
    "CREATE TABLE pair_state ("
    " side TEXT NOT NULL, target_id TEXT NOT NULL, status TEXT NOT NULL, updated_at_ms BIGINT NOT NULL,"
    " PRIMARY KEY (side, target_id));"
    "CREATE INDEX pair_state_updated ON pair_state (updated_at_ms);",

    // 2: when a singleton job (reconciliation) last ran, on whichever proxy: one pass per interval in all.
    "CREATE TABLE turns (job TEXT PRIMARY KEY, last_at_ms BIGINT NOT NULL);",

    // 3: when the next claimed action's lease ends, without reading every pending action.
    "CREATE INDEX outbox_leased ON outbox (lease_until_ms) WHERE state = 'pending' AND lease_owner IS NOT "
    "NULL;",

    // 4: retention finds finished actions by age alone, not by walking every finished action in id order.
    "CREATE INDEX outbox_finished ON outbox (updated_at_ms) WHERE state IN ('done', 'discarded');",

    // 5: the queue summary (/metrics, the status page) and the listings by state read only the actions still
    // open, and each vendor's last success is the newest finished action of that vendor: through outbox_state
    // each scrape counted every finished action.
    "DROP INDEX outbox_state;"
    "CREATE INDEX outbox_open ON outbox (state, target, id, created_at_ms)"
    " WHERE state IN ('pending', 'dead', 'unpaired');"
    "DROP INDEX outbox_finished;"
    "CREATE INDEX outbox_finished_by_target ON outbox (target, state, updated_at_ms)"
    " WHERE state IN ('done', 'discarded');",
};

// Takes the job's turn when nobody took it within the interval: $1 job, $2 now, $3 interval (ms). A row
// back: this proxy's turn.
constexpr std::string_view kTakeTurn =
    "INSERT INTO turns AS t (job, last_at_ms) VALUES ($1, $2) ON CONFLICT (job) DO UPDATE"
    " SET last_at_ms = excluded.last_at_ms WHERE t.last_at_ms <= $2 - $3 RETURNING 1";

// The channel an instance announces new work on (LISTEN/NOTIFY): every engine wakes at once.
constexpr std::string_view kChannel = "ogpd_outbox";
constexpr std::string_view kNotify = "SELECT pg_notify('ogpd_outbox', '')";

// Serialises everything one pair's actions depend on (planning reads, inserts) across instances, until the
// transaction ends. $1: text[] of keys, taken in the order given (the caller sorts them).
constexpr std::string_view kLockKeys =
    "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) WITH ORDINALITY AS t(k, n)"
    " ORDER BY n";

// The same without waiting: true when every key of $1 was taken (those taken stay held either way).
constexpr std::string_view kTryLockKeys =
    "SELECT bool_and(pg_try_advisory_xact_lock(hashtextextended(k, 0))) FROM unnest($1::text[]) AS t(k)";

constexpr std::string_view kInsertEvent =
    "INSERT INTO events (source, type, kind, dedupe_key, delivery_id, alert_id, incident_id, incident_key,"
    " actor_id, actor_name, note, title, description, priority, occurred_at, received_at_ms, status, "
    "raw_body,"
    " outcome, trimmed_note_id, route)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)"
    " ON CONFLICT DO NOTHING RETURNING id";
constexpr std::string_view kFindDuplicate =
    "SELECT id FROM events WHERE dedupe_key = $1 OR ($2::text IS NOT NULL AND delivery_id = $2) LIMIT 1";
constexpr std::string_view kPendingEvents =
    "SELECT " OGPD_PG_EVENT_COLUMNS " FROM events WHERE status = 'pending' ORDER BY id LIMIT $1";
constexpr std::string_view kRecentEvents =
    "SELECT " OGPD_PG_EVENT_COLUMNS " FROM events ORDER BY id DESC LIMIT $1";
// Only a pending event: two proxies planning the same left-over event, the second changes nothing (and
// rolls its plan back).
constexpr std::string_view kMarkEvent =
    "UPDATE events SET status = 'done', outcome = $2 WHERE id = $1 AND status = 'pending'";

constexpr std::string_view kLinkByAlert =
    "SELECT alert_id, incident_id, incident_key, route, born_in_pagerduty FROM links WHERE alert_id = $1";
constexpr std::string_view kLinkByIncident =
    "SELECT alert_id, incident_id, incident_key, route, born_in_pagerduty FROM links WHERE incident_id = $1";
constexpr std::string_view kSaveLink =
    "INSERT INTO links (alert_id, incident_id, incident_key, created_at_ms, updated_at_ms, route,"
    " born_in_pagerduty) VALUES ($1, $2, $3, $4, $4, $5, $6)"
    " ON CONFLICT (alert_id) DO UPDATE SET incident_id = COALESCE(excluded.incident_id, links.incident_id),"
    " incident_key = COALESCE(excluded.incident_key, links.incident_key),"
    " route = COALESCE(excluded.route, links.route),"
    " born_in_pagerduty = excluded.born_in_pagerduty OR links.born_in_pagerduty,"
    " updated_at_ms = excluded.updated_at_ms";
constexpr std::string_view kAlertUnrouted =
    "SELECT 1 FROM events WHERE outcome = 'no_route' AND alert_id = $1 LIMIT 1";

constexpr std::string_view kFindEcho =
    "SELECT id FROM echoes WHERE side = $1 AND target_id = $2 AND verb = $3 AND note_digest = $4"
    " AND created_at_ms >= $5 ORDER BY id LIMIT 1";
constexpr std::string_view kConsumeEcho =
    "DELETE FROM echoes WHERE id = (SELECT id FROM echoes WHERE side = $1 AND target_id = $2 AND verb = $3"
    " AND note_digest = $4 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)";
constexpr std::string_view kRecordEcho =
    "INSERT INTO echoes (side, target_id, verb, note_digest, created_at_ms) VALUES ($1, $2, $3, $4, $5)";
constexpr std::string_view kExpireEchoes = "DELETE FROM echoes WHERE created_at_ms < $1";

constexpr std::string_view kInsertAction =
    "INSERT INTO outbox (event_id, pair_key, target, kind, payload, state, next_attempt_at_ms, created_at_ms,"
    " updated_at_ms) VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6, $6)";

// A head (the oldest pending action of its pair) is due when its time has come and nobody holds it, or the
// proxy that held it let its lease run out (it died, hung, or lost the database before recording the
// outcome): taking it over — even back — the action looks before it acts. The claim is one statement; SKIP
// LOCKED lets instances claim side by side without waiting. $1 now, $2 limit, $3 target, $4 owner, $5 lease
// end, $6 pair keys this proxy is busy with (text[]).
constexpr std::string_view kClaimHeads =
    "UPDATE outbox o SET lease_owner = $4, lease_until_ms = $5,"
    " ambiguous = o.ambiguous OR o.lease_owner IS NOT NULL"
    " WHERE o.id IN (SELECT c.id FROM outbox c WHERE c.state = 'pending' AND c.target = $3"
    " AND c.next_attempt_at_ms <= $1 AND (c.lease_until_ms IS NULL OR c.lease_until_ms <= $1)"
    " AND NOT (c.pair_key = ANY ($6::text[]))"
    " AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.pair_key = c.pair_key AND p.state = 'pending'"
    " AND p.id < c.id)"
    " ORDER BY c.next_attempt_at_ms, c.id LIMIT $2 FOR UPDATE SKIP LOCKED)"
    " RETURNING " OGPD_PG_ACTION_COLUMNS;
// When the next head becomes due (its retry time), the next lease ends, or the next check: each the first row
// of an index in order, so the engine's every turn costs the same whatever the backlog.
#define OGPD_PG_FIRST_DUE_HEAD(target)                                                              \
  "(SELECT c.next_attempt_at_ms FROM outbox c WHERE c.state = 'pending' AND c.target = '" target    \
  "'"                                                                                               \
  " AND c.lease_owner IS NULL AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.pair_key = c.pair_key" \
  " AND p.state = 'pending' AND p.id < c.id) ORDER BY c.next_attempt_at_ms LIMIT 1)"
constexpr std::string_view kNextDue =
    "SELECT LEAST(" OGPD_PG_FIRST_DUE_HEAD("pagerduty") ", " OGPD_PG_FIRST_DUE_HEAD("opsgenie") ","
    " (SELECT MIN(lease_until_ms) FROM outbox WHERE state = 'pending' AND lease_owner IS NOT NULL),"
    " (SELECT MIN(next_at_ms) FROM checks))";
#undef OGPD_PG_FIRST_DUE_HEAD

// Outcomes of an attempt: they apply only to a pending action this proxy ($N) still holds; a proxy whose
// lease was taken over (or whose action another proxy already finished) learns it by changing nothing. The
// one exception is Opsgenie's later verdict on a done action whose check is still kept (lookups.h).
constexpr std::string_view kCompleteAction =
    "UPDATE outbox SET state = 'done', updated_at_ms = $2, last_error = NULL, lease_owner = NULL,"
    " lease_until_ms = NULL WHERE id = $1 AND state = 'pending' AND lease_owner = $3";
constexpr std::string_view kRescheduleAction =
    "UPDATE outbox SET attempts = $2, next_attempt_at_ms = $3, last_error = $4, ambiguous = $5,"
    " lease_owner = NULL, lease_until_ms = NULL WHERE id = $1 AND state = 'pending' AND lease_owner = $6";
constexpr std::string_view kFinishAction =
    "UPDATE outbox SET state = $2, last_error = $3, updated_at_ms = $4, lease_owner = NULL,"
    " lease_until_ms = NULL WHERE id = $1 AND ((state = 'pending' AND lease_owner = $5)"
    " OR (state = 'done' AND EXISTS (SELECT 1 FROM checks WHERE action_id = $1)))";
// Keeps this proxy's claim on the actions it is running (or has queued to run): $1 ids (bigint[]), $2 the
// new lease end, $3 owner.
constexpr std::string_view kExtendLeases =
    "UPDATE outbox SET lease_until_ms = $2 WHERE id = ANY ($1::bigint[]) AND state = 'pending'"
    " AND lease_owner = $3";
constexpr std::string_view kReopenAction =
    "UPDATE outbox SET state = 'pending', attempts = $2, next_attempt_at_ms = $3, last_error = $4,"
    " updated_at_ms = $5 WHERE id = $1 AND state = 'done'";
constexpr std::string_view kReplayAction =
    "UPDATE outbox SET state = 'pending', attempts = 0, ambiguous = true, next_attempt_at_ms = $2,"
    " created_at_ms = $2, updated_at_ms = $2, lease_owner = NULL, lease_until_ms = NULL"
    " WHERE id = $1 AND state IN ('dead', 'unpaired')";
constexpr std::string_view kDiscardAction =
    "UPDATE outbox SET state = 'discarded', updated_at_ms = $2 WHERE id = $1 AND state IN ('dead', "
    "'unpaired')";
// The open states' listing reads outbox_open, one vendor ($3) at a time (the partial index applies only where
// the query repeats its condition); a finished state's, never used by a periodic caller, walks the table.
constexpr std::string_view kOpenActionsInState =
    "SELECT " OGPD_PG_ACTION_COLUMNS
    " FROM outbox"
    " WHERE state = $1 AND state IN ('pending', 'dead', 'unpaired') AND target = $3 ORDER BY id LIMIT $2";
constexpr std::string_view kFinishedActionsInState =
    "SELECT " OGPD_PG_ACTION_COLUMNS " FROM outbox WHERE state = $1 ORDER BY id LIMIT $2";
constexpr std::string_view kActionById = "SELECT " OGPD_PG_ACTION_COLUMNS " FROM outbox WHERE id = $1";
constexpr std::string_view kPairHasPending =
    "SELECT 1 FROM outbox WHERE state = 'pending' AND pair_key IN ($1, $2)"
    " UNION ALL SELECT 1 FROM checks c JOIN outbox o ON o.id = c.action_id WHERE o.pair_key IN ($1, $2)"
    " LIMIT 1";

constexpr std::string_view kInsertCheck =
    "INSERT INTO checks (request_id, action_id, attempts, next_at_ms) VALUES ($1, $2, 0, $3)"
    " ON CONFLICT DO NOTHING";
// Due checks, claimed by moving them a lease ahead: another proxy does not take them meanwhile, and they
// come due again if this one dies. $1 now, $2 limit, $3 lease end.
constexpr std::string_view kClaimChecks =
    "UPDATE checks SET next_at_ms = $3 WHERE request_id IN (SELECT request_id FROM checks"
    " WHERE next_at_ms <= $1 ORDER BY next_at_ms LIMIT $2 FOR UPDATE SKIP LOCKED)"
    " RETURNING request_id, action_id, attempts";
constexpr std::string_view kRescheduleCheck =
    "UPDATE checks SET attempts = $2, next_at_ms = $3 WHERE request_id = $1";
constexpr std::string_view kDropCheck = "DELETE FROM checks WHERE request_id = $1";

// The queue summary, as SQLite's (sqlite/schema.h).
constexpr std::string_view kOpenActionStats =
    "SELECT target, state, COUNT(*), MIN(created_at_ms) FROM outbox"
    " WHERE state IN ('pending', 'dead', 'unpaired') GROUP BY state, target";
constexpr std::string_view kLastSuccess =
    "SELECT updated_at_ms FROM outbox WHERE target = $1 AND state IN ('done', 'discarded') AND state = 'done'"
    " ORDER BY updated_at_ms DESC LIMIT 1";
constexpr std::string_view kPendingEventCount = "SELECT COUNT(*) FROM events WHERE status = 'pending'";
// migrate-links.
constexpr std::string_view kEveryLink =
    "SELECT alert_id, incident_id, incident_key, route, born_in_pagerduty FROM links"
    " ORDER BY created_at_ms, alert_id";
// Within ten minutes of the link's making, as SQLite's (sqlite/schema.h).
constexpr std::string_view kCreateWebhookOf =
    "SELECT e.raw_body FROM links l JOIN events e"
    " ON e.received_at_ms BETWEEN l.created_at_ms - 600000 AND l.created_at_ms + 600000"
    " WHERE l.alert_id = $1 AND e.alert_id = $1 AND e.source = 'opsgenie' AND e.kind = 'alert.created'"
    " ORDER BY e.id LIMIT 1";
constexpr std::string_view kRelinkAlert =
    "UPDATE links SET alert_id = $2, updated_at_ms = $3 WHERE alert_id = $1 AND NOT EXISTS"
    " (SELECT 1 FROM links WHERE alert_id = $2)";
// The operator's listing when it names no alert or incident (one it names is looked up by its key).
constexpr std::string_view kRecentLinks =
    "SELECT alert_id, incident_id, incident_key, route, born_in_pagerduty FROM links"
    " ORDER BY created_at_ms DESC LIMIT 1000";
constexpr std::string_view kSetVendorPause =
    "INSERT INTO vendor_state (vendor, paused_reason, paused_since_ms, last_error, updated_at_ms)"
    " VALUES ($1, $2::text, CASE WHEN $2::text IS NULL THEN NULL ELSE $4::bigint END, $3, $4)"
    " ON CONFLICT (vendor) DO UPDATE SET paused_reason = excluded.paused_reason,"
    " paused_since_ms = CASE WHEN excluded.paused_reason IS NULL THEN NULL"
    " ELSE COALESCE(vendor_state.paused_since_ms, excluded.paused_since_ms) END,"
    " last_error = COALESCE(excluded.last_error, vendor_state.last_error),"
    " updated_at_ms = excluded.updated_at_ms";
constexpr std::string_view kVendorStates =
    "SELECT vendor, paused_reason, paused_since_ms, last_error, identity FROM vendor_state";
constexpr std::string_view kSetVendorIdentity =
    "INSERT INTO vendor_state (vendor, identity, updated_at_ms) VALUES ($1, $2, $3)"
    " ON CONFLICT (vendor) DO UPDATE SET identity = excluded.identity, updated_at_ms = "
    "excluded.updated_at_ms";

constexpr std::string_view kKnownStatus = "SELECT status FROM pair_state WHERE side = $1 AND target_id = $2";
constexpr std::string_view kSaveStatus =
    "INSERT INTO pair_state AS s (side, target_id, status, updated_at_ms) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (side, target_id) DO UPDATE SET"
    " status = CASE WHEN s.status IN ('closed', 'resolved') AND NOT $5::boolean THEN s.status"
    " ELSE excluded.status END, updated_at_ms = excluded.updated_at_ms"
    " WHERE s.updated_at_ms <= excluded.updated_at_ms";
constexpr std::string_view kPairsToReconcile =
    "SELECT l.alert_id, l.incident_id, l.incident_key, l.created_at_ms,"
    " EXISTS (SELECT 1 FROM pair_state a WHERE a.side = 'opsgenie' AND a.target_id = l.alert_id"
    " AND a.status = 'closed') AND EXISTS (SELECT 1 FROM pair_state p WHERE p.side = 'pagerduty'"
    " AND p.target_id = l.incident_id AND p.status = 'resolved')"
    " FROM links l"
    " WHERE l.incident_id IS NOT NULL AND l.created_at_ms >= $1 AND (l.created_at_ms, l.alert_id) > ($2, $3)"
    " ORDER BY l.created_at_ms, l.alert_id LIMIT $4";
constexpr std::string_view kRouteActivity =
    "SELECT COUNT(*), MAX(received_at_ms) FROM events WHERE route = $1 AND kind = 'alert.created'";

// Retention, as SQLite's (sqlite/schema.h).
// (Each vendor's old finished actions are a range of outbox_finished_by_target.)
constexpr std::string_view kPruneChecks =
    "DELETE FROM checks WHERE action_id IN (SELECT id FROM outbox WHERE target IN ('opsgenie', 'pagerduty')"
    " AND state IN ('done', 'discarded') AND updated_at_ms < $1 LIMIT $2)";
constexpr std::string_view kPruneActions =
    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE target IN ('opsgenie', 'pagerduty')"
    " AND state IN ('done', 'discarded') AND updated_at_ms < $1 LIMIT $2)";
constexpr std::string_view kPruneEvents =
    "DELETE FROM events WHERE id IN (SELECT e.id FROM events e WHERE e.received_at_ms < $1"
    " AND e.status IN ('done', 'ignored') AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = e.id)"
    " LIMIT $2)";
constexpr std::string_view kPruneStatuses =
    "DELETE FROM pair_state WHERE (side, target_id) IN (SELECT side, target_id FROM pair_state"
    " WHERE updated_at_ms < $1 LIMIT $2)";

// Whether a table holds any row (migrate-store refuses a target that is not empty).
constexpr std::string_view kAnyEvent = "SELECT EXISTS (SELECT 1 FROM events) OR EXISTS (SELECT 1 FROM links)";

}  // namespace ogpd::store::pg_sql
