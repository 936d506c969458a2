// Test support: an in-memory PagerDuty REST API v2 on 127.0.0.1, for tests and benchmarks. It answers
// like the real vendor for the calls ogpd-proxy makes: POST/GET /incidents, GET/PUT /incidents/{id} (status,
// urgency, priority), POST/GET /incidents/{id}/notes, GET /users, GET /services, GET /priorities, and the
// Events API v2's POST /v2/enqueue (no Authorization: the routing key names the service; 202; trigger makes
// or repeats the incident whose key is the dedup_key, acknowledge and resolve change it; an unknown routing
// key is 400 "invalid event"), with PagerDuty's headers checks (Authorization, Accept,
// From, Content-Type), error bodies and codes (2001 invalid input and open dedup key, 1001/1002 already
// resolved/acknowledged, 2006 unauthorized, 2100 not found, 2020 rate limit). Faults, rate limit, latency
// and request records: see FakeVendor.
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

struct FakePagerDutyOptions {
  std::string api_key = "pd-test-key";
  std::string from_email = "ogpd-bot@example.com";
  std::string service_id = "PSVC001";
  std::vector<std::string> other_service_ids = {"PSVC002", "PSVC003"};  // more services of the account
  std::map<std::string, std::string> service_names = {
      {"PSVC001", "Fake service"}, {"PSVC002", "Payments API"}, {"PSVC003", "Platform"}};  // GET /services
  std::vector<std::string> escalation_policy_ids = {"PEP0001"};
  // The account's priorities (id, name), most severe first; empty: an account without priorities.
  std::vector<std::pair<std::string, std::string>> priorities = {
      {"PPRI001", "P1"}, {"PPRI002", "P2"}, {"PPRI003", "P3"}, {"PPRI004", "P4"}, {"PPRI005", "P5"}};
  // Events API v2 integrations: routing key -> service.
  std::map<std::string, std::string> routing_keys = {{"R0UTINGKEYFAKE000000000000000003", "PSVC003"}};
  std::string own_user_id = "PBOT001";
  std::string own_user_name = "ogpd bot";
  // Someone else whose email contains from_email: PagerDuty's /users?query matches substrings of names and
  // emails, and lists this user first. Empty: no such user.
  std::string lookalike_email = "old.ogpd-bot@example.com";
  // A user-level key: /users/me answers with the own user. An account-level key (the default) gets 400 there.
  bool user_level_key = false;
  unsigned short port = 0;  // 0: ephemeral
};

// A V3 webhook subscription of the account, as GET /webhook_subscriptions lists it.
struct FakeWebhookSubscription {
  std::string id;
  std::string url;
  std::vector<std::string> events;
  std::string service_id;  // the service_reference filter; empty: account_reference
  bool active = true;
  bool temporarily_disabled = false;  // PagerDuty sets it after three dropped deliveries in a row
};

class FakePagerDuty final : public FakeVendor {
 public:
  using Options = FakePagerDutyOptions;

  struct Note {
    std::string id, content, created_at;
    std::string user_id, user_summary;
  };
  struct Incident {
    std::string id;  // 'Q' + 13 upper-case letters/digits; generated when seeded empty
    int number = 0;  // generated when seeded 0
    std::string title;
    std::string status = "triggered";  // triggered | acknowledged | resolved
    std::string urgency = "high";
    std::string incident_key;          // generated (32 hex) when seeded empty
    std::string service_id;            // the options' service when seeded empty
    std::string escalation_policy_id;  // as created with (empty: the service's own)
    std::string priority_id;           // empty: none
    std::string details;
    std::string created_at;  // generated when seeded empty
    // The last status change: when (created_at when seeded empty) and by whom (the From user's name for
    // changes through the API).
    std::string last_status_change_at;
    std::string last_status_change_by = "Fake Person";
    std::string last_status_change_by_id = "PHUMAN1";
    std::vector<Note> notes;
  };

  FakePagerDuty();
  explicit FakePagerDuty(Options options);
  ~FakePagerDuty() override;

  const Options& options() const { return options_; }
  std::vector<Incident> incidents() const;
  std::optional<Incident> incident(const std::string& id) const;
  std::vector<Incident> incidents_with_key(const std::string& key) const;
  std::string add_incident(Incident seed);  // returns the id
  void add_webhook_subscription(FakeWebhookSubscription subscription);
  // A person adds a note in PagerDuty's own UI (no length limit checked, no webhook sent); returns its id.
  std::string add_note(const std::string& incident_id, std::string content, std::string by = "Human One");
  // A person changes the incident in PagerDuty's own UI: no webhook is sent (the test sends one if it wants).
  void set_status(const std::string& id, const std::string& status, std::string by = "Fake Person",
                  std::string by_id = "PHUMAN1");

 private:
  Response handle(const RecordedRequest& request) override;
  Response throttled(const RateLimitInfo& info) const override;
  std::string error_body(int status) const override;
  void describe(boost::json::object& state) const override;
  Headers rate_limit_headers(const RateLimitInfo& info) const override;

  // Each requires mu_.
  std::optional<Response> seed(const std::string& what, const boost::json::object& body) override;
  Response create_incident(const RecordedRequest& request);
  Response list_incidents(const RecordedRequest& request) const;
  Response update_incident(Incident& incident, const RecordedRequest& request);
  Response add_note(Incident& incident, const RecordedRequest& request);
  Response list_users(const RecordedRequest& request) const;
  Response enqueue(const RecordedRequest& request);
  boost::json::object user_json(const std::string& id, const std::string& name,
                                const std::string& email) const;
  Incident* find(const std::string& id);
  // The open (not resolved) incident with `key` on `service_id`, the newest if several; under mu_.
  Incident* open_with_key(const std::string& key, const std::string& service_id);
  std::vector<FakeWebhookSubscription> subscriptions_;  // guarded by mu_
  std::string insert(Incident incident);
  boost::json::object to_json(const Incident& incident) const;
  boost::json::object to_json(const Note& note) const;
  boost::json::value priority_json(const std::string& id) const;

  const Options options_;
  mutable std::mutex mu_;
  std::vector<Incident> incidents_;  // guarded by mu_; in creation order, only ever appended to
  // Indexes into incidents_ by id and by incident key (guarded by mu_), as PagerDuty looks them up: a create
  // checks for an open incident with its key, and the cost of that must not grow with every incident kept.
  std::unordered_map<std::string, std::size_t> by_id_;
  std::unordered_multimap<std::string, std::size_t> by_key_;
  int next_number_ = 1;                                                              // guarded by mu_
  std::optional<std::chrono::steady_clock::time_point> first_create_, last_create_;  // guarded by mu_
  std::size_t creates_ = 0;                                                          // guarded by mu_
};

}  // namespace ogpd::fakes
