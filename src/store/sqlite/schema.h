// The SQLite store's schema as numbered migrations, and its SQL as named constants. Migrations are applied in
// order at start-up, each in its own transaction; a migration, once released, never changes.
#pragma once

#include <array>
#include <string_view>

// Column lists read by several statements; string literals, so they concatenate at compile time.
#define OGPD_EVENT_COLUMNS                                                                               \
  "id, source, type, kind, dedupe_key, delivery_id, alert_id, incident_id, incident_key, actor_id, "     \
  "actor_name,"                                                                                          \
  " note, title, description, priority, occurred_at, received_at_ms, status, outcome, trimmed_note_id, " \
  "route"
#define OGPD_ACTION_COLUMNS                                                                          \
  "id, event_id, pair_key, payload, state, attempts, ambiguous, created_at_ms, next_attempt_at_ms, " \
  "last_error"

namespace ogpd::store::sqlite_sql {

constexpr std::string_view kCreateMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " applied_at_ms INTEGER NOT NULL)";

constexpr std::string_view kCurrentVersion = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
constexpr std::string_view kRecordMigration =
    "INSERT INTO schema_migrations (version, applied_at_ms) VALUES (?1, ?2)";

// Index i holds migration version i + 1.
constexpr std::array<std::string_view, 15> kMigrations{
    // 1: the journal of received events.
    "CREATE TABLE events ("
    " id INTEGER PRIMARY KEY,"
    " source TEXT NOT NULL,"  // opsgenie | pagerduty
    " type TEXT NOT NULL,"    // the vendor's action / event_type
    " kind TEXT NOT NULL,"    // the normalised EventKind
    " dedupe_key TEXT NOT NULL UNIQUE,"
    " delivery_id TEXT UNIQUE,"  // X-Webhook-Id; NULLs never collide
    " alert_id TEXT,"
    " incident_id TEXT,"
    " incident_key TEXT,"
    " actor_id TEXT,"
    " actor_name TEXT,"
    " note TEXT,"
    " title TEXT,"
    " description TEXT,"
    " priority TEXT,"
    " occurred_at TEXT,"
    " received_at_ms INTEGER NOT NULL,"
    " status TEXT NOT NULL,"  // pending (the engine will act) | ignored (nothing to do) | done
    " raw_body BLOB NOT NULL);"
    "CREATE INDEX events_pending ON events (id) WHERE status = 'pending';",

    // 2: the sync engine's state: links, outbox, echo ledger, Opsgenie request checks.
    "ALTER TABLE events ADD COLUMN outcome TEXT;"
    "CREATE TABLE links ("
    " alert_id TEXT PRIMARY KEY,"
    " incident_id TEXT UNIQUE,"  // NULL while the create is pending
    " incident_key TEXT,"
    " created_at_ms INTEGER NOT NULL,"
    " updated_at_ms INTEGER NOT NULL);"
    "CREATE TABLE outbox ("
    " id INTEGER PRIMARY KEY,"
    " event_id INTEGER NOT NULL REFERENCES events (id),"
    " pair_key TEXT NOT NULL,"  // actions of one pair run one at a time, in id order
    " target TEXT NOT NULL,"    // opsgenie | pagerduty
    " kind TEXT NOT NULL,"
    " payload TEXT NOT NULL,"  // the Action as JSON
    " state TEXT NOT NULL,"    // pending | done | dead | unpaired | discarded
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " ambiguous INTEGER NOT NULL DEFAULT 0,"
    " next_attempt_at_ms INTEGER NOT NULL,"
    " created_at_ms INTEGER NOT NULL,"
    " updated_at_ms INTEGER NOT NULL,"
    " last_error TEXT);"
    "CREATE INDEX outbox_pending ON outbox (pair_key, id) WHERE state = 'pending';"
    "CREATE INDEX outbox_state ON outbox (state, id);"
    "CREATE TABLE echoes ("
    " id INTEGER PRIMARY KEY,"
    " side TEXT NOT NULL,"
    " target_id TEXT NOT NULL,"
    " verb TEXT NOT NULL,"
    " note_digest TEXT NOT NULL,"
    " created_at_ms INTEGER NOT NULL);"
    "CREATE INDEX echoes_lookup ON echoes (side, target_id, verb, note_digest);"
    "CREATE TABLE checks ("
    " request_id TEXT PRIMARY KEY,"
    " action_id INTEGER NOT NULL REFERENCES outbox (id),"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_at_ms INTEGER NOT NULL);",

