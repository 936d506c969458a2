// Route: which PagerDuty target an Opsgenie alert goes to (DESIGN §2.1). A RouteTable is ordered; the first
// route whose every condition holds takes the alert. Made from ROUTES_FILE (ops/routes_file.h), or — without
// one — from the earlier proxy's settings as a single route, so an existing `.env` works unchanged.
// Plain values; matching lives in sync/routes.h.
#pragma once

#include <map>
#include <optional>
#include <string>
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

// Where a routed alert's incident is created: a PagerDuty service (REST), with its urgency per priority.
struct PagerDutyTarget {
  std::string service_id;
  std::optional<std::string> escalation_policy_id;
  std::map<std::string, std::string> urgency_by_priority;  // "P1" -> "high" | "low"; others: default_urgency
  std::string default_urgency = "high";                    // no priority, or one the map leaves out

  friend bool operator==(const PagerDutyTarget&, const PagerDutyTarget&) = default;
};

struct Route {
  std::string name;
  RouteMatch match;
  PagerDutyTarget pagerduty;
  int line = 0;  // where it starts in the routes file (0: made from settings)

  friend bool operator==(const Route&, const Route&) = default;
};

struct RouteTable {
  std::vector<Route> routes;
  std::optional<std::string> file;  // ROUTES_FILE; nullopt: the single route made from settings

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
