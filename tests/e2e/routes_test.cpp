// Routes end to end (DESIGN §2.1): the real binary with a ROUTES_FILE, between the fakes — alerts of two
// teams reach two services, an alert no route takes is answered 200 and sends nothing, and the later actions
// of a routed pair follow it; `route --explain` and `check-config` show the table.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>

#include "e2e/sync_fixture.h"
#include "fakes/fake_vendor.h"

namespace ogpd::testing {
namespace {

constexpr const char* kRoutesYaml = R"(routes:
  - name: payments
    match: {teams: [payments], integration_id: [ccb77fcc-3474-4ee3-8140-300926635ed1]}
    pagerduty: {service_id: PSVC002, escalation_policy_id: PEP0001, urgency: {P3: high}}
  - name: platform
    match: {tags: [prod, platform]}
    pagerduty: {service_id: PSVC003}
)";

class Routes : public Sync {
 protected:
  void SetUp() override {
    Sync::SetUp();
    std::ofstream(dir_.path() / "routes.yaml") << kRoutesYaml;
    env_["ROUTES_FILE"] = "routes.yaml";
    env_.erase("OPSGENIE_INTEGRATION_ID");
  }
  static std::string create(const std::string& alert, const std::string& alert_fields) {
    return R"({"action":"Create","alert":{"alertId":")" + alert + R"(","message":"m",)" + alert_fields +
           R"(},"integrationId":"ccb77fcc-3474-4ee3-8140-300926635ed1"})";
  }
};

TEST_P(Routes, AlertsOfTwoTeamsReachTwoServicesAndAnUnroutedOneSendsNothing) {
  env_.erase("PAGERDUTY_SERVICE_ID");  // each route names its service
  start();
  opsgenie_.add_alert("pay-1");
  ASSERT_EQ(
      post("/ops-webhook",
           create("pay-1",
                  R"("priority":"P3","teams":["9a1b"],"responders":[{"type":"team","name":"payments"}])")),
      202);
  ASSERT_EQ(post("/ops-webhook", create("plat-1", R"("priority":"P3","tags":["prod","platform","db"])")),
            202);
  const auto unrouted = http_request(proxy_->port(), "POST", "/ops-webhook",
                                     create("misc-1", R"("priority":"P3","tags":["prod"])"));
  EXPECT_EQ(unrouted.status, 200);
  EXPECT_NE(unrouted.body.find("no route matches"), std::string::npos) << unrouted.body;

  ASSERT_TRUE(eventually([&] { return only_incident("pay-1") && only_incident("plat-1"); }))
      << proxy_->output();
  EXPECT_EQ(only_incident("pay-1")->service_id, "PSVC002");
  EXPECT_EQ(only_incident("pay-1")->escalation_policy_id, "PEP0001");
  EXPECT_EQ(only_incident("pay-1")->urgency, "high") << "the route's own urgency map";
  EXPECT_EQ(only_incident("plat-1")->service_id, "PSVC003");
  EXPECT_EQ(only_incident("plat-1")->urgency, "low") << "PRIORITY_URGENCY, the default map";

  // The Acknowledge carries no teams: it follows its pair.
  ASSERT_EQ(post("/ops-webhook", og("Acknowledge", "pay-1")), 202);
  ASSERT_TRUE(eventually([&] { return only_incident("pay-1")->status == "acknowledged"; }))
      << proxy_->output();
  // The unrouted alert's Acknowledge is stored and answered 200 too, and costs no PagerDuty call.
  const auto unrouted_ack = http_request(proxy_->port(), "POST", "/ops-webhook", og("Acknowledge", "misc-1"));
  EXPECT_EQ(unrouted_ack.status, 200) << unrouted_ack.body;
  EXPECT_NE(unrouted_ack.body.find("no route took this alert"), std::string::npos) << unrouted_ack.body;
  settle();
  EXPECT_TRUE(pagerduty_.incidents_with_key("misc-1").empty());
  for (const auto& r : pagerduty_.requests())
    EXPECT_EQ(r.target.find("misc-1"), std::string::npos) << r.method << " " << r.target;
  EXPECT_NE(cli({"events"}).second.find("no_route"), std::string::npos) << "both are in the journal";
  const auto m = http_request(proxy_->port(), "GET", "/metrics").body;
  EXPECT_NE(m.find(R"(ogpd_routed_total{route="payments"} 1)"), std::string::npos) << m;
  EXPECT_NE(m.find(R"(ogpd_routed_total{route="platform"} 1)"), std::string::npos) << m;

  const auto [code, status] = cli({"status"});
  EXPECT_EQ(code, 0) << status;
  EXPECT_NE(status.find("route payments: 1 alerts, last 20"), std::string::npos) << status;
  const auto json = boost::json::parse(cli({"status", "--json"}).second).as_object();
  const auto& routes = json.at("routes").as_array();
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[1].at("name").as_string(), "platform");
  EXPECT_EQ(routes[1].at("alerts").as_int64(), 1);
}