    // 3: mark the head (oldest pending action) of each pair, so finding due work is an index range scan
    // instead of a GROUP BY over every pending action.
    "ALTER TABLE outbox ADD COLUMN head INTEGER NOT NULL DEFAULT 0;"
    "UPDATE outbox SET head = 1 WHERE id IN"
    " (SELECT MIN(id) FROM outbox WHERE state = 'pending' GROUP BY pair_key);"
    "CREATE INDEX outbox_due ON outbox (target, next_attempt_at_ms, id) WHERE state = 'pending' AND head = "
    "1;",

    // 4: retention finds old rows by time, and an event's actions by event.
    "CREATE INDEX events_received ON events (received_at_ms);"
    "CREATE INDEX outbox_event ON outbox (event_id);",

    // 5: each vendor's standing, for operators: paused (and why), since when, the last error.
    "CREATE TABLE vendor_state ("
    " vendor TEXT PRIMARY KEY,"  // opsgenie | pagerduty
    " paused_reason TEXT,"       // NULL: not paused; else e.g. credentials
    " paused_since_ms INTEGER,"
    " last_error TEXT,"
    " updated_at_ms INTEGER NOT NULL);",

    // 6: each side's last known status (webhooks, the proxy's own actions, reads), so a status change is
    // never sent onto a closed alert or a resolved incident.
    "CREATE TABLE pair_state ("
    " side TEXT NOT NULL,"       // opsgenie | pagerduty
    " target_id TEXT NOT NULL,"  // the alert id or the incident id
    " status TEXT NOT NULL,"
    " updated_at_ms INTEGER NOT NULL,"
    " PRIMARY KEY (side, target_id));",

    // 7: reconciliation walks the linked pairs oldest first, from a cursor, within a maximum age.
    "CREATE INDEX links_created ON links (created_at_ms, alert_id);",

    // 8: a PagerDuty note delivered trimmed: its id, so the full text is fetched before it is mirrored.
    "ALTER TABLE events ADD COLUMN trimmed_note_id TEXT;",

    // 9: who the proxy is on a vendor (PagerDuty: the user behind PAGERDUTY_EMAIL, or why not found).
    "ALTER TABLE vendor_state ADD COLUMN identity TEXT;",

    // 10: retention finds old pair statuses by time.
    "CREATE INDEX pair_state_updated ON pair_state (updated_at_ms);",

    // 11: the route that took an Opsgenie Create (ROUTES_FILE), which says where its incident goes.
    "ALTER TABLE events ADD COLUMN route TEXT;"
    "CREATE INDEX events_route ON events (route, received_at_ms) WHERE route IS NOT NULL;",

    // 12: alerts whose Create no route took; their later actions are not mirrored either.
    "CREATE INDEX events_unrouted ON events (alert_id) WHERE outcome = 'no_route';",

    // 13: the route a pair's incident was made by, which says how it is acknowledged and resolved (REST or
    // the Events API); and whether the incident came first (the proxy made the alert).
    "ALTER TABLE links ADD COLUMN route TEXT;"
    "ALTER TABLE links ADD COLUMN born_in_pagerduty INTEGER NOT NULL DEFAULT 0;",

    // 14: retention finds finished actions by age alone. Through outbox_state it walked every finished action
    // in id order to find the old ones: a stall of seconds, holding the connection, on a store of millions.
    "CREATE INDEX outbox_finished ON outbox (updated_at_ms) WHERE state IN ('done', 'discarded');",

    // 15: the queue summary (/metrics, the status page) and the listings by state read only the actions still
    // open, and each vendor's last success is the newest finished action of that vendor. Through outbox_state
    // the summary counted every finished action at each scrape, holding the connection a second per million;
    // and every finished action was written to an index nothing needed it in.
    "DROP INDEX outbox_state;"
    "CREATE INDEX outbox_open ON outbox (state, target, id, created_at_ms)"
    " WHERE state IN ('pending', 'dead', 'unpaired');"
    "DROP INDEX outbox_finished;"
    "CREATE INDEX outbox_finished_by_target ON outbox (target, state, updated_at_ms)"
    " WHERE state IN ('done', 'discarded');",
};

// A migration left empty (an array longer than its list) would be recorded as applied while doing nothing.
constexpr bool no_empty_migration() {
  for (const auto m : kMigrations)
    if (m.empty()) return false;
  return true;
}
static_assert(no_empty_migration(), "every numbered migration has SQL");

