#include "store/sqlite/rows.h"

#include "store/action_json.h"

namespace ogpd::store {

std::vector<StoredEvent> read_events(Statement& stmt) {
  std::vector<StoredEvent> out;
  while (stmt.step() == SQLITE_ROW) {
    StoredEvent s;
    s.id = stmt.column_int(0);
    Event& e = s.event;
    e.source = source_from_string(stmt.column_text(1).value_or("")).value_or(Source::kOpsgenie);
    e.type = stmt.column_text(2).value_or("");
    e.kind = kind_from_string(stmt.column_text(3).value_or("")).value_or(EventKind::kOther);
    e.dedupe_key = stmt.column_text(4).value_or("");
    e.delivery_id = stmt.column_text(5);
    e.alert_id = stmt.column_text(6);
    e.incident_id = stmt.column_text(7);
    e.incident_key = stmt.column_text(8);
    e.actor_id = stmt.column_text(9);
    e.actor_name = stmt.column_text(10);
    e.note = stmt.column_text(11);
    e.title = stmt.column_text(12);
    e.description = stmt.column_text(13);
    e.priority = stmt.column_text(14);
    e.occurred_at = stmt.column_text(15);
    s.received_at_ms = stmt.column_int(16);
    s.status = stmt.column_text(17).value_or("");
    s.outcome = stmt.column_text(18).value_or("");
    e.trimmed_note_id = stmt.column_text(19);
    e.route = stmt.column_text(20);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<OutboxItem> read_actions(Statement& stmt) {
  std::vector<OutboxItem> out;
  while (stmt.step() == SQLITE_ROW) {
    OutboxItem item;
    item.id = stmt.column_int(0);
    item.event_id = stmt.column_int(1);
    item.pair_key = stmt.column_text(2).value_or("");
    auto action = action_from_json(stmt.column_text(3).value_or(""));
    if (!action) continue;  // unreadable payload: impossible unless the file was edited by hand
    item.action = std::move(*action);
    item.state = action_state_from_string(stmt.column_text(4).value_or("")).value_or(ActionState::kPending);
    item.attempts = static_cast<int>(stmt.column_int(5));
    item.ambiguous = stmt.column_int(6) != 0;
    item.created_at_ms = stmt.column_int(7);
    item.next_attempt_at_ms = stmt.column_int(8);
    item.last_error = stmt.column_text(9).value_or("");
    out.push_back(std::move(item));
  }
  return out;
}

std::vector<Link> read_links(Statement& stmt) {
  std::vector<Link> out;
  while (stmt.step() == SQLITE_ROW)
    out.push_back(Link{stmt.column_text(0).value_or(""), stmt.column_text(1), stmt.column_text(2),
                       stmt.column_text(3), stmt.column_int(4) != 0});
  return out;
}

// One statement in its own transaction. BEGIN IMMEDIATE takes the write lock first, so a busy database is
// waited for; a single auto-commit statement would instead fail at once when its read snapshot went stale
// (SQLITE_BUSY_SNAPSHOT). `changed`, when given, receives the number of rows the statement changed.
Status write_one(SqliteDatabase& database, Sql which, const std::function<void(Statement&)>& bind,
                 int* changed) {
  auto session = database.lock();
  return session.transaction(Durability::kProcess, [&]() -> Status {
    Status s = session.run(which, bind);
    if (changed != nullptr) *changed = session.db().changes();
    return s;
  });
}

Status recompute_heads(SqliteDatabase::Session& session, std::int64_t action_id) {
  std::string pair;
  {
    auto key = session.statement(Sql::kPairKeyOfAction);
    key->bind(1, action_id);
    if (key->step() != SQLITE_ROW) return session.db().last_error();
    pair = key->column_text(0).value_or("");
  }
  return session.run(Sql::kRecomputeHeads, [&](Statement& stmt) { stmt.bind(1, std::string_view(pair)); });
}

}  // namespace ogpd::store
