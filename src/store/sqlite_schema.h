// The SQLite store's schema as numbered migrations, and its SQL as named constants. Migrations are applied in
// order at start-up, each in its own transaction; a migration, once released, never changes.
#pragma once

#include <array>
#include <string_view>

namespace ogpd::store::sqlite_sql {

constexpr std::string_view kCreateMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " applied_at_ms INTEGER NOT NULL)";

constexpr std::string_view kCurrentVersion = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
constexpr std::string_view kRecordMigration =
    "INSERT INTO schema_migrations (version, applied_at_ms) VALUES (?1, ?2)";

// Index i holds migration version i + 1.
constexpr std::array<std::string_view, 1> kMigrations{
    // 1: the journal of received events.
    "CREATE TABLE events ("
    " id INTEGER PRIMARY KEY,"
    " source TEXT NOT NULL,"        // opsgenie | pagerduty
    " type TEXT NOT NULL,"          // the vendor's action / event_type
    " kind TEXT NOT NULL,"          // the normalised EventKind
    " dedupe_key TEXT NOT NULL UNIQUE,"
    " delivery_id TEXT UNIQUE,"     // X-Webhook-Id; NULLs never collide
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
    " status TEXT NOT NULL,"        // pending (the engine will act) | ignored (nothing to do) | done
    " raw_body BLOB NOT NULL);"
    "CREATE INDEX events_pending ON events (id) WHERE status = 'pending';",
};

constexpr std::string_view kInsertEvent =
    "INSERT OR IGNORE INTO events (source, type, kind, dedupe_key, delivery_id, alert_id, incident_id,"
    " incident_key, actor_id, actor_name, note, title, description, priority, occurred_at, received_at_ms,"
    " status, raw_body)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)";

constexpr std::string_view kFindDuplicate =
    "SELECT id FROM events WHERE dedupe_key = ?1 OR (?2 IS NOT NULL AND delivery_id = ?2) LIMIT 1";

}  // namespace ogpd::store::sqlite_sql