constexpr std::string_view kInsertEvent =
    "INSERT OR IGNORE INTO events (source, type, kind, dedupe_key, delivery_id, alert_id, incident_id,"
    " incident_key, actor_id, actor_name, note, title, description, priority, occurred_at, received_at_ms,"
    " status, raw_body, outcome, trimmed_note_id, route)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, "
    "?21)";

constexpr std::string_view kPendingEvents =
    "SELECT " OGPD_EVENT_COLUMNS " FROM events WHERE status = 'pending' ORDER BY id LIMIT ?1";
constexpr std::string_view kRecentEvents =
    "SELECT " OGPD_EVENT_COLUMNS " FROM events ORDER BY id DESC LIMIT ?1";
constexpr std::string_view kMarkEvent = "UPDATE events SET status = 'done', outcome = ?2 WHERE id = ?1";

constexpr std::string_view kLinkByAlert =
    "SELECT alert_id, incident_id, incident_key, route, born_in_pagerduty FROM links WHERE alert_id = ?1";
constexpr std::string_view kLinkByIncident =
    "SELECT alert_id, incident_id, incident_key, route, born_in_pagerduty FROM links WHERE incident_id = ?1";
// A link, once it has an incident, keeps it: a later "pending" insert never erases a known incident id.
constexpr std::string_view kSaveLink =
    "INSERT INTO links (alert_id, incident_id, incident_key, created_at_ms, updated_at_ms, route,"
    " born_in_pagerduty) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6)"
    " ON CONFLICT (alert_id) DO UPDATE SET incident_id = COALESCE(excluded.incident_id, links.incident_id),"
    " incident_key = COALESCE(excluded.incident_key, links.incident_key),"
    " route = COALESCE(excluded.route, links.route),"
    " born_in_pagerduty = MAX(excluded.born_in_pagerduty, links.born_in_pagerduty),"
    " updated_at_ms = excluded.updated_at_ms";

constexpr std::string_view kFindEcho =
    "SELECT id FROM echoes WHERE side = ?1 AND target_id = ?2 AND verb = ?3 AND note_digest = ?4"
    " AND created_at_ms >= ?5 ORDER BY id LIMIT 1";
constexpr std::string_view kConsumeEcho =
    "DELETE FROM echoes WHERE id = (SELECT id FROM echoes WHERE side = ?1 AND target_id = ?2 AND verb = ?3"
    " AND note_digest = ?4 ORDER BY id LIMIT 1)";
constexpr std::string_view kRecordEcho =
    "INSERT INTO echoes (side, target_id, verb, note_digest, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr std::string_view kExpireEchoes = "DELETE FROM echoes WHERE created_at_ms < ?1";

constexpr std::string_view kInsertAction =
    "INSERT INTO outbox (event_id, pair_key, target, kind, payload, state, next_attempt_at_ms, created_at_ms,"
    " updated_at_ms, head) VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6, ?6,"
    " NOT EXISTS (SELECT 1 FROM outbox WHERE pair_key = ?2 AND state = 'pending'))";
// After an action leaves 'pending': the next pending action of its pair becomes the head.
constexpr std::string_view kPromoteHead =
    "UPDATE outbox SET head = 1 WHERE id = (SELECT MIN(id) FROM outbox WHERE state = 'pending'"
    " AND pair_key = (SELECT pair_key FROM outbox WHERE id = ?1))";
constexpr std::string_view kClearHead = "UPDATE outbox SET head = 0 WHERE id = ?1";
// After a replay: exactly the oldest pending action of the pair is the head.
constexpr std::string_view kRecomputeHeads =
    "UPDATE outbox SET head = (id = (SELECT MIN(id) FROM outbox WHERE state = 'pending' AND pair_key = ?1))"
    " WHERE state = 'pending' AND pair_key = ?1";
// The head (lowest id) of every pair with pending actions, when due.
// INDEXED BY: without statistics SQLite could pick another index and scan every pending action.
constexpr std::string_view kDueHeads =
    "SELECT " OGPD_ACTION_COLUMNS
    " FROM outbox INDEXED BY outbox_due WHERE state = 'pending' AND head = 1 AND target = ?3"
    " AND next_attempt_at_ms <= ?1 ORDER BY next_attempt_at_ms, id LIMIT ?2";
