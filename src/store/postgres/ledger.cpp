#include "store/postgres/ledger.h"

#include <limits>

#include "store/postgres/plans.h"
#include "store/postgres/schema.h"

namespace ogpd::store {
namespace {

// Runs `read` over a pooled session; `fallback` when the store cannot be reached.
template <typename T, typename Read>
T with_session(PgDatabase& database, T fallback, Read read) {
  auto session = database.session();
  if (!session.ok()) return fallback;
  PgPlanningView view(*session);
  return read(view);
}

}  // namespace

std::optional<Link> PgLedger::link_by_alert(const std::string& alert_id) {
  return with_session<std::optional<Link>>(
      database_, std::nullopt, [&](PgPlanningView& view) { return view.link_by_alert(alert_id); });
}

std::optional<Link> PgLedger::link_by_incident(const std::string& incident_id) {
  return with_session<std::optional<Link>>(
      database_, std::nullopt, [&](PgPlanningView& view) { return view.link_by_incident(incident_id); });
}

bool PgLedger::echo_recorded(const Echo& echo, std::int64_t not_before_ms) {
  return with_session<bool>(database_, false,
                            [&](PgPlanningView& view) { return view.echo_recorded(echo, not_before_ms); });
}

bool PgLedger::alert_unrouted(const std::string& alert_id) {
  return with_session<bool>(database_, false,
                            [&](PgPlanningView& view) { return view.alert_unrouted(alert_id); });
}

Status PgLedger::save_link(const Link& link, std::int64_t now_ms) {
  return written(pg_write_one(database_, PgCommit::kLazy, pg_sql::kSaveLink,
                              pg::params(link.alert_id, link.incident_id, link.incident_key, now_ms,
                                         link.route, link.born_in_pagerduty)));
}

Status PgLedger::record_echo(const Echo& echo, std::int64_t now_ms) {
  return written(
      pg_write_one(database_, PgCommit::kLazy, pg_sql::kRecordEcho,
                   pg::params(to_string(echo.side), echo.target_id, echo.verb, echo.note_digest, now_ms)));
}

Status PgLedger::expire_echoes(std::int64_t before_ms) {
  return written(pg_write_one(database_, PgCommit::kLazy, pg_sql::kExpireEchoes, pg::params(before_ms)));
}

Status PgLedger::withdraw_echo(const Echo& echo) {
  return written(pg_write_one(database_, PgCommit::kLazy, pg_sql::kConsumeEcho,
                              pg::params(to_string(echo.side), echo.target_id, echo.verb, echo.note_digest)));
}

std::vector<LinkedPair> PgLedger::pairs_to_reconcile(std::int64_t created_since_ms,
                                                     const std::optional<LinkedPair>& after,
                                                     std::size_t limit) {
  auto session = database_.session();
  if (!session.ok()) return {};
  auto rows = session->query(
      pg_sql::kPairsToReconcile,
      pg::params(created_since_ms, after ? after->created_at_ms : std::numeric_limits<std::int64_t>::min(),
                 after ? after->link.alert_id : std::string(), static_cast<std::int64_t>(limit)));
  std::vector<LinkedPair> out;
  if (!rows.ok()) return out;
  for (int r = 0; r < rows->size(); ++r)
    out.push_back({Link{rows->text_or(r, 0, ""), rows->text(r, 1), rows->text(r, 2)}, rows->integer(r, 3),
                   rows->boolean(r, 4)});
  return out;
}

std::optional<std::string> PgLedger::known_status(Side side, const std::string& target_id) {
  auto session = database_.session();
  if (!session.ok()) return std::nullopt;
  auto rows = session->query(pg_sql::kKnownStatus, pg::params(to_string(side), target_id));
  if (!rows.ok() || rows->empty()) return std::nullopt;
  return rows->text(0, 0);
}

Status PgLedger::save_status(const PairStatus& status, std::int64_t now_ms) {
  return written(pg_write_one(
      database_, PgCommit::kLazy, pg_sql::kSaveStatus,
      pg::params(to_string(status.side), status.target_id, status.status, now_ms, status.authoritative)));
}

}  // namespace ogpd::store
