// Test support: an in-memory Opsgenie Alert API v2 on 127.0.0.1, for tests and benchmarks. Like the real
// API, the alert actions (acknowledge, unacknowledge, close, notes) answer 202 "Request will be processed"
// even for an alert that does not exist; the outcome is only told by GET /v2/alerts/requests/{requestId},
// which answers 404 "not processed yet" for the first `request_status_pending_polls` polls. Also
// POST /v2/alerts (create; an open alert's alias folds a second create into it, as Opsgenie does — the
// request's outcome names the alert), PUT /v2/alerts/{id}/priority (202), GET /v2/alerts/{id} (also by
// identifierType=alias) and GET /v2/alerts/{id}/notes, GET /v2/teams and GET /v2/integrations. Other
// identifier types (tiny): 400. Faults, rate limit, latency and request records: see FakeVendor.
//
// JSM mode (Options::jsm, DESIGN §2.4, reference/jsm-operations.md): Jira Service Management Operations' REST
// v1 instead, at /jsm/ops/api/{cloud_id}/v1/alerts/...: HTTP Basic of the service account (401
// {"code","message"} otherwise, and for a wrong cloud id 404); ids only in paths (an alias is found at
// GET .../alerts/alias?alias=, open alerts only); a note answers 200 with the note, made at once (404 for
// an alert that does not exist); a create answers 200 (still a request to poll); priority is PATCH; the
// alert and a request's status come unwrapped (no "data"); an alert's status is open | acked | snoozed |
// resolved | closed, with ackTime / closeTime as times; lists are {"values":[...]}; errors
// {"errors":[{"title","code"}]}; a 429 carries Retry-After; every write is credited to the service
// account, whatever `user` a request names.
//
// Thread-safety: all methods may be called from any thread. Accessors return copies.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "fakes/fake_vendor.h"

namespace ogpd::fakes {

struct FakeOpsgenieOptions {
  std::string api_key = "og-test-key";
  int request_status_pending_polls = 1;  // GET request-status polls answered 404 before the outcome
  // The account's teams (id, name) and integrations (id, name, type, team id), for GET /v2/teams and
  // GET /v2/integrations.
  std::vector<std::pair<std::string, std::string>> teams;
  struct Integration {
    std::string id, name, type, team_id;
  };
  std::vector<Integration> integrations;
  unsigned short port = 0;  // 0: ephemeral
  bool jsm = false;         // JSM Operations mode (above)
  std::string jsm_cloud_id = "a436116f-02ce-4520-8fbb-7301462a1674";
  std::string jsm_email = "ogpd-bot@example.com";  // the service account ...
  std::string jsm_api_token = "jsm-test-token";    // ... and its API token
};

class FakeOpsgenie final : public FakeVendor {
 public:
  using Options = FakeOpsgenieOptions;

  struct Note {
    std::string note, owner, created_at;
    std::string offset;  // position in the alert's notes, as the API pages them
  };
  struct Alert {
    std::string id;
    std::string message;
    std::string alias;  // the id when created by add_alert
    std::string description;
    std::string priority = "P3";
    std::vector<std::string> tags;
    std::vector<std::pair<std::string, std::string>> responders;  // type, name or id
    std::string source;
    std::string status = "open";  // open | closed (JSM also: resolved | snoozed)
    bool acknowledged = false;
    std::string created_at, updated_at;  // ISO 8601, as GET /v2/alerts/{id} gives them (notes move updatedAt)
    std::int64_t created_at_ms = 0;      // Unix ms of created_at
    // report: the first acknowledge and the close, in milliseconds after creation, and by whom.
    std::optional<std::int64_t> ack_time_ms, close_time_ms;
    std::string acknowledged_by, closed_by;
    std::vector<Note> notes;
  };
  // What an accepted (202) action did, as GET /v2/alerts/requests/{request_id} tells it.
  struct RequestOutcome {
    std::string request_id;
    std::string action;    // Acknowledge | UnAcknowledge | Close | AddNote | UpdatePriority | Create
    std::string alert_id;  // as requested
    bool success = false;
    std::string status;  // "Alert acknowledged", "Alert does not exist", ...
    std::string processed_at;
    int polls = 0;  // GET request-status polls so far
  };