constexpr std::string_view kNextDue =
    "SELECT MIN(t) FROM ("
    "SELECT MIN(next_attempt_at_ms) AS t FROM outbox INDEXED BY outbox_due"
    " WHERE state = 'pending' AND head = 1 AND target = 'pagerduty'"
    " UNION ALL SELECT MIN(next_attempt_at_ms) FROM outbox INDEXED BY outbox_due"
    " WHERE state = 'pending' AND head = 1 AND target = 'opsgenie'"
    " UNION ALL SELECT MIN(next_at_ms) FROM checks)";
constexpr std::string_view kCompleteAction =
    "UPDATE outbox SET state = 'done', updated_at_ms = ?2, last_error = NULL WHERE id = ?1";
constexpr std::string_view kRescheduleAction =
    "UPDATE outbox SET attempts = ?2, next_attempt_at_ms = ?3, last_error = ?4, ambiguous = ?5 WHERE id = ?1";
constexpr std::string_view kFinishAction =
    "UPDATE outbox SET state = ?2, last_error = ?3, updated_at_ms = ?4 WHERE id = ?1";
constexpr std::string_view kReplayAction =
    "UPDATE outbox SET state = 'pending', attempts = 0, ambiguous = 1, next_attempt_at_ms = ?2, "
    "created_at_ms = ?2,"
    " updated_at_ms = ?2 WHERE id = ?1 AND state IN ('dead', 'unpaired')";
constexpr std::string_view kDiscardAction =
    "UPDATE outbox SET state = 'discarded', updated_at_ms = ?2 WHERE id = ?1 AND state IN ('dead', "
    "'unpaired')";
// The open states' listing reads outbox_open, one vendor (?3) at a time (the partial index applies only where
// the query repeats its condition); a finished state's, never used by a periodic caller, walks the table.
constexpr std::string_view kOpenActionsInState =
    "SELECT " OGPD_ACTION_COLUMNS
    " FROM outbox INDEXED BY outbox_open"
    " WHERE state = ?1 AND state IN ('pending', 'dead', 'unpaired') AND target = ?3 ORDER BY id LIMIT ?2";
constexpr std::string_view kFinishedActionsInState =
    "SELECT " OGPD_ACTION_COLUMNS " FROM outbox WHERE state = ?1 ORDER BY id LIMIT ?2";
constexpr std::string_view kActionById = "SELECT " OGPD_ACTION_COLUMNS " FROM outbox WHERE id = ?1";

constexpr std::string_view kInsertCheck =
    "INSERT OR IGNORE INTO checks (request_id, action_id, attempts, next_at_ms) VALUES (?1, ?2, 0, ?3)";
constexpr std::string_view kDueChecks =
    "SELECT request_id, action_id, attempts FROM checks WHERE next_at_ms <= ?1 ORDER BY next_at_ms LIMIT ?2";
constexpr std::string_view kRescheduleCheck =
    "UPDATE checks SET attempts = ?2, next_at_ms = ?3 WHERE request_id = ?1";
constexpr std::string_view kDropCheck = "DELETE FROM checks WHERE request_id = ?1";

constexpr std::string_view kMarkPendingAmbiguous =
    "UPDATE outbox SET ambiguous = 1 WHERE state = 'pending' AND ambiguous = 0";
// The queue summary: the open actions by vendor and state, with when the oldest was queued, read from
// outbox_open alone; and each vendor's newest success, the last entry of its range of
// outbox_finished_by_target.
constexpr std::string_view kOpenActionStats =
    "SELECT target, state, COUNT(*), MIN(created_at_ms) FROM outbox INDEXED BY outbox_open"
    " WHERE state IN ('pending', 'dead', 'unpaired') GROUP BY state, target";
constexpr std::string_view kLastSuccess =
    "SELECT updated_at_ms FROM outbox INDEXED BY outbox_finished_by_target"
    " WHERE target = ?1 AND state IN ('done', 'discarded') AND state = 'done' ORDER BY updated_at_ms DESC"
    " LIMIT 1";
constexpr std::string_view kPendingEventCount = "SELECT COUNT(*) FROM events WHERE status = 'pending'";
// The operator's listing when it names no alert or incident (one it names is looked up by its key: a
// condition that may be NULL would keep SQLite from using the key's index and walk every link).
constexpr std::string_view kRecentLinks =
    "SELECT alert_id, incident_id, incident_key, route, born_in_pagerduty FROM links"
    " ORDER BY created_at_ms DESC LIMIT 1000";

