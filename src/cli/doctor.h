// `ogpd-proxy doctor [--json]`: the online check of the settings, read-only. With the real credentials it
// asks each vendor: PagerDuty accepts the key, the service exists, PAGERDUTY_EMAIL is a user (which one), a
// V3 webhook subscription for the service points at a URL ending in /pd-webhook, has the event types the
// proxy acts on and is not temporarily disabled; Opsgenie accepts its key and the integration exists (with
// ALERTS_API=jsm: JSM Operations accepts the service account's token on that cloud id with the alert scopes,
// and the integration exists). And the store is writable. One line per check, ✓ or ✗ with the fix; --json;
// exit code 1 when a check fails.
//
// The checks themselves (check_*) are pure over the vendors' answers, so each verdict is table-tested.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "clients/http_client.h"
#include "ops/config.h"

namespace ogpd::cli {

struct DoctorCheck {
  std::string name;  // "PagerDuty service"
  bool ok = false;
  std::string detail;  // what was found ("PSVC001 (Payments API)") or what is wrong
  std::string fix;     // empty when ok
};

// The event types a subscription must carry: those the proxy mirrors.
const std::vector<std::string>& required_pagerduty_events();

// Verdicts from one answer each (`result` is the vendor's answer to the call named in each).
DoctorCheck check_pagerduty_key(const clients::HttpResult& users_answer);
DoctorCheck check_pagerduty_service(const clients::HttpResult& service_answer, const std::string& service_id);
DoctorCheck check_pagerduty_email(const clients::HttpResult& users_answer, const std::string& email);
DoctorCheck check_webhook_subscription(const clients::HttpResult& subscriptions_answer,
                                       const std::string& service_id);
DoctorCheck check_opsgenie_key(const clients::HttpResult& integrations_answer);
DoctorCheck check_opsgenie_integration(const clients::HttpResult& integrations_answer,
                                       const std::string& integration_id);
// JSM: the answer to GET .../v1/alerts?size=1 with the service account's token on `cloud_id`.
DoctorCheck check_jsm_access(const clients::HttpResult& alerts_answer, const std::string& cloud_id);

// Every check for `config`, calling the vendors through `http`.
std::vector<DoctorCheck> run_checks(const ops::Config& config, clients::HttpClient& http);

int run_doctor(const ops::Config& config, bool as_json, std::ostream& out);

}  // namespace ogpd::cli