TEST_P(Routes, ExplainSaysWhichRouteAPayloadTakesAndWhyTheOthersDidNot) {
  std::ofstream(dir_.path() / "alert.json") << create("x-1", R"("priority":"P3","tags":["prod","platform"])");
  const auto [code, text] = cli({"route", "--explain", "alert.json"});
  EXPECT_EQ(code, 0) << text;
  EXPECT_NE(text.find("route: platform"), std::string::npos) << text;
  EXPECT_NE(text.find("payments: not taken: teams (none) include none of payments"), std::string::npos)
      << text;

  const auto [json_code, json_text] = cli({"route", "--explain", "alert.json", "--json"});
  EXPECT_EQ(json_code, 0) << json_text;
  const auto doc = boost::json::parse(json_text).as_object();
  EXPECT_EQ(doc.at("route").as_string(), "platform");
  EXPECT_EQ(doc.at("passed_over").as_array().size(), 1u);

  std::ofstream(dir_.path() / "none.json") << create("x-2", R"("tags":["dev"])");
  const auto [none_code, none_text] = cli({"route", "--explain", "none.json", "--json"});
  EXPECT_EQ(none_code, 1) << none_text;
  EXPECT_TRUE(boost::json::parse(none_text).as_object().at("route").is_null()) << none_text;

  const auto [bad_code, bad_text] = cli({"route", "--explain", "missing.json"});
  EXPECT_EQ(bad_code, 2) << bad_text;
  EXPECT_NE(bad_text.find("missing.json"), std::string::npos) << bad_text;
}

TEST_P(Routes, CheckConfigPrintsTheRouteTableAndRefusesABadFile) {
  const auto [code, text] = cli({"check-config"});
  EXPECT_EQ(code, 0) << text;
  EXPECT_NE(text.find("route payments"), std::string::npos) << text;
  EXPECT_NE(text.find("-> PagerDuty service PSVC002"), std::string::npos) << text;
  EXPECT_NE(text.find("route platform"), std::string::npos) << text;

  std::ofstream(dir_.path() / "routes.yaml")
      << "routes:\n  - name: a\n    match: {}\n    pagerduty: {servce_id: PX}\n";
  const auto [bad_code, bad_text] = cli({"check-config"});
  EXPECT_EQ(bad_code, 2) << bad_text;
  EXPECT_NE(bad_text.find("ROUTES_FILE routes.yaml:4: unknown key 'servce_id' in pagerduty"),
            std::string::npos)
      << bad_text;
}

}  // namespace
}  // namespace ogpd::testing

