#include "sync/plan.h"

#include "core/text.h"
#include "sync/limits.h"
#include "sync/reconcile.h"

namespace ogpd::sync {
namespace {

bool carries_marker(const std::string& note) {
  return note.find(kFromOpsgenie) != std::string::npos || note.find(kFromPagerDuty) != std::string::npos;
}

std::string opsgenie_actor(const Event& event, const SyncSettings& settings) {
  const char* article = settings.alert_side == "Opsgenie" ? "an " : "a ";
  return event.actor_name.value_or(article + settings.alert_side + " user");
}
std::string pagerduty_actor(const Event& event) {
  return event.actor_name.value_or("PagerDuty");
}

bool is_own_user(const Event& event, const SyncSettings& settings) {
  const auto same = [](const std::optional<std::string>& a, const std::optional<std::string>& b) {
    return a && b && *a == *b;
  };
  if (event.source == Source::kOpsgenie) {
    // JSM credits every write to the account whose token the proxy uses; its webhooks name it by email
    // (ASCII case ignored) or by its id.
    const auto& own = settings.own_alert_account;
    return own && ((event.actor_name && iequals(*event.actor_name, *own)) ||
                   (event.actor_id && iequals(*event.actor_id, *own)));
  }
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

// The route whose maps apply to an alert's later event: the one its pair was made by (an UpdatePriority may
// carry no teams, so what it matches now says little), else the one it matches, else — without a routes
// file — the single route.
const Route* route_for(const Event& e, const std::optional<Link>& link, const SyncSettings& settings) {
  if (link && link->route) return settings.routes.find(*link->route);
  if (e.route) return settings.routes.find(*e.route);
  if (!settings.routes.file && !settings.routes.routes.empty()) return &settings.routes.routes.front();
  return nullptr;
}

// An acknowledge or resolve: through the Events API when the pair's incident was made by an Events API route.
Action status_change(ActionKind kind, const Event& e, const std::optional<Link>& link,
                     const SyncSettings& settings) {
  Action a = on_incident(kind, e, link);
  if (const Route* route = link && link->route ? settings.routes.find(*link->route) : nullptr;
      route && route->pagerduty.events_api())
    a.events_route = route->name;
  return a;
}

std::string urgency_for(const std::optional<std::string>& priority, const Route* route,
                        const SyncSettings& settings) {
  const auto& urgencies = route ? route->pagerduty.urgency_by_priority : settings.urgency_by_priority;
  const auto mapped = priority ? urgencies.find(*priority) : urgencies.end();
  if (mapped != urgencies.end()) return mapped->second;
  return route ? route->pagerduty.default_urgency : settings.default_urgency;
}

// The PagerDuty priority name for an Opsgenie priority, from the route's map ("" when it gives none).
std::string pagerduty_priority_for(const std::optional<std::string>& priority, const Route* route) {
  if (!priority || !route) return {};
  const auto& names = route->pagerduty.priority_by_priority;
  const auto it = names.find(*priority);
  return it == names.end() ? std::string() : it->second;
}

bool is_opsgenie_priority(std::string_view p) {
  return p.size() == 2 && p[0] == 'P' && p[1] >= '1' && p[1] <= '5';
}

// The Opsgenie priority for a PagerDuty priority name: the from_pagerduty rule of the event's service, else
// the route maps read backwards (the routes to the event's service first), else the name itself when it is
// P1..P5. nullopt: no Opsgenie priority says it.
std::optional<std::string> opsgenie_priority_for(const Event& e, const SyncSettings& settings,
                                                 const FromPagerDutyRule* born) {
  if (!e.priority) return std::nullopt;
  if (born != nullptr)  // the rule that made the alert names PagerDuty priorities too
    if (const auto it = born->priority.find(*e.priority); it != born->priority.end()) return it->second;
  for (const bool own_service_only : {true, false})
    for (const auto& r : settings.routes.routes) {
      if (own_service_only && (!e.service_id || r.pagerduty.service_id != *e.service_id)) continue;
      for (const auto& [og, pd] : r.pagerduty.priority_by_priority)
        if (pd == *e.priority) return og;
    }
  if (is_opsgenie_priority(*e.priority)) return e.priority;
  return std::nullopt;
}

// The from_pagerduty rule that takes incidents of the event's service, if any.
const FromPagerDutyRule* born_in_pagerduty_rule(const Event& e, const SyncSettings& settings) {
  if (!e.service_id) return nullptr;
  for (const auto& rule : settings.routes.from_pagerduty)
    for (const auto& id : rule.service_ids)
      if (id == *e.service_id) return &rule;
  return nullptr;
}

Plan from_opsgenie(const Event& e, const std::optional<Link>& link, const SyncSettings& settings,
                   bool alert_unrouted) {
  Plan p;
  p.outcome = Outcome::kMirrored;
  if (e.kind == EventKind::kAlertCreated && link) {
    p.outcome = Outcome::kAlreadyLinked;
    return p;
  }
  // An alert no route took has no incident: its later actions would only search PagerDuty for one.
  const bool unrouted = e.kind == EventKind::kAlertCreated ? !e.route && settings.routes.file.has_value()
                                                           : alert_unrouted && !link;
  if (unrouted) {
    p.outcome = Outcome::kNoRoute;
    return p;
  }
  const std::string who = opsgenie_actor(e, settings);
  const std::string& side = settings.alert_side;
  switch (e.kind) {
    case EventKind::kAlertCreated: {
      const Route* route = e.route ? settings.routes.find(*e.route) : nullptr;
      if (e.route && route == nullptr) {
        p.outcome = Outcome::kNoRoute;
        return p;
      }
      Action create = on_incident(ActionKind::kCreateIncident, e, link);
      create.title = truncate_utf8(e.title.value_or(side + " alert " + *e.alert_id), kPagerDutyTitleChars);
      create.details = e.description.value_or("");
      create.urgency = urgency_for(e.priority, route, settings);
      create.priority = pagerduty_priority_for(e.priority, route);
      if (route && !route->pagerduty.service_id.empty()) create.service_id = route->pagerduty.service_id;
      if (route) create.escalation_policy_id = route->pagerduty.escalation_policy_id;
      if (route && route->pagerduty.events_api()) create.events_route = route->name;
      p.actions.push_back(std::move(create));
      p.new_link =
          Link{*e.alert_id, std::nullopt, e.alert_id, route ? std::optional(route->name) : std::nullopt};
      return p;
    }
    case EventKind::kAlertPriorityUpdated: {
      if (!e.priority) break;
      const Route* route = route_for(e, link, settings);
      Action change = on_incident(ActionKind::kSetIncidentPriority, e, link);
      change.urgency = urgency_for(e.priority, route, settings);
      change.priority = pagerduty_priority_for(e.priority, route);
      p.actions.push_back(std::move(change));
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
      p.actions.push_back(status_change(ActionKind::kAcknowledgeIncident, e, link, settings));
      p.actions.push_back(incident_note(e, link, "Acknowledged in " + side + " by " + who));
      return p;
    case EventKind::kAlertUnacknowledged:
      p.actions.push_back(incident_note(e, link, "Unacknowledged in " + side + " by " + who));
      return p;
    case EventKind::kAlertClosed:
      p.actions.push_back(status_change(ActionKind::kResolveIncident, e, link, settings));
      p.actions.push_back(incident_note(e, link, "Closed in " + side + " by " + who));
      return p;
    default:
      break;
  }
  p.outcome = Outcome::kNoAction;
  return p;
}

Action create_alert(const Event& e, const FromPagerDutyRule& rule) {
  Action a;
  a.kind = ActionKind::kCreateAlert;
  a.incident_id = e.incident_id;
  a.incident_key = e.incident_key;
  a.alias = std::string(kBornInPagerDutyAliasPrefix) + *e.incident_id;
  a.title = truncate_utf8(e.title.value_or("PagerDuty incident " + *e.incident_id), kOpsgenieMessageChars);
  a.details =
      truncate_utf8("Incident born in PagerDuty: " + e.url.value_or(*e.incident_id) +
                        (e.title && e.title->size() > a.title.size() ? "\n\n" + *e.title : std::string()),
                    kOpsgenieDescriptionChars);
  const auto by_name = e.priority ? rule.priority.find(*e.priority) : rule.priority.end();
  const auto by_urgency = e.urgency ? rule.priority.find(*e.urgency) : rule.priority.end();
  if (by_name != rule.priority.end())
    a.priority = by_name->second;
  else if (by_urgency != rule.priority.end())
    a.priority = by_urgency->second;
  a.tags = rule.tags;
  a.responders = rule.responders;
  a.user = truncate_utf8(pagerduty_actor(e), kOpsgenieUserChars);
  return a;
}

Plan from_pagerduty(const Event& e, const std::optional<Link>& link, const SyncSettings& settings) {
  Plan p;
  p.outcome = Outcome::kMirrored;
  const FromPagerDutyRule* born = born_in_pagerduty_rule(e, settings);
  // Before its alert exists, an incident born in PagerDuty has no alert to name: its actions queue behind
  // the alert's creation (the same pair) and find the alert through the link it leaves.
  const auto on_alert_of = [&](ActionKind kind) {
    Action a = on_alert(kind, e, link);
    if (!link && born) a.alert_id = std::nullopt;
    return a;
  };
  switch (e.kind) {
    case EventKind::kIncidentTriggered:
      if (link) {
        // An incident the proxy made from an alert (found by its key): complete the pair if it lacked the id
        // (an Events API trigger's incident is known only from here or a later lookup).
        p.outcome = Outcome::kAlreadyLinked;
        if (!link->incident_id && e.incident_id)
          p.new_link = Link{link->alert_id, e.incident_id, link->incident_key, std::nullopt};
        return p;
      }
      if (born == nullptr || !e.incident_id) break;
      p.actions.push_back(create_alert(e, *born));
      return p;
    case EventKind::kIncidentPriorityUpdated: {
      const auto priority = opsgenie_priority_for(e, settings, born);
      if (!priority) break;
      Action change = on_alert_of(ActionKind::kSetAlertPriority);
      change.priority = *priority;
      p.actions.push_back(std::move(change));
      return p;
    }
    case EventKind::kIncidentAcknowledged:
      p.actions.push_back(on_alert_of(ActionKind::kAcknowledgeAlert));
      return p;
    case EventKind::kIncidentUnacknowledged:
      p.actions.push_back(on_alert_of(ActionKind::kUnacknowledgeAlert));
      return p;
    case EventKind::kIncidentResolved:
      p.actions.push_back(on_alert_of(ActionKind::kCloseAlert));
      return p;
    case EventKind::kIncidentAnnotated: {
      if (!e.note) break;
      if (carries_marker(*e.note)) {
        p.outcome = Outcome::kMarker;
        return p;
      }
      Action note = on_alert_of(ActionKind::kAddAlertNote);
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
  // The proxy's own user (PagerDuty's, or the JSM service account): never mirrored; its recorded echo (if
  // any) is used up too, so it cannot swallow a later human change of the same kind.
  if (is_own_user(event, settings)) return {Outcome::kOwnUser, {}, {}, echo_recorded};
  if (echo_recorded) {
    Plan echo{Outcome::kEcho, {}, {}, true};
    // The Create of an alert the proxy made for a PagerDuty incident (its echo was recorded by alias before
    // the create was sent): never a new incident. It names the alert, so the pair is linked here if the
    // create's own check has not done so yet.
    if (event.kind == EventKind::kAlertCreated && event.alias && event.alert_id &&
        event.alias->starts_with(kBornInPagerDutyAliasPrefix))
      echo.new_link = Link{*event.alert_id, event.alias->substr(kBornInPagerDutyAliasPrefix.size()),
                           std::nullopt, std::nullopt, true};
    return echo;
  }
  Plan p = event.source == Source::kOpsgenie ? from_opsgenie(event, link, settings, alert_unrouted)
                                             : from_pagerduty(event, link, settings);
  // A pair born in PagerDuty queues under its incident, both ways (core/link.h).
  if (link && link->born_in_pagerduty)
    for (auto& a : p.actions) a.alert_id.reset();
  return p;
}

}  // namespace ogpd::sync
