// Reconciliation rules (DESIGN §2.2): given what both sides of a pair were just read to be, is there drift —
// a change whose webhook was lost — and which event would have carried it. Pure functions on values; the
// reconciler (delivery/reconciler.h) reads the vendors and journals the repair event, so a repair is planned
// by the same sync rules (src/sync/plan.h), with the same loop guards, as the webhook it stands for.
//
// Closed/resolved is terminal and wins. Acknowledged against not: the side whose status changed last wins
// (nothing is repaired when either time is unknown), except that an alert un-acknowledged after its incident
// was acknowledged is not drift (PagerDuty has no un-acknowledge; the proxy mirrors it as a note).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/event.h"
#include "core/link.h"
#include "core/pair_status.h"

namespace ogpd::sync {

enum class Drift {
  kNone,                    // the sides agree, or differ only where the mapping cannot carry the change
  kAlertClosed,             // alert closed, incident open: resolve the incident
  kIncidentResolved,        // incident resolved, alert open: close the alert
  kAlertAcknowledged,       // the alert was acknowledged after the incident last changed: acknowledge it
  kIncidentAcknowledged,    // the incident was acknowledged after the alert last changed: acknowledge it
  kIncidentUnacknowledged,  // the incident went back to triggered after the alert's ack: unacknowledge it
};
inline constexpr Drift kAllDrifts[] = {Drift::kAlertClosed, Drift::kIncidentResolved,
                                       Drift::kAlertAcknowledged, Drift::kIncidentAcknowledged,
                                       Drift::kIncidentUnacknowledged};

std::string_view to_string(Drift drift);  // alert_closed, incident_resolved, ... ("none")

struct Comparison {
  Drift drift = Drift::kNone;
  // A side changed less than `grace_ms` ago: its webhook may still be on the way, so the drift is left to
  // the next pass rather than repaired twice.
  bool settling = false;
  bool both_terminal = false;  // closed and resolved: the pair needs no more reconciling
};

Comparison compare(const SideReading& alert, const SideReading& incident, std::int64_t now_ms,
                   std::int64_t grace_ms);

// The event whose webhook was missed, for `drift` (not kNone) on `link` (which knows its incident): source,
// kind, ids and actor as the vendor's webhook would have carried them, type kReconcileType, and a dedupe key
// naming the change, so the same reading is never repaired twice.
inline constexpr std::string_view kReconcileType = "reconcile";
Event repair_event(Drift drift, const Link& link, const SideReading& alert, const SideReading& incident);

}  // namespace ogpd::sync
