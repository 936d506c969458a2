#include "store/postgres/outbox.h"

#include <algorithm>
#include <tuple>

#include "store/postgres/plans.h"
#include "store/postgres/schema.h"

namespace ogpd::store {
std::vector<StoredEvent> PgOutbox::pending_events(std::size_t limit) {
  auto session = database_.session();
  if (!session.ok()) return {};
  auto rows = session->query(pg_sql::kPendingEvents, pg::params(static_cast<std::int64_t>(limit)));
  return rows.ok() ? pg_read_events(*rows) : std::vector<StoredEvent>{};
}

Status PgOutbox::commit_plans(const std::vector<PlannedEvent>& plans, std::int64_t now_ms) {
  auto session = database_.session();
  if (!session.ok()) return session.status();
  std::vector<std::string> keys;
  for (const auto& p : plans)
    for (auto& key : pair_keys_of(p)) keys.push_back(std::move(key));
  return run_with_pair_locks(*session, std::move(keys), PgCommit::kLazy, [&](PairLocks& locks) -> Status {
    bool new_work = false;
    for (const auto& p : plans) {
      if (auto s = pg_write_plan(*session, p, now_ms, /*mark_event=*/true, locks); !s.ok()) return s;
      new_work |= !p.actions.empty();
    }
    return new_work ? session->run(pg_sql::kNotify) : Status();
  });
}

bool PgOutbox::has_pending(const Link& link) {
  auto session = database_.session();
  if (!session.ok()) return true;  // unknown: leave the pair alone this time
  auto rows =
      session->query(pg_sql::kPairHasPending,
                     pg::params("alert:" + link.alert_id,
                                "incident:" + link.incident_id.value_or(link.incident_key.value_or(""))));
  return !rows.ok() || !rows->empty();
}

std::vector<OutboxItem> PgOutbox::due_heads(std::int64_t now_ms, std::size_t limit,
                                            const std::vector<std::string>& busy,
                                            std::optional<Side> target) {
  auto session = database_.session();
  if (!session.ok()) return {};
  // A claim lost to a server crash would let another proxy take the action without looking: flushed.
  if (!session->commit_as(PgCommit::kFlushed).ok()) return {};
  std::vector<OutboxItem> items;
  for (const Side side : {Side::kPagerDuty, Side::kOpsgenie}) {
    if (target && *target != side) continue;
    auto rows =
        session->query(pg_sql::kClaimHeads,
                       pg::params(now_ms, static_cast<std::int64_t>(limit), to_string(side),
                                  database_.instance(), now_ms + database_.lease_ms(), pg_text_array(busy)));
    if (!rows.ok()) continue;
    auto found = pg_read_actions(*rows);
    items.insert(items.end(), std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
  }
  std::sort(items.begin(), items.end(), [](const OutboxItem& a, const OutboxItem& b) {
    return std::tie(a.next_attempt_at_ms, a.id) < std::tie(b.next_attempt_at_ms, b.id);
  });
  return items;
}

std::optional<std::int64_t> PgOutbox::next_due_ms() {
  auto session = database_.session();
  if (!session.ok()) return std::nullopt;
  auto rows = session->query(pg_sql::kNextDue);
  if (!rows.ok() || rows->empty() || rows->null(0, 0)) return std::nullopt;
  return rows->integer(0, 0);
}

Status PgOutbox::complete(std::int64_t action_id, std::int64_t now_ms, const std::optional<Check>& check) {
  auto session = database_.session();
  if (!session.ok()) return session.status();
  return session->transaction(
      [&]() -> Status {
        auto done =
            session->query(pg_sql::kCompleteAction, pg::params(action_id, now_ms, database_.instance()));
        if (!done.ok()) return done.status();
        if (done->affected() == 0 || !check) return {};
        return session->run(pg_sql::kInsertCheck, pg::params(check->request_id, action_id, now_ms));
      },
      PgCommit::kLazy);
}

Status PgOutbox::reschedule(std::int64_t action_id, int attempts, std::int64_t next_attempt_at_ms,
                            const std::string& error, bool ambiguous) {
  return written(pg_write_one(
      database_, PgCommit::kLazy, pg_sql::kRescheduleAction,
      pg::params(action_id, attempts, next_attempt_at_ms, error, ambiguous, database_.instance())));
}

Status PgOutbox::finish(std::int64_t action_id, ActionState state, const std::string& error,
                        std::int64_t now_ms) {
  return written(pg_write_one(database_, PgCommit::kLazy, pg_sql::kFinishAction,
                              pg::params(action_id, to_string(state), error, now_ms, database_.instance())));
}

Status PgOutbox::reopen(std::int64_t action_id, int attempts, std::int64_t next_attempt_at_ms,
                        const std::string& error, std::int64_t now_ms) {
  auto changed = pg_write_one(database_, PgCommit::kLazy, pg_sql::kReopenAction,
                              pg::params(action_id, attempts, next_attempt_at_ms, error, now_ms));
  if (!changed.ok()) return changed.status();
  if (*changed == 0) return Status::not_found("no done action with id " + std::to_string(action_id));
  return {};
}

Status PgOutbox::extend(const std::vector<std::int64_t>& action_ids, std::int64_t now_ms) {
  std::string ids = "{";
  for (const auto id : action_ids) ids += (ids.size() > 1 ? "," : "") + std::to_string(id);
  ids += "}";
  return written(pg_write_one(database_, PgCommit::kLazy, pg_sql::kExtendLeases,
                              pg::params(ids, now_ms + database_.lease_ms(), database_.instance())));
}

std::optional<OutboxItem> PgOutbox::action(std::int64_t action_id) {
  return pg_action_by_id(database_, action_id);
}

std::vector<Check> PgOutbox::due_checks(std::int64_t now_ms, std::size_t limit) {
  if (limit == 0) return {};
  auto session = database_.session();
  if (!session.ok()) return {};
  if (!session->commit_as(PgCommit::kLazy).ok()) return {};  // a lost claim only makes the check run again
  auto rows = session->query(pg_sql::kClaimChecks, pg::params(now_ms, static_cast<std::int64_t>(limit),
                                                              now_ms + database_.lease_ms()));
  std::vector<Check> out;
  if (!rows.ok()) return out;
  for (int r = 0; r < rows->size(); ++r)
    out.push_back({rows->text_or(r, 0, ""), rows->integer(r, 1), static_cast<int>(rows->integer(r, 2))});
  return out;
}

Status PgOutbox::reschedule_check(const std::string& request_id, int attempts, std::int64_t next_at_ms) {
  return written(pg_write_one(database_, PgCommit::kLazy, pg_sql::kRescheduleCheck,
                              pg::params(request_id, attempts, next_at_ms)));
}

Status PgOutbox::drop_check(const std::string& request_id) {
  return written(pg_write_one(database_, PgCommit::kLazy, pg_sql::kDropCheck, pg::params(request_id)));
}

Status PgOutbox::set_vendor_pause(Side vendor, const std::optional<std::string>& reason,
                                  const std::string& error, std::int64_t now_ms) {
  return written(
      pg_write_one(database_, PgCommit::kLazy, pg_sql::kSetVendorPause,
                   pg::params(to_string(vendor), reason,
                              error.empty() ? std::nullopt : std::optional<std::string>(error), now_ms)));
}

Status PgOutbox::set_vendor_identity(Side vendor, const std::string& identity, std::int64_t now_ms) {
  return written(pg_write_one(database_, PgCommit::kLazy, pg_sql::kSetVendorIdentity,
                              pg::params(to_string(vendor), identity, now_ms)));
}

}  // namespace ogpd::store