// Retention: finished actions, then events none of whose actions remain, older than ?1; at most ?2 each.
// (Each vendor's old finished actions are a range of outbox_finished_by_target.)
constexpr std::string_view kPruneChecks =
    "DELETE FROM checks WHERE action_id IN (SELECT id FROM outbox INDEXED BY outbox_finished_by_target"
    " WHERE target IN ('opsgenie', 'pagerduty') AND state IN ('done', 'discarded') AND updated_at_ms < ?1"
    " LIMIT ?2)";
constexpr std::string_view kPruneActions =
    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox INDEXED BY outbox_finished_by_target"
    " WHERE target IN ('opsgenie', 'pagerduty') AND state IN ('done', 'discarded') AND updated_at_ms < ?1"
    " LIMIT ?2)";
constexpr std::string_view kPruneEvents =
    "DELETE FROM events WHERE id IN (SELECT e.id FROM events e INDEXED BY events_received"
    " WHERE e.received_at_ms < ?1 AND e.status IN ('done', 'ignored')"
    " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = e.id) LIMIT ?2)";

// A vendor paused (reason set) or resumed (reason NULL); paused_since_ms is kept while the pause lasts.
constexpr std::string_view kSetVendorPause =
    "INSERT INTO vendor_state (vendor, paused_reason, paused_since_ms, last_error, updated_at_ms)"
    " VALUES (?1, ?2, CASE WHEN ?2 IS NULL THEN NULL ELSE ?4 END, ?3, ?4)"
    " ON CONFLICT (vendor) DO UPDATE SET paused_reason = excluded.paused_reason,"
    " paused_since_ms = CASE WHEN excluded.paused_reason IS NULL THEN NULL"
    " ELSE COALESCE(vendor_state.paused_since_ms, excluded.paused_since_ms) END,"
    " last_error = COALESCE(excluded.last_error, vendor_state.last_error), updated_at_ms = "
    "excluded.updated_at_ms";
constexpr std::string_view kVendorStates =
    "SELECT vendor, paused_reason, paused_since_ms, last_error, identity FROM vendor_state";
constexpr std::string_view kSetVendorIdentity =
    "INSERT INTO vendor_state (vendor, identity, updated_at_ms) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (vendor) DO UPDATE SET identity = excluded.identity, updated_at_ms = "
    "excluded.updated_at_ms";

// Opsgenie's later verdict was a failure to retry: the done action is pending again (its pair's head
// recomputed after).
constexpr std::string_view kReopenAction =
    "UPDATE outbox SET state = 'pending', attempts = ?2, next_attempt_at_ms = ?3, last_error = ?4,"
    " updated_at_ms = ?5 WHERE id = ?1 AND state = 'done'";

constexpr std::string_view kKnownStatus = "SELECT status FROM pair_state WHERE side = ?1 AND target_id = ?2";
// A terminal status (closed, resolved) is replaced only by an authoritative one (?5 = 1: read from the
// vendor, or learnt from its answer to the proxy's own call), so a late webhook never turns a closed pair
// back to open. (The status a report opens with is never written: sync::status_to_record.)
constexpr std::string_view kSaveStatus =
    "INSERT INTO pair_state (side, target_id, status, updated_at_ms) VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT (side, target_id) DO UPDATE SET"
    " status = CASE WHEN pair_state.status IN ('closed', 'resolved') AND ?5 = 0 THEN pair_state.status"
    " ELSE excluded.status END, updated_at_ms = excluded.updated_at_ms"
    // A reading taken before a newer report was written (reconciliation reads, then saves) never replaces it.
    " WHERE pair_state.updated_at_ms <= excluded.updated_at_ms";

// Linked pairs created since ?1, after the cursor (?2, ?3), oldest first, at most ?4; each with whether its
// alert is known closed and its incident known resolved (settled). Filtering the settled ones out here made
// one call walk every settled pair up to the next open one, holding the connection for seconds on a busy
// week's store.
constexpr std::string_view kPairsToReconcile =
    "SELECT l.alert_id, l.incident_id, l.incident_key, l.created_at_ms,"
    " EXISTS (SELECT 1 FROM pair_state a WHERE a.side = 'opsgenie' AND a.target_id = l.alert_id"
    " AND a.status = 'closed') AND EXISTS (SELECT 1 FROM pair_state p WHERE p.side = 'pagerduty'"
    " AND p.target_id = l.incident_id AND p.status = 'resolved')"
    " FROM links l INDEXED BY links_created"
    " WHERE l.incident_id IS NOT NULL AND l.created_at_ms >= ?1 AND (l.created_at_ms, l.alert_id) > (?2, ?3)"
    " ORDER BY l.created_at_ms, l.alert_id LIMIT ?4";