namespace ogpd::testing {
namespace {

// `routes suggest` against fakes that hold an account's teams, integrations and services: one route per
// webhook integration, its service matched by name, FILL-IN (refused by check-config) where none is like it.
TEST(RoutesSuggest, PrintsARoutesFileToReviewThenCheck) {
  FakeOpsgenie::Options og_options;
  og_options.teams = {{"T1", "Payments"}, {"T2", "platform"}, {"T3", "Search & Ranking"}};
  og_options.integrations = {{"11111111-0000-0000-0000-000000000001", "Payments webhook", "Webhook", "T1"},
                             {"11111111-0000-0000-0000-000000000002", "Platform out", "Webhook", "T2"},
                             {"11111111-0000-0000-0000-000000000003", "Search hook", "Webhook", "T3"},
                             {"11111111-0000-0000-0000-000000000004", "Default API", "API", "T1"}};
  FakeOpsgenie opsgenie(og_options);
  FakePagerDuty pagerduty;
  WorkDir dir;
  std::map<std::string, std::string> env{
      {"PAGERDUTY_API_KEY", "pd-test-key"},   {"PAGERDUTY_EMAIL", "ogpd-bot@example.com"},
      {"PAGERDUTY_SERVICE_ID", "PSVC001"},    {"OPSGENIE_API_KEY", "og-test-key"},
      {"PAGERDUTY_API_URL", pagerduty.url()}, {"OPSGENIE_API_URL", opsgenie.url()}};
  ProxyProcess suggest(dir.path(), env, {"routes", "suggest"});
  ASSERT_EQ(suggest.run_to_exit(), 0) << suggest.output();
  const std::string yaml = suggest.output();
  EXPECT_NE(yaml.find("- name: payments"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find(R"(integration_id: ["11111111-0000-0000-0000-000000000001"])"), std::string::npos)
      << yaml;
  EXPECT_NE(yaml.find(R"(service_id: "PSVC002"    # PagerDuty service "Payments API")"), std::string::npos)
      << yaml;
  EXPECT_NE(yaml.find(R"(service_id: "PSVC003")"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("- name: search-ranking"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("service_id: FILL-IN"), std::string::npos) << yaml;
  EXPECT_EQ(yaml.find("Default API"), std::string::npos) << "only webhook integrations post to /ops-webhook";
  EXPECT_EQ(pagerduty.count("POST", "/") + pagerduty.count("PUT", "/") + opsgenie.count("POST", "/"), 0u)
      << "read-only";

  std::ofstream(dir.path() / "routes.yaml") << yaml;
  env["ROUTES_FILE"] = "routes.yaml";
  ProxyProcess unreviewed(dir.path(), env, {"check-config"});
  EXPECT_EQ(unreviewed.run_to_exit(), 2) << unreviewed.output();
  EXPECT_NE(unreviewed.output().find("pagerduty.service_id 'FILL-IN' is not a PagerDuty id"),
            std::string::npos)
      << unreviewed.output();

  std::string reviewed = yaml;
  reviewed.replace(reviewed.find("FILL-IN"), 7, "PSVC001");
  std::ofstream(dir.path() / "routes.yaml") << reviewed;
  ProxyProcess checked(dir.path(), env, {"check-config"});
  EXPECT_EQ(checked.run_to_exit(), 0) << checked.output();
  EXPECT_NE(checked.output().find("route search-ranking"), std::string::npos) << checked.output();
}

TEST(RoutesSuggest, ARefusedKeyOrAJsmAlertSideIsAClearErrorNotAnEmptyFile) {
  FakeOpsgenie opsgenie;
  FakePagerDuty pagerduty;
  WorkDir dir;
  ProxyProcess suggest(dir.path(),
                       {{"PAGERDUTY_API_KEY", "pd-test-key"},
                        {"PAGERDUTY_EMAIL", "ogpd-bot@example.com"},
                        {"PAGERDUTY_SERVICE_ID", "PSVC001"},
                        {"OPSGENIE_API_KEY", "wrong-key"},
                        {"PAGERDUTY_API_URL", pagerduty.url()},
                        {"OPSGENIE_API_URL", opsgenie.url()}},
                       {"routes", "suggest"});
  EXPECT_EQ(suggest.run_to_exit(), 2);
  EXPECT_NE(suggest.output().find("Opsgenie GET /v2/integrations"), std::string::npos) << suggest.output();
  EXPECT_EQ(suggest.output().find("routes:"), std::string::npos) << suggest.output();

  // With JSM as the alert side it says it reads Opsgenie, and stops before any call.
  ProxyProcess on_jsm(dir.path(),
                      {{"PAGERDUTY_API_KEY", "pd-test-key"},
                       {"PAGERDUTY_EMAIL", "ogpd-bot@example.com"},
                       {"PAGERDUTY_SERVICE_ID", "PSVC001"},
                       {"ALERTS_API", "jsm"},
                       {"JSM_CLOUD_ID", "a436116f-02ce-4520-8fbb-7301462a1674"},
                       {"JSM_EMAIL", "ogpd-bot@example.com"},
                       {"JSM_API_TOKEN", "t"},
                       {"PAGERDUTY_API_URL", pagerduty.url()},
                       {"JSM_API_URL", opsgenie.url()}},
                      {"routes", "suggest"});
  const std::size_t calls = pagerduty.requests().size() + opsgenie.requests().size();
  EXPECT_EQ(on_jsm.run_to_exit(), 2);
  EXPECT_NE(on_jsm.output().find("run it with ALERTS_API=opsgenie before the move"), std::string::npos)
      << on_jsm.output();
  EXPECT_EQ(pagerduty.requests().size() + opsgenie.requests().size(), calls);
}

// A PagerDuty incident webhook with the fields the routes read: service, urgency, priority, page.
std::string pd_incident(const std::string& event_id, const std::string& type, const std::string& incident,
                        const std::string& key, const std::string& service, const std::string& priority,
                        const std::string& agent_id = "PHUMAN1", const std::string& title = "Checkout down") {
  boost::json::object data{{"id", incident},
                           {"type", "incident"},
                           {"incident_key", key},
                           {"title", title},
                           {"urgency", "high"},
                           {"html_url", "https://fake.pagerduty.com/incidents/" + incident},
                           {"service", boost::json::object{{"id", service}, {"type", "service_reference"}}}};
  data["priority"] = priority.empty() ? boost::json::value(nullptr)
                                      : boost::json::value(boost::json::object{
                                            {"id", "PPRI00" + priority.substr(1)}, {"summary", priority}});
  return boost::json::serialize(boost::json::object{
      {"event",
       boost::json::object{{"id", event_id},
                           {"event_type", type},
                           {"agent", boost::json::object{{"id", agent_id}, {"summary", "Human One"}}},
                           {"data", std::move(data)}}}});
}

constexpr const char* kFullRoutesYaml = R"(routes:
  - name: payments
    match: {teams: [payments]}
    pagerduty:
      service_id: PSVC002
      urgency: {P1: high, P2: high, P3: low}
      priority: {P1: "P1", P2: "P2", P3: "P3"}
  - name: events
    match: {tags: [events]}
    pagerduty: {routing_key: R0UTINGKEYFAKE000000000000000003}
from_pagerduty:
  - match: {service_id: [PSVC001]}
    opsgenie:
      responders: [{type: team, name: ops}]
      priority: {high: P2, low: P4}
      tags: [from-pagerduty]
)";

class FullRoutes : public Sync {
 protected:
  void SetUp() override {
    Sync::SetUp();
    std::ofstream(dir_.path() / "routes.yaml") << kFullRoutesYaml;
    env_["ROUTES_FILE"] = "routes.yaml";
    env_["PAGERDUTY_EVENTS_URL"] = pagerduty_.url();
    env_.erase("OPSGENIE_INTEGRATION_ID");
    env_.erase("PAGERDUTY_SERVICE_ID");
  }
  std::size_t requests_to(const fakes::FakeVendor& vendor, const std::string& method,
                          const std::string& path_part) {
    std::size_t n = 0;
    for (const auto& r : vendor.requests())
      n += r.method == method && r.path.find(path_part) != std::string::npos;
    return n;
  }
};

TEST_P(FullRoutes, APriorityChangeIsMirroredEachWayAndItsEchoIsNot) {
  start();
  opsgenie_.add_alert("pay-1");
  const std::string teams = R"(,"teams":["9a1b"],"responders":[{"type":"team","name":"payments"}])";
  ASSERT_EQ(post("/ops-webhook", og("Create", "pay-1", R"(,"priority":"P3")" + teams)), 202);
  ASSERT_TRUE(eventually([&] { return only_incident("pay-1").has_value(); })) << proxy_->output();
  EXPECT_EQ(only_incident("pay-1")->priority_id, "PPRI003") << "the route's priority map, resolved to an id";
  EXPECT_EQ(only_incident("pay-1")->urgency, "low");

  // Opsgenie -> PagerDuty: urgency and priority from the maps of the pair's route (the UpdatePriority names
  // no team: it would match no route by itself).
  ASSERT_EQ(post("/ops-webhook", og("UpdatePriority", "pay-1", R"(,"priority":"P1","updatedAt":1)")), 202);
  ASSERT_TRUE(eventually([&] { return only_incident("pay-1")->priority_id == "PPRI001"; }))
      << proxy_->output();
  EXPECT_EQ(only_incident("pay-1")->urgency, "high");
  const std::string incident = only_incident("pay-1")->id;

  // Its echo: PagerDuty reports the change the proxy made. Not mirrored back.
  settle();
  const auto og_calls = opsgenie_.requests().size();
  ASSERT_EQ(post("/pd-webhook",
                 pd_incident("E-echo", "incident.priority_updated", incident, "pay-1", "PSVC002", "P1")),
            202);
  settle();
  EXPECT_EQ(opsgenie_.requests().size(), og_calls) << "the proxy's own priority change came back: no call";

  // PagerDuty -> Opsgenie: a person sets P2; the map read backwards gives P2.
  ASSERT_EQ(post("/pd-webhook",
                 pd_incident("E-p2", "incident.priority_updated", incident, "pay-1", "PSVC002", "P2")),
            202);
  ASSERT_TRUE(eventually([&] { return opsgenie_.alert("pay-1")->priority == "P2"; })) << proxy_->output();
  settle();
  const auto pd_puts = requests_to(pagerduty_, "PUT", "/incidents/");
  ASSERT_EQ(post("/ops-webhook", og("UpdatePriority", "pay-1", R"(,"priority":"P2","updatedAt":2)" + teams)),
            202);
  settle();
  EXPECT_EQ(requests_to(pagerduty_, "PUT", "/incidents/"), pd_puts)
      << "Opsgenie's echo of the proxy's change";
  EXPECT_EQ(requests_to(pagerduty_, "GET", "/priorities"), 1u) << "priorities are read once";
}

TEST_P(FullRoutes, AnEventsApiRouteTriggersAcknowledgesAndResolvesByDedupKeyAndNotesStillArrive) {
  start();
  opsgenie_.add_alert("ev-1");
  ASSERT_EQ(post("/ops-webhook",
                 og("Create", "ev-1", R"(,"message":"Queue backlog","priority":"P4","tags":["events"])")),
            202);
  ASSERT_TRUE(eventually([&] { return only_incident("ev-1").has_value(); })) << proxy_->output();
  EXPECT_EQ(only_incident("ev-1")->service_id, "PSVC003") << "the routing key's service";
  EXPECT_EQ(only_incident("ev-1")->urgency, "low") << "P4 is low urgency: severity warning";
  EXPECT_EQ(requests_to(pagerduty_, "POST", "/incidents"), 0u) << "no REST create";

  ASSERT_EQ(post("/ops-webhook", og("AddNote", "ev-1", R"(,"note":"looking")")), 202);
  ASSERT_TRUE(eventually([&] { return only_incident("ev-1")->notes.size() == 1; })) << proxy_->output();
  ASSERT_EQ(post("/ops-webhook", og("Acknowledge", "ev-1")), 202);
  ASSERT_TRUE(eventually([&] { return only_incident("ev-1")->status == "acknowledged"; }))
      << proxy_->output();
  ASSERT_EQ(post("/ops-webhook", og("Close", "ev-1")), 202);
  ASSERT_TRUE(eventually([&] { return only_incident("ev-1")->status == "resolved"; })) << proxy_->output();
  settle();
  EXPECT_EQ(requests_to(pagerduty_, "POST", "/v2/enqueue"), 3u) << "trigger, acknowledge, resolve";
  std::size_t status_puts = 0;
  for (const auto& r : pagerduty_.requests())
    status_puts += r.method == "PUT" && r.body.find("\"status\"") != std::string::npos;
  EXPECT_EQ(status_puts, 0u) << "status changes went through the Events API";

  // PagerDuty -> Opsgenie still pairs by the key (= the alert id).
  const std::string incident = only_incident("ev-1")->id;
  ASSERT_EQ(post("/pd-webhook", pd("E-n", "incident.annotated", incident, "", "PHUMAN1", "from PD")), 202);
  ASSERT_TRUE(eventually([&] { return opsgenie_.alert("ev-1")->notes.size() == 1; })) << proxy_->output();
}

TEST_P(FullRoutes, AnIncidentBornInPagerDutyBecomesOneAlertItsCreateIsAnEchoAndACloseClosesBoth) {
  start();
  FakePagerDuty::Incident seed;
  seed.title = std::string(200, 'x');
  seed.service_id = "PSVC001";
  const std::string incident = pagerduty_.add_incident(seed);
  const std::string key = pagerduty_.incident(incident)->incident_key;
  const std::string trigger = pd_incident("E-t1", "incident.triggered", incident, key, "PSVC001", "",
                                          "PHUMAN1", std::string(200, 'x'));
  ASSERT_EQ(post("/pd-webhook", trigger), 202);
  ASSERT_TRUE(eventually([&] { return opsgenie_.alert_with_alias("pd-" + incident).has_value(); }))
      << proxy_->output();
  // PagerDuty retries the delivery under another event id while the first is still being linked: still one
  // alert (the second create finds the pair, or the alias).
  const int again =
      post("/pd-webhook", pd_incident("E-t2", "incident.triggered", incident, key, "PSVC001", ""));
  EXPECT_TRUE(again == 200 || again == 202) << again;
  settle();
  ASSERT_EQ(opsgenie_.alerts().size(), 1u);
  const auto alert = *opsgenie_.alert_with_alias("pd-" + incident);
  std::size_t characters = 0;
  for (const char c : alert.message) characters += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  EXPECT_EQ(characters, 130u) << "the title cut to Opsgenie's limit: " << alert.message;
  EXPECT_NE(alert.description.find("https://fake.pagerduty.com/incidents/" + incident), std::string::npos);
  EXPECT_EQ(alert.priority, "P2") << "urgency high -> P2 by the rule";
  EXPECT_EQ(alert.tags, std::vector<std::string>{"from-pagerduty"});
  ASSERT_EQ(alert.responders.size(), 1u);
  EXPECT_EQ(alert.responders[0].second, "ops");

  // Opsgenie's Create webhook for that alert is an echo: no incident.
  const auto pd_calls = pagerduty_.requests().size();
  ASSERT_EQ(post("/ops-webhook", og("Create", alert.id,
                                    R"(,"alias":"pd-)" + incident + R"(","message":"x","tags":["events"])")),
            202);
  settle();
  EXPECT_EQ(pagerduty_.requests().size(), pd_calls);
  EXPECT_TRUE(pagerduty_.incidents_with_key(alert.id).empty());

  // The pair syncs both ways: a close in Opsgenie resolves the incident.
  ASSERT_EQ(post("/ops-webhook", og("Close", alert.id)), 202);
  ASSERT_TRUE(eventually([&] { return pagerduty_.incident(incident)->status == "resolved"; }))
      << proxy_->output();
}

TEST_P(FullRoutes, AResolveInPagerDutyClosesTheAlertItsIncidentBecame) {
  start();
  FakePagerDuty::Incident seed;
  seed.title = "Disk full";
  seed.service_id = "PSVC001";
  const std::string incident = pagerduty_.add_incident(seed);
  const std::string key = pagerduty_.incident(incident)->incident_key;
  // The triggered and the resolve arrive back to back: the close waits for the alert to exist.
  ASSERT_EQ(post("/pd-webhook", pd_incident("E-t", "incident.triggered", incident, key, "PSVC001", "")), 202);
  ASSERT_EQ(post("/pd-webhook", pd_incident("E-r", "incident.resolved", incident, key, "PSVC001", "")), 202);
  ASSERT_TRUE(eventually([&] {
    const auto a = opsgenie_.alert_with_alias("pd-" + incident);
    return a && a->status == "closed";
  })) << proxy_->output();
  settle();
  EXPECT_EQ(opsgenie_.alerts().size(), 1u);
}

TEST_P(FullRoutes, CheckConfigShowsEveryKindOfTargetAndRuleWithoutTheRoutingKey) {
  const auto [code, text] = cli({"check-config"});
  EXPECT_EQ(code, 0) << text;
  EXPECT_NE(text.find("PagerDuty Events API, routing key …0003"), std::string::npos) << text;
  EXPECT_EQ(text.find("R0UTINGKEYFAKE"), std::string::npos) << "the routing key is a secret";
  EXPECT_NE(text.find("priority P1=P1,P2=P2,P3=P3"), std::string::npos) << text;
  EXPECT_NE(text.find("from PagerDuty service [PSVC001] -> Opsgenie alert for team ops"), std::string::npos)
      << text;
}

TEST_P(FullRoutes, ADryRunNeverLogsTheRoutingKey) {
  env_.erase("PAGERDUTY_API_KEY");  // no credentials: a dry run
  env_["LOG_LEVEL"] = "debug";
  if (refused_as_a_dry_run_on_postgres()) return;
  start();
  ASSERT_EQ(post("/ops-webhook", og("Create", "ev-dry", R"(,"message":"m","tags":["events"])")), 202);
  ASSERT_TRUE(eventually([&] { return proxy_->output().find("/v2/enqueue") != std::string::npos; }))
      << proxy_->output();
  settle();
  EXPECT_EQ(proxy_->output().find("R0UTINGKEYFAKE"), std::string::npos) << proxy_->output();
  EXPECT_NE(proxy_->output().find("\"routing_key\":\"…0003\""), std::string::npos) << proxy_->output();
}

OGPD_ON_EVERY_STORE(Routes);
// Routes with JSM as the alert side too: an incident born in PagerDuty becomes a JSM alert (a create
// answered 200 without its id, found through its request or by alias), and priority goes by PATCH.
INSTANTIATE_TEST_SUITE_P(Store, FullRoutes,
                         ::testing::Values(Stack{Backend::kSqlite}, Stack{Backend::kPostgres},
                                           Stack{Backend::kSqlite, AlertSide::kJsm}),
                         stack_name);

}  // namespace
}  // namespace ogpd::testing
