#include "sync/reconcile.h"

#include <algorithm>

#include "core/pair_status.h"

namespace ogpd::sync {
namespace {

bool changed_later(const SideReading& a, const SideReading& b) {
  return *a.changed_at_ms > *b.changed_at_ms;
}

Drift drift_of(const SideReading& alert, const SideReading& incident) {
  const bool closed = alert.status == status::kClosed;
  const bool resolved = incident.status == status::kResolved;
  if (closed && resolved) return Drift::kNone;
  if (closed) return Drift::kAlertClosed;
  if (resolved) return Drift::kIncidentResolved;
  const bool alert_acked = alert.status == status::kAcknowledged;
  const bool incident_acked = incident.status == status::kAcknowledged;
  if (alert_acked == incident_acked) return Drift::kNone;
  // Who changed last decides; when either time is unknown, nothing is repaired rather than guessed.
  if (!alert.changed_at_ms || !incident.changed_at_ms) return Drift::kNone;
  if (alert_acked) {
    // The incident went back to triggered after the alert's ack (PagerDuty's ack timeout, or a person).
    return changed_later(incident, alert) ? Drift::kIncidentUnacknowledged : Drift::kAlertAcknowledged;
  }
  // Incident acknowledged, alert open: an un-acknowledge in Opsgenie after it is mirrored as a note only.
  return changed_later(alert, incident) ? Drift::kNone : Drift::kIncidentAcknowledged;
}

}  // namespace

std::string_view to_string(Drift drift) {
  switch (drift) {
    case Drift::kNone:
      return "none";
    case Drift::kAlertClosed:
      return "alert_closed";
    case Drift::kIncidentResolved:
      return "incident_resolved";
    case Drift::kAlertAcknowledged:
      return "alert_acknowledged";
    case Drift::kIncidentAcknowledged:
      return "incident_acknowledged";
    case Drift::kIncidentUnacknowledged:
      return "incident_unacknowledged";
  }
  return "none";
}

Comparison compare(const SideReading& alert, const SideReading& incident, std::int64_t now_ms,
                   std::int64_t grace_ms) {
  Comparison c;
  c.both_terminal = alert.status == status::kClosed && incident.status == status::kResolved;
  c.drift = drift_of(alert, incident);
  if (c.drift != Drift::kNone) {
    const std::int64_t latest = std::max(alert.changed_at_ms.value_or(0), incident.changed_at_ms.value_or(0));
    c.settling = now_ms - latest < grace_ms;
  }
  return c;
}

Event repair_event(Drift drift, const Link& link, const SideReading& alert, const SideReading& incident) {
  Event e;
  e.type = std::string(kReconcileType);
  e.alert_id = link.alert_id;
  e.incident_id = link.incident_id;
  e.incident_key = link.incident_key;
  const bool on_alert = drift == Drift::kAlertClosed || drift == Drift::kAlertAcknowledged;
  const SideReading& changed = on_alert ? alert : incident;
  e.source = on_alert ? Source::kOpsgenie : Source::kPagerDuty;
  e.actor_name = changed.changed_by;
  e.actor_id = changed.changed_by_id;  // the proxy's own PagerDuty user is never mirrored (loop guard 1)
  switch (drift) {
    case Drift::kAlertClosed:
      e.kind = EventKind::kAlertClosed;
      break;
    case Drift::kAlertAcknowledged:
      e.kind = EventKind::kAlertAcknowledged;
      break;
    case Drift::kIncidentResolved:
      e.kind = EventKind::kIncidentResolved;
      break;
    case Drift::kIncidentAcknowledged:
      e.kind = EventKind::kIncidentAcknowledged;
      break;
    case Drift::kIncidentUnacknowledged:
      e.kind = EventKind::kIncidentUnacknowledged;
      break;
    case Drift::kNone:
      e.kind = EventKind::kOther;
      break;
  }
  const std::string& id = on_alert ? link.alert_id : link.incident_id.value_or("");
  e.dedupe_key = std::string(kReconcileType) + ":" + std::string(to_string(drift)) + ":" + id + ":" +
                 std::to_string(changed.changed_at_ms.value_or(0));
  return e;
}

}  // namespace ogpd::sync