// Whether a pair (by either of its pair keys) has actions waiting, or an Opsgenie request whose verdict is
// still to come.
constexpr std::string_view kPairHasPending =
    "SELECT 1 FROM outbox WHERE state = 'pending' AND pair_key IN (?1, ?2)"
    " UNION ALL SELECT 1 FROM checks c JOIN outbox o ON o.id = c.action_id WHERE o.pair_key IN (?1, ?2)"
    " LIMIT 1";
// Retention for pair_state: statuses not touched since ?1 (their pairs are long over; an acknowledge that
// still comes reads the incident first, as for any pair whose status is unknown).
constexpr std::string_view kPruneStatuses =
    "DELETE FROM pair_state WHERE rowid IN (SELECT rowid FROM pair_state INDEXED BY pair_state_updated"
    " WHERE updated_at_ms < ?1 LIMIT ?2)";

// One route's Creates: how many are in the journal, and when the last arrived (an UpdatePriority names its
// route too).
constexpr std::string_view kRouteActivity =
    "SELECT COUNT(*), MAX(received_at_ms) FROM events INDEXED BY events_route"
    " WHERE route = ?1 AND kind = 'alert.created'";

// Whether an alert's Create was stored unrouted (no route took it).
constexpr std::string_view kAlertUnrouted =
    "SELECT 1 FROM events INDEXED BY events_unrouted WHERE outcome = 'no_route' AND alert_id = ?1 LIMIT 1";

constexpr std::string_view kPairKeyOfAction = "SELECT pair_key FROM outbox WHERE id = ?1";

// migrate-links.
constexpr std::string_view kEveryLink =
    "SELECT alert_id, incident_id, incident_key, route, born_in_pagerduty FROM links"
    " ORDER BY created_at_ms, alert_id";
// An alert's Create webhook, looked for within ten minutes of its link's making (the link is made as the
// Create is planned, in the transaction that journals it): the journal has no index by alert, and walking it
// for each link made a JSM move of a month's store take hours.
constexpr std::string_view kCreateWebhookOf =
    "SELECT e.raw_body FROM links l JOIN events e INDEXED BY events_received"
    " ON e.received_at_ms BETWEEN l.created_at_ms - 600000 AND l.created_at_ms + 600000"
    " WHERE l.alert_id = ?1 AND e.alert_id = ?1 AND e.source = 'opsgenie' AND e.kind = 'alert.created'"
    " ORDER BY e.id LIMIT 1";
constexpr std::string_view kRelinkAlert =
    "UPDATE links SET alert_id = ?2, updated_at_ms = ?3 WHERE alert_id = ?1";

constexpr std::string_view kFindDuplicate =
    "SELECT id FROM events WHERE dedupe_key = ?1 OR (?2 IS NOT NULL AND delivery_id = ?2) LIMIT 1";
constexpr std::string_view kFindByDedupeKey = "SELECT id FROM events WHERE dedupe_key = ?1";

// The statements kept prepared on the connection (SqliteDatabase's cache), by name.
enum class Sql {
  kInsertEvent,
  kPendingEvents,
  kRecentEvents,
  kMarkEvent,
  kLinkByAlert,
  kLinkByIncident,
  kSaveLink,
  kFindEcho,
  kConsumeEcho,
  kRecordEcho,
  kExpireEchoes,
  kInsertAction,
  kPromoteHead,
  kClearHead,
  kRecomputeHeads,
  kDueHeads,
  kNextDue,
  kCompleteAction,
  kRescheduleAction,
  kFinishAction,
  kReplayAction,
  kDiscardAction,
  kOpenActionsInState,
  kFinishedActionsInState,
  kActionById,
  kInsertCheck,
  kDueChecks,
  kRescheduleCheck,
  kDropCheck,
  kMarkPendingAmbiguous,
  kOpenActionStats,
  kLastSuccess,
  kPendingEventCount,
  kRecentLinks,
  kPruneChecks,
  kPruneActions,
  kPruneEvents,
  kFindDuplicate,
  kFindByDedupeKey,
  kPairKeyOfAction,
  kSetVendorPause,
  kVendorStates,
  kKnownStatus,
  kSaveStatus,
  kReopenAction,
  kPairsToReconcile,
  kPairHasPending,
  kPruneStatuses,
  kSetVendorIdentity,
  kRouteActivity,
  kAlertUnrouted,
  kEveryLink,
  kCreateWebhookOf,
  kRelinkAlert,
  kCount,
};

