// Lookups: the vendor reads the engine runs as worker jobs beside actions.
//   - OwnUserLookup: which PagerDuty user PAGERDUTY_EMAIL is, so that user's events are never mirrored (loop
//     guard 1). Tried at start-up, then every 5 minutes until it succeeds.
//   - PriorityLookup: PagerDuty's priorities by name (GET /priorities), when routes name priorities. Tried at
//     start-up, then every 5 minutes until it succeeds; an account without priorities is an empty answer.
//   - RequestChecker: Opsgenie's verdict on a request it accepted with 202 is the action's outcome (DESIGN §3
//     item 6): a failure that may pass on a retry ("internal error", "try again") makes the action pending
//     again, like a 5xx; "Alert does not exist" makes it unpaired; any other failure a dead letter. Either
//     way the echo recorded for it is withdrawn, so a person's same change is mirrored, not swallowed.
// Each run() makes at most one call. Thread-safe as used: the engine never runs two lookups of one kind for
// the same thing at once. Failures are logged and retried; they never fail an action.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "clients/apis.h"
#include "core/clock.h"
#include "delivery/engine_observer.h"
#include "delivery/planner.h"
#include "delivery/priorities.h"
#include "delivery/retry.h"
#include "store/ledger.h"
#include "store/outbox.h"

namespace ogpd::delivery {

class OwnUserLookup {
 public:
  // The answer (the user's id, or why none was found) is also recorded in `outbox` for `status`.
  OwnUserLookup(clients::PagerDutyApi& pagerduty, EventPlanner& planner, store::Outbox& outbox,
                const Clock& clock, std::optional<std::string> email)
      : pagerduty_(pagerduty), planner_(planner), outbox_(outbox), clock_(clock), email_(std::move(email)) {}

  // Whether to run now; when so, the next try is pushed 5 minutes out. Caller: the engine's loop only.
  bool take_turn(std::int64_t now_ms);
  void run();

 private:
  clients::PagerDutyApi& pagerduty_;
  EventPlanner& planner_;
  store::Outbox& outbox_;
  const Clock& clock_;
  const std::optional<std::string> email_;
  std::int64_t next_try_ms_ = 0;  // the engine's loop only
};

class PriorityLookup {
 public:
  PriorityLookup(clients::PagerDutyApi& pagerduty, PriorityDirectory& directory)
      : pagerduty_(pagerduty), directory_(directory) {}

  // Whether to run now; when so, the next try is pushed 5 minutes out. Caller: the engine's loop only.
  bool take_turn(std::int64_t now_ms);
  void run();

 private:
  clients::PagerDutyApi& pagerduty_;
  PriorityDirectory& directory_;
  std::int64_t next_try_ms_ = 0;  // the engine's loop only
};

// What an Opsgenie request's failure status says about retrying it.
enum class RequestFailure { kRetry, kUnpaired, kFinal };
RequestFailure classify_request_failure(const std::string& status);

class RequestChecker {
 public:
  RequestChecker(store::Outbox& outbox, store::PairLedger& ledger, clients::OpsgenieApi& opsgenie,
                 RetryPolicy retry, const Clock& clock, EngineObserver* observer)
      : outbox_(outbox),
        ledger_(ledger),
        opsgenie_(opsgenie),
        retry_(retry),
        clock_(clock),
        observer_(observer) {}

  // `jitter` in [0, 1) spreads the next check when the verdict is not in yet.
  void run(const store::Check& check, double jitter);

 private:
  // Opsgenie applied it: the alert's status is now what the action left it in.
  void applied(const store::Check& check, std::int64_t now);
  // Opsgenie said the request failed: the action's outcome follows from `status`.
  void failed(const store::Check& check, const std::string& status, double jitter);

  store::Outbox& outbox_;
  store::PairLedger& ledger_;
  clients::OpsgenieApi& opsgenie_;
  const RetryPolicy retry_;
  const Clock& clock_;
  EngineObserver* const observer_;
};

}  // namespace ogpd::delivery
