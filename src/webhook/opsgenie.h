// Opsgenie outgoing-webhook deliveries (/ops-webhook) -> Verdict.
//
// Accepts the real vendor shapes (alert.note, priority "P3" or 3, 19-digit updatedAt, Escalate's own shape,
// custom action names) and the earlier proxy's simplified shapes (note at the top level). Only alerts a route
// takes are synced (DESIGN §2.1); others are ignored, saying why. Pure; thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/route.h"
#include "sync/routes.h"
#include "webhook/verdict.h"

namespace ogpd::webhook {

// `routes`: a Create is stored only when a route takes it (Event::route names it), else ignored saying why
// no route matched; other actions are stored when their integration is routed at all (they follow their
// pair, whatever their teams or tags now say).
Verdict parse_opsgenie(std::string_view body, const RouteTable& routes);
// The earlier proxy's filter: one route taking `integration_id` (every integration when nullopt).
Verdict parse_opsgenie(std::string_view body, const std::optional<std::string>& integration_id);

// What the webhook says about its alert, for route matching: integration, teams (ids and names), tags,
// priority, source.
sync::AlertFacts alert_facts(const boost::json::object& root);

// "P1".."P5" from "P3", "p3", "3" or 3; nullopt for anything else.
std::optional<std::string> normalise_priority(const boost::json::value* priority);

}  // namespace ogpd::webhook
