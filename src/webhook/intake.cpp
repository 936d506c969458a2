#include "webhook/intake.h"

#include "webhook/opsgenie.h"
#include "webhook/pagerduty.h"
#include "webhook/signature.h"

namespace ogpd::webhook {

Verdict receive_opsgenie(const IntakeSettings& settings, const WebhookRequest& request) {
  if (settings.opsgenie_webhook_token &&
      !opsgenie_token_valid(*settings.opsgenie_webhook_token, request.authorization, request.webhook_token)) {
    return Reject{401, request.authorization.empty() && request.webhook_token.empty()
                           ? "missing webhook token (Authorization: Bearer or X-Webhook-Token)"
                           : "invalid webhook token"};
  }
  return parse_opsgenie(request.body, settings.routes);
}

Verdict receive_pagerduty(const IntakeSettings& settings, const WebhookRequest& request) {
  if (!settings.pagerduty_secrets.empty()) {
    if (request.pagerduty_signature.empty()) return Reject{401, "missing X-PagerDuty-Signature"};
    if (!pagerduty_signature_valid(settings.pagerduty_secrets, request.pagerduty_signature, request.body))
      return Reject{401, "invalid X-PagerDuty-Signature"};
  }
  return parse_pagerduty(request.body, request.webhook_id);
}

}  // namespace ogpd::webhook
