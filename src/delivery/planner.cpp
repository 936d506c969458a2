#include "delivery/planner.h"

#include <spdlog/spdlog.h>

#include "core/text.h"
#include "ops/log.h"
#include "sync/echo.h"
#include "sync/state.h"

namespace ogpd::delivery {

void EventPlanner::set_own_user_id(const std::string& id) {
  std::lock_guard lock(mu_);
  settings_.own_user_id = id;
}

bool EventPlanner::knows_own_user_id() const {
  std::lock_guard lock(mu_);
  return settings_.own_user_id.has_value();
}

store::PlannedEvent EventPlanner::plan(const Event& e, store::PlanningView& view) {
  std::optional<Link> link;
  if (e.source == Source::kOpsgenie && e.alert_id) {
    link = view.link_by_alert(*e.alert_id);
  } else if (e.source == Source::kPagerDuty) {
    if (e.incident_id) link = view.link_by_incident(*e.incident_id);
    if (!link && e.incident_key) link = view.link_by_alert(*e.incident_key);
  }
  const std::int64_t now = clock_.now_ms();
  const auto echo = sync::echo_of(e);
  const bool recorded = echo && view.echo_recorded(*echo, now - echo_ttl_.count());
  const bool unrouted = e.source == Source::kOpsgenie && e.kind != EventKind::kAlertCreated && !link &&
                        e.alert_id && view.alert_unrouted(*e.alert_id);
  sync::Plan plan;
  {
    std::lock_guard lock(mu_);
    plan = sync::plan(e, link, recorded, settings_, unrouted);
  }
  return {0,
          std::string(sync::to_string(plan.outcome)),
          std::move(plan.actions),
          std::move(plan.new_link),
          plan.consume_echo ? echo : std::nullopt,
          sync::status_to_record(e)};
}

void EventPlanner::planned(std::int64_t event_id, const Event& e, const store::PlannedEvent& plan) {
  const ops::CorrelationScope correlation(event_id);
  if (observer_) observer_->on_planned(e, plan.outcome, plan.actions.size());
  spdlog::info("event planned source={} type={} outcome={} actions={}", to_string(e.source), e.type,
               plan.outcome, plan.actions.size());
  if (plan.outcome == sync::to_string(sync::Outcome::kNoRoute) && e.kind != EventKind::kAlertCreated)
    spdlog::info("alert {}: no route took it, so its {} is not mirrored", printable(e.alert_id.value_or("?")),
                 printable(e.type));
  else if (plan.outcome == sync::to_string(sync::Outcome::kNoRoute) && !e.route)
    spdlog::info("alert {}: no route takes it; stored, no incident created",
                 printable(e.alert_id.value_or("?")));
  else if (plan.outcome == sync::to_string(sync::Outcome::kNoRoute))
    spdlog::warn(
        "alert {}: its route {} is no longer in the routes file: no incident is created (add the "
        "route back and replay, or raise the alert again)",
        printable(e.alert_id.value_or("?")), printable(e.route.value_or("?")));
}

}  // namespace ogpd::delivery
