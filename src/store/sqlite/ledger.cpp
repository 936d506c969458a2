#include "store/sqlite/ledger.h"

#include <limits>

#include "store/sqlite/plans.h"
#include "store/sqlite/rows.h"

namespace ogpd::store {

std::optional<Link> SqliteLedger::link_by_alert(const std::string& alert_id) {
  auto session = database_.lock();
  return read_link_by_alert(session, alert_id);
}

std::optional<Link> SqliteLedger::link_by_incident(const std::string& incident_id) {
  auto session = database_.lock();
  return read_link_by_incident(session, incident_id);
}

bool SqliteLedger::alert_unrouted(const std::string& alert_id) {
  auto session = database_.lock();
  return read_alert_unrouted(session, alert_id);
}

bool SqliteLedger::echo_recorded(const Echo& echo, std::int64_t not_before_ms) {
  auto session = database_.lock();
  return read_echo_recorded(session, echo, not_before_ms);
}

Status SqliteLedger::save_link(const Link& link, std::int64_t now_ms) {
  return write_one(database_, Sql::kSaveLink, [&](Statement& s) {
    s.bind(1, std::string_view(link.alert_id));
    s.bind(2, link.incident_id);
    s.bind(3, link.incident_key);
    s.bind(4, now_ms);
    s.bind(5, link.route);
    s.bind(6, static_cast<std::int64_t>(link.born_in_pagerduty ? 1 : 0));
  });
}

Status SqliteLedger::record_echo(const Echo& echo, std::int64_t now_ms) {
  return write_one(database_, Sql::kRecordEcho, [&](Statement& s) {
    s.bind(1, to_string(echo.side));
    s.bind(2, std::string_view(echo.target_id));
    s.bind(3, std::string_view(echo.verb));
    s.bind(4, std::string_view(echo.note_digest));
    s.bind(5, now_ms);
  });
}

Status SqliteLedger::expire_echoes(std::int64_t before_ms) {
  return write_one(database_, Sql::kExpireEchoes, [&](Statement& s) { s.bind(1, before_ms); });
}

Status SqliteLedger::withdraw_echo(const Echo& echo) {
  return write_one(database_, Sql::kConsumeEcho, [&](Statement& s) {
    s.bind(1, to_string(echo.side));
    s.bind(2, std::string_view(echo.target_id));
    s.bind(3, std::string_view(echo.verb));
    s.bind(4, std::string_view(echo.note_digest));
  });
}

std::vector<LinkedPair> SqliteLedger::pairs_to_reconcile(std::int64_t created_since_ms,
                                                         const std::optional<LinkedPair>& after,
                                                         std::size_t limit) {
  auto session = database_.lock();
  auto stmt = session.statement(Sql::kPairsToReconcile);
  stmt->bind(1, created_since_ms);
  stmt->bind(2, after ? after->created_at_ms : std::numeric_limits<std::int64_t>::min());
  stmt->bind(3, std::string_view(after ? after->link.alert_id : std::string()));
  stmt->bind(4, static_cast<std::int64_t>(limit));
  std::vector<LinkedPair> out;
  while (stmt->step() == SQLITE_ROW)
    out.push_back({Link{stmt->column_text(0).value_or(""), stmt->column_text(1), stmt->column_text(2)},
                   stmt->column_int(3), stmt->column_int(4) != 0});
  return out;
}

std::optional<std::string> SqliteLedger::known_status(Side side, const std::string& target_id) {
  auto session = database_.lock();
  auto stmt = session.statement(Sql::kKnownStatus);
  stmt->bind(1, to_string(side));
  stmt->bind(2, std::string_view(target_id));
  if (stmt->step() != SQLITE_ROW) return std::nullopt;
  return stmt->column_text(0);
}

Status SqliteLedger::save_status(const PairStatus& status, std::int64_t now_ms) {
  return write_one(database_, Sql::kSaveStatus, [&](Statement& s) { bind_status(s, status, now_ms); });
}

}  // namespace ogpd::store
