#include "store/postgres/admin.h"

#include "store/postgres/plans.h"
#include "store/postgres/schema.h"

namespace ogpd::store {

std::vector<OutboxItem> PgAdmin::actions_in_state(ActionState state, std::size_t limit) {
  auto session = database_.session();
  if (!session.ok()) return {};
  if (!is_open(state)) {
    auto rows = session->query(pg_sql::kFinishedActionsInState,
                               pg::params(to_string(state), static_cast<std::int64_t>(limit)));
    return rows.ok() ? pg_read_actions(*rows) : std::vector<OutboxItem>{};
  }
  return lowest_of_both_vendors(limit, [&](Side side) {
    auto rows =
        session->query(pg_sql::kOpenActionsInState,
                       pg::params(to_string(state), static_cast<std::int64_t>(limit), to_string(side)));
    return rows.ok() ? pg_read_actions(*rows) : std::vector<OutboxItem>{};
  });
}

std::optional<OutboxItem> PgAdmin::action(std::int64_t id) {
  return pg_action_by_id(database_, id);
}

Status PgAdmin::replay(std::int64_t action_id, std::int64_t now_ms) {
  auto changed =
      pg_write_one(database_, PgCommit::kFlushed, pg_sql::kReplayAction, pg::params(action_id, now_ms));
  if (!changed.ok()) return changed.status();
  if (*changed == 0) return Status::not_found("no dead letter with id " + std::to_string(action_id));
  (void)pg_write_one(database_, PgCommit::kFlushed, pg_sql::kNotify,
                     {});  // wake the engines now rather than at their next poll
  return {};
}

Status PgAdmin::discard(std::int64_t action_id, std::int64_t now_ms) {
  auto changed =
      pg_write_one(database_, PgCommit::kFlushed, pg_sql::kDiscardAction, pg::params(action_id, now_ms));
  if (!changed.ok()) return changed.status();
  if (*changed == 0) return Status::not_found("no dead letter with id " + std::to_string(action_id));
  return {};
}

std::vector<StoredEvent> PgAdmin::recent_events(std::size_t limit) {
  auto session = database_.session();
  if (!session.ok()) return {};
  auto rows = session->query(pg_sql::kRecentEvents, pg::params(static_cast<std::int64_t>(limit)));
  return rows.ok() ? pg_read_events(*rows) : std::vector<StoredEvent>{};
}

std::vector<Link> PgAdmin::links(const std::optional<std::string>& alert_id,
                                 const std::optional<std::string>& incident_id) {
  auto session = database_.session();
  if (!session.ok()) return {};
  if (!alert_id && !incident_id) {
    auto rows = session->query(pg_sql::kRecentLinks);
    return rows.ok() ? pg_read_links(*rows) : std::vector<Link>{};
  }
  auto rows = session->query(alert_id ? pg_sql::kLinkByAlert : pg_sql::kLinkByIncident,
                             pg::params(alert_id ? *alert_id : *incident_id));
  auto link = rows.ok() ? pg_read_link(*rows) : std::nullopt;
  if (!link || (incident_id && link->incident_id != incident_id)) return {};
  return {std::move(*link)};
}

QueueStats PgAdmin::queue_stats() {
  QueueStats stats;
  stats.vendors["pagerduty"];
  stats.vendors["opsgenie"];
  auto session = database_.session();
  if (!session.ok()) return stats;
  if (auto rows = session->query(pg_sql::kOpenActionStats); rows.ok()) {
    for (int r = 0; r < rows->size(); ++r) {
      auto& v = stats.vendors[rows->text_or(r, 0, "")];
      const std::string state = rows->text_or(r, 1, "");
      const std::int64_t count = rows->integer(r, 2);
      if (state == "pending") {
        v.pending = count;
        v.oldest_pending_ms = rows->integer(r, 3);
      } else if (state == "dead") {
        v.dead = count;
      } else if (state == "unpaired") {
        v.unpaired = count;
      }
    }
  }
  for (auto& [vendor, v] : stats.vendors) {
    if (auto rows = session->query(pg_sql::kLastSuccess, pg::params(vendor)); rows.ok() && !rows->empty())
      v.last_success_ms = rows->integer(0, 0);
  }
  if (auto rows = session->query(pg_sql::kVendorStates); rows.ok()) {
    for (int r = 0; r < rows->size(); ++r) {
      auto& v = stats.vendors[rows->text_or(r, 0, "")];
      v.paused_reason = rows->text(r, 1);
      if (v.paused_reason) v.paused_since_ms = rows->integer(r, 2);
      v.last_error = rows->text(r, 3);
      v.identity = rows->text(r, 4);
    }
  }
  if (auto rows = session->query(pg_sql::kPendingEventCount); rows.ok() && !rows->empty())
    stats.events_pending = rows->integer(0, 0);
  return stats;
}

std::vector<RouteActivity> PgAdmin::route_activity(const std::vector<std::string>& routes) {
  std::vector<RouteActivity> out;
  auto session = database_.session();
  for (const auto& route : routes) {
    RouteActivity a{route, 0, std::nullopt};
    if (session.ok()) {
      if (auto rows = session->query(pg_sql::kRouteActivity, pg::params(route));
          rows.ok() && !rows->empty()) {
        a.alerts = rows->integer(0, 0);
        if (a.alerts > 0) a.last_at_ms = rows->integer(0, 1);
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

Result<std::int64_t> PgAdmin::prune(std::int64_t before_ms, int batch) {
  auto session = database_.session();
  if (!session.ok()) return session.status();
  std::int64_t removed = 0;
  Status s = session->transaction([&]() -> Status {
    auto mine = session->query("SELECT pg_try_advisory_xact_lock($1)",
                               pg::params(static_cast<std::int64_t>(PgLock::kRetention)));
    if (!mine.ok()) return mine.status();
    if (!mine->boolean(0, 0)) return {};  // another proxy is pruning
    for (const std::string_view sql :
         {pg_sql::kPruneChecks, pg_sql::kPruneActions, pg_sql::kPruneEvents, pg_sql::kPruneStatuses}) {
      auto step = session->query(sql, pg::params(before_ms, static_cast<std::int64_t>(batch)));
      if (!step.ok()) return step.status();
      if (sql != pg_sql::kPruneChecks) removed += step->affected();
    }
    return {};
  });
  if (!s.ok()) return s;
  return removed;
}

std::vector<Link> PgAdmin::every_link() {
  auto session = database_.session();
  if (!session.ok()) return {};
  auto rows = session->query(pg_sql::kEveryLink);
  return rows.ok() ? pg_read_links(*rows) : std::vector<Link>{};
}

std::optional<std::string> PgAdmin::create_webhook_of(const std::string& alert_id) {
  auto session = database_.session();
  if (!session.ok()) return std::nullopt;
  auto rows = session->query(pg_sql::kCreateWebhookOf, pg::params(alert_id));
  if (!rows.ok() || rows->empty()) return std::nullopt;
  return rows->text(0, 0);
}

Status PgAdmin::relink_alert(const std::string& from, const std::string& to, std::int64_t now_ms) {
  auto changed =
      pg_write_one(database_, PgCommit::kFlushed, pg_sql::kRelinkAlert, pg::params(from, to, now_ms));
  if (!changed.ok()) return changed.status();
  if (*changed == 1) return {};
  if (!links(to, std::nullopt).empty()) return Status::invalid("alert " + to + " is linked already");
  return Status::not_found("no link has alert " + from);
}

}  // namespace ogpd::store
