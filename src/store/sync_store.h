// SyncStore: what the sync engine and the delivery workers keep — links, the outbox of actions, the echo
// ledger, Opsgenie request checks and dead letters — next to the journal they read from.
//
// Who calls it: the planner (pending events -> planned actions, atomically) and the delivery workers (claim,
// complete, retry, dead-letter). Thread-safe. Failures are values (Status-like bools with an error text); a
// failed call changes nothing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/action.h"
#include "core/echo.h"
#include "core/event.h"
#include "core/link.h"

namespace ogpd::store {

struct StoredEvent {
  std::int64_t id = 0;
  Event event;
  std::int64_t received_at_ms = 0;
  std::string status;   // pending | ignored | done
  std::string outcome;  // the engine's verdict once planned (mirrored, echo, own_user, ...)
};

// One event's plan, committed with the event's new status in one transaction.
struct PlannedEvent {
  std::int64_t event_id = 0;
  std::string outcome;
  std::vector<Action> actions;
  std::optional<Link> new_link;
  std::optional<Echo> consume_echo;
};

enum class ActionState { kPending, kDone, kDead, kUnpaired, kDiscarded };
std::string_view to_string(ActionState state);

struct OutboxItem {
  std::int64_t id = 0;
  std::int64_t event_id = 0;
  std::string pair_key;
  Action action;
  ActionState state = ActionState::kPending;
  int attempts = 0;
  bool ambiguous = false;  // an earlier attempt may have taken effect: look before repeating
  std::int64_t created_at_ms = 0;
  std::int64_t next_attempt_at_ms = 0;
  std::string last_error;
};

struct Check {  // an Opsgenie request whose outcome is still to be confirmed
  std::string request_id;
  std::int64_t action_id = 0;
  int attempts = 0;
};

struct Result {
  bool ok = true;
  std::string error;
};

struct VendorQueue {
  std::int64_t pending = 0;
  std::optional<std::int64_t> oldest_pending_ms;  // when the oldest pending action was queued
  std::int64_t dead = 0;
  std::int64_t unpaired = 0;
  std::optional<std::int64_t> last_success_ms;
};

struct QueueStats {
  std::int64_t events_pending = 0;             // journaled, not yet planned
  std::map<std::string, VendorQueue> vendors;  // "pagerduty", "opsgenie" (always both)
};

// What a planner may read: the pairs and the echo ledger, as of the transaction it plans in.
class PlanningView {
 public:
  virtual ~PlanningView() = default;
  virtual std::optional<Link> link_by_alert(const std::string& alert_id) = 0;
  virtual std::optional<Link> link_by_incident(const std::string& incident_id) = 0;
  virtual bool echo_recorded(const Echo& echo, std::int64_t not_before_ms) = 0;
};

// Turns one stored event into its plan. The journal calls it inside the transaction that stores the event, so
// an event and its actions become durable together, with one fsync for the whole group.
class Planner {
 public:
  virtual ~Planner() = default;
  // The plan for `event` (its event_id still 0: the event may not be stored yet).
  virtual PlannedEvent plan(const Event& event, PlanningView& view) = 0;
  // Told once the event and its plan are written (in the same transaction) under `event_id`.
  virtual void planned(std::int64_t event_id, const Event& event, const PlannedEvent& plan) = 0;
};

class SyncStore : public PlanningView {
 public:
  virtual ~SyncStore() = default;

  virtual std::vector<StoredEvent> pending_events(std::size_t limit) = 0;
  virtual Result commit_plans(const std::vector<PlannedEvent>& plans, std::int64_t now_ms) = 0;

  // The oldest pending action of each pair that is due, skipping pairs in `busy`; at most `limit`; only
  // actions on `target` when given.
  virtual std::vector<OutboxItem> due_heads(std::int64_t now_ms, std::size_t limit,
                                            const std::vector<std::string>& busy,
                                            std::optional<Side> target = std::nullopt) = 0;
  // When the next pending action or check becomes due (nullopt: nothing pending).
  virtual std::optional<std::int64_t> next_due_ms() = 0;

  virtual Result record_echo(const Echo& echo, std::int64_t now_ms) = 0;
  virtual Result save_link(const Link& link, std::int64_t now_ms) = 0;
  virtual Result complete(std::int64_t action_id, std::int64_t now_ms, const std::optional<Check>& check) = 0;
  virtual Result reschedule(std::int64_t action_id, int attempts, std::int64_t next_attempt_at_ms,
                            const std::string& error, bool ambiguous) = 0;
  virtual Result finish(std::int64_t action_id, ActionState state, const std::string& error,
                        std::int64_t now_ms) = 0;  // kDead or kUnpaired

  virtual std::vector<Check> due_checks(std::int64_t now_ms, std::size_t limit) = 0;
  virtual Result reschedule_check(const std::string& request_id, int attempts, std::int64_t next_at_ms) = 0;
  virtual Result drop_check(const std::string& request_id) = 0;

  // Operator views and replay.
  virtual std::vector<OutboxItem> actions_in_state(ActionState state, std::size_t limit) = 0;
  virtual std::optional<OutboxItem> action(std::int64_t id) = 0;
  virtual Result replay(std::int64_t action_id,
                        std::int64_t now_ms) = 0;  // dead/unpaired -> pending, fresh budget
  virtual Result discard(std::int64_t action_id, std::int64_t now_ms) = 0;  // dead/unpaired -> discarded
  virtual std::vector<StoredEvent> recent_events(std::size_t limit) = 0;

  // Removes ledger entries older than `before_ms`: an echo that never came back must not hide a later human
  // change forever.
  virtual Result expire_echoes(std::int64_t before_ms) = 0;

  // At start-up: any pending action may have been in flight when the process died, so each looks before it
  // acts on its next attempt.
  virtual Result mark_pending_ambiguous() = 0;

  // Retention: deletes up to `batch` finished actions (done, discarded) and up to `batch` events none of
  // whose actions remain, all older than `before_ms`. Pending actions, dead letters, their events and links
  // are never deleted. Returns how many rows went (0: nothing left to prune).
  virtual std::int64_t prune(std::int64_t before_ms, int batch) = 0;

  virtual QueueStats queue_stats() = 0;
  virtual std::vector<Link> links(const std::optional<std::string>& alert_id,
                                  const std::optional<std::string>& incident_id) = 0;
};

}  // namespace ogpd::store
