// Executor, table-driven: one outbox action against a scripted HttpClient (each exchange expected in order,
// anything else is a failure) and a real SQLite pair ledger, asserting the attempt, the calls made and the
// pairing it leaves behind.
#include "delivery/executor.h"

#include <gtest/gtest.h>

#include <deque>
#include <filesystem>
#include <random>

#include "store/sqlite/store.h"
#include "support/temp_store.h"

namespace ogpd::delivery {
namespace {

struct Exchange {
  std::string method;
  std::string path;  // the URL's path and query must start with this
  int status = 200;
  std::string body;
  clients::Transport transport = clients::Transport::kOk;
  std::string sent_contains;  // the request body must contain this (empty: not checked)
};

// Answers each request with the next scripted exchange, after checking it is the request expected.
class ScriptedHttp final : public clients::HttpClient {
 public:
  explicit ScriptedHttp(std::deque<Exchange> script) : script_(std::move(script)) {}
  clients::HttpResult send(const clients::HttpRequest& request) override {
    clients::HttpResult r;
    if (script_.empty()) {
      ADD_FAILURE() << "unexpected call " << request.method << " " << request.url;
      r.transport = clients::Transport::kNotSent;
      return r;
    }
    const Exchange next = script_.front();
    script_.pop_front();
    const std::string path = request.url.substr(request.url.find('/', request.url.find("://") + 3));
    EXPECT_EQ(request.method, next.method) << request.url;
    EXPECT_EQ(path.rfind(next.path, 0), 0u) << path << " is not " << next.path;
    EXPECT_NE(request.body.find(next.sent_contains), std::string::npos)
        << path << ": sent " << request.body << ", expected it to contain " << next.sent_contains;
    EXPECT_FALSE(request.operation.empty())
        << path << ": every call names its operation, for metrics and logs";
    r.transport = next.transport;
    r.response.status = next.transport == clients::Transport::kOk ? next.status : 0;
    r.response.body = next.body;
    return r;
  }
  std::size_t left() const { return script_.size(); }

