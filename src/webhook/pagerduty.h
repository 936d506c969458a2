// PagerDuty Webhooks V3 deliveries (/pd-webhook) -> Verdict. The signature is checked separately
// (signature.h) before this runs.
//
// Accepts every incident event shape (with or without incident_key), incident.annotated with data.content,
// the earlier proxy's `event.note` shape, `agent: null`, pagey.ping and unknown types (stored, no action).
// Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "webhook/verdict.h"

namespace ogpd::webhook {

// `webhook_id`: the X-Webhook-Id header (empty when absent).
Verdict parse_pagerduty(std::string_view body, std::string_view webhook_id);

}  // namespace ogpd::webhook
