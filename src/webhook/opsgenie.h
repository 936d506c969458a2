// Opsgenie outgoing-webhook deliveries (/ops-webhook) -> Verdict.
//
// Accepts the real vendor shapes (alert.note, priority "P3" or 3, 19-digit updatedAt, Escalate's own shape,
// custom action names) and the earlier proxy's simplified shapes (note at the top level). Only deliveries
// from the configured integration are synced; others are ignored. Pure; thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "webhook/verdict.h"

namespace ogpd::webhook {

// `integration_id`: OPSGENIE_INTEGRATION_ID, or nullopt to accept every integration.
Verdict parse_opsgenie(std::string_view body, const std::optional<std::string>& integration_id);

// "P1".."P5" from "P3", "p3", "3" or 3; nullopt for anything else.
std::optional<std::string> normalise_priority(const boost::json::value* priority);

}  // namespace ogpd::webhook
