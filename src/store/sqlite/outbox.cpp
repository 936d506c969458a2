#include "store/sqlite/outbox.h"

#include <algorithm>
#include <iterator>
#include <tuple>

#include "store/sqlite/plans.h"
#include "store/sqlite/rows.h"

namespace ogpd::store {
namespace {

using Session = SqliteDatabase::Session;

// After an action leaves 'pending': it is no longer its pair's head, and the next pending action is.
Status leave_pending(Session& session, std::int64_t action_id) {
  const auto bind = [&](Statement& s) { s.bind(1, action_id); };
  if (auto s = session.run(Sql::kClearHead, bind); !s.ok()) return s;
  return session.run(Sql::kPromoteHead, bind);
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

std::optional<ActionState> action_state_from_string(std::string_view text) {
  for (const auto state : {ActionState::kPending, ActionState::kDone, ActionState::kDead,
                           ActionState::kUnpaired, ActionState::kDiscarded})
    if (to_string(state) == text) return state;
  return std::nullopt;
}

std::vector<OutboxItem> lowest_of_both_vendors(
    std::size_t limit, const std::function<std::vector<OutboxItem>(Side)>& read_side) {
  std::vector<OutboxItem> items;
  for (const Side side : {Side::kPagerDuty, Side::kOpsgenie}) {
    auto found = read_side(side);
    items.insert(items.end(), std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
  }
  std::sort(items.begin(), items.end(), [](const OutboxItem& a, const OutboxItem& b) { return a.id < b.id; });
  if (items.size() > limit) items.resize(limit);
  return items;
}

std::string pair_key_of(const Action& action) {
  if (action.alert_id) return "alert:" + *action.alert_id;
  return "incident:" + action.incident_id.value_or(action.incident_key.value_or(""));
}

std::vector<StoredEvent> SqliteOutbox::pending_events(std::size_t limit) {
  auto session = database_.lock();
  auto stmt = session.statement(Sql::kPendingEvents);
  stmt->bind(1, static_cast<std::int64_t>(limit));
  return read_events(*stmt);
}

Status SqliteOutbox::commit_plans(const std::vector<PlannedEvent>& plans, std::int64_t now_ms) {
  auto session = database_.lock();
  return session.transaction(Durability::kProcess, [&]() -> Status {
    for (const auto& p : plans)
      if (auto s = write_plan(session, p, now_ms); !s.ok()) return s;
    return {};
  });
}

bool SqliteOutbox::has_pending(const Link& link) {
  auto session = database_.lock();
  auto stmt = session.statement(Sql::kPairHasPending);
  const std::string by_alert = "alert:" + link.alert_id;
  const std::string by_incident = "incident:" + link.incident_id.value_or(link.incident_key.value_or(""));
  stmt->bind(1, std::string_view(by_alert));
  stmt->bind(2, std::string_view(by_incident));
  return stmt->step() == SQLITE_ROW;
}

std::vector<OutboxItem> SqliteOutbox::due_heads(std::int64_t now_ms, std::size_t limit,
                                                const std::vector<std::string>& busy,
                                                std::optional<Side> target) {
  auto session = database_.lock();
  std::vector<OutboxItem> items;
  for (const Side side : {Side::kPagerDuty, Side::kOpsgenie}) {
    if (target && *target != side) continue;
    auto stmt = session.statement(Sql::kDueHeads);
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

std::optional<std::int64_t> SqliteOutbox::next_due_ms() {
  auto session = database_.lock();
  auto stmt = session.statement(Sql::kNextDue);
  if (stmt->step() != SQLITE_ROW || !stmt->column_text(0)) return std::nullopt;
  return stmt->column_int(0);
}

Status SqliteOutbox::complete(std::int64_t action_id, std::int64_t now_ms,
                              const std::optional<Check>& check) {
  auto session = database_.lock();
  return session.transaction(Durability::kProcess, [&]() -> Status {
    if (auto s = session.run(Sql::kCompleteAction,
                             [&](Statement& stmt) {
                               stmt.bind(1, action_id);
                               stmt.bind(2, now_ms);
                             });
        !s.ok())
      return s;
    if (auto s = leave_pending(session, action_id); !s.ok()) return s;
    if (!check) return {};
    return session.run(Sql::kInsertCheck, [&](Statement& stmt) {
      stmt.bind(1, std::string_view(check->request_id));
      stmt.bind(2, action_id);
      stmt.bind(3, now_ms);
    });
  });
}

Status SqliteOutbox::reschedule(std::int64_t action_id, int attempts, std::int64_t next_attempt_at_ms,
                                const std::string& error, bool ambiguous) {
  return write_one(database_, Sql::kRescheduleAction, [&](Statement& s) {
    s.bind(1, action_id);
    s.bind(2, static_cast<std::int64_t>(attempts));
    s.bind(3, next_attempt_at_ms);
    s.bind(4, std::string_view(error));
    s.bind(5, static_cast<std::int64_t>(ambiguous ? 1 : 0));
  });
}

Status SqliteOutbox::finish(std::int64_t action_id, ActionState state, const std::string& error,
                            std::int64_t now_ms) {
  auto session = database_.lock();
  return session.transaction(Durability::kProcess, [&]() -> Status {
    if (auto s = session.run(Sql::kFinishAction,
                             [&](Statement& stmt) {
                               stmt.bind(1, action_id);
                               stmt.bind(2, to_string(state));
                               stmt.bind(3, std::string_view(error));
                               stmt.bind(4, now_ms);
                             });
        !s.ok())
      return s;
    return leave_pending(session, action_id);
  });
}

Status SqliteOutbox::reopen(std::int64_t action_id, int attempts, std::int64_t next_attempt_at_ms,
                            const std::string& error, std::int64_t now_ms) {
  auto session = database_.lock();
  return session.transaction(Durability::kProcess, [&]() -> Status {
    if (auto s = session.run(Sql::kReopenAction,
                             [&](Statement& stmt) {
                               stmt.bind(1, action_id);
                               stmt.bind(2, static_cast<std::int64_t>(attempts));
                               stmt.bind(3, next_attempt_at_ms);
                               stmt.bind(4, std::string_view(error));
                               stmt.bind(5, now_ms);
                             });
        !s.ok())
      return s;
    if (session.db().changes() == 0)
      return Status::not_found("no done action with id " + std::to_string(action_id));
    return recompute_heads(session, action_id);
  });
}

std::optional<OutboxItem> SqliteOutbox::action(std::int64_t action_id) {
  auto session = database_.lock();
  auto stmt = session.statement(Sql::kActionById);
  stmt->bind(1, action_id);
  auto items = read_actions(*stmt);
  if (items.empty()) return std::nullopt;
  return items.front();
}

std::vector<Check> SqliteOutbox::due_checks(std::int64_t now_ms, std::size_t limit) {
  auto session = database_.lock();
  auto stmt = session.statement(Sql::kDueChecks);
  stmt->bind(1, now_ms);
  stmt->bind(2, static_cast<std::int64_t>(limit));
  std::vector<Check> out;
  while (stmt->step() == SQLITE_ROW)
    out.push_back(
        {stmt->column_text(0).value_or(""), stmt->column_int(1), static_cast<int>(stmt->column_int(2))});
  return out;
}

Status SqliteOutbox::reschedule_check(const std::string& request_id, int attempts, std::int64_t next_at_ms) {
  return write_one(database_, Sql::kRescheduleCheck, [&](Statement& s) {
    s.bind(1, std::string_view(request_id));
    s.bind(2, static_cast<std::int64_t>(attempts));
    s.bind(3, next_at_ms);
  });
}

Status SqliteOutbox::drop_check(const std::string& request_id) {
  return write_one(database_, Sql::kDropCheck,
                   [&](Statement& s) { s.bind(1, std::string_view(request_id)); });
}

Status SqliteOutbox::set_vendor_pause(Side vendor, const std::optional<std::string>& reason,
                                      const std::string& error, std::int64_t now_ms) {
  return write_one(database_, Sql::kSetVendorPause, [&](Statement& s) {
    s.bind(1, to_string(vendor));
    s.bind(2, reason);
    s.bind(3, error.empty() ? std::nullopt : std::optional<std::string>(error));
    s.bind(4, now_ms);
  });
}

Status SqliteOutbox::set_vendor_identity(Side vendor, const std::string& identity, std::int64_t now_ms) {
  return write_one(database_, Sql::kSetVendorIdentity, [&](Statement& s) {
    s.bind(1, to_string(vendor));
    s.bind(2, std::string_view(identity));
    s.bind(3, now_ms);
  });
}

Status SqliteOutbox::mark_pending_ambiguous() {
  return write_one(database_, Sql::kMarkPendingAmbiguous, [](Statement&) {});
}

}  // namespace ogpd::store
