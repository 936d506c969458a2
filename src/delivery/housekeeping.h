// Housekeeping: the background chores, apart from the delivery loop — echo expiry (every minute) and
// retention (every ten minutes, in small batches so webhooks never wait long behind it). Reconciliation,
// which waits on the vendors, has a thread of its own (reconciler.h).
//
// run_due(now) does whatever is due and says when to come back; start() runs it on a thread of its own
// ("ogpd-chores"). Thread-safe: start/stop from one thread. Failures are logged and retried at the next
// turn; nothing here can lose an event or an action.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "store/admin.h"
#include "store/ledger.h"

namespace ogpd::delivery {

struct HousekeepingSettings {
  std::chrono::milliseconds echo_ttl = std::chrono::hours(1);
  std::chrono::milliseconds retention{0};  // finished events and actions older than this go; 0 keeps all
};

class Housekeeping {
 public:
  Housekeeping(store::PairLedger& ledger, store::StoreAdmin& admin, HousekeepingSettings settings,
               const Clock& clock)
      : ledger_(ledger), admin_(admin), settings_(settings), clock_(clock) {}
  ~Housekeeping() { stop(); }

  // Runs the chores that are due at `now_ms`; returns when the next one is.
  std::int64_t run_due(std::int64_t now_ms);

  void start();
  void stop();

 private:
  void prune(std::int64_t now_ms);

  store::PairLedger& ledger_;
  store::StoreAdmin& admin_;
  const HousekeepingSettings settings_;
  const Clock& clock_;
  std::int64_t next_expiry_ms_ = 0;  // run_due's caller only
  std::int64_t next_prune_ms_ = 0;   // run_due's caller only

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace ogpd::delivery
