// `ogpd-proxy simulate`: posts a realistic webhook to a running proxy, as the vendor would send it —
// Opsgenie's alert-action payload with the webhook token, or PagerDuty's V3 event signed with the first
// PAGERDUTY_WEBHOOK_SECRET — so a round trip can be tried end to end (README, "Try it against the fake
// vendors") without either vendor. build_simulated_webhook is pure; run_simulate sends it and prints the
// proxy's answer (exit 0 on a 2xx, 1 otherwise).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "ops/config.h"

namespace ogpd::cli {

struct SimulateRequest {
  std::string vendor;       // opsgenie | pagerduty
  std::string action;       // Opsgenie: Create, AddNote, Acknowledge, UnAcknowledge, Close;
                            // PagerDuty: triggered, acknowledged, unacknowledged, resolved, annotated
  std::string alert_id;     // Opsgenie: the alert; PagerDuty: the alert whose linked incident is meant
  std::string incident_id;  // PagerDuty: the incident (found from alert_id's link when empty)
  std::string note;         // AddNote, annotated
  std::string message;      // Create: the alert's message
  std::string url;          // the proxy; empty: http://127.0.0.1:PORT
};

struct SimulatedWebhook {
  std::string url;  // the proxy's endpoint
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// The webhook `request` describes, for the proxy `config` configures; `event_id` makes the delivery unique.
// kInvalid when the action is unknown or an id is missing.
Result<SimulatedWebhook> build_simulated_webhook(const SimulateRequest& request, const ops::Config& config,
                                                 std::int64_t now_ms, const std::string& event_id);

int run_simulate(const SimulateRequest& request, const ops::Config& config, std::ostream& out,
                 std::ostream& err);

}  // namespace ogpd::cli
