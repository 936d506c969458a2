#include "store/sqlite/plans.h"

#include "store/action_json.h"
#include "store/sqlite/rows.h"

namespace ogpd::store {
namespace {

std::optional<Link> read_one_link(SqliteDatabase::Session& session, Sql which, const std::string& id) {
  auto stmt = session.statement(which);
  stmt->bind(1, std::string_view(id));
  auto links = read_links(*stmt);
  if (links.empty()) return std::nullopt;
  return std::move(links.front());
}

}  // namespace

std::optional<Link> read_link_by_alert(SqliteDatabase::Session& session, const std::string& alert_id) {
  return read_one_link(session, Sql::kLinkByAlert, alert_id);
}

std::optional<Link> read_link_by_incident(SqliteDatabase::Session& session, const std::string& incident_id) {
  return read_one_link(session, Sql::kLinkByIncident, incident_id);
}

bool read_alert_unrouted(SqliteDatabase::Session& session, const std::string& alert_id) {
  auto stmt = session.statement(Sql::kAlertUnrouted);
  stmt->bind(1, std::string_view(alert_id));
  return stmt->step() == SQLITE_ROW;
}

bool read_echo_recorded(SqliteDatabase::Session& session, const Echo& echo, std::int64_t not_before_ms) {
  auto stmt = session.statement(Sql::kFindEcho);
  stmt->bind(1, to_string(echo.side));
  stmt->bind(2, std::string_view(echo.target_id));
  stmt->bind(3, std::string_view(echo.verb));
  stmt->bind(4, std::string_view(echo.note_digest));
  stmt->bind(5, not_before_ms);
  return stmt->step() == SQLITE_ROW;
}

void bind_status(Statement& stmt, const PairStatus& status, std::int64_t now_ms) {
  stmt.bind(1, to_string(status.side));
  stmt.bind(2, std::string_view(status.target_id));
  stmt.bind(3, std::string_view(status.status));
  stmt.bind(4, now_ms);
  stmt.bind(5, static_cast<std::int64_t>(status.authoritative ? 1 : 0));
}

Status write_plan(SqliteDatabase::Session& session, const PlannedEvent& p, std::int64_t now_ms,
                  bool mark_event) {
  for (const auto& a : p.actions) {
    if (auto s = session.run(Sql::kInsertAction,
                             [&](Statement& stmt) {
                               stmt.bind(1, p.event_id);
                               stmt.bind(2, std::string_view(pair_key_of(a)));
                               stmt.bind(3, to_string(target_of(a.kind)));
                               stmt.bind(4, to_string(a.kind));
                               stmt.bind(5, std::string_view(action_to_json(a)));
                               stmt.bind(6, now_ms);
                             });
        !s.ok())
      return s;
  }
  if (p.new_link) {
    if (auto s = session.run(Sql::kSaveLink,
                             [&](Statement& stmt) {
                               stmt.bind(1, std::string_view(p.new_link->alert_id));
                               stmt.bind(2, p.new_link->incident_id);
                               stmt.bind(3, p.new_link->incident_key);
                               stmt.bind(4, now_ms);
                               stmt.bind(5, p.new_link->route);
                               stmt.bind(6, static_cast<std::int64_t>(p.new_link->born_in_pagerduty ? 1 : 0));
                             });
        !s.ok())
      return s;
  }
  if (p.consume_echo) {
    if (auto s = session.run(Sql::kConsumeEcho,
                             [&](Statement& stmt) {
                               stmt.bind(1, to_string(p.consume_echo->side));
                               stmt.bind(2, std::string_view(p.consume_echo->target_id));
                               stmt.bind(3, std::string_view(p.consume_echo->verb));
                               stmt.bind(4, std::string_view(p.consume_echo->note_digest));
                             });
        !s.ok())
      return s;
  }
  if (p.observed) {
    if (auto s =
            session.run(Sql::kSaveStatus, [&](Statement& stmt) { bind_status(stmt, *p.observed, now_ms); });
        !s.ok())
      return s;
  }
  if (!mark_event) return {};
  return session.run(Sql::kMarkEvent, [&](Statement& stmt) {
    stmt.bind(1, p.event_id);
    stmt.bind(2, std::string_view(p.outcome));
  });
}

}  // namespace ogpd::store
