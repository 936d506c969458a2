// Engine: the delivery loop. Events are planned by the journal's writer inside the transaction that stores
// them (planner(), handed to the journal at start); the engine's one loop thread plans only what was left
// pending (a start-up after a crash, a journal without a planner), hands the due head of each pair to the
// WorkerPool, and records each attempt's outcome: done, retry later (backoff), dead letter (budget spent or a
// final error), unpaired. Lookups (the own PagerDuty user, Opsgenie request verdicts; lookups.h) run on the
// same workers. Chores (retention, echo expiry) are Housekeeping's, on a thread of their own.
//
// Refused credentials (401/403) pause that vendor: its actions wait, retried at most a minute apart, without
// spending their attempts (only their age can make them dead letters); the log says so once a minute, the
// store (status) and the observer (/metrics) while it lasts, and the first success resumes it.
//
// Ordering: at most one action per pair is in flight, and it is always the pair's oldest pending one; pairs
// do not wait on each other. Rate limits: a 429's hint pauses that vendor for everyone; the engine hands out
// no more actions for a vendor than it has tokens, and every HTTP call takes one (pacer.h), so a burst drains
// at the allowed rate instead of hammering.
// Thread-safe: wake() may be called from any thread. start() once; stop() drains in-flight calls and joins.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "clients/apis.h"
#include "core/clock.h"
#include "delivery/engine_observer.h"
#include "delivery/executor.h"
#include "delivery/lookups.h"
#include "delivery/pacer.h"
#include "delivery/planner.h"
#include "delivery/rate_gate.h"
#include "delivery/retry.h"
#include "delivery/worker_pool.h"
#include "store/ledger.h"
#include "store/outbox.h"
#include "sync/plan.h"

namespace ogpd::delivery {

struct EngineSettings {
  sync::SyncSettings sync;
  RetryPolicy retry;
  int workers = 4;
  std::optional<std::string> own_email;  // PAGERDUTY_EMAIL: resolved to a user id for loop guard 1
  milliseconds echo_ttl = std::chrono::hours(1);
};

class Engine {
 public:
  // `pagerduty` and `opsgenie` call through a PacedHttpClient over `pacer`.
  Engine(store::Outbox& outbox, store::PairLedger& ledger, clients::PagerDutyApi& pagerduty,
         clients::OpsgenieApi& opsgenie, Pacer& pacer, EngineSettings settings, const Clock& clock,
         EngineObserver* observer = nullptr);
  ~Engine();

  // The planner the journal should call (JournalOptions::planner, before webhooks arrive).
  EventPlanner& planner() { return planner_; }

  void start();
  void stop();
  void wake();  // new events in the journal, or a replay
  bool running() const { return running_; }
  std::int64_t last_loop_ms() const { return last_loop_ms_; }

 private:
  void loop();
  bool plan_pending();
  void keep_claims(std::int64_t now);  // extends the shared store's leases of the actions in flight
  // Hands due work to the workers; returns when a rate-limited vendor may be called again (0: none waiting).
  std::int64_t dispatch();
  void run_item(const store::OutboxItem& item);
  void record(const store::OutboxItem& item, const Attempt& attempt);
  // A refusal of `vendor`'s credentials: pauses it; returns how long the action waits.
  milliseconds refused(Side vendor, const std::string& error, std::int64_t now);
  void accepted(Side vendor, std::int64_t now);  // a call went through: resumes a paused vendor
  RateGate& gate(Side side) { return pacer_.gate(side); }
  double jitter();

  store::Outbox& outbox_;
  store::PairLedger& ledger_;
  const EngineSettings settings_;
  const Clock& clock_;
  EngineObserver* observer_;
  PriorityDirectory priorities_;
  PriorityLookup priority_lookup_;
  Executor executor_;
  EventPlanner planner_;
  OwnUserLookup own_user_;
  RequestChecker checker_;
  Pacer& pacer_;

  std::mutex mu_;
  std::condition_variable wake_cv_;
  bool woken_ = false;                   // guarded by mu_
  bool stopping_ = false;                // guarded by mu_
  std::set<std::string> busy_pairs_;     // guarded by mu_
  std::set<std::int64_t> busy_actions_;  // guarded by mu_: the actions of busy_pairs_, whose claims are kept
  std::int64_t last_extend_ms_ = 0;      // loop thread only: when the claims were last extended
  std::set<std::string> busy_checks_;    // guarded by mu_
  std::mt19937_64 random_;               // guarded by mu_
  struct Refusals {
    int count = 0;           // pauses in a row; 0: not paused
    std::int64_t until = 0;  // when the current pause ends
    std::int64_t last_log_ms = 0;
  };
  Refusals refusals_[2];   // guarded by mu_; by Side
  std::mutex publish_mu_;  // held by refused()/accepted() from deciding to publishing (taken before mu_)
  // By Side: whether this run has seen the vendor accept its key (clearing any pause recorded before it).
  std::atomic<bool> confirmed_[2] = {false, false};

  std::atomic<bool> running_{false};
  std::atomic<std::int64_t> last_loop_ms_{0};
  std::thread loop_thread_;
  std::optional<WorkerPool> workers_;  // from start() to stop()
};

}  // namespace ogpd::delivery
