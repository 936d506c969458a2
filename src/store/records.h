// The store's records, shared by every role (journal.h, outbox.h, ledger.h, admin.h) and every backend:
// a stored event, its plan, an outbox item, an Opsgenie request check, queue statistics. Plain values.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/action.h"
#include "core/echo.h"
#include "core/event.h"
#include "core/link.h"
#include "core/pair_status.h"

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
  std::optional<PairStatus> observed;  // the status it reports for its own side, if worth recording
};

enum class ActionState { kPending, kDone, kDead, kUnpaired, kDiscarded };
std::string_view to_string(ActionState state);
std::optional<ActionState> action_state_from_string(std::string_view text);
// Pending, dead or unpaired: work still to do or to decide on (the stores index these states; done and
// discarded actions only wait for retention).
constexpr bool is_open(ActionState state) {
  return state == ActionState::kPending || state == ActionState::kDead || state == ActionState::kUnpaired;
}

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

struct VendorQueue {
  std::int64_t pending = 0;
  std::optional<std::int64_t> oldest_pending_ms;  // when the oldest pending action was queued
  std::int64_t dead = 0;
  std::int64_t unpaired = 0;
  std::optional<std::int64_t> last_success_ms;
  std::optional<std::string> paused_reason;  // set while the vendor is paused, e.g. "credentials"
  std::optional<std::int64_t> paused_since_ms;
  std::optional<std::string> last_error;  // the last refusal that paused it
  // Who the proxy is there (PagerDuty: "PBOT001", or "not found: <why>"); nullopt until looked up.
  std::optional<std::string> identity;
};

struct QueueStats {
  std::int64_t events_pending = 0;             // journaled, not yet planned
  std::map<std::string, VendorQueue> vendors;  // "pagerduty", "opsgenie" (always both)
};

// One route's Opsgenie Creates in the journal (retention keeps the last RETENTION_DAYS).
struct RouteActivity {
  std::string route;
  std::int64_t alerts = 0;
  std::optional<std::int64_t> last_at_ms;  // when the last one arrived
};

// A linked pair and when it was linked: reconciliation's walk goes oldest first, from the last one it saw.
struct LinkedPair {
  Link link;
  std::int64_t created_at_ms = 0;
  bool settled = false;  // known closed and resolved: nothing is left to reconcile there
};

// The `limit` lowest-numbered actions of both vendors, in order, from `read_side` (one vendor's own `limit`
// lowest, each an index range: the stores index open actions by state and then vendor).
std::vector<OutboxItem> lowest_of_both_vendors(std::size_t limit,
                                               const std::function<std::vector<OutboxItem>(Side)>& read_side);

// Pair key of an action: actions with the same key run strictly one after another, in order.
std::string pair_key_of(const Action& action);

}  // namespace ogpd::store
