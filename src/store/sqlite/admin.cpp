#include "store/sqlite/admin.h"

#include "store/sqlite/plans.h"
#include "store/sqlite/rows.h"

namespace ogpd::store {

std::vector<OutboxItem> SqliteAdmin::actions_in_state(ActionState state, std::size_t limit) {
  auto session = database_.read();
  const auto snapshot = session.snapshot();
  if (!is_open(state)) {
    auto stmt = session.statement(Sql::kFinishedActionsInState);
    stmt->bind(1, to_string(state));
    stmt->bind(2, static_cast<std::int64_t>(limit));
    return read_actions(*stmt);
  }
  return lowest_of_both_vendors(limit, [&](Side side) {
    auto stmt = session.statement(Sql::kOpenActionsInState);
    stmt->bind(1, to_string(state));
    stmt->bind(2, static_cast<std::int64_t>(limit));
    stmt->bind(3, to_string(side));
    return read_actions(*stmt);
  });
}

std::optional<OutboxItem> SqliteAdmin::action(std::int64_t id) {
  auto session = database_.read();
  auto stmt = session.statement(Sql::kActionById);
  stmt->bind(1, id);
  auto items = read_actions(*stmt);
  if (items.empty()) return std::nullopt;
  return items.front();
}

Status SqliteAdmin::replay(std::int64_t action_id, std::int64_t now_ms) {
  auto session = database_.lock();
  return session.transaction(Durability::kProcess, [&]() -> Status {
    if (auto s = session.run(Sql::kReplayAction,
                             [&](Statement& stmt) {
                               stmt.bind(1, action_id);
                               stmt.bind(2, now_ms);
                             });
        !s.ok())
      return s;
    if (session.db().changes() == 0)
      return Status::not_found("no dead letter with id " + std::to_string(action_id));
    return recompute_heads(session, action_id);
  });
}

Status SqliteAdmin::discard(std::int64_t action_id, std::int64_t now_ms) {
  int changed = 0;
  Status s = write_one(
      database_, Sql::kDiscardAction,
      [&](Statement& stmt) {
        stmt.bind(1, action_id);
        stmt.bind(2, now_ms);
      },
      &changed);
  if (s.ok() && changed == 0) return Status::not_found("no dead letter with id " + std::to_string(action_id));
  return s;
}

std::vector<StoredEvent> SqliteAdmin::recent_events(std::size_t limit) {
  auto session = database_.read();
  auto stmt = session.statement(Sql::kRecentEvents);
  stmt->bind(1, static_cast<std::int64_t>(limit));
  return read_events(*stmt);
}

std::vector<Link> SqliteAdmin::links(const std::optional<std::string>& alert_id,
                                     const std::optional<std::string>& incident_id) {
  auto session = database_.lock();
  if (!alert_id && !incident_id) {
    auto stmt = session.statement(Sql::kRecentLinks);
    return read_links(*stmt);
  }
  auto link =
      alert_id ? read_link_by_alert(session, *alert_id) : read_link_by_incident(session, *incident_id);
  if (!link || (incident_id && link->incident_id != incident_id)) return {};
  return {std::move(*link)};
}

QueueStats SqliteAdmin::queue_stats() {
  auto session = database_.read();
  const auto snapshot = session.snapshot();
  QueueStats stats;
  stats.vendors["pagerduty"];
  stats.vendors["opsgenie"];
  {
    auto stmt = session.statement(Sql::kOpenActionStats);
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
      }
    }
  }
  for (auto& [vendor, v] : stats.vendors) {
    auto stmt = session.statement(Sql::kLastSuccess);
    stmt->bind(1, std::string_view(vendor));
    if (stmt->step() == SQLITE_ROW) v.last_success_ms = stmt->column_int(0);
  }
  {
    auto states = session.statement(Sql::kVendorStates);
    while (states->step() == SQLITE_ROW) {
      auto& v = stats.vendors[states->column_text(0).value_or("")];
      v.paused_reason = states->column_text(1);
      if (v.paused_reason) v.paused_since_ms = states->column_int(2);
      v.last_error = states->column_text(3);
      v.identity = states->column_text(4);
    }
  }
  auto events = session.statement(Sql::kPendingEventCount);
  if (events->step() == SQLITE_ROW) stats.events_pending = events->column_int(0);
  return stats;
}

std::vector<RouteActivity> SqliteAdmin::route_activity(const std::vector<std::string>& routes) {
  auto session = database_.read();
  std::vector<RouteActivity> out;
  for (const auto& route : routes) {
    auto stmt = session.statement(Sql::kRouteActivity);
    stmt->bind(1, std::string_view(route));
    RouteActivity a{route, 0, std::nullopt};
    if (stmt->step() == SQLITE_ROW) {
      a.alerts = stmt->column_int(0);
      if (a.alerts > 0) a.last_at_ms = stmt->column_int(1);
    }
    out.push_back(std::move(a));
  }
  return out;
}

Result<std::int64_t> SqliteAdmin::prune(std::int64_t before_ms, int batch) {
  auto session = database_.lock();
  std::int64_t removed = 0;
  Status s = session.transaction(Durability::kProcess, [&]() -> Status {
    for (const Sql which : {Sql::kPruneChecks, Sql::kPruneActions, Sql::kPruneEvents, Sql::kPruneStatuses}) {
      if (auto step = session.run(which,
                                  [&](Statement& stmt) {
                                    stmt.bind(1, before_ms);
                                    stmt.bind(2, static_cast<std::int64_t>(batch));
                                  });
          !step.ok())
        return step;
      if (which != Sql::kPruneChecks) removed += session.db().changes();
    }
    return {};
  });
  if (!s.ok()) return s;
  return removed;
}

std::vector<Link> SqliteAdmin::every_link() {
  auto session = database_.read();
  auto stmt = session.statement(Sql::kEveryLink);
  return read_links(*stmt);
}

std::optional<std::string> SqliteAdmin::create_webhook_of(const std::string& alert_id) {
  auto session = database_.read();
  auto stmt = session.statement(Sql::kCreateWebhookOf);
  stmt->bind(1, std::string_view(alert_id));
  if (stmt->step() != SQLITE_ROW) return std::nullopt;
  return stmt->column_text(0);
}

Status SqliteAdmin::relink_alert(const std::string& from, const std::string& to, std::int64_t now_ms) {
  auto session = database_.lock();
  return session.transaction(Durability::kProcess, [&]() -> Status {
    if (read_link_by_alert(session, to)) return Status::invalid("alert " + to + " is linked already");
    Status s = session.run(Sql::kRelinkAlert, [&](Statement& stmt) {
      stmt.bind(1, std::string_view(from));
      stmt.bind(2, std::string_view(to));
      stmt.bind(3, now_ms);
    });
    if (s.ok() && session.db().changes() == 0) return Status::not_found("no link has alert " + from);
    return s;
  });
}

}  // namespace ogpd::store
