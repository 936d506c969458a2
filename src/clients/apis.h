// The two vendors' REST APIs as the proxy uses them: request builders over one HttpClient, and readers for
// the few answer fields that matter. PagerDuty REST v2, and on the alert side Opsgenie Alert API v2 or its
// successor, Jira Service Management (JSM) Operations REST v1 (reference/*.md, DESIGN §2.4).
//
// Each request names its vendor and operation (find_incident, acknowledge, ...) for whoever observes the
// HttpClient (clients/observing_http_client.h). Thread-safe (stateless besides settings). Return the raw
// HttpResult: deciding what a status means (success,
// retry, give up) is delivery's job (delivery/retry.h).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "clients/http_client.h"
#include "core/pair_status.h"
#include "core/route.h"

namespace ogpd::clients {

struct PagerDutySettings {
  std::string base_url;  // https://api.pagerduty.com
  std::string api_key;
  std::string from_email;
  std::string service_id;
  std::string events_url = "https://events.pagerduty.com";  // PAGERDUTY_EVENTS_URL (Events API v2)
};

class PagerDutyApi {
 public:
  PagerDutyApi(HttpClient& http, PagerDutySettings settings) : http_(http), s_(std::move(settings)) {}

  // On `service_id` (empty: the settings' service), with `escalation_policy_id` when given.
  HttpResult create_incident(const std::string& title, const std::string& details, const std::string& urgency,
                             const std::string& incident_key, const std::string& service_id = {},
                             const std::optional<std::string>& escalation_policy_id = std::nullopt,
                             const std::optional<std::string>& priority_id = std::nullopt);
  // PUT /incidents/{id}: urgency (empty: unchanged) and priority (nullopt: unchanged).
  HttpResult set_priority(const std::string& incident_id, const std::string& urgency,
                          const std::optional<std::string>& priority_id);
  HttpResult priorities();  // GET /priorities: {"priorities":[{"id","name"}]}
  // Events API v2: POST {events_url}/v2/enqueue. `event_action`: trigger | acknowledge | resolve; `summary`,
  // `severity` (critical | error | warning | info) and `details` are used by a trigger only.
  HttpResult enqueue(const std::string& routing_key, const std::string& event_action,
                     const std::string& dedup_key, const std::string& summary = {},
                     const std::string& severity = {}, const std::string& details = {});
  HttpResult incidents_by_key(const std::string& incident_key);  // all dates
  HttpResult incident(const std::string& id);
  HttpResult add_note(const std::string& incident_id, const std::string& content);
  HttpResult notes(const std::string& incident_id);
  HttpResult set_status(const std::string& incident_id, const std::string& status);
  HttpResult current_user();                   // /users/me: only a user-level key has one
  HttpResult users(const std::string& query);  // matches names and emails loosely
  HttpResult services(int offset);             // a page of 100
  HttpResult service(const std::string& id);   // GET /services/{id}: {"service":{"id","name"}}
  // GET /webhook_subscriptions (the first 100; the caller picks those serving `service_id`, scoped to it or
  // to the account): {"webhook_subscriptions":[...]}
  HttpResult webhook_subscriptions();

 private:
  HttpResult call(const char* operation, const std::string& method, const std::string& path,
                  const std::string& body, bool from);
  HttpClient& http_;
  const PagerDutySettings s_;
};

// Which API holds the alerts: Opsgenie's own, or JSM Operations (ALERTS_API).
enum class AlertsApi { kOpsgenie, kJsm };

struct OpsgenieSettings {
  std::string base_url;  // https://api.opsgenie.com; JSM: https://api.atlassian.com
  std::string api_key;   // Opsgenie: the GenieKey of an API integration
  AlertsApi api = AlertsApi::kOpsgenie;
  std::string cloud_id;   // JSM: the site's cloud id (paths are /jsm/ops/api/{cloud_id}/v1/...)
  std::string email;      // JSM: the service account's email ...
  std::string api_token;  // ... and its API token (HTTP Basic)
};

// The alert side. Opsgenie and JSM Operations take the same calls with these differences, all kept here:
//   - auth: `GenieKey <key>` / Basic email:token; paths: /v2/alerts/{id}?identifierType=id /
//     /jsm/ops/api/{cloud}/v1/alerts/{id} (ids only; an alias is looked up at /v1/alerts/alias?alias=);
//   - JSM takes no `user` or `source` on actions (writes are credited to the service account; a mirrored
//     note already names its author in its text) and only `note` on a note;
//   - JSM answers a note 200 (made, no request id) and a create 200 (accepted, a request id, no alert id);
//     priority is PATCH there, PUT on Opsgenie. Readers below take both answer shapes.

class OpsgenieApi {
 public:
  OpsgenieApi(HttpClient& http, OpsgenieSettings settings) : http_(http), s_(std::move(settings)) {}