 private:
  std::deque<Exchange> script_;
};

struct Case {
  const char* name;
  Action action;
  bool ambiguous = false;  // an earlier attempt may have taken effect
  std::optional<Link> existing_link;
  std::deque<Exchange> script;
  Attempt::Kind kind;
  std::optional<std::string> linked_incident;  // the link the attempt leaves for alert-1 (nullopt: none)
  std::optional<std::string> check;            // the Opsgenie request to confirm later
  std::optional<PairStatus> known;             // a status the ledger already holds
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

Action make(ActionKind kind, std::optional<std::string> alert, std::optional<std::string> incident = {}) {
  Action a;
  a.kind = kind;
  a.alert_id = std::move(alert);
  a.incident_id = std::move(incident);
  a.note = "[from Opsgenie] n";
  a.title = "t";
  a.urgency = "high";
  return a;
}

Action trimmed_note() {
  Action a = make(ActionKind::kAddAlertNote, "alert-1", "PLINK");
  a.note = "[from PagerDuty] Human One: the whole t";
  a.user = "Human One";
  a.full_note_id = "N9";
  return a;
}

Action on_events_api(ActionKind kind) {
  Action a = make(kind, "alert-1");
  a.incident_key = "alert-1";
  a.events_route = "events";
  return a;
}

Action with_priority(ActionKind kind, std::string priority) {
  Action a = make(kind, "alert-1", "PLINK");
  a.priority = std::move(priority);
  return a;
}

Action born_in_pagerduty() {
  Action a = make(ActionKind::kCreateAlert, std::nullopt, "PBORN");
  a.alias = "pd-PBORN";
  a.title = "Checkout down";
  a.priority = "P2";
  a.tags = {"from-pagerduty"};
  a.responders = {{"team", "ops", ""}};
  return a;
}

const std::string kEnqueued = R"({"status":"success","message":"Event processed","dedup_key":"alert-1"})";
const std::string kAlertMade =
    R"({"data":{"isSuccess":true,"status":"Created alert","alertId":"alert-1"},"took":0.1})";
const std::string kNotYet = R"({"message":"Request not found. It might not be processed yet.","took":0.1})";
const std::string kCreated = R"({"incident":{"id":"PNEW","type":"incident"}})";
const std::string kFound = R"({"incidents":[{"id":"PFOUND","type":"incident"}],"more":false})";
const std::string kNone = R"({"incidents":[],"more":false})";
const std::string kDuplicateKey =
    R"({"error":{"message":"Invalid Input Provided","code":2001,"errors":["Open incident with matching dedup key already exists on this service"]}})";
const std::string kAlreadyResolved =
    R"({"error":{"message":"Incident Already Resolved","code":1001,"errors":["Incident Already Resolved"]}})";
const std::string kAlreadyAcknowledged =
    R"({"error":{"message":"Incident Already Acknowledged","code":1002,"errors":["Incident Already Acknowledged"]}})";
const std::string kAccepted = R"({"result":"Request will be processed","took":0.1,"requestId":"req-7"})";

std::vector<Case> cases() {
  const Link linked{"alert-1", std::string("PLINK"), std::string("alert-1")};
  return {
      {"a first create posts once and links the new incident",
       make(ActionKind::kCreateIncident, "alert-1"),
       false,
       {},
       {{"POST", "/incidents", 201, kCreated}},
       Attempt::kDone,
       "PNEW"},
      {"a create after an ambiguous attempt finds the incident and does not post again",
       make(ActionKind::kCreateIncident, "alert-1"),
       true,
       {},
       {{"GET", "/incidents?incident_key=alert-1", 200, kFound}},
       Attempt::kDone,
       "PFOUND"},
      {"a create after an ambiguous attempt that finds nothing posts",
       make(ActionKind::kCreateIncident, "alert-1"),
       true,
       {},
       {{"GET", "/incidents?incident_key=alert-1", 200, kNone}, {"POST", "/incidents", 201, kCreated}},
       Attempt::kDone,
       "PNEW"},
      {"a duplicate-key 400 on create finds the incident by its key",
       make(ActionKind::kCreateIncident, "alert-1"),
       false,
       {},
       {{"POST", "/incidents", 400, kDuplicateKey}, {"GET", "/incidents?incident_key=alert-1", 200, kFound}},
       Attempt::kDone,
       "PFOUND"},
      {"a duplicate-key 400 with nothing found is retried",
       make(ActionKind::kCreateIncident, "alert-1"),
       false,
       {},
       {{"POST", "/incidents", 400, kDuplicateKey}, {"GET", "/incidents?incident_key=alert-1", 200, kNone}},
       Attempt::kRetry},
      {"a create timed out after sending is retried (and looks first next time)",
       make(ActionKind::kCreateIncident, "alert-1"),
       false,
       {},
       {{"POST", "/incidents", 0, "", clients::Transport::kMaybeSent}},
       Attempt::kRetry},
      {"resolving an incident already resolved (1001) is done",
       make(ActionKind::kResolveIncident, "alert-1"),
       false,
       linked,
       {{"PUT", "/incidents/PLINK", 400, kAlreadyResolved}},
       Attempt::kDone,
       "PLINK"},
      {"acknowledging an incident already acknowledged (1002) is done",
       make(ActionKind::kAcknowledgeIncident, "alert-1"),
       false,
       linked,
       {{"GET", "/incidents/PLINK", 200, R"({"incident":{"id":"PLINK","status":"triggered"}})"},
        {"PUT", "/incidents/PLINK", 400, kAlreadyAcknowledged}},
       Attempt::kDone,
       "PLINK"},
      {"an incident resolved between the read and the acknowledge (1001) is skipped, not done",
       make(ActionKind::kAcknowledgeIncident, "alert-1"),
       false,
       linked,
       {{"GET", "/incidents/PLINK", 200, R"({"incident":{"id":"PLINK","status":"triggered"}})"},
        {"PUT", "/incidents/PLINK", 400, kAlreadyResolved}},
       Attempt::kSkipped,
       "PLINK"},
      {"acknowledging an incident that is resolved is skipped: it would reopen it",
       make(ActionKind::kAcknowledgeIncident, "alert-1"),
       false,
       linked,
       {{"GET", "/incidents/PLINK", 200, R"({"incident":{"id":"PLINK","status":"resolved"}})"}},
       Attempt::kSkipped,
       "PLINK"},
      {"reading the incident before acknowledging it fails like any call: retried",
       make(ActionKind::kAcknowledgeIncident, "alert-1"),
       false,
       linked,
       {{"GET", "/incidents/PLINK", 503, R"({"error":{"message":"unavailable"}})"}},
       Attempt::kRetry,
       "PLINK"},
      {"acknowledging an alert known to be closed is skipped without a call",
       make(ActionKind::kAcknowledgeAlert, "alert-1"),
       false,
       linked,
       {},
       Attempt::kSkipped,
       "PLINK",
       std::nullopt,
       PairStatus{Side::kOpsgenie, "alert-1", "closed", false}},
      {"a note for an alert with no link and no incident by its key is unpaired",
       make(ActionKind::kAddIncidentNote, "alert-1"),
       false,
       {},
       {{"GET", "/incidents?incident_key=alert-1", 200, kNone}},
       Attempt::kUnpaired},
      {"a note after an ambiguous attempt that is already there is not posted again",
       make(ActionKind::kAddIncidentNote, "alert-1"),
       true,
       linked,
       {{"GET", "/incidents/PLINK/notes", 200,
         R"({"notes":[{"id":"N1","content":"[from Opsgenie] n","created_at":"2026-01-01T00:00:00Z"}]})"}},
       Attempt::kDone,
       "PLINK"},
      {"a 500 on a note is retried",
       make(ActionKind::kAddIncidentNote, "alert-1"),
       false,
       linked,
       {{"POST", "/incidents/PLINK/notes", 500, R"({"error":{"message":"oops","code":2000}})"}},
       Attempt::kRetry,
       "PLINK"},
      {"a 401 refuses the credentials: the action waits for them, it does not fail",
       make(ActionKind::kAddIncidentNote, "alert-1"),
       false,
       linked,
       {{"POST", "/incidents/PLINK/notes", 401, R"({"error":{"message":"Unauthorized","code":2006}})"}},
       Attempt::kRefused,
       "PLINK"},
      {"a 403 from Opsgenie refuses the credentials too",
       make(ActionKind::kAcknowledgeAlert, "alert-1"),
       false,
       linked,
       {{"POST", "/v2/alerts/alert-1/acknowledge", 403, R"({"message":"You are not authorized"})"}},
       Attempt::kRefused,
       "PLINK"},
      {"a 404 on a note is final: it is not retried",
       make(ActionKind::kAddIncidentNote, "alert-1"),
       false,
       linked,
       {{"POST", "/incidents/PLINK/notes", 404, R"({"error":{"message":"Not Found","code":2100}})"}},
       Attempt::kFailed,
       "PLINK"},
      {"an alert known only by an incident key that Opsgenie does not have (404) is unpaired",
       make(ActionKind::kAcknowledgeAlert, "alert-1", "PKEYED"),
       false,
       {},
       {{"GET", "/v2/alerts/alert-1?identifierType=id", 404, R"({"message":"Alert does not exist"})"}},
       Attempt::kUnpaired},
      {"an alert action answered 202 is done, with its request left to confirm",
       make(ActionKind::kAcknowledgeAlert, "alert-1", "PLINK"),
       false,
       linked,
       {{"POST", "/v2/alerts/alert-1/acknowledge?identifierType=id", 202, kAccepted}},
       Attempt::kDone,
       "PLINK",
       "req-7"},
      {"a note PagerDuty's webhook trimmed is read in full before it is posted",
       trimmed_note(),
       false,
       linked,
       {{"GET", "/incidents/PLINK/notes", 200, R"({"notes":[{"id":"N9","content":"the whole text"}]})"},
        {"POST", "/v2/alerts/alert-1/notes?identifierType=id", 202, kAccepted, clients::Transport::kOk,
         R"("note":"[from PagerDuty] Human One: the whole text")"}},
       Attempt::kDone,
       "PLINK",
       "req-7"},
      {"a trimmed note whose full text cannot be read yet is retried",
       trimmed_note(),
       false,
       linked,
       {{"GET", "/incidents/PLINK/notes", 503, R"({"error":{"message":"unavailable"}})"}},
       Attempt::kRetry,
       "PLINK"},
      {"an Events API route's create is a trigger by dedup key (the incident is found later)",
       on_events_api(ActionKind::kCreateIncident),
       false,
       {},
       {{"POST", "/v2/enqueue", 202, kEnqueued, clients::Transport::kOk,
         R"("event_action":"trigger","dedup_key":"alert-1","payload":{"summary":"t","source":"Opsgenie","severity":"critical")"}},
       Attempt::kDone},
      {"an Events API trigger refused as an invalid event is final",
       on_events_api(ActionKind::kCreateIncident),
       false,
       {},
       {{"POST", "/v2/enqueue", 400, R"({"status":"invalid event","message":"Event object is invalid"})"}},
       Attempt::kFailed},
      {"an Events API acknowledge of an incident not found by its key still reaches it by dedup key",
       on_events_api(ActionKind::kAcknowledgeIncident),
       false,
       {},
       {{"GET", "/incidents?incident_key=alert-1", 200, kNone},
        {"POST", "/v2/enqueue", 202, kEnqueued, clients::Transport::kOk, R"("event_action":"acknowledge")"}},
       Attempt::kDone},
      {"an Events API resolve of a linked incident goes by dedup key, not REST",
       on_events_api(ActionKind::kResolveIncident),
       false,
       linked,
       {{"POST", "/v2/enqueue", 202, kEnqueued, clients::Transport::kOk,
         R"("event_action":"resolve","dedup_key":"alert-1")"}},
       Attempt::kDone,
       "PLINK"},
      {"a priority change sets the urgency and the named priority's id",
       with_priority(ActionKind::kSetIncidentPriority, "P1"),
       false,
       linked,
       {{"PUT", "/incidents/PLINK", 200, R"({"incident":{"id":"PLINK"}})", clients::Transport::kOk,
         R"("urgency":"high","priority":{"id":"PPRI1","type":"priority_reference"})"}},
       Attempt::kDone,
       "PLINK"},
      {"a priority the account does not have sets the urgency only",
       with_priority(ActionKind::kSetIncidentPriority, "SEV-9"),
       false,
       linked,
       {{"PUT", "/incidents/PLINK", 200, R"({"incident":{"id":"PLINK"}})", clients::Transport::kOk,
         R"({"incident":{"type":"incident_reference","urgency":"high"}})"}},
       Attempt::kDone,
       "PLINK"},
      {"a priority change on a resolved incident is skipped",
       with_priority(ActionKind::kSetIncidentPriority, "P1"),
       false,
       linked,
       {},
       Attempt::kSkipped,
       "PLINK",
       std::nullopt,
       PairStatus{Side::kPagerDuty, "PLINK", "resolved", true}},
      {"an alert priority change is a PUT answered 202, its request left to confirm",
       with_priority(ActionKind::kSetAlertPriority, "P2"),
       false,
       linked,
       {{"PUT", "/v2/alerts/alert-1/priority?identifierType=id", 202, kAccepted, clients::Transport::kOk,
         R"("priority":"P2")"}},
       Attempt::kDone,
       "PLINK",
       "req-7"},
      {"an alert for an incident born in PagerDuty is created and linked from the request's outcome",
       born_in_pagerduty(),
       false,
       {},
       {{"POST", "/v2/alerts", 202, kAccepted, clients::Transport::kOk,
         R"("message":"Checkout down","alias":"pd-PBORN")"},
        {"GET", "/v2/alerts/requests/req-7", 200, kAlertMade}},
       Attempt::kDone,
       "PBORN"},
      {"an alert whose create is not processed yet is retried, to be looked up by alias",
       born_in_pagerduty(),
       false,
       {},
       {{"POST", "/v2/alerts", 202, kAccepted}, {"GET", "/v2/alerts/requests/req-7", 404, kNotYet}},
       Attempt::kRetry},
      {"a retried alert create finds the alert by its alias and does not create again",
       born_in_pagerduty(),
       true,
       {},
       {{"GET", "/v2/alerts/pd-PBORN?identifierType=alias", 200, R"({"data":{"id":"alert-1"},"took":0.1})"}},
       Attempt::kDone,
       "PBORN"},
      {"an alert create Opsgenie refuses in its request outcome is final",
       born_in_pagerduty(),
       false,
       {},
       {{"POST", "/v2/alerts", 202, kAccepted},
        {"GET", "/v2/alerts/requests/req-7", 200,
         R"({"data":{"isSuccess":false,"status":"Responder team ops does not belong to account"}})"}},
       Attempt::kFailed},
      {"an alert reached through an incident key is checked, linked, then acted on",
       make(ActionKind::kCloseAlert, "alert-1", "PKEYED"),
       false,
       {},
       {{"GET", "/v2/alerts/alert-1?identifierType=id", 200, R"({"data":{"id":"alert-1","status":"open"}})"},
        {"POST", "/v2/alerts/alert-1/close?identifierType=id", 202, kAccepted}},
       Attempt::kDone,
       "PKEYED",
       "req-7"},
  };
}

class ExecutorTable : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override { ASSERT_TRUE(store_); }

