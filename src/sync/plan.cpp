#include "sync/plan.h"

#include "core/text.h"
#include "sync/limits.h"
#include "sync/reconcile.h"

namespace ogpd::sync {
namespace {

bool carries_marker(const std::string& note) {
  return note.find(kFromOpsgenie) != std::string::npos || note.find(kFromPagerDuty) != std::string::npos;
}

std::string opsgenie_actor(const Event& event) {
  return event.actor_name.value_or("an Opsgenie user");
}
std::string pagerduty_actor(const Event& event) {
  return event.actor_name.value_or("PagerDuty");
}

bool is_own_user(const Event& event, const SyncSettings& settings) {
  const auto same = [](const std::optional<std::string>& a, const std::optional<std::string>& b) {
    return a && b && *a == *b;
  };
  return same(event.actor_id, settings.own_user) || same(event.actor_name, settings.own_user) ||
         same(event.actor_id, settings.own_user_id);
}

// A repair found by reconciliation (sync/reconcile.h) says so in its note: the change was missed.
bool missed(const Event& event) {
  return event.type == kReconcileType;
}
constexpr std::string_view kMissedSuffix = " (its webhook was missed; found by reconciliation)";

Action on_incident(ActionKind kind, const Event& event, const std::optional<Link>& link) {
  Action a;
  a.kind = kind;
  a.alert_id = event.alert_id;
  if (link) a.incident_id = link->incident_id;
  a.incident_key = link && link->incident_key ? link->incident_key : event.alert_id;
  return a;
}

Action incident_note(const Event& event, const std::optional<Link>& link, const std::string& text) {
  Action a = on_incident(ActionKind::kAddIncidentNote, event, link);
  a.note =
      truncate_utf8(std::string(kFromOpsgenie) + " " + text + std::string(missed(event) ? kMissedSuffix : ""),
                    kPagerDutyNoteChars);
  return a;
}

Action on_alert(ActionKind kind, const Event& event, const std::optional<Link>& link) {
  Action a;
  a.kind = kind;
  a.incident_id = event.incident_id;
  a.incident_key = event.incident_key;
  // The alert: from the link, else the incident key (the earlier proxy keyed incidents by alert id); when
  // neither is known the delivery worker asks PagerDuty for the incident's key.
  a.alert_id = link ? std::optional<std::string>(link->alert_id) : event.incident_key;
  a.user = truncate_utf8(pagerduty_actor(event), kOpsgenieUserChars);
  if (missed(event)) {
    const char* what = kind == ActionKind::kCloseAlert         ? "Resolved"
                       : kind == ActionKind::kAcknowledgeAlert ? "Acknowledged"
                                                               : "Unacknowledged";
    a.note = truncate_utf8(std::string(kFromPagerDuty) + " " + what + " in PagerDuty by " +
                               pagerduty_actor(event) + std::string(kMissedSuffix),
                           kOpsgenieNoteChars);
  }
  return a;
}

Plan from_opsgenie(const Event& e, const std::optional<Link>& link, const SyncSettings& settings,
                   bool alert_unrouted) {
  Plan p;
  p.outcome = Outcome::kMirrored;
  // An alert no route took has no incident: its later actions would only search PagerDuty for one.
  const bool unrouted = e.kind == EventKind::kAlertCreated ? !e.route && settings.routes.file.has_value()
                                                           : alert_unrouted && !link;
  if (unrouted) {
    p.outcome = Outcome::kNoRoute;
    return p;
  }
  const std::string who = opsgenie_actor(e);
  switch (e.kind) {
    case EventKind::kAlertCreated: {
      if (link) {
        p.outcome = Outcome::kAlreadyLinked;
        return p;
      }
      const Route* route = e.route ? settings.routes.find(*e.route) : nullptr;
      if (e.route && route == nullptr) {
        p.outcome = Outcome::kNoRoute;
        return p;
      }
      Action create = on_incident(ActionKind::kCreateIncident, e, link);
      create.title = truncate_utf8(e.title.value_or("Opsgenie alert " + *e.alert_id), kPagerDutyTitleChars);
      create.details = e.description.value_or("");
      const auto& urgencies = route ? route->pagerduty.urgency_by_priority : settings.urgency_by_priority;
      const auto mapped = e.priority ? urgencies.find(*e.priority) : urgencies.end();
      create.urgency = mapped != urgencies.end()
                           ? mapped->second
                           : (route ? route->pagerduty.default_urgency : settings.default_urgency);
      if (route && !route->pagerduty.service_id.empty()) create.service_id = route->pagerduty.service_id;
      if (route) create.escalation_policy_id = route->pagerduty.escalation_policy_id;
      p.actions.push_back(std::move(create));
      p.new_link = Link{*e.alert_id, std::nullopt, e.alert_id};
      return p;
    }
    case EventKind::kAlertNoteAdded:
      if (!e.note) break;
      if (carries_marker(*e.note)) {
        p.outcome = Outcome::kMarker;
        return p;
      }
      p.actions.push_back(incident_note(e, link, who + ": " + *e.note));
      return p;
    case EventKind::kAlertAcknowledged:
      p.actions.push_back(on_incident(ActionKind::kAcknowledgeIncident, e, link));
      p.actions.push_back(incident_note(e, link, "Acknowledged in Opsgenie by " + who));
      return p;
    case EventKind::kAlertUnacknowledged:
      p.actions.push_back(incident_note(e, link, "Unacknowledged in Opsgenie by " + who));
      return p;
    case EventKind::kAlertClosed:
      p.actions.push_back(on_incident(ActionKind::kResolveIncident, e, link));
      p.actions.push_back(incident_note(e, link, "Closed in Opsgenie by " + who));
      return p;
    default:
      break;
  }
  p.outcome = Outcome::kNoAction;
  return p;
}

Plan from_pagerduty(const Event& e, const std::optional<Link>& link) {
  Plan p;
  p.outcome = Outcome::kMirrored;
  switch (e.kind) {
    case EventKind::kIncidentAcknowledged:
      p.actions.push_back(on_alert(ActionKind::kAcknowledgeAlert, e, link));
      return p;
    case EventKind::kIncidentUnacknowledged:
      p.actions.push_back(on_alert(ActionKind::kUnacknowledgeAlert, e, link));
      return p;
    case EventKind::kIncidentResolved:
      p.actions.push_back(on_alert(ActionKind::kCloseAlert, e, link));
      return p;
    case EventKind::kIncidentAnnotated: {
      if (!e.note) break;
      if (carries_marker(*e.note)) {
        p.outcome = Outcome::kMarker;
        return p;
      }
      Action note = on_alert(ActionKind::kAddAlertNote, e, link);
      note.note = alert_note_from_pagerduty(pagerduty_actor(e), *e.note);
      note.full_note_id = e.trimmed_note_id;
      p.actions.push_back(std::move(note));
      return p;
    }
    default:
      break;
  }
  p.outcome = Outcome::kNoAction;
  return p;
}

}  // namespace

std::string alert_note_from_pagerduty(std::string_view who, std::string_view content) {
  return truncate_utf8(std::string(kFromPagerDuty) + " " + std::string(who) + ": " + std::string(content),
                       kOpsgenieNoteChars);
}

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::kMirrored:
      return "mirrored";
    case Outcome::kAlreadyLinked:
      return "already_linked";
    case Outcome::kOwnUser:
      return "own_user";
    case Outcome::kEcho:
      return "echo";
    case Outcome::kMarker:
      return "marker";
    case Outcome::kNoRoute:
      return "no_route";
    case Outcome::kNoAction:
      return "no_action";
  }
  return "no_action";
}

Plan plan(const Event& event, const std::optional<Link>& link, bool echo_recorded,
          const SyncSettings& settings, bool alert_unrouted) {
  if (!is_actionable(event.kind)) return {};
  // The proxy's own PagerDuty user: never mirrored; its recorded echo (if any) is used up too, so it cannot
  // swallow a later human change of the same kind.
  if (event.source == Source::kPagerDuty && is_own_user(event, settings))
    return {Outcome::kOwnUser, {}, {}, echo_recorded};
  if (echo_recorded) return {Outcome::kEcho, {}, {}, true};
  return event.source == Source::kOpsgenie ? from_opsgenie(event, link, settings, alert_unrouted)
                                           : from_pagerduty(event, link);
}

}  // namespace ogpd::sync
