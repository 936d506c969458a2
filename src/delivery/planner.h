// EventPlanner: store::Planner over the pure sync rules. Looks up the event's pair and echo through the view
// it is given (the journal's transaction, or the pair ledger), calls sync::plan, reports the outcome.
//
// Thread-safe: plan() runs on the journal's writer thread while the engine may update the proxy's own user
// id.
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include "core/clock.h"
#include "delivery/engine_observer.h"
#include "store/journal.h"
#include "sync/plan.h"

namespace ogpd::delivery {

class EventPlanner final : public store::Planner {
 public:
  EventPlanner(sync::SyncSettings settings, std::chrono::milliseconds echo_ttl, const Clock& clock,
               EngineObserver* observer)
      : settings_(std::move(settings)), echo_ttl_(echo_ttl), clock_(clock), observer_(observer) {}

  store::PlannedEvent plan(const Event& event, store::PlanningView& view) override;
  void planned(std::int64_t event_id, const Event& event, const store::PlannedEvent& plan) override;

  void set_own_user_id(const std::string& id);
  bool knows_own_user_id() const;

 private:
  mutable std::mutex mu_;
  sync::SyncSettings settings_;  // guarded by mu_
  const std::chrono::milliseconds echo_ttl_;
  const Clock& clock_;
  EngineObserver* const observer_;
};

}  // namespace ogpd::delivery
