// Reconciler: heals what webhooks missed (DESIGN §2.2). Every interval it walks the pairs linked within the
// maximum age, a page at a time, and for each not known closed on both sides reads each side from its vendor
// (GET /incidents/{id}, GET /v2/alerts/{id}), compares them (sync/reconcile.h) and, where they drifted,
// journals the event whose webhook was missed. That event is planned like any webhook — same rules, same
// loop guards, same outbox order — so a repair is never a second code path.
//
// Budget: its reads take tokens from a share of each vendor's budget (its own Pacer), and go through the
// daemon's paced client too, so the vendors' limits hold with reconciliation on. A pair whose actions are
// still waiting in the outbox is left alone (its repair, if any, is under way). What was read is recorded
// as the pair's known status (authoritative).
//
// Look-only mode (`repair` unset): reads and compares, writes nothing — `reconcile --dry-run`.
// Thread-safety: pass() from one thread at a time; start()/stop() from one thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "clients/apis.h"
#include "core/clock.h"
#include "core/status.h"
#include "delivery/pacer.h"
#include "store/ledger.h"
#include "store/outbox.h"
#include "sync/reconcile.h"

namespace ogpd::delivery {

struct ReconcileSettings {
  std::chrono::milliseconds interval{300'000};  // between the starts of two passes; 0: off
  double pagerduty_per_second = 0;  // reconciliation's share of each vendor's budget (calls per second)
  double opsgenie_per_second = 0;
  std::chrono::milliseconds max_age{7 * 24 * 3'600'000LL};  // pairs linked longer ago leave the set
};

// What one pair was found to be.
struct Finding {
  Link link;
  std::optional<SideReading> alert;     // nullopt: not read (see problem)
  std::optional<SideReading> incident;  // nullopt: not read (see problem)
  sync::Comparison comparison;
  std::string problem;    // why a side could not be read (or the repair could not be queued)
  bool pending = false;   // left alone: actions of this pair wait in the outbox
  bool repaired = false;  // the missed event was journaled (its actions queued)
};

struct PassSummary {
  std::int64_t checked = 0;  // pairs read on both sides
  std::int64_t drifted = 0;  // drift found (settling or not)
  std::int64_t repaired = 0;
  std::int64_t pending = 0;     // left alone: actions of the pair wait in the outbox
  std::int64_t unreadable = 0;  // a side could not be read: the next pass tries again
};

// What a pass reports, for metrics; every method optional.
struct ReconcileObserver {
  virtual ~ReconcileObserver() = default;
  virtual void on_checked() {}
  virtual void on_drift(sync::Drift /*drift*/, bool /*repaired*/) {}
  virtual void on_read_failed(Side /*vendor*/) {}
  virtual void on_pass(const PassSummary& /*summary*/, std::int64_t /*finished_at_ms*/) {}
};

class Reconciler {
 public:
  // Journals `event` (with `raw`, the readings as JSON); true when stored, false when the same repair was
  // journaled before.
  using Repair = std::function<Result<bool>(const Event& event, const std::string& raw)>;

  Reconciler(store::PairLedger& ledger, store::Outbox& outbox, clients::PagerDutyApi& pagerduty,
             clients::OpsgenieApi& opsgenie, ReconcileSettings settings, const Clock& clock, Repair repair,
             ReconcileObserver* observer = nullptr);
  ~Reconciler() { stop(); }

  // One pass over every pair due; `each` (optional) sees every pair's finding, in order. Stops early when
  // stop() is called or a vendor refuses the credentials.
  PassSummary pass(const std::function<void(const Finding&)>& each = {});

  // Whose turn it is to reconcile: a hold for as long as the pass runs, or null when another proxy sharing
  // the store has it (store.h, SingletonJob).
  using TakeTurn = std::function<std::shared_ptr<void>()>;
  // A pass every interval on a thread of its own ("ogpd-reconcile"), when `take_turn` (if given) grants one;
  // nothing when off.
  void start(TakeTurn take_turn = {});
  void stop();

 private:
  Finding check(const Link& link, std::int64_t now_ms, bool& refused);
  std::optional<SideReading> read(Side side, const std::string& id, std::string& problem, bool& refused);

  store::PairLedger& ledger_;
  store::Outbox& outbox_;
  clients::PagerDutyApi& pagerduty_;
  clients::OpsgenieApi& opsgenie_;
  const ReconcileSettings settings_;
  const Clock& clock_;
  const Repair repair_;
  ReconcileObserver* const observer_;
  Pacer share_;  // reconciliation's share of each vendor's budget

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

// The readings behind a repair, as JSON (the repair event's stored body).
std::string readings_json(sync::Drift drift, const Link& link, const SideReading& alert,
                          const SideReading& incident);

}  // namespace ogpd::delivery
