// Route matching (DESIGN §2.1): which route of a RouteTable takes an Opsgenie alert, and why the routes
// before it did not. Pure functions on values; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/route.h"

namespace ogpd::sync {

// What an Opsgenie webhook says about its alert, for matching.
struct AlertFacts {
  std::optional<std::string> integration_id;
  std::vector<std::string> teams;  // ids (alert.teams) and names (alert.team, alert.responders[].name)
  std::vector<std::string> tags;
  std::optional<std::string> priority;  // "P1".."P5"
  std::optional<std::string> source;
};

struct RouteChoice {
  const Route* route = nullptr;  // nullptr: no route matches
  // For each route before the chosen one (every route when none matched), in order: why it did not match.
  std::vector<std::pair<const Route*, std::string>> passed_over;
};

RouteChoice choose_route(const RouteTable& table, const AlertFacts& alert);

// Whether a webhook from `integration_id` concerns any route: some route takes that integration, or has no
// integration condition. Actions other than Create follow their pair, whatever their teams or tags now are.
bool integration_routed(const RouteTable& table, const std::optional<std::string>& integration_id);

}  // namespace ogpd::sync
