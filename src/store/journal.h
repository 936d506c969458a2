// Journal: the durable, deduplicating log of accepted webhook events — the queue the sync engine reads.
//
// Who calls it: the HTTP server (append) and the readiness endpoint (health). Thread-safe: append may be
// called from any thread. How it fails: append never throws and never blocks on I/O; its outcome arrives
// through the callback as kUnavailable when the event could not be made durable (disk full, database locked
// or gone), so the sender can be told to retry.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/event.h"
#include "core/status.h"
#include "store/ledger.h"
#include "store/records.h"

namespace ogpd::store {

enum class AppendOutcome {
  kStored,       // durable (fsync'd) under a new event id
  kDuplicate,    // the same delivery was stored before; event_id names the first copy
  kUnavailable,  // could not be stored; nothing was written
};

struct AppendResult {
  AppendOutcome outcome = AppendOutcome::kUnavailable;
  std::int64_t event_id = 0;
  std::string error;         // for kUnavailable: why, for logs (never contains the body)
  std::string plan_outcome;  // for kStored: the plan's outcome (sync::Outcome), empty when not planned
};

// One webhook as received: the parsed event, the exact body, and when it arrived.
struct Received {
  Event event;
  std::string raw_body;
  std::int64_t received_at_ms = 0;  // Unix time, milliseconds
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

class Journal {
 public:
  using Done = std::function<void(AppendResult)>;

  virtual ~Journal() = default;

  // Queues the event for the next group commit. `done` runs exactly once, on the journal's own thread, after
  // the commit that made the event durable (or after it was found to be a duplicate, or failed) — or at once
  // on the caller's thread with kUnavailable when the journal has stopped.
  virtual void append(Received received, Done done) = 0;

  // OK while the journal can take events: the writer runs, its last write succeeded, and the store it writes
  // is still the one it opened. Otherwise why not, for /readyz.
  virtual Status health() const = 0;
  bool ready() const { return health().ok(); }
};

}  // namespace ogpd::store
