// Engine: the sync side of the daemon. Events are planned by the journal's writer inside the transaction that
// stores them (planner(), handed to SqliteStore::set_planner); the engine's one loop thread plans only what
// was left pending (a start-up after a crash, a journal without a planner), dispatches due actions to a pool
// of worker threads, and runs the chores (retention, echo expiry, the own-user lookup, Opsgenie request
// checks). Workers run actions (Executor) and record their outcome: done, retry later (backoff), dead letter
// (budget spent or a final error), unpaired. The pace of calls per vendor is a RateGate (rate_gate.h).
//
// Ordering: at most one action per pair is in flight, and it is always the pair's oldest pending one; pairs
// do not wait on each other. Rate limits: a 429's hint pauses that vendor for everyone, and every call first
// takes a token from the vendor's bucket, so a burst drains at the allowed rate instead of hammering.
// Thread-safe: wake() may be called from any thread. start() once; stop() drains in-flight calls and joins.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "delivery/engine_observer.h"
#include "delivery/executor.h"
#include "delivery/planner.h"
#include "delivery/rate_gate.h"
#include "delivery/retry.h"
#include "store/sync_store.h"
#include "sync/plan.h"

namespace ogpd::delivery {

struct EngineSettings {
  sync::SyncSettings sync;
  RetryPolicy retry;
  int workers = 4;
  double pagerduty_per_second = 15;  // 900/min: under PagerDuty's 960/min per key
  double opsgenie_per_second = 10;
  std::optional<std::string> own_email;  // PAGERDUTY_EMAIL: resolved to a user id for loop guard 1
  milliseconds echo_ttl = std::chrono::hours(1);
  milliseconds retention{0};  // finished events and actions older than this are deleted; 0 keeps everything
};

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t now_ms() = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_ms() override;
};

class Engine {
 public:
  Engine(store::SyncStore& store, clients::PagerDutyApi& pagerduty, clients::OpsgenieApi& opsgenie,
         EngineSettings settings, Clock& clock, EngineObserver* observer = nullptr);
  ~Engine();

  // The planner the journal should call (set with SqliteStore::set_planner before webhooks arrive).
  EventPlanner& planner() { return planner_; }

  void start();
  void stop();
  void wake();  // new events in the journal, or a replay
  bool running() const { return running_; }
  std::int64_t last_loop_ms() const { return last_loop_ms_; }

 private:
  void loop();
  void resolve_own_user();
  void prune(std::int64_t now);
  bool plan_pending();
  // Hands due work to the workers; returns when a rate-limited vendor may be called again (0: none waiting).
  std::int64_t dispatch();
  void run_item(store::OutboxItem item);
  void run_check(store::Check check);
  void finish_item(const store::OutboxItem& item, const Attempt& attempt);
  RateGate& gate(Side side) { return side == Side::kPagerDuty ? pagerduty_gate_ : opsgenie_gate_; }
  double jitter();

  store::SyncStore& store_;
  clients::PagerDutyApi& pagerduty_;
  clients::OpsgenieApi& opsgenie_;
  EngineSettings settings_;  // own_user_id written by the loop thread only
  Clock& clock_;
  EngineObserver* observer_;
  Executor executor_;
  EventPlanner planner_;
  RateGate pagerduty_gate_;
  RateGate opsgenie_gate_;

  std::mutex mu_;
  std::condition_variable wake_cv_;
  bool woken_ = false;                      // guarded by mu_
  bool stopping_ = false;                   // guarded by mu_
  std::set<std::string> busy_pairs_;        // guarded by mu_
  std::set<std::string> busy_checks_;       // guarded by mu_
  std::deque<std::function<void()>> work_;  // guarded by mu_: items for workers
  std::condition_variable work_cv_;
  std::mt19937_64 random_;  // guarded by mu_

  std::atomic<bool> running_{false};
  std::atomic<std::int64_t> last_loop_ms_{0};
  std::int64_t next_own_user_try_ms_ = 0;  // loop thread only
  std::int64_t next_expiry_ms_ = 0;        // loop thread only
  std::int64_t next_prune_ms_ = 0;         // loop thread only
  std::thread loop_thread_;
  std::vector<std::thread> workers_;
};

}  // namespace ogpd::delivery