// The text of each cached statement; -Wswitch (an error in CI) keeps this table complete.
constexpr std::string_view text(Sql statement) {
  switch (statement) {
    case Sql::kInsertEvent:
      return kInsertEvent;
    case Sql::kPendingEvents:
      return kPendingEvents;
    case Sql::kRecentEvents:
      return kRecentEvents;
    case Sql::kMarkEvent:
      return kMarkEvent;
    case Sql::kLinkByAlert:
      return kLinkByAlert;
    case Sql::kLinkByIncident:
      return kLinkByIncident;
    case Sql::kSaveLink:
      return kSaveLink;
    case Sql::kFindEcho:
      return kFindEcho;
    case Sql::kConsumeEcho:
      return kConsumeEcho;
    case Sql::kRecordEcho:
      return kRecordEcho;
    case Sql::kExpireEchoes:
      return kExpireEchoes;
    case Sql::kInsertAction:
      return kInsertAction;
    case Sql::kPromoteHead:
      return kPromoteHead;
    case Sql::kClearHead:
      return kClearHead;
    case Sql::kRecomputeHeads:
      return kRecomputeHeads;
    case Sql::kDueHeads:
      return kDueHeads;
    case Sql::kNextDue:
      return kNextDue;
    case Sql::kCompleteAction:
      return kCompleteAction;
    case Sql::kRescheduleAction:
      return kRescheduleAction;
    case Sql::kFinishAction:
      return kFinishAction;
    case Sql::kReplayAction:
      return kReplayAction;
    case Sql::kDiscardAction:
      return kDiscardAction;
    case Sql::kOpenActionsInState:
      return kOpenActionsInState;
    case Sql::kFinishedActionsInState:
      return kFinishedActionsInState;
    case Sql::kActionById:
      return kActionById;
    case Sql::kInsertCheck:
      return kInsertCheck;
    case Sql::kDueChecks:
      return kDueChecks;
    case Sql::kRescheduleCheck:
      return kRescheduleCheck;
    case Sql::kDropCheck:
      return kDropCheck;
    case Sql::kMarkPendingAmbiguous:
      return kMarkPendingAmbiguous;
    case Sql::kOpenActionStats:
      return kOpenActionStats;
    case Sql::kLastSuccess:
      return kLastSuccess;
    case Sql::kPendingEventCount:
      return kPendingEventCount;
    case Sql::kRecentLinks:
      return kRecentLinks;
    case Sql::kPruneChecks:
      return kPruneChecks;
    case Sql::kPruneActions:
      return kPruneActions;
    case Sql::kPruneEvents:
      return kPruneEvents;
    case Sql::kFindDuplicate:
      return kFindDuplicate;
    case Sql::kFindByDedupeKey:
      return kFindByDedupeKey;
    case Sql::kPairKeyOfAction:
      return kPairKeyOfAction;
    case Sql::kSetVendorPause:
      return kSetVendorPause;
    case Sql::kVendorStates:
      return kVendorStates;
    case Sql::kKnownStatus:
      return kKnownStatus;
    case Sql::kSaveStatus:
      return kSaveStatus;
    case Sql::kReopenAction:
      return kReopenAction;
    case Sql::kPairsToReconcile:
      return kPairsToReconcile;
    case Sql::kPairHasPending:
      return kPairHasPending;
    case Sql::kPruneStatuses:
      return kPruneStatuses;
    case Sql::kSetVendorIdentity:
      return kSetVendorIdentity;
    case Sql::kRouteActivity:
      return kRouteActivity;
    case Sql::kAlertUnrouted:
      return kAlertUnrouted;
    case Sql::kEveryLink:
      return kEveryLink;
    case Sql::kCreateWebhookOf:
      return kCreateWebhookOf;
    case Sql::kRelinkAlert:
      return kRelinkAlert;
    case Sql::kCount:
      break;
  }
  return {};
}

}  // namespace ogpd::store::sqlite_sql

namespace ogpd::store {
using sqlite_sql::Sql;
}  // namespace ogpd::store
