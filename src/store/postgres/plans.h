// What the PostgreSQL roles share (internal to src/store/postgres/): reading rows back as records, the
// planner's view over a session, writing a plan, and the per-pair advisory locks that keep one pair's
// planning and its actions' order serial across proxies.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/ledger.h"
#include "store/postgres/database.h"
#include "store/records.h"

namespace ogpd::store {

// A text[] literal of `items` ({"a","b"}), each element quoted: one parameter for a list.
std::string pg_text_array(const std::vector<std::string>& items);

std::vector<StoredEvent> pg_read_events(const pg::Rows& rows);
std::vector<OutboxItem> pg_read_actions(const pg::Rows& rows);
std::vector<Link> pg_read_links(const pg::Rows& rows);
std::optional<Link> pg_read_link(const pg::Rows& rows);  // the first row's

// The pair keys an event's plan may read or write (its alert's and its incident's), and a plan's.
std::vector<std::string> pair_keys_of(const Event& event);
std::vector<std::string> pair_keys_of(const PlannedEvent& plan);
// The pair locks one transaction holds (transaction-scoped advisory locks): a proxy planning the same pair
// waits until the transaction ends. Keys known before the body runs are taken sorted and waited for, so two
// proxies never wait on each other in a circle. A key met later (a plan reaching a pair its event did not
// name: a note on a pair born in PagerDuty) is only tried, since waiting for it out of order could close
// such a circle; when another proxy holds it, the body fails and run_with_pair_locks runs it again with
// that key among the sorted ones.
class PairLocks {
 public:
  explicit PairLocks(PgDatabase::Session& session) : session_(session) {}
  // Takes those of `keys` not yet held, sorted, waiting for each.
  Status take(std::vector<std::string> keys);
  // Takes those of `keys` not yet held without waiting; when one is held elsewhere, fails and busy() is true.
  Status take_late(std::vector<std::string> keys);
  bool busy() const { return !missed_.empty(); }
  const std::vector<std::string>& missed() const { return missed_; }

 private:
  PgDatabase::Session& session_;
  std::vector<std::string> held_;  // sorted
  std::vector<std::string> missed_;
};

// Runs `body` in one transaction of `session` (committed as `commit` says) after taking the pair locks of
// `keys`; when the body met a busy pair it had not locked, rolls back and runs it again with that pair's key
// locked up front (at most kPairLockRounds times). `body` must not keep effects outside the transaction
// between rounds.
inline constexpr int kPairLockRounds = 4;
Status run_with_pair_locks(PgDatabase::Session& session, std::vector<std::string> keys, PgCommit commit,
                           const std::function<Status(PairLocks&)>& body);

// Inside a transaction: the plan's actions (their pairs locked first, late, unless held), link, consumed
// echo and observed status; with `mark_event`, also the stored event's new status. The caller announces new
// work (kNotify) once per transaction.
Status pg_write_plan(PgDatabase::Session& session, const PlannedEvent& plan, std::int64_t now_ms,
                     bool mark_event, PairLocks& locks);

// A write's outcome without its count of changed rows.
inline Status written(const Result<std::int64_t>& changed) {
  return changed.ok() ? Status() : changed.status();
}

// The outbox row `action_id` (the outbox's and the admin's view of it); nullopt when absent or unreadable.
std::optional<OutboxItem> pg_action_by_id(PgDatabase& database, std::int64_t action_id);

// One statement in its own transaction, committed as `commit` says; the number of rows it changed.
Result<std::int64_t> pg_write_one(PgDatabase& database, PgCommit commit, std::string_view sql,
                                  const pg::Params& params);

// The view of links and ledger a planner reads, over a held Session (and so inside its transaction). A
// failed read reads as "nothing there" — and fails the transaction, so the plan is never written.
class PgPlanningView final : public PlanningView {
 public:
  explicit PgPlanningView(PgDatabase::Session& session) : session_(session) {}
  std::optional<Link> link_by_alert(const std::string& alert_id) override;
  std::optional<Link> link_by_incident(const std::string& incident_id) override;
  bool echo_recorded(const Echo& echo, std::int64_t not_before_ms) override;
  bool alert_unrouted(const std::string& alert_id) override;

 private:
  PgDatabase::Session& session_;
};

}  // namespace ogpd::store
