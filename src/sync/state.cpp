#include "sync/state.h"

namespace ogpd::sync {

std::optional<PairStatus> status_reported(const Event& e) {
  const auto on_alert = [&](std::string_view status, bool opens) -> std::optional<PairStatus> {
    if (!e.alert_id) return std::nullopt;
    return PairStatus{Side::kOpsgenie, *e.alert_id, std::string(status), opens};
  };
  const auto on_incident = [&](std::string_view status, bool opens) -> std::optional<PairStatus> {
    if (!e.incident_id) return std::nullopt;
    return PairStatus{Side::kPagerDuty, *e.incident_id, std::string(status), opens};
  };
  switch (e.kind) {
    case EventKind::kAlertCreated:
      return on_alert(status::kOpen, true);
    case EventKind::kAlertAcknowledged:
      return on_alert(status::kAcknowledged, false);
    case EventKind::kAlertUnacknowledged:
      return on_alert(status::kOpen, false);
    case EventKind::kAlertClosed:
      return on_alert(status::kClosed, false);
    case EventKind::kIncidentTriggered:
      return on_incident(status::kTriggered, true);
    case EventKind::kIncidentAcknowledged:
      return on_incident(status::kAcknowledged, false);
    case EventKind::kIncidentUnacknowledged:
      return on_incident(status::kTriggered, false);
    case EventKind::kIncidentResolved:
      return on_incident(status::kResolved, false);
    default:
      return std::nullopt;
  }
}

std::optional<PairStatus> status_to_record(const Event& e) {
  if (e.kind == EventKind::kAlertCreated || e.kind == EventKind::kIncidentTriggered) return std::nullopt;
  return status_reported(e);
}

std::optional<std::string_view> status_after(ActionKind kind) {
  switch (kind) {
    case ActionKind::kAcknowledgeIncident:
      return status::kAcknowledged;
    case ActionKind::kResolveIncident:
      return status::kResolved;
    case ActionKind::kAcknowledgeAlert:
      return status::kAcknowledged;
    case ActionKind::kUnacknowledgeAlert:
      return status::kOpen;
    case ActionKind::kCloseAlert:
      return status::kClosed;
    case ActionKind::kCreateIncident:
    case ActionKind::kAddIncidentNote:
    case ActionKind::kAddAlertNote:
    case ActionKind::kSetIncidentPriority:
    case ActionKind::kSetAlertPriority:
    case ActionKind::kCreateAlert:
      return std::nullopt;
  }
  return std::nullopt;
}

bool changes_status(ActionKind kind) {
  return status_after(kind).has_value();
}

StateRule rule_for(ActionKind kind, const std::optional<std::string>& known) {
  // A priority change on a closed alert or a resolved incident is acting on a closed pair.
  if (kind == ActionKind::kSetIncidentPriority || kind == ActionKind::kSetAlertPriority)
    return known && is_terminal(*known) ? StateRule::kSkip : StateRule::kSend;
  if (!changes_status(kind)) return StateRule::kSend;
  if (known && is_terminal(*known)) return StateRule::kSkip;
  // Acknowledging an incident is the change that can reopen one, and a resolve may have happened since the
  // status was seen: look first. Elsewhere a stale status costs nothing worse than a no-op.
  if (kind == ActionKind::kAcknowledgeIncident) return StateRule::kReadFirst;
  return StateRule::kSend;
}

}  // namespace ogpd::sync
