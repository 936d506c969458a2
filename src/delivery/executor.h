// Executor: carries out ONE outbox action against its vendor — finding the missing half of the pair, looking
// before repeating an ambiguous attempt, recording the echo before the change — and says how it went.
//
// Called by delivery workers, several at once (never two for the same pair). Thread-safe given a thread-safe
// SyncStore and HttpClient. Never throws.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "clients/apis.h"
#include "delivery/retry.h"
#include "store/sync_store.h"

namespace ogpd::delivery {

struct Attempt {
  enum Kind { kDone, kRetry, kFailed, kUnpaired } kind = kDone;
  std::string error;
  bool ambiguous = false;
  std::optional<milliseconds> wait_hint;
  std::optional<store::Check> check;  // an Opsgenie request to confirm later
  Side vendor = Side::kPagerDuty;
  int calls = 0;  // HTTP calls made
};

class Executor {
 public:
  Executor(store::SyncStore& store, clients::PagerDutyApi& pagerduty, clients::OpsgenieApi& opsgenie)
      : store_(store), pagerduty_(pagerduty), opsgenie_(opsgenie) {}

  Attempt run(const store::OutboxItem& item, std::int64_t now_ms);

 private:
  Attempt create_incident(const store::OutboxItem& item, std::int64_t now_ms);
  Attempt on_incident(const store::OutboxItem& item, std::int64_t now_ms);
  Attempt on_alert(const store::OutboxItem& item, std::int64_t now_ms);

  store::SyncStore& store_;
  clients::PagerDutyApi& pagerduty_;
  clients::OpsgenieApi& opsgenie_;
};

// Called for every HTTP exchange the executor makes (for metrics and logs); set once before workers start.
struct CallObserver {
  virtual ~CallObserver() = default;
  virtual void on_call(Side vendor, const std::string& operation, const clients::HttpResult& result,
                       std::chrono::microseconds took) = 0;
};
void set_call_observer(CallObserver* observer);

// Makes one vendor call through `call`, timed and reported to the observer.
clients::HttpResult observe_call(Side vendor, const char* operation,
                                 const std::function<clients::HttpResult()>& call);

}  // namespace ogpd::delivery