  FakeOpsgenie();
  explicit FakeOpsgenie(Options options);
  ~FakeOpsgenie() override;

  const Options& options() const { return options_; }
  // An open alert; its alias is its id unless given.
  void add_alert(const std::string& id, std::string message = "alert", std::string alias = "");
  // One more integration of the account (GET /v2/integrations lists it after the options' own).
  void add_integration(Options::Integration integration);
  std::optional<Alert> alert(const std::string& id) const;
  std::optional<Alert> alert_with_alias(const std::string& alias) const;
  // A person changes the alert in Opsgenie's own UI: no webhook is sent (the test sends one if it wants).
  // action: Acknowledge | UnAcknowledge | Close (JSM also: Resolve | Snooze).
  void change_alert(const std::string& id, const std::string& action, const std::string& by = "Fake Person");
  std::vector<Alert> alerts() const;
  // A move that gives the alert a new id (Atlassian's migration may): same alert, alias, notes and state.
  void rename_alert(const std::string& id, const std::string& new_id);
  std::vector<RequestOutcome> request_outcomes() const;  // in the order the requests were accepted
  // The next `count` requests accepted with 202 fail later, with `status` (and no effect), as Opsgenie's
  // request status reports them ("Internal error, please try again", ...).
  void fail_requests(int count, std::string status);

 private:
  Response handle(const RecordedRequest& request) override;
  // JSM mode: the same alerts behind JSM's paths, auth and answers.
  Response handle_jsm(const RecordedRequest& request);
  Response jsm_note(const std::string& alert_id, const RecordedRequest& request);  // requires mu_
  Response throttled(const RateLimitInfo& info) const override;
  std::string error_body(int status) const override;
  void describe(boost::json::object& state) const override;

  // Each requires mu_.
  std::optional<Response> seed(const std::string& what, const boost::json::object& body) override;
  Response act(const std::string& alert_id, const std::string& action, const RecordedRequest& request);
  Response request_status(const std::string& request_id);
  Response create(const RecordedRequest& request);
  Response set_priority(const std::string& alert_id, const RecordedRequest& request);
  // 202 (JSM's create: 200) with the request id; the outcome is kept for request_status().
  Response accepted(RequestOutcome outcome, int status = 202);
  // Who a write is credited to: `user` on Opsgenie (else "API"), the service account on JSM.
  std::string actor(const std::optional<std::string>& user) const;
  // A request fail_requests() asked to fail: consumes one and writes its status into `outcome`.
  bool take_failure(RequestOutcome& outcome);
  Alert* find(const std::string& id);
  Alert* find_alias(const std::string& alias);
  // Index in alerts_ of the earliest alert with that alias (open ones only, if asked).
  std::optional<std::size_t> earliest_with_alias(const std::string& alias, bool open_only) const;
  void add(Alert alert);  // appends to alerts_ and its indexes

  const Options options_;
  std::vector<Options::Integration> added_integrations_;  // guarded by mu_
  mutable std::mutex mu_;
  std::vector<Alert> alerts_;  // guarded by mu_; in creation order
  // Indexes into alerts_, as Opsgenie finds an alert by id or alias without a walk. Guarded by mu_.
  std::unordered_map<std::string, std::size_t> by_id_;
  std::unordered_multimap<std::string, std::size_t> by_alias_;
  std::vector<RequestOutcome> outcomes_;              // guarded by mu_
  std::map<std::string, std::size_t> outcome_by_id_;  // guarded by mu_; request id -> index in outcomes_
  std::string integration_id_;                        // the API integration the fake's key belongs to
  int failing_requests_ = 0;                          // guarded by mu_
  std::string failing_status_;                        // guarded by mu_
};

}  // namespace ogpd::fakes
