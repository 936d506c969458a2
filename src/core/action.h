// Action: one call the proxy will make on one side to mirror an event from the other side.
//
// Produced by the sync rules (src/sync, plan()), queued in the store's outbox, carried out by the delivery
// workers (src/delivery, Executor).
// Plain values; serialisable to a JSON payload (to_json / action_from_json) so the outbox can hold them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ogpd {

enum class Side { kOpsgenie, kPagerDuty };

enum class ActionKind {
  // on PagerDuty
  kCreateIncident,
  kAddIncidentNote,
  kAcknowledgeIncident,
  kResolveIncident,
  // on Opsgenie
  kAcknowledgeAlert,
  kUnacknowledgeAlert,
  kAddAlertNote,
  kCloseAlert,
};

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

  // kCreateIncident only
  std::string title;
  std::string details;
  std::string urgency;  // "high" | "low"
  // Where, from the alert's route (core/route.h); unset: PAGERDUTY_SERVICE_ID, no escalation policy.
  std::optional<std::string> service_id;
  std::optional<std::string> escalation_policy_id;

  friend bool operator==(const Action&, const Action&) = default;
};

}  // namespace ogpd
