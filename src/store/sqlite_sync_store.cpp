#include "store/sqlite_sync_store.h"

#include <algorithm>
#include <functional>
#include <tuple>

#include "store/action_json.h"
#include "store/sqlite_plans.h"
#include "store/sqlite_schema.h"

namespace ogpd::store {
namespace {

namespace sql = sqlite_sql;

constexpr int kBusyTimeoutMs = 5000;

std::optional<ActionState> state_from_string(std::string_view s) {
  if (s == "pending") return ActionState::kPending;
  if (s == "done") return ActionState::kDone;
  if (s == "dead") return ActionState::kDead;
  if (s == "unpaired") return ActionState::kUnpaired;
  if (s == "discarded") return ActionState::kDiscarded;
  return std::nullopt;
}

std::optional<Link> read_link(Statement& stmt) {
  if (stmt.step() != SQLITE_ROW) return std::nullopt;
  return Link{stmt.column_text(0).value_or(""), stmt.column_text(1), stmt.column_text(2)};
}

// BEGIN IMMEDIATE ... COMMIT around `body`; rolls back when body or commit fails. On the journal's connection
// the commit is made with synchronous=NORMAL (see open()), and FULL is restored for the journal's next
// commit.
Result transaction(Db& db, bool shared, const std::function<Result()>& body) {
  if (shared) db.exec("PRAGMA synchronous=NORMAL");
  Result r;
  if (auto s = db.exec("BEGIN IMMEDIATE"); !s.ok()) {
    r = {false, s.message};
  } else {
    r = body();
    if (r.ok) {
      if (auto c = db.exec("COMMIT"); !c.ok()) r = {false, c.message};
    }
    if (!r.ok) db.exec("ROLLBACK");
  }
  if (shared) db.exec("PRAGMA synchronous=FULL");
  return r;
}

}  // namespace

std::string_view to_string(ActionState state) {
  switch (state) {
    case ActionState::kPending:
      return "pending";
    case ActionState::kDone:
      return "done";
    case ActionState::kDead:
      return "dead";
    case ActionState::kUnpaired:
      return "unpaired";
    case ActionState::kDiscarded:
      return "discarded";
  }
  return "pending";
}

std::string pair_key_of(const Action& action) {
  if (action.alert_id) return "alert:" + *action.alert_id;
  return "incident:" + action.incident_id.value_or(action.incident_key.value_or(""));
}

std::unique_ptr<SqliteSyncStore> SqliteSyncStore::open(const std::string& path, std::string* error) {
  auto db = Db::open(path, error);
  if (!db) return nullptr;
  // synchronous=NORMAL for the sync store's writes (outcomes, links, the echo ledger): in WAL mode they
  // survive a crash of the process (kill -9) but not of the machine, and an outcome lost that way only makes
  // an action run again, looking before it acts (pending actions are marked ambiguous at start-up).
  if (auto failed = db->configure("NORMAL", kBusyTimeoutMs); !failed.empty()) {
    *error = path + ": " + failed;
    return nullptr;
  }
  return std::unique_ptr<SqliteSyncStore>(
      new SqliteSyncStore(std::make_unique<Db>(std::move(*db)), nullptr, nullptr));
}

std::unique_ptr<SqliteSyncStore> SqliteSyncStore::attach(SqliteStore& journal) {
  return std::unique_ptr<SqliteSyncStore>(
      new SqliteSyncStore(nullptr, &journal.shared_db(), &journal.shared_db_mutex()));
}

SqliteSyncStore::Cached SqliteSyncStore::cached(std::string_view sql) {
  auto it = statements_.find(sql.data());
  if (it == statements_.end()) it = statements_.emplace(sql.data(), db_.prepare(sql)).first;
  return Cached(it->second);
}

Result SqliteSyncStore::write(std::string_view sql, const std::function<void(Statement&)>& bind) {
  // BEGIN IMMEDIATE takes the write lock first, so a busy database is waited for; a single auto-commit
  // statement would instead fail at once when its read snapshot went stale (SQLITE_BUSY_SNAPSHOT).
  int changes = 0;
  Result r = transaction(db_, shared_, [&] {
    Result inner = run(sql, bind);
    changes = sqlite3_changes(db_.handle());
    return inner;
  });
  last_changes_ = changes;
  return r;
}

Result SqliteSyncStore::leave_pending(std::int64_t action_id) {
  if (auto r = run(sqlite_sql::kClearHead, [&](Statement& s) { s.bind(1, action_id); }); !r.ok) return r;
  return run(sqlite_sql::kPromoteHead, [&](Statement& s) { s.bind(1, action_id); });
}

Result SqliteSyncStore::run(std::string_view text, const std::function<void(Statement&)>& bind) {
  auto stmt = cached(text);
  if (!stmt->valid()) return {false, db_.last_error().message};
  bind(*stmt);
  const int rc = stmt->step();
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return {false, db_.last_error().message};
  return {};
}

std::vector<StoredEvent> SqliteSyncStore::read_events(Statement& stmt) {
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
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<OutboxItem> SqliteSyncStore::read_actions(Statement& stmt) {
  std::vector<OutboxItem> out;
  while (stmt.step() == SQLITE_ROW) {
    OutboxItem item;
    item.id = stmt.column_int(0);
    item.event_id = stmt.column_int(1);
    item.pair_key = stmt.column_text(2).value_or("");
    auto action = action_from_json(stmt.column_text(3).value_or(""));
    if (!action) continue;  // unreadable payload: impossible unless the file was edited by hand
    item.action = std::move(*action);
    item.state = state_from_string(stmt.column_text(4).value_or("")).value_or(ActionState::kPending);
    item.attempts = static_cast<int>(stmt.column_int(5));
    item.ambiguous = stmt.column_int(6) != 0;
    item.created_at_ms = stmt.column_int(7);
    item.next_attempt_at_ms = stmt.column_int(8);
    item.last_error = stmt.column_text(9).value_or("");
    out.push_back(std::move(item));
  }
  return out;
}

std::vector<StoredEvent> SqliteSyncStore::pending_events(std::size_t limit) {
  std::lock_guard lock(mu_);
  auto stmt = cached(sql::kPendingEvents);
  stmt->bind(1, static_cast<std::int64_t>(limit));
  return read_events(*stmt);
}

std::vector<StoredEvent> SqliteSyncStore::recent_events(std::size_t limit) {
  std::lock_guard lock(mu_);
  auto stmt = cached(sql::kRecentEvents);
  stmt->bind(1, static_cast<std::int64_t>(limit));
  return read_events(*stmt);
}

std::optional<Link> SqliteSyncStore::link_by_alert(const std::string& alert_id) {
  std::lock_guard lock(mu_);
  return plans_.link_by_alert(alert_id);
}

std::optional<Link> SqliteSyncStore::link_by_incident(const std::string& incident_id) {
  std::lock_guard lock(mu_);
  return plans_.link_by_incident(incident_id);
}

bool SqliteSyncStore::echo_recorded(const Echo& echo, std::int64_t not_before_ms) {
  std::lock_guard lock(mu_);
  return plans_.echo_recorded(echo, not_before_ms);
}

Result SqliteSyncStore::commit_plans(const std::vector<PlannedEvent>& plans, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  return transaction(db_, shared_, [&]() -> Result {
    for (const auto& p : plans)
      if (auto r = plans_.write(db_, p, now_ms); !r.ok) return r;
    return {};
  });
}

std::vector<OutboxItem> SqliteSyncStore::due_heads(std::int64_t now_ms, std::size_t limit,
                                                   const std::vector<std::string>& busy,
                                                   std::optional<Side> target) {
  std::lock_guard lock(mu_);
  std::vector<OutboxItem> items;
  for (const Side side : {Side::kPagerDuty, Side::kOpsgenie}) {
    if (target && *target != side) continue;
    auto stmt = cached(sql::kDueHeads);
    stmt->bind(1, now_ms);
    stmt->bind(2, static_cast<std::int64_t>(limit + busy.size()));
    stmt->bind(3, to_string(side));
    auto found = read_actions(*stmt);
    items.insert(items.end(), std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
  }
  std::erase_if(items, [&](const OutboxItem& i) {
    return std::find(busy.begin(), busy.end(), i.pair_key) != busy.end();
  });
  std::sort(items.begin(), items.end(), [](const OutboxItem& a, const OutboxItem& b) {
    return std::tie(a.next_attempt_at_ms, a.id) < std::tie(b.next_attempt_at_ms, b.id);
  });
  if (items.size() > limit) items.resize(limit);
  return items;
}

std::optional<std::int64_t> SqliteSyncStore::next_due_ms() {
  std::lock_guard lock(mu_);
  auto stmt = cached(sql::kNextDue);
  if (stmt->step() != SQLITE_ROW || !stmt->column_text(0)) return std::nullopt;
  return stmt->column_int(0);
}

Result SqliteSyncStore::record_echo(const Echo& echo, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  return write(sql::kRecordEcho, [&](Statement& s) {
    s.bind(1, to_string(echo.side));
    s.bind(2, std::string_view(echo.target_id));
    s.bind(3, std::string_view(echo.verb));
    s.bind(4, std::string_view(echo.note_digest));
    s.bind(5, now_ms);
  });
}

Result SqliteSyncStore::expire_echoes(std::int64_t before_ms) {
  std::lock_guard lock(mu_);
  return write(sql::kExpireEchoes, [&](Statement& s) { s.bind(1, before_ms); });
}

Result SqliteSyncStore::save_link(const Link& link, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  return write(sql::kSaveLink, [&](Statement& s) {
    s.bind(1, std::string_view(link.alert_id));
    s.bind(2, link.incident_id);
    s.bind(3, link.incident_key);
    s.bind(4, now_ms);
  });
}

Result SqliteSyncStore::complete(std::int64_t action_id, std::int64_t now_ms,
                                 const std::optional<Check>& check) {
  std::lock_guard lock(mu_);
  return transaction(db_, shared_, [&]() -> Result {
    if (auto r = run(sql::kCompleteAction,
                     [&](Statement& s) {
                       s.bind(1, action_id);
                       s.bind(2, now_ms);
                     });
        !r.ok)
      return r;
    if (auto r = leave_pending(action_id); !r.ok) return r;
    if (!check) return {};
    return run(sql::kInsertCheck, [&](Statement& s) {
      s.bind(1, std::string_view(check->request_id));
      s.bind(2, action_id);
      s.bind(3, now_ms);
    });
  });
}

Result SqliteSyncStore::reschedule(std::int64_t action_id, int attempts, std::int64_t next_attempt_at_ms,
                                   const std::string& error, bool ambiguous) {
  std::lock_guard lock(mu_);
  return write(sql::kRescheduleAction, [&](Statement& s) {
    s.bind(1, action_id);
    s.bind(2, static_cast<std::int64_t>(attempts));
    s.bind(3, next_attempt_at_ms);
    s.bind(4, std::string_view(error));
    s.bind(5, static_cast<std::int64_t>(ambiguous ? 1 : 0));
  });
}

Result SqliteSyncStore::finish(std::int64_t action_id, ActionState state, const std::string& error,
                               std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  return transaction(db_, shared_, [&]() -> Result {
    if (auto r = run(sql::kFinishAction,
                     [&](Statement& s) {
                       s.bind(1, action_id);
                       s.bind(2, to_string(state));
                       s.bind(3, std::string_view(error));
                       s.bind(4, now_ms);
                     });
        !r.ok)
      return r;
    return leave_pending(action_id);
  });
}

std::vector<Check> SqliteSyncStore::due_checks(std::int64_t now_ms, std::size_t limit) {
  std::lock_guard lock(mu_);
  auto stmt = cached(sql::kDueChecks);
  stmt->bind(1, now_ms);
  stmt->bind(2, static_cast<std::int64_t>(limit));
  std::vector<Check> out;
  while (stmt->step() == SQLITE_ROW)
    out.push_back(
        {stmt->column_text(0).value_or(""), stmt->column_int(1), static_cast<int>(stmt->column_int(2))});
  return out;
}

Result SqliteSyncStore::reschedule_check(const std::string& request_id, int attempts,
                                         std::int64_t next_at_ms) {
  std::lock_guard lock(mu_);
  return write(sql::kRescheduleCheck, [&](Statement& s) {
    s.bind(1, std::string_view(request_id));
    s.bind(2, static_cast<std::int64_t>(attempts));
    s.bind(3, next_at_ms);
  });
}

Result SqliteSyncStore::drop_check(const std::string& request_id) {
  std::lock_guard lock(mu_);
  return write(sql::kDropCheck, [&](Statement& s) { s.bind(1, std::string_view(request_id)); });
}

std::vector<OutboxItem> SqliteSyncStore::actions_in_state(ActionState state, std::size_t limit) {
  std::lock_guard lock(mu_);
  auto stmt = cached(sql::kActionsInState);
  stmt->bind(1, to_string(state));
  stmt->bind(2, static_cast<std::int64_t>(limit));
  return read_actions(*stmt);
}

std::optional<OutboxItem> SqliteSyncStore::action(std::int64_t id) {
  std::lock_guard lock(mu_);
  auto stmt = cached(sql::kActionById);
  stmt->bind(1, id);
  auto items = read_actions(*stmt);
  if (items.empty()) return std::nullopt;
  return items.front();
}

Result SqliteSyncStore::replay(std::int64_t action_id, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  return transaction(db_, shared_, [&]() -> Result {
    Result r = run(sql::kReplayAction, [&](Statement& s) {
      s.bind(1, action_id);
      s.bind(2, now_ms);
    });
    if (r.ok && sqlite3_changes(db_.handle()) == 0)
      return {false, "no dead letter with id " + std::to_string(action_id)};
    if (!r.ok) return r;
    auto key = db_.prepare("SELECT pair_key FROM outbox WHERE id = ?1");
    key.bind(1, action_id);
    if (key.step() != SQLITE_ROW) return {false, db_.last_error().message};
    const std::string pair = key.column_text(0).value_or("");
    return run(sql::kRecomputeHeads, [&](Statement& s) { s.bind(1, std::string_view(pair)); });
  });
}

}  // namespace ogpd::store

namespace ogpd::store {

Result SqliteSyncStore::discard(std::int64_t action_id, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  Result r = write(sqlite_sql::kDiscardAction, [&](Statement& s) {
    s.bind(1, action_id);
    s.bind(2, now_ms);
  });
  if (r.ok && last_changes_ == 0) return {false, "no dead letter with id " + std::to_string(action_id)};
  return r;
}

}  // namespace ogpd::store

namespace ogpd::store {

Result SqliteSyncStore::mark_pending_ambiguous() {
  std::lock_guard lock(mu_);
  return write(sqlite_sql::kMarkPendingAmbiguous, [](Statement&) {});
}

std::int64_t SqliteSyncStore::prune(std::int64_t before_ms, int batch) {
  std::lock_guard lock(mu_);
  std::int64_t removed = 0;
  const Result r = transaction(db_, shared_, [&]() -> Result {
    for (const auto sql : {sqlite_sql::kPruneChecks, sqlite_sql::kPruneActions, sqlite_sql::kPruneEvents}) {
      Result step = run(sql, [&](Statement& s) {
        s.bind(1, before_ms);
        s.bind(2, static_cast<std::int64_t>(batch));
      });
      if (!step.ok) return step;
      if (sql != sqlite_sql::kPruneChecks) removed += sqlite3_changes(db_.handle());
    }
    return {};
  });
  return r.ok ? removed : 0;
}

QueueStats SqliteSyncStore::queue_stats() {
  std::lock_guard lock(mu_);
  QueueStats stats;
  stats.vendors["pagerduty"];
  stats.vendors["opsgenie"];
  auto stmt = cached(sqlite_sql::kQueueStats);
  while (stmt->step() == SQLITE_ROW) {
    auto& v = stats.vendors[stmt->column_text(0).value_or("")];
    const std::string state = stmt->column_text(1).value_or("");
    const std::int64_t count = stmt->column_int(2);
    if (state == "pending") {
      v.pending = count;
      v.oldest_pending_ms = stmt->column_int(3);
    } else if (state == "dead") {
      v.dead = count;
    } else if (state == "unpaired") {
      v.unpaired = count;
    } else if (state == "done") {
      v.last_success_ms = stmt->column_int(4);
    }
  }
  auto events = cached(sqlite_sql::kPendingEventCount);
  if (events->step() == SQLITE_ROW) stats.events_pending = events->column_int(0);
  return stats;
}

std::vector<Link> SqliteSyncStore::links(const std::optional<std::string>& alert_id,
                                         const std::optional<std::string>& incident_id) {
  std::lock_guard lock(mu_);
  auto stmt = cached(sqlite_sql::kLinksMatching);
  stmt->bind(1, alert_id);
  stmt->bind(2, incident_id);
  std::vector<Link> out;
  while (auto found = read_link(*stmt)) out.push_back(*found);
  return out;
}

}  // namespace ogpd::store
