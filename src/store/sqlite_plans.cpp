#include "store/sqlite_plans.h"

#include "store/action_json.h"
#include "store/sqlite_schema.h"
#include "store/sqlite_sync_store.h"

namespace ogpd::store {
namespace {

namespace sql = sqlite_sql;

std::optional<Link> read_one_link(Statement& stmt) {
  std::optional<Link> link;
  if (stmt.step() == SQLITE_ROW)
    link = Link{stmt.column_text(0).value_or(""), stmt.column_text(1), stmt.column_text(2)};
  stmt.reset();
  return link;
}

Result step_done(const Db& db, Statement& stmt) {
  const int rc = stmt.step();
  stmt.reset();
  if (rc != SQLITE_DONE) return {false, db.last_error().message};
  return {};
}

}  // namespace

PlanStatements::PlanStatements(const Db& db)
    : link_by_alert_(db.prepare(sql::kLinkByAlert)),
      link_by_incident_(db.prepare(sql::kLinkByIncident)),
      find_echo_(db.prepare(sql::kFindEcho)),
      insert_action_(db.prepare(sql::kInsertAction)),
      mark_event_(db.prepare(sql::kMarkEvent)),
      save_link_(db.prepare(sql::kSaveLink)),
      consume_echo_(db.prepare(sql::kConsumeEcho)) {}

std::optional<Link> PlanStatements::link_by_alert(const std::string& alert_id) {
  link_by_alert_.bind(1, std::string_view(alert_id));
  return read_one_link(link_by_alert_);
}

std::optional<Link> PlanStatements::link_by_incident(const std::string& incident_id) {
  link_by_incident_.bind(1, std::string_view(incident_id));
  return read_one_link(link_by_incident_);
}

bool PlanStatements::echo_recorded(const Echo& echo, std::int64_t not_before_ms) {
  find_echo_.bind(1, to_string(echo.side));
  find_echo_.bind(2, std::string_view(echo.target_id));
  find_echo_.bind(3, std::string_view(echo.verb));
  find_echo_.bind(4, std::string_view(echo.note_digest));
  find_echo_.bind(5, not_before_ms);
  const bool found = find_echo_.step() == SQLITE_ROW;
  find_echo_.reset();
  return found;
}

Result PlanStatements::write(const Db& db, const PlannedEvent& p, std::int64_t now_ms, bool mark_event) {
  for (const auto& a : p.actions) {
    insert_action_.bind(1, p.event_id);
    insert_action_.bind(2, std::string_view(pair_key_of(a)));
    insert_action_.bind(3, to_string(target_of(a.kind)));
    insert_action_.bind(4, to_string(a.kind));
    insert_action_.bind(5, std::string_view(action_to_json(a)));
    insert_action_.bind(6, now_ms);
    if (auto r = step_done(db, insert_action_); !r.ok) return r;
  }
  if (p.new_link) {
    save_link_.bind(1, std::string_view(p.new_link->alert_id));
    save_link_.bind(2, p.new_link->incident_id);
    save_link_.bind(3, p.new_link->incident_key);
    save_link_.bind(4, now_ms);
    if (auto r = step_done(db, save_link_); !r.ok) return r;
  }
  if (p.consume_echo) {
    consume_echo_.bind(1, to_string(p.consume_echo->side));
    consume_echo_.bind(2, std::string_view(p.consume_echo->target_id));
    consume_echo_.bind(3, std::string_view(p.consume_echo->verb));
    consume_echo_.bind(4, std::string_view(p.consume_echo->note_digest));
    if (auto r = step_done(db, consume_echo_); !r.ok) return r;
  }
  if (!mark_event) return {};
  mark_event_.bind(1, p.event_id);
  mark_event_.bind(2, std::string_view(p.outcome));
  return step_done(db, mark_event_);
}

}  // namespace ogpd::store
