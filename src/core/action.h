// Action: one call the proxy will make on one side to mirror an event from the other side.
//
// Produced by the sync rules (src/sync, plan()), queued in the store's outbox, carried out by the delivery
// workers (src/delivery, Executor).
// Plain values; serialisable to a JSON payload (to_json / action_from_json) so the outbox can hold them.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/route.h"

namespace ogpd {

enum class Side { kOpsgenie, kPagerDuty };

enum class ActionKind {
  // on PagerDuty
  kCreateIncident,
  kAddIncidentNote,
  kAcknowledgeIncident,
  kResolveIncident,
  kSetIncidentPriority,  // urgency and PagerDuty priority
  // on Opsgenie
  kAcknowledgeAlert,
  kUnacknowledgeAlert,
  kAddAlertNote,
  kCloseAlert,
  kSetAlertPriority,
  kCreateAlert,  // for an incident born in PagerDuty: keep it last (kActionKinds)
};
inline constexpr std::size_t kActionKinds = static_cast<std::size_t>(ActionKind::kCreateAlert) + 1;

std::string_view to_string(Side side);
std::string_view to_string(ActionKind kind);
std::optional<ActionKind> action_kind_from_string(std::string_view text);
Side target_of(ActionKind kind);

struct Action {
  ActionKind kind = ActionKind::kAddIncidentNote;

  // The pair. Known ids are filled in when planned; a missing one is found when the action runs (the link
  // made by an earlier create, or the incident key).
  std::optional<std::string> alert_id;
  std::optional<std::string> incident_id;
  std::optional<std::string> incident_key;

  std::string note;  // note text, marker included (notes), or empty
  std::string user;  // Opsgenie `user` (the PagerDuty agent's name); empty for PagerDuty actions
  // kAddAlertNote of a note PagerDuty's webhook trimmed: its id, so the worker fetches the full text first.
  std::optional<std::string> full_note_id;

  // kCreateIncident, kCreateAlert: the title (alert message) and details (alert description).
  std::string title;
  std::string details;
  std::string urgency;  // "high" | "low": kCreateIncident, kSetIncidentPriority
  // kCreateIncident, kSetIncidentPriority: a PagerDuty priority's name (empty: none). kSetAlertPriority,
  // kCreateAlert: the Opsgenie priority, "P1".."P5" (empty on a create: Opsgenie's default).
  std::string priority;
  // Where, from the alert's route (core/route.h); unset: PAGERDUTY_SERVICE_ID, no escalation policy.
  std::optional<std::string> service_id;
  std::optional<std::string> escalation_policy_id;
  // An Events API v2 route (core/route.h), by name: trigger (create), acknowledge and resolve go to its
  // integration with the incident key as dedup_key; notes and priorities still use the REST API. The
  // routing key itself is a secret, read from the routes table when the action runs: never stored or logged.
  std::optional<std::string> events_route;

  // kCreateAlert only: the alias that makes a retry never double it (pd-<incident id>), and who it is for.
  std::string alias;
  std::vector<std::string> tags;
  std::vector<Responder> responders;

  friend bool operator==(const Action&, const Action&) = default;
};

}  // namespace ogpd
