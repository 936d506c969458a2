// PagerDuty webhook signature check (X-PagerDuty-Signature, Webhooks V3).
//
// The header is a comma-separated list of `v1=<hex HMAC-SHA256(secret, raw body)>`; several values appear
// while a secret is rotated. A request is authentic when ANY v1 value matches ANY configured secret. Entries
// with another version prefix and malformed entries are skipped. Comparison is constant-time. Pure;
// thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ogpd::webhook {

bool pagerduty_signature_valid(const std::vector<std::string>& secrets, std::string_view header,
                               std::string_view raw_body);

// Bearer / X-Webhook-Token check for /ops-webhook (Opsgenie has no signing). Either header may carry the
// token; `authorization` is the whole Authorization header value ("Bearer <token>", scheme case-insensitive).
bool opsgenie_token_valid(std::string_view expected, std::string_view authorization,
                          std::string_view webhook_token);

}  // namespace ogpd::webhook
