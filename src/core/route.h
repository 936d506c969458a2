// Route: which PagerDuty target an Opsgenie alert goes to (DESIGN §2.1). A RouteTable is ordered; the first
// route whose every condition holds takes the alert. Made from ROUTES_FILE (ops/routes_file.h), or — without
// one — from the earlier proxy's settings as a single route, so an existing `.env` works unchanged.
// Plain values; matching lives in sync/routes.h.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ogpd {

// What must hold for a route to take an alert. An empty list places no condition. Lists mean "any of",
// except tags ("all of").
struct RouteMatch {
  std::vector<std::string> integration_ids;  // Opsgenie integrationId
  std::vector<std::string> teams;            // a team's name or id
  std::vector<std::string> tags;             // all of them
  std::vector<std::string> priorities;       // "P1".."P5"
  std::vector<std::string> sources;          // alert.source, exactly

  friend bool operator==(const RouteMatch&, const RouteMatch&) = default;
};

// Where a routed alert's incident is created: a PagerDuty service (REST `POST /incidents`), or an Events API
// v2 integration (`routing_key`: trigger/acknowledge/resolve to PAGERDUTY_EVENTS_URL, where event
// orchestration and alert grouping apply) — exactly one of the two. With its urgency, and PagerDuty priority,
// per Opsgenie priority.
struct PagerDutyTarget {
  std::string service_id;   // REST; empty for an Events API target
  std::string routing_key;  // Events API v2 integration key; empty for a service
  std::optional<std::string> escalation_policy_id;
  std::map<std::string, std::string> urgency_by_priority;  // "P1" -> "high" | "low"; others: default_urgency
  std::string default_urgency = "high";                    // no priority, or one the map leaves out
  // "P1" -> a PagerDuty priority's name ("SEV-1"), resolved to its id when used. Read backwards for
  // PagerDuty -> Opsgenie. Empty: incidents get no priority, and a PagerDuty priority named P1..P5 maps to
  // the same Opsgenie priority.
  std::map<std::string, std::string> priority_by_priority;

  bool events_api() const { return !routing_key.empty(); }

  friend bool operator==(const PagerDutyTarget&, const PagerDutyTarget&) = default;
};

struct Route {
  std::string name;
  RouteMatch match;
  PagerDutyTarget pagerduty;
  int line = 0;  // where it starts in the routes file (0: made from settings)

  friend bool operator==(const Route&, const Route&) = default;
};

// Who an Opsgenie alert is for: `type` team | user | escalation | schedule, named by `name` or `id`.
struct Responder {
  std::string type, name, id;

  friend bool operator==(const Responder&, const Responder&) = default;
};

// The alias of the alert made for an incident born in PagerDuty: this prefix + the incident id (DESIGN §2.1).
// A retry of the create never doubles the alert, and its Create webhook is known for an echo by it.
inline constexpr std::string_view kBornInPagerDutyAliasPrefix = "pd-";

// Incidents born in PagerDuty on one of `service_ids` become Opsgenie alerts (opt-in; DESIGN §2.1).
struct FromPagerDutyRule {
  std::vector<std::string> service_ids;
  std::vector<Responder> responders;
  std::vector<std::string> tags;
  // The alert's priority, by the incident's PagerDuty priority name, else by its urgency ("high" | "low");
  // neither: Opsgenie's default (P3).
  std::map<std::string, std::string> priority;
  int line = 0;

  friend bool operator==(const FromPagerDutyRule&, const FromPagerDutyRule&) = default;
};

struct RouteTable {
  std::vector<Route> routes;
  std::optional<std::string> file;                // ROUTES_FILE; nullopt: the single route made from settings
  std::vector<FromPagerDutyRule> from_pagerduty;  // empty: no alert is made for a PagerDuty incident

  const Route* find(const std::string& name) const {
    for (const auto& r : routes)
      if (r.name == name) return &r;
    return nullptr;
  }
};

// The earlier proxy as a RouteTable: one route, "default", taking alerts from `integration_id` (every
// integration when nullopt) to `service_id` with `urgency_by_priority`.
inline RouteTable one_route(const std::optional<std::string>& integration_id, std::string service_id = {},
                            std::map<std::string, std::string> urgency_by_priority = {}) {
  Route r;
  r.name = "default";
  if (integration_id) r.match.integration_ids = {*integration_id};
  r.pagerduty.service_id = std::move(service_id);
  r.pagerduty.urgency_by_priority = std::move(urgency_by_priority);
  return RouteTable{{std::move(r)}, std::nullopt};
}

}  // namespace ogpd