  const SystemClock clock_;
  ogpd::testing::TempStore store_{"ogpd-executor-", clock_};
};

TEST_P(ExecutorTable, EachActionMakesExactlyTheCallsItShouldAndPairsAsItShould) {
  const Case& c = GetParam();
  if (c.existing_link) {
    ASSERT_TRUE(store_->ledger.save_link(*c.existing_link, 1).ok());
  }
  if (c.known) {
    ASSERT_TRUE(store_->ledger.save_status(*c.known, 1).ok());
  }
  ScriptedHttp http(c.script);
  clients::PagerDutyApi pagerduty(
      http, {.base_url = "https://pd.test", .api_key = "k", .from_email = "bot@x", .service_id = "PSVC"});
  clients::OpsgenieApi opsgenie(http, {.base_url = "https://og.test", .api_key = "k"});
  PriorityDirectory priorities(true);
  priorities.load({{"P1", "PPRI1"}, {"P2", "PPRI2"}});
  RouteTable routes;
  routes.routes.push_back(
      Route{.name = "events", .pagerduty = {.routing_key = "R0UTINGKEY00000000000000000000001"}});
  Executor executor(store_->ledger, pagerduty, opsgenie, &priorities, &routes);
  store::OutboxItem item;
  item.id = 1;
  item.action = c.action;
  item.ambiguous = c.ambiguous;
  const Attempt attempt = executor.run(item, 1'700'000'000'000);

  EXPECT_EQ(attempt.kind, c.kind) << attempt.error;
  EXPECT_EQ(http.left(), 0u) << "calls expected but not made";
  EXPECT_EQ(attempt.calls, static_cast<int>(c.script.size()));
  const auto link = store_->ledger.link_by_alert("alert-1");
  EXPECT_EQ(link ? link->incident_id : std::nullopt, c.linked_incident);
  EXPECT_EQ(attempt.check ? std::optional<std::string>(attempt.check->request_id) : std::nullopt, c.check);
}

INSTANTIATE_TEST_SUITE_P(Executor, ExecutorTable, ::testing::ValuesIn(cases()), [](const auto& info) {
  std::string name;
  for (const char* p = info.param.name; *p != '\0'; ++p)
    if (std::isalnum(static_cast<unsigned char>(*p))) name += *p;
  return name;
});

}  // namespace
}  // namespace ogpd::delivery
