// The sync rules: (event, link, echo ledger) -> the actions that make the other side follow. DESIGN §2.
//
// Pure functions on values: no I/O, no clock. The planner (delivery/planner.h) looks up the link and the
// ledger through the store and calls plan(); the journal's writer commits the result in the same transaction
// that stores the event (store/sqlite/journal.h), so an event and its actions become durable together.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/action.h"
#include "core/event.h"
#include "core/link.h"
#include "core/route.h"

namespace ogpd::sync {

// Origin markers carried by every mirrored note. A note that carries one is never mirrored back (loop guard
// 3).
inline constexpr std::string_view kFromOpsgenie = "[from Opsgenie]";
inline constexpr std::string_view kFromPagerDuty = "[from PagerDuty]";

struct SyncSettings {
  std::map<std::string, std::string> urgency_by_priority{
      {"P1", "high"}, {"P2", "high"}, {"P3", "low"}, {"P4", "low"}, {"P5", "low"}};
  std::string default_urgency = "high";    // no priority in the webhook: page rather than not
  std::optional<std::string> own_user;     // PAGERDUTY_USER: an id or a name
  std::optional<std::string> own_user_id;  // the user behind PAGERDUTY_EMAIL, when resolved
  // The alert side's own account (JSM_EMAIL): its events are the proxy's own writes, never mirrored.
  std::optional<std::string> own_alert_account;
  // What incident notes call the alert side: "Opsgenie", or "JSM" (ALERTS_API=jsm). The notes' origin
  // marker stays kFromOpsgenie either way (loop guard 3 must know notes written before the switch).
  std::string alert_side = "Opsgenie";
  // Where Creates go: the route each names (Event::route). A Create without one (journaled before routes)
  // takes urgency_by_priority / default_urgency above and the settings' service.
  RouteTable routes = one_route(std::nullopt, {}, urgency_by_priority);
};

// Why a plan has the actions it has; also the label of the events-processed metric.
enum class Outcome {
  kMirrored,       // actions planned
  kAlreadyLinked,  // a repeated Create for a linked alert
  kOwnUser,        // loop guard 1: the proxy's own user did it (PagerDuty's, or JSM's service account)
  kEcho,           // loop guard 2: the proxy's own change coming back
  kMarker,         // loop guard 3: a note that came from the other side
  kNoRoute,        // an alert no route takes (its Create, and its later actions while unpaired), or a
                   // Create whose route is gone from the routes file since it was stored
  kNoAction,       // nothing to mirror (ping, triggered, unknown, a note without text)
};

std::string_view to_string(Outcome outcome);

struct Plan {
  Outcome outcome = Outcome::kNoAction;
  std::vector<Action> actions;
  std::optional<Link> new_link;  // to record with the actions (a create about to be made)
  bool consume_echo = false;     // remove the matched ledger entry
};

// The note an Opsgenie alert gets for a PagerDuty note by `who`: marker, author, text, cut to Opsgenie's
// limit.
std::string alert_note_from_pagerduty(std::string_view who, std::string_view content);

// `link`: the stored pair for this event's alert (Opsgenie) or incident (PagerDuty), if any.
// `echo_recorded`: whether the ledger holds echo_of(event).
// `alert_unrouted`: whether this Opsgenie alert's Create was stored with no route to take it.
Plan plan(const Event& event, const std::optional<Link>& link, bool echo_recorded,
          const SyncSettings& settings, bool alert_unrouted = false);

}  // namespace ogpd::sync
