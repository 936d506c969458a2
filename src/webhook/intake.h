// Intake: one inbound webhook request -> Verdict. Authentication first (token or signature), then parsing.
//
// The single entry point the server calls for /ops-webhook and /pd-webhook. Pure: no I/O, no clock, no
// logging; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/route.h"
#include "webhook/verdict.h"

namespace ogpd::webhook {

struct IntakeSettings {
  RouteTable routes =
      one_route(std::nullopt);  // which Opsgenie alerts are synced, and where to (core/route.h)
  std::optional<std::string> opsgenie_webhook_token;  // OPSGENIE_WEBHOOK_TOKEN; unset = no token required
  std::vector<std::string> pagerduty_secrets;         // PAGERDUTY_WEBHOOK_SECRET, split on commas
};

// The parts of an HTTP request the intake reads. Header values are empty when the header is absent.
struct WebhookRequest {
  std::string_view body;
  std::string_view authorization;        // Authorization
  std::string_view webhook_token;        // X-Webhook-Token
  std::string_view pagerduty_signature;  // X-PagerDuty-Signature
  std::string_view webhook_id;           // X-Webhook-Id
};

Verdict receive_opsgenie(const IntakeSettings& settings, const WebhookRequest& request);
Verdict receive_pagerduty(const IntakeSettings& settings, const WebhookRequest& request);

}  // namespace ogpd::webhook
