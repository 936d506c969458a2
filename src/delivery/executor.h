// Executor: carries out ONE outbox action against its vendor — finding the missing half of the pair, looking
// before repeating an ambiguous attempt, recording the echo before the change — and says how it went.
// PagerDuty: REST for incidents, notes and priorities; the Events API for an Events API route's trigger,
// acknowledge and resolve. Opsgenie: alert actions, priorities, and the alerts of incidents born in PagerDuty
// (created by alias, linked from the request's outcome).
//
// Called by delivery workers, several at once (never two for the same pair). Thread-safe given a thread-safe
// PairLedger and HttpClient. Never throws.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "clients/apis.h"
#include "delivery/priorities.h"
#include "delivery/retry.h"
#include "store/ledger.h"
#include "store/records.h"

namespace ogpd::delivery {

struct Attempt {
  // kRefused: the vendor refused the credentials (401/403); the action waits for them to work again.
  // kSkipped: not sent, because the target is closed or resolved (DESIGN §2.2); `error` says why.
  enum Kind { kDone, kRetry, kRefused, kFailed, kUnpaired, kSkipped } kind = kDone;
  std::string error;
  bool ambiguous = false;
  std::optional<milliseconds> wait_hint;
  std::optional<store::Check> check;  // an Opsgenie request to confirm later
  Side vendor = Side::kPagerDuty;
  int calls = 0;  // HTTP calls made
};

class Executor {
 public:
  // `priorities`: PagerDuty's priorities by name, for routes that name them (nullptr: none are named).
  // `routes`: where an Events API route's routing key is read when its action runs (nullptr: none).
  Executor(store::PairLedger& ledger, clients::PagerDutyApi& pagerduty, clients::OpsgenieApi& opsgenie,
           const PriorityDirectory* priorities = nullptr, const RouteTable* routes = nullptr)
      : ledger_(ledger),
        pagerduty_(pagerduty),
        opsgenie_(opsgenie),
        priorities_(priorities),
        routes_(routes) {}

  Attempt run(const store::OutboxItem& item, std::int64_t now_ms);

 private:
  Attempt create_incident(const store::OutboxItem& item, std::int64_t now_ms);
  Attempt on_incident(const store::OutboxItem& item, std::int64_t now_ms);
  Attempt on_alert(const store::OutboxItem& item, std::int64_t now_ms);
  Attempt create_alert(const store::OutboxItem& item, std::int64_t now_ms);
  // Before a status change: nullopt to go ahead, else the attempt (skipped, or the failed read).
  std::optional<Attempt> check_state(Side side, const std::string& target, ActionKind kind, int& calls,
                                     std::int64_t now_ms);
  // After a status change went through: what the target is now.
  void remember_status(Side side, const std::string& target, ActionKind kind, std::int64_t now_ms);

  store::PairLedger& ledger_;
  clients::PagerDutyApi& pagerduty_;
  clients::OpsgenieApi& opsgenie_;
  // The routing key of the action's Events API route, if it still is one.
  std::optional<std::string> routing_key_of(const Action& a) const;

  const PriorityDirectory* const priorities_;
  const RouteTable* const routes_;
};

}  // namespace ogpd::delivery
