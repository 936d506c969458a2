// Outbox: the actions planned from journaled events, waiting to be carried out — one ordered queue per pair —
// and the Opsgenie requests whose outcome is still to be confirmed.
//
// Who calls it: the engine (plans what the journal left pending, dispatches due heads) and its workers
// (record each attempt's outcome). Thread-safe. A failed write changes nothing and says why; the action then
// stays pending and runs again, looking first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/records.h"

namespace ogpd::store {

class Outbox {
 public:
  virtual ~Outbox() = default;

  // Events stored but not planned (written by an older version, or by a journal without a planner).
  virtual std::vector<StoredEvent> pending_events(std::size_t limit) = 0;
  // Writes each plan (actions, link, consumed echo) and marks its event done, all in one transaction.
  virtual Status commit_plans(const std::vector<PlannedEvent>& plans, std::int64_t now_ms) = 0;

  // The oldest pending action of each pair that is due, skipping pairs in `busy`; at most `limit`; only
  // actions on `target` when given.
  virtual std::vector<OutboxItem> due_heads(std::int64_t now_ms, std::size_t limit,
                                            const std::vector<std::string>& busy,
                                            std::optional<Side> target = std::nullopt) = 0;
  // Whether actions of `link`'s pair are waiting, or an Opsgenie request of it awaits its verdict
  // (reconciliation leaves such a pair alone: its repair, if any, is already under way).
  virtual bool has_pending(const Link& link) = 0;
  // When the next pending action or check becomes due (nullopt: nothing pending).
  virtual std::optional<std::int64_t> next_due_ms() = 0;

  // Outcomes of an attempt. complete() also queues `check` when Opsgenie's verdict is still to come.
  virtual Status complete(std::int64_t action_id, std::int64_t now_ms, const std::optional<Check>& check) = 0;
  virtual Status reschedule(std::int64_t action_id, int attempts, std::int64_t next_attempt_at_ms,
                            const std::string& error, bool ambiguous) = 0;
  virtual Status finish(std::int64_t action_id, ActionState state, const std::string& error,
                        std::int64_t now_ms) = 0;  // kDead or kUnpaired

  // A done action back to pending (Opsgenie's later verdict was a failure worth retrying), due at
  // `next_attempt_at_ms`, with `attempts`. kNotFound when it is not done.
  virtual Status reopen(std::int64_t action_id, int attempts, std::int64_t next_attempt_at_ms,
                        const std::string& error, std::int64_t now_ms) = 0;
  virtual std::optional<OutboxItem> action(std::int64_t action_id) = 0;

  virtual std::vector<Check> due_checks(std::int64_t now_ms, std::size_t limit) = 0;
  virtual Status reschedule_check(const std::string& request_id, int attempts, std::int64_t next_at_ms) = 0;
  virtual Status drop_check(const std::string& request_id) = 0;

  // Records that `vendor` is paused for `reason` (with the `error` that caused it), or resumed (nullopt), for
  // operators (QueueStats).
  virtual Status set_vendor_pause(Side vendor, const std::optional<std::string>& reason,
                                  const std::string& error, std::int64_t now_ms) = 0;

  // Records who the proxy is on `vendor` (the own-user lookup's answer, or why it failed), for operators.
  virtual Status set_vendor_identity(Side vendor, const std::string& identity, std::int64_t now_ms) = 0;

  // Keeps this proxy's claim on `action_ids` (actions it took from due_heads and has not finished): on a
  // shared store, their leases run on from `now_ms`. The embedded store has no leases.
  virtual Status extend(const std::vector<std::int64_t>& action_ids, std::int64_t now_ms) {
    (void)action_ids;
    (void)now_ms;
    return {};
  }

  // At start-up: any pending action may have been in flight when the process died, so each looks before it
  // acts on its next attempt.
  virtual Status mark_pending_ambiguous() = 0;
};

}  // namespace ogpd::store