  AlertsApi api() const { return s_.api; }
  // verb: acknowledge | unacknowledge | close | notes
  HttpResult alert_action(const std::string& alert_id, const std::string& verb, const std::string& user,
                          const std::string& note);
  HttpResult alert(const std::string& alert_id);
  HttpResult alert_by_alias(const std::string& alias);
  // PUT /v2/alerts/{id}/priority (JSM: PATCH) with the priority alone (UpdateAlertPriorityPayload): 202 +
  // requestId.
  HttpResult set_priority(const std::string& alert_id, const std::string& priority);
  // POST /v2/alerts: 202 (JSM: 200) + requestId; GET .../alerts/requests/{id} then names the alert.
  struct NewAlert {
    std::string message, alias, description, priority, user;
    std::vector<std::string> tags;
    std::vector<Responder> responders;
  };
  HttpResult create_alert(const NewAlert& alert);
  HttpResult notes(const std::string& alert_id);
  HttpResult request_status(const std::string& request_id);
  HttpResult integrations();
  HttpResult first_alert();  // one alert of the account, if any (JSM: ?size=1; Opsgenie: ?limit=1)
  HttpResult teams();        // Opsgenie only (JSM's teams are Atlassian teams)

 private:
  HttpResult call(const char* operation, const std::string& method, const std::string& path,
                  const std::string& body);
  // "/alerts/{id}<rest>", with Opsgenie's identifierType=id (JSM's paths take ids only), then `query`.
  std::string alert_path(const std::string& alert_id, const std::string& rest,
                         const std::string& query = {}) const;
  HttpClient& http_;
  const OpsgenieSettings s_;
};

std::string url_encode(const std::string& text);

// An object of a vendor's account as listed: PagerDuty services; Opsgenie teams and integrations.
struct Named {
  std::string id, name;
  std::string type;     // Opsgenie integrations: "Webhook", "API", ...
  std::string team_id;  // Opsgenie integrations: the owning team
};
std::vector<Named> pagerduty_services(const std::string& body, bool& more);  // {"services":[...],"more"}
// {"data"|"values":[{"id","name","type","teamId"}]}
std::vector<Named> opsgenie_named(const std::string& body);

// Readers. Each returns nullopt when the body is not what the vendor documents.
std::optional<std::string> pagerduty_incident_id(const std::string& body);   // {"incident":{"id"}}
std::optional<std::string> pagerduty_incident_key(const std::string& body);  // {"incident":{"incident_key"}}
std::optional<std::string> pagerduty_incident_status(const std::string& body);  // {"incident":{"status"}}
// {"incident":{"status","last_status_change_at","last_status_change_by":{"summary"}}}
std::optional<SideReading> pagerduty_incident_reading(const std::string& body);
std::vector<std::string> pagerduty_incident_ids(const std::string& body);   // {"incidents":[{"id"}]}
std::vector<std::string> pagerduty_note_contents(const std::string& body);  // {"notes":[{"content"}]}
// The content of the note `note_id` in {"notes":[{"id","content"}]}; nullopt when not listed.
std::optional<std::string> pagerduty_note_content(const std::string& body, const std::string& note_id);
std::optional<std::string> pagerduty_current_user_id(const std::string& body);  // {"user":{"id"}}
// The id of the user in {"users":[{"id","email"}]} whose email is `email` (ASCII case ignored); never
// another.
std::optional<std::string> pagerduty_user_id_with_email(const std::string& body, const std::string& email);
std::optional<int> pagerduty_error_code(const std::string& body);  // {"error":{"code"}}
// {"priorities":[{"id","name"}]} as name -> id; nullopt when the body is not such a list.
std::optional<std::map<std::string, std::string>> pagerduty_priorities(const std::string& body);
std::string pagerduty_error_text(const std::string& body);                // message + errors[]
std::optional<std::string> opsgenie_request_id(const std::string& body);  // {"requestId"}
// The words of an alert side's refusal, from any of its shapes: {"message"} (Opsgenie, JSM's 401
// {"code","message"}), {"errors":[{"title","code"}]} (JSM), Opsgenie's {"errors":{"field":"why"}} after its
// message; the body's start when it is none of them.
std::string alert_error_text(const std::string& body);
// {"data":{"status":"open"|"closed","acknowledged","createdAt","report":{"ackTime","closeTime",
// "acknowledgedBy","closedBy"}}}: an open alert that is acknowledged reads as status::kAcknowledged; its
// status changed at createdAt + ackTime / closeTime (unknown for an alert acknowledged and then
// un-acknowledged). JSM's answer is the alert itself, not inside "data", with status open | acked | snoozed
// (read as open or acknowledged) | resolved | closed (both read as closed), and ackTime / closeTime as
// ISO 8601 times.
std::optional<SideReading> opsgenie_alert_reading(const std::string& body);
std::vector<std::string> opsgenie_note_texts(const std::string& body);  // {"data"|"values":[{"note"}]}
struct OpsgenieRequestStatus {
  bool success = false;
  std::string status;
  std::string alert_id;  // data.alertId: the alert a create made
};
std::optional<std::string> opsgenie_alert_id(const std::string& body);  // {"data":{"id"}} or {"id"}
std::optional<OpsgenieRequestStatus> opsgenie_request_status(
    const std::string& body);  // {"data":{"isSuccess"}} or {"isSuccess"}

}  // namespace ogpd::clients
