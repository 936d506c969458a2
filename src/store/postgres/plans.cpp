#include "store/postgres/plans.h"

#include <algorithm>

#include "store/action_json.h"
#include "store/postgres/schema.h"

namespace ogpd::store {
std::string pg_text_array(const std::vector<std::string>& keys) {
  std::string out = "{";
  for (const auto& key : keys) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (const char c : key) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::vector<StoredEvent> pg_read_events(const pg::Rows& rows) {
  std::vector<StoredEvent> out;
  for (int r = 0; r < rows.size(); ++r) {
    StoredEvent s;
    s.id = rows.integer(r, 0);
    Event& e = s.event;
    e.source = source_from_string(rows.text_or(r, 1, "")).value_or(Source::kOpsgenie);
    e.type = rows.text_or(r, 2, "");
    e.kind = kind_from_string(rows.text_or(r, 3, "")).value_or(EventKind::kOther);
    e.dedupe_key = rows.text_or(r, 4, "");
    e.delivery_id = rows.text(r, 5);
    e.alert_id = rows.text(r, 6);
    e.incident_id = rows.text(r, 7);
    e.incident_key = rows.text(r, 8);
    e.actor_id = rows.text(r, 9);
    e.actor_name = rows.text(r, 10);
    e.note = rows.text(r, 11);
    e.title = rows.text(r, 12);
    e.description = rows.text(r, 13);
    e.priority = rows.text(r, 14);
    e.occurred_at = rows.text(r, 15);
    s.received_at_ms = rows.integer(r, 16);
    s.status = rows.text_or(r, 17, "");
    s.outcome = rows.text_or(r, 18, "");
    e.trimmed_note_id = rows.text(r, 19);
    e.route = rows.text(r, 20);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<OutboxItem> pg_read_actions(const pg::Rows& rows) {
  std::vector<OutboxItem> out;
  for (int r = 0; r < rows.size(); ++r) {
    OutboxItem item;
    item.id = rows.integer(r, 0);
    item.event_id = rows.integer(r, 1);
    item.pair_key = rows.text_or(r, 2, "");
    auto action = action_from_json(rows.text_or(r, 3, ""));
    if (!action) continue;  // unreadable payload: impossible unless the row was edited by hand
    item.action = std::move(*action);
    item.state = action_state_from_string(rows.text_or(r, 4, "")).value_or(ActionState::kPending);
    item.attempts = static_cast<int>(rows.integer(r, 5));
    item.ambiguous = rows.boolean(r, 6);
    item.created_at_ms = rows.integer(r, 7);
    item.next_attempt_at_ms = rows.integer(r, 8);
    item.last_error = rows.text_or(r, 9, "");
    out.push_back(std::move(item));
  }
  return out;
}

std::vector<Link> pg_read_links(const pg::Rows& rows) {
  std::vector<Link> out;
  for (int r = 0; r < rows.size(); ++r)
    out.push_back(
        Link{rows.text_or(r, 0, ""), rows.text(r, 1), rows.text(r, 2), rows.text(r, 3), rows.boolean(r, 4)});
  return out;
}

std::optional<Link> pg_read_link(const pg::Rows& rows) {
  auto links = pg_read_links(rows);
  if (links.empty()) return std::nullopt;
  return std::move(links.front());
}

std::vector<std::string> pair_keys_of(const Event& event) {
  std::vector<std::string> keys;
  if (event.alert_id) keys.push_back("alert:" + *event.alert_id);
  if (event.incident_key) keys.push_back("alert:" + *event.incident_key);
  if (event.incident_id) keys.push_back("incident:" + *event.incident_id);
  return keys;
}

std::vector<std::string> pair_keys_of(const PlannedEvent& plan) {
  std::vector<std::string> keys;
  for (const auto& a : plan.actions) keys.push_back(pair_key_of(a));
  return keys;
}

namespace {

// Those of `keys` (sorted and without repeats) that `held` (sorted) lacks.
std::vector<std::string> not_held(std::vector<std::string> keys, const std::vector<std::string>& held) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  std::erase_if(keys, [&](const std::string& k) { return std::binary_search(held.begin(), held.end(), k); });
  return keys;
}

}  // namespace

Status PairLocks::take(std::vector<std::string> keys) {
  keys = not_held(std::move(keys), held_);
  if (keys.empty()) return {};
  if (auto s = session_.run(pg_sql::kLockKeys, pg::params(pg_text_array(keys))); !s.ok()) return s;
  held_.insert(held_.end(), keys.begin(), keys.end());
  std::sort(held_.begin(), held_.end());
  return {};
}

Status PairLocks::take_late(std::vector<std::string> keys) {
  keys = not_held(std::move(keys), held_);
  if (keys.empty()) return {};
  auto got = session_.query(pg_sql::kTryLockKeys, pg::params(pg_text_array(keys)));
  if (!got.ok()) return got.status();
  if (got->text_or(0, 0, "f") != "t") {
    missed_ = std::move(keys);
    return Status::unavailable("PostgreSQL: another proxy holds a pair this plan reaches");
  }
  held_.insert(held_.end(), keys.begin(), keys.end());
  std::sort(held_.begin(), held_.end());
  return {};
}

Status run_with_pair_locks(PgDatabase::Session& session, std::vector<std::string> keys, PgCommit commit,
                           const std::function<Status(PairLocks&)>& body) {
  Status status;
  for (int round = 0; round < kPairLockRounds; ++round) {
    PairLocks locks(session);
    status = session.transaction(
        [&]() -> Status {
          if (auto s = locks.take(keys); !s.ok()) return s;
          return body(locks);
        },
        commit);
    if (!locks.busy()) return status;
    keys.insert(keys.end(), locks.missed().begin(), locks.missed().end());
  }
  return status;
}

Status pg_write_plan(PgDatabase::Session& session, const PlannedEvent& p, std::int64_t now_ms,
                     bool mark_event, PairLocks& locks) {
  // Usually held already (the event's keys were locked before planning); tried here when the plan reaches
  // a pair its event did not name.
  if (auto s = locks.take_late(pair_keys_of(p)); !s.ok()) return s;
  for (const auto& a : p.actions) {
    if (auto s = session.run(pg_sql::kInsertAction,
                             pg::params(p.event_id, pair_key_of(a), to_string(target_of(a.kind)),
                                        to_string(a.kind), action_to_json(a), now_ms));
        !s.ok())
      return s;
  }
  if (p.new_link) {
    const Link& l = *p.new_link;
    if (auto s = session.run(pg_sql::kSaveLink, pg::params(l.alert_id, l.incident_id, l.incident_key, now_ms,
                                                           l.route, l.born_in_pagerduty));
        !s.ok())
      return s;
  }
  if (p.consume_echo) {
    const Echo& e = *p.consume_echo;
    if (auto s = session.run(pg_sql::kConsumeEcho,
                             pg::params(to_string(e.side), e.target_id, e.verb, e.note_digest));
        !s.ok())
      return s;
  }
  if (p.observed) {
    const PairStatus& o = *p.observed;
    if (auto s = session.run(pg_sql::kSaveStatus,
                             pg::params(to_string(o.side), o.target_id, o.status, now_ms, o.authoritative));
        !s.ok())
      return s;
  }
  if (!mark_event) return {};
  auto marked = session.query(pg_sql::kMarkEvent, pg::params(p.event_id, p.outcome));
  if (!marked.ok()) return marked.status();
  if (marked->affected() == 0)
    return Status::unavailable("event " + std::to_string(p.event_id) + " was planned by another proxy");
  return {};
}

Result<std::int64_t> pg_write_one(PgDatabase& database, PgCommit commit, std::string_view sql,
                                  const pg::Params& params) {
  auto session = database.session();
  if (!session.ok()) return session.status();
  if (auto s = session->commit_as(commit); !s.ok()) return s;
  auto rows = session->query(sql, params);
  if (!rows.ok()) return rows.status();
  return rows->affected();
}

std::optional<OutboxItem> pg_action_by_id(PgDatabase& database, std::int64_t action_id) {
  auto session = database.session();
  if (!session.ok()) return std::nullopt;
  auto rows = session->query(pg_sql::kActionById, pg::params(action_id));
  if (!rows.ok()) return std::nullopt;
  auto items = pg_read_actions(*rows);
  if (items.empty()) return std::nullopt;
  return items.front();
}

std::optional<Link> PgPlanningView::link_by_alert(const std::string& alert_id) {
  auto rows = session_.query(pg_sql::kLinkByAlert, pg::params(alert_id));
  return rows.ok() ? pg_read_link(*rows) : std::nullopt;
}

std::optional<Link> PgPlanningView::link_by_incident(const std::string& incident_id) {
  auto rows = session_.query(pg_sql::kLinkByIncident, pg::params(incident_id));
  return rows.ok() ? pg_read_link(*rows) : std::nullopt;
}

bool PgPlanningView::echo_recorded(const Echo& echo, std::int64_t not_before_ms) {
  auto rows = session_.query(pg_sql::kFindEcho, pg::params(to_string(echo.side), echo.target_id, echo.verb,
                                                           echo.note_digest, not_before_ms));
  return rows.ok() && !rows->empty();
}

bool PgPlanningView::alert_unrouted(const std::string& alert_id) {
  auto rows = session_.query(pg_sql::kAlertUnrouted, pg::params(alert_id));
  return rows.ok() && !rows->empty();
}

}  // namespace ogpd::store
