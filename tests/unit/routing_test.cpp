// Routes (DESIGN §2.1): the routes file read into a table (and its errors, each naming the line), what the
// real Opsgenie payloads say for matching, the first route that takes each, and where the planned incident
// goes.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "cli/daemon_settings.h"
#include "ops/config.h"
#include "ops/routes_file.h"
#include "support/fixtures.h"
#include "sync/echo.h"
#include "sync/plan.h"
#include "sync/routes.h"
#include "webhook/intake.h"
#include "webhook/opsgenie.h"
#include "webhook/pagerduty.h"

namespace ogpd {
namespace {

const std::map<std::string, std::string> kUrgency{{"P1", "high"}, {"P2", "high"}, {"P3", "low"}};

RouteTable table(const std::string& yaml) {
  auto parsed = ops::parse_routes(yaml, "routes.yaml", kUrgency);
  EXPECT_TRUE(parsed.ok()) << parsed.error();
  return parsed.ok() ? *parsed : RouteTable{};
}

Event opsgenie_event(EventKind kind, std::optional<std::string> priority, std::optional<std::string> route) {
  Event e;
  e.source = Source::kOpsgenie;
  e.kind = kind;
  e.type = "x";
  e.alert_id = "a1";
  e.priority = std::move(priority);
  e.route = std::move(route);
  return e;
}

sync::AlertFacts facts_of(const std::string& fixture) {
  const auto doc = boost::json::parse(testing::read_fixture("opsgenie/" + fixture));
  return webhook::alert_facts(doc.as_object());
}

TEST(AlertFacts, ReadFromTheRealPayloads) {
  const auto relay = facts_of("relay_create_P3_responders.json");
  EXPECT_EQ(relay.integration_id, "cab111af-f56b-4886-b20a-f947ea3163e2");
  EXPECT_NE(std::find(relay.teams.begin(), relay.teams.end(), "6ee84e52-f33e-45d9-87ab-533fd69d5591"),
            relay.teams.end())
      << "team ids from alert.teams";
  EXPECT_NE(std::find(relay.teams.begin(), relay.teams.end(), "operations"), relay.teams.end())
      << "team names from alert.team and alert.responders";
  EXPECT_EQ(relay.priority, "P3");
  EXPECT_EQ(facts_of("bender_2017_create_intpriority.json").priority, "P4") << "an integer priority";
  EXPECT_EQ(facts_of("bender_2017_create_intpriority.json").source, "Zabbix");
  const auto docs = facts_of("port_docs_create_example.json");
  EXPECT_EQ(docs.tags, (std::vector<std::string>{"tag1", "tag2"}));
  EXPECT_EQ(docs.priority, "P1");
}

const char* kRoutes = R"(
routes:
  - name: operations
    match: {teams: [operations]}
    pagerduty: {service_id: POPS001}
  - name: prod-sev2
    match:
      tags: ["st:environment:prod", "st:sev:2"]   # all of them
    pagerduty: {service_id: PPROD01, escalation_policy_id: PEP0001}
  - name: urgent
    match: {priority: [P1, 2]}
    pagerduty:
      service_id: PURG001
      urgency: {P1: high, P2: low}
  - name: zabbix
    match: {source: Zabbix, integration_id: 45b429ca-da65-4700-bb4c-aa3b4aacfce2}
    pagerduty: {service_id: PZBX001}
)";

TEST(RouteMatching, TheFirstRouteWhoseEveryConditionHoldsTakesTheAlert) {
  const RouteTable routes = table(kRoutes);
  struct Case {
    const char* fixture;
    const char* route;  // nullptr: none
  };
  for (const Case c :
       {Case{"relay_create_P3_responders.json", "operations"},
        Case{"transposit_create_site24x7_details.json", "prod-sev2"},
        Case{"port_docs_create_example.json", "urgent"},
        Case{"bender_2017_create_intpriority.json", "zabbix"}, Case{"zulip_create.json", nullptr}}) {
    const auto choice = sync::choose_route(routes, facts_of(c.fixture));
    EXPECT_EQ(choice.route ? choice.route->name : "(none)", c.route ? c.route : "(none)") << c.fixture;
  }
  const auto none = sync::choose_route(routes, facts_of("zulip_create.json"));
  ASSERT_EQ(none.passed_over.size(), 4u) << "each route says why it did not match";
  EXPECT_NE(none.passed_over[0].second.find("teams"), std::string::npos) << none.passed_over[0].second;
  EXPECT_NE(none.passed_over[1].second.find("tag st:environment:prod is missing"), std::string::npos);
  EXPECT_NE(none.passed_over[2].second.find("priority P3 is not one of P1, P2"), std::string::npos)
      << none.passed_over[2].second;
  EXPECT_NE(none.passed_over[3].second.find("integration"), std::string::npos);
}

TEST(RouteMatching, TagsMustAllBePresent) {
  const RouteTable routes = table(kRoutes);
  sync::AlertFacts one_tag;
  one_tag.tags = {"st:environment:prod"};
  EXPECT_EQ(sync::choose_route(routes, one_tag).route, nullptr);
}

TEST(RouteMatching, ACreateIsStoredWithItsRouteAndAnUnroutedOneWithNone) {
  const RouteTable routes = table(kRoutes);
  const auto stored =
      webhook::parse_opsgenie(testing::read_fixture("opsgenie/relay_create_P3_responders.json"), routes);
  ASSERT_TRUE(std::holds_alternative<webhook::Store>(stored));
  EXPECT_EQ(std::get<webhook::Store>(stored).event.route, "operations");
  // Stored, so that its later actions are known to be unrouted too (the plan says no_route).
  const auto unrouted = webhook::parse_opsgenie(testing::read_fixture("opsgenie/zulip_create.json"), routes);
  ASSERT_TRUE(std::holds_alternative<webhook::Store>(unrouted));
  EXPECT_EQ(std::get<webhook::Store>(unrouted).event.route, std::nullopt);
}

TEST(RouteMatching, OtherActionsFollowTheirPairWhateverTheirTeams) {
  // An Acknowledge carries no teams: it is stored when its integration is routed at all.
  const RouteTable by_team = table(R"(
routes:
  - name: ops
    match: {teams: [operations]}
    pagerduty: {service_id: POPS001}
)");
  const auto ack = webhook::parse_opsgenie(testing::read_fixture("opsgenie/zulip_acknowledge.json"), by_team);
  EXPECT_TRUE(std::holds_alternative<webhook::Store>(ack));
  const RouteTable by_integration = table(R"(
routes:
  - name: other
    match: {integration_id: [11111111-1111-1111-1111-111111111111]}
    pagerduty: {service_id: POPS001}
)");
  const auto foreign =
      webhook::parse_opsgenie(testing::read_fixture("opsgenie/zulip_acknowledge.json"), by_integration);
  ASSERT_TRUE(std::holds_alternative<webhook::Ignore>(foreign));
  EXPECT_NE(std::get<webhook::Ignore>(foreign).reason.find("no route takes integration"), std::string::npos);
}

TEST(RoutesFile, EachMistakeIsOneMessageNamingTheLine) {
  struct Case {
    const char* yaml;
    const char* message;  // the error contains this
  };
  const Case cases[] = {
      {"routes:\n  - name: a\n    match: {}\n    pagerduty: {servce_id: PABC123}\n",
       "routes.yaml:4: unknown key 'servce_id' in pagerduty (expected one of: service_id"},
      {"routes:\n  - name: a\n    match: {}\n", "routes.yaml:2: route a has no pagerduty target"},
      {"routes:\n  - name: a\n    match: {priority: P7}\n    pagerduty: {service_id: PABC123}\n",
       "routes.yaml:3: match.priority 'P7' is not an Opsgenie priority (P1 to P5)"},
      {"routes:\n  - name: a\n    match: {teem: [x]}\n    pagerduty: {service_id: PABC123}\n",
       "routes.yaml:3: unknown key 'teem' in match"},
      {"routes:\n  - name: a\n    match: {}\n    pagerduty: {service_id: pabc}\n",
       "routes.yaml:4: pagerduty.service_id 'pabc' is not a PagerDuty id"},
      {"routes:\n  - name: a\n    match: {}\n    pagerduty: {service_id: PABC123, urgency: {P1: urgent}}\n",
       "pagerduty.urgency value 'urgent' must be high or low"},
      {"routes:\n  - name: a\n    match: {}\n    pagerduty: {service_id: PABC123}\n"
       "  - name: a\n    match: {}\n    pagerduty: {service_id: PABC124}\n",
       "routes.yaml:5: route name 'a' is used twice"},
      {"routes:\n  - name: Payments Team\n    match: {}\n    pagerduty: {service_id: PABC123}\n",
       "routes.yaml:2: route name 'Payments Team' must be lower-case"},
      {"routes:\n  - match: {}\n    pagerduty: {service_id: PABC123}\n",
       "routes.yaml:2: this route has no name"},
      {"routes:\n  - name: a\n    pagerduty: {service_id: PABC123}\n",
       "route a has no match (write match: {}"},
      {"routes: []\n", "routes must be a non-empty list"},
      {"rotues: []\n", "routes.yaml:1: unknown key 'rotues' in the file"},
      {"routes:\n  - name: a\n    match: {}\n    pagerduty: {routing_key: R0123}\n",
       "routes.yaml:4: pagerduty.routing_key is not an Events API v2 integration key"},
      {"routes:\n  - name: a\n    match: {}\n    pagerduty: {service_id: PABC123, routing_key: "
       "R0UTINGKEYFAKE000000000000000003}\n",
       "route a gives both service_id and routing_key"},
      {"routes:\n  - name: a\n    match: {}\n    pagerduty: {service_id: PABC123, priority: {P9: SEV-1}}\n",
       "pagerduty.priority key 'P9' is not an Opsgenie priority"},
      {"routes:\n  - name: a\n    match: {}\n    pagerduty: {service_id: PABC123}\nfrom_pagerduty:\n"
       "  - match: {service_id: [PABC123]}\n    opsgenie: {responders: [{type: group, name: x}]}\n",
       "routes.yaml:7: responder type 'group' must be team, user, escalation or schedule"},
      {"routes:\n  - name: a\n    match: {}\n    pagerduty: {service_id: PABC123}\nfrom_pagerduty:\n"
       "  - match: {service: PABC123}\n",
       "unknown key 'service' in from_pagerduty match"},
      {"routes:\n  - name: a\n    match: {teams: []}\n    pagerduty: {service_id: PABC123}\n",
       "match.teams is an empty list"},
      {"routes:\n  - name: a\n   match: {}\n", "routes.yaml:3: not valid YAML"},
      {"routes:\n  - name: a\n    match: {}\n    pagerduty: {service_id: PA1, service_id: PB2}\n",
       "routes.yaml:4: 'service_id' is given twice in pagerduty"},
      {"routes:\n  - name: a\n    match: {}\n    pagerduty: {service_id: PA1, urgency: {P1: high, 1: low}}\n",
       "pagerduty.urgency gives P1 twice"},
      {"routes:\n  - name: a\n    match: {}\n    pagerduty: {service_id: PA1}\n---\nroutes: []\n",
       "holds 2 YAML documents"},
      {"", "the file is empty"},
      {"routes:\n  - name: a\n    match: {source: \"x\\ey\"}\n    pagerduty: {service_id: PA1}\n",
       "match.source must not hold control characters"},
  };
  for (const auto& c : cases) {
    const auto parsed = ops::parse_routes(c.yaml, "routes.yaml", kUrgency);
    ASSERT_FALSE(parsed.ok()) << c.yaml;
    EXPECT_NE(parsed.error().find(c.message), std::string::npos) << "got: " << parsed.error();
    EXPECT_EQ(parsed.error().find('\n'), std::string::npos) << "one line: " << parsed.error();
    EXPECT_EQ(parsed.error().rfind("ROUTES_FILE routes.yaml", 0), 0u) << parsed.error();
  }
}

TEST(RoutesFile, ARouteWithoutAnUrgencyMapTakesPriorityUrgency) {
  const RouteTable routes = table(kRoutes);
  EXPECT_EQ(routes.routes[0].pagerduty.urgency_by_priority, kUrgency);
  EXPECT_EQ(routes.routes[2].pagerduty.urgency_by_priority,
            (std::map<std::string, std::string>{{"P1", "high"}, {"P2", "low"}}));
  EXPECT_EQ(routes.routes[1].pagerduty.escalation_policy_id, "PEP0001");
  EXPECT_EQ(routes.routes[1].line, 6);
}

// The README's complete example is a valid configuration: the settings check accepts it as ROUTES_FILE.
TEST(RoutesFile, TheReadmeExampleIsAccepted) {
  std::ifstream in(std::string(OGPD_SOURCE_DIR) + "/README.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string readme = text.str();
  const auto section = readme.find("## Many teams");
  ASSERT_NE(section, std::string::npos) << "README has a \"Many teams\" section";
  const auto start = readme.find("```yaml\n", section);
  ASSERT_NE(start, std::string::npos);
  const auto end = readme.find("```", start + 8);
  const std::string yaml = readme.substr(start + 8, end - start - 8);
  const auto path = std::filesystem::temp_directory_path() / "ogpd-readme-routes.yaml";
  std::ofstream(path) << yaml;
  const auto config = ops::validate({{"ROUTES_FILE", path.string()}});
  std::filesystem::remove(path);
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_GE(config->routes.routes.size(), 2u);
  EXPECT_FALSE(config->routes.file->empty());
}

TEST(RoutesFile, WithoutAFileTheEarlierProxysSettingsMakeOneRoute) {
  const auto config = ops::validate({{"OPSGENIE_INTEGRATION_ID", "8f1c0000-0000-0000-0000-000000000001"},
                                     {"PAGERDUTY_SERVICE_ID", "PSVC001"}});
  ASSERT_TRUE(config.ok()) << config.error();
  ASSERT_EQ(config->routes.routes.size(), 1u);
  EXPECT_EQ(config->routes.routes[0].name, "default");
  EXPECT_EQ(config->routes.routes[0].match.integration_ids,
            (std::vector<std::string>{"8f1c0000-0000-0000-0000-000000000001"}));
  EXPECT_EQ(config->routes.routes[0].pagerduty.service_id, "PSVC001");
  EXPECT_FALSE(config->routes.file.has_value());
}

TEST(RoutesFile, ADirectoryIsNotARoutesFile) {
  const auto config = ops::validate({{"ROUTES_FILE", std::filesystem::temp_directory_path().string()}});
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().find("is not a file"), std::string::npos) << config.error();
}

// Without a file nothing changes: a Create goes to PAGERDUTY_SERVICE_ID with PRIORITY_URGENCY's urgency.
TEST(RoutesFile, WithoutAFileACreateKeepsTheEarlierServiceAndUrgency) {
  const auto config = ops::validate({{"PAGERDUTY_SERVICE_ID", "PSVC001"}, {"PRIORITY_URGENCY", "P3=high"}});
  ASSERT_TRUE(config.ok()) << config.error();
  const auto verdict = webhook::receive_opsgenie(
      cli::intake_settings(*config),
      {.body = R"({"action":"Create","alert":{"alertId":"a1","priority":"P3"},"integrationId":"x"})"});
  ASSERT_TRUE(std::holds_alternative<webhook::Store>(verdict));
  const Event& e = std::get<webhook::Store>(verdict).event;
  EXPECT_EQ(e.route, "default");
  const auto plan = sync::plan(e, std::nullopt, false, cli::engine_settings(*config).sync);
  ASSERT_EQ(plan.actions.size(), 1u);
  EXPECT_EQ(plan.actions[0].urgency, "high");
  EXPECT_EQ(plan.actions[0].service_id, "PSVC001");
  EXPECT_EQ(sync::plan(e, std::nullopt, false, sync::SyncSettings{}).actions[0].urgency, "low")
      << "default settings: PRIORITY_URGENCY's default map (P3 low), from one source";
}

TEST(RoutesFile, AMissingFileStopsStartUpNamingIt) {
  const auto config = ops::validate({{"ROUTES_FILE", "/nonexistent/routes.yaml"}});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error(), "ROUTES_FILE: /nonexistent/routes.yaml is not a file");
}

TEST(RoutedPlan, ACreateGoesToItsRoutesServiceWithItsUrgency) {
  sync::SyncSettings settings;
  settings.routes = table(kRoutes);
  Event create = opsgenie_event(EventKind::kAlertCreated, "P2", "urgent");
  const auto plan = sync::plan(create, std::nullopt, false, settings);
  ASSERT_EQ(plan.actions.size(), 1u);
  EXPECT_EQ(plan.actions[0].service_id, "PURG001");
  EXPECT_EQ(plan.actions[0].urgency, "low") << "the route's own urgency map";
  create.route = "prod-sev2";
  const auto prod = sync::plan(create, std::nullopt, false, settings);
  EXPECT_EQ(prod.actions[0].service_id, "PPROD01");
  EXPECT_EQ(prod.actions[0].escalation_policy_id, "PEP0001");
  create.route = "gone";
  const auto gone = sync::plan(create, std::nullopt, false, settings);
  EXPECT_EQ(gone.outcome, sync::Outcome::kNoRoute);
  EXPECT_TRUE(gone.actions.empty());
}

TEST(RoutedPlan, AnUnroutedAlertCreatesNothingAndItsLaterActionsSendNothingUnlessPaired) {
  sync::SyncSettings settings;
  settings.routes = table(kRoutes);
  const Event create = opsgenie_event(EventKind::kAlertCreated, std::nullopt, std::nullopt);
  const auto unrouted = sync::plan(create, std::nullopt, false, settings);
  EXPECT_EQ(unrouted.outcome, sync::Outcome::kNoRoute);
  EXPECT_TRUE(unrouted.actions.empty());
  EXPECT_FALSE(unrouted.new_link);

  Event ack = create;
  ack.kind = EventKind::kAlertAcknowledged;
  const auto skipped = sync::plan(ack, std::nullopt, false, settings, /*alert_unrouted=*/true);
  EXPECT_EQ(skipped.outcome, sync::Outcome::kNoRoute);
  EXPECT_TRUE(skipped.actions.empty());
  // Paired after all (an operator linked it, or a later Create was routed): the pair wins.
  const auto paired = sync::plan(ack, Link{"a1", "Q1", "a1"}, false, settings, true);
  EXPECT_EQ(paired.outcome, sync::Outcome::kMirrored);
  // Never seen unrouted: looked up by its key as before (an alert older than the proxy).
  EXPECT_EQ(sync::plan(ack, std::nullopt, false, settings).outcome, sync::Outcome::kMirrored);
}

constexpr const char* kPriorityRoutes = R"(
routes:
  - name: payments
    match: {teams: [payments]}
    pagerduty: {service_id: PPAY001, urgency: {P1: high, P4: low}, priority: {P1: SEV-1, P2: SEV-2}}
  - name: events
    match: {tags: [events]}
    pagerduty: {routing_key: R0UTINGKEY00000000000000000000001}
from_pagerduty:
  - match: {service_id: [PBORN01]}
    opsgenie:
      responders: [{type: team, name: ops}, {type: user, id: U1}]
      priority: {SEV-1: P1, high: P2, low: P4}
      tags: [from-pagerduty]
)";

sync::SyncSettings priority_settings() {
  sync::SyncSettings settings;
  settings.routes = table(kPriorityRoutes);
  return settings;
}

Event pagerduty_event(EventKind kind, std::optional<std::string> service,
                      std::optional<std::string> priority) {
  Event e;
  e.source = Source::kPagerDuty;
  e.kind = kind;
  e.type = "x";
  e.incident_id = "Q1";
  e.incident_key = "k1";
  e.actor_id = "PHUMAN";
  e.actor_name = "Human One";
  e.service_id = std::move(service);
  e.priority = std::move(priority);
  e.urgency = "high";
  e.title = std::string(300, 't');
  e.url = "https://x.pagerduty.com/incidents/Q1";
  return e;
}

TEST(RoutedPlan, ACreateCarriesItsRoutesPriorityNameAndAnEventsRouteItsKey) {
  const auto settings = priority_settings();
  const auto create =
      sync::plan(opsgenie_event(EventKind::kAlertCreated, "P1", "payments"), std::nullopt, false, settings);
  ASSERT_EQ(create.actions.size(), 1u);
  EXPECT_EQ(create.actions[0].priority, "SEV-1");
  EXPECT_EQ(create.actions[0].urgency, "high");
  EXPECT_FALSE(create.actions[0].events_route);
  ASSERT_TRUE(create.new_link);
  EXPECT_EQ(create.new_link->route, "payments");

  const auto events =
      sync::plan(opsgenie_event(EventKind::kAlertCreated, "P4", "events"), std::nullopt, false, settings);
  ASSERT_EQ(events.actions.size(), 1u);
  EXPECT_EQ(events.actions[0].events_route, "events") << "by name: the key itself is never stored";
  EXPECT_EQ(events.actions[0].priority, "") << "no priority map on that route";
  // The pair's later acknowledge and close go the same way, known from the link.
  const Link link{"a1", "Q1", "a1", "events"};
  const auto ack = sync::plan(opsgenie_event(EventKind::kAlertAcknowledged, {}, {}), link, false, settings);
  ASSERT_FALSE(ack.actions.empty());
  EXPECT_EQ(ack.actions[0].kind, ActionKind::kAcknowledgeIncident);
  EXPECT_EQ(ack.actions[0].events_route, "events");
  const Link rest{"a1", "Q1", "a1", "payments"};
  EXPECT_FALSE(sync::plan(opsgenie_event(EventKind::kAlertClosed, {}, {}), rest, false, settings)
                   .actions[0]
                   .events_route);
}

TEST(RoutedPlan, AnOpsgeniePriorityChangeSetsUrgencyAndPriorityByTheRoutesMaps) {
  const auto settings = priority_settings();
  const Link link{"a1", "Q1", "a1", "payments"};
  const auto p1 =
      sync::plan(opsgenie_event(EventKind::kAlertPriorityUpdated, "P1", "payments"), link, false, settings);
  ASSERT_EQ(p1.actions.size(), 1u);
  EXPECT_EQ(p1.actions[0].kind, ActionKind::kSetIncidentPriority);
  EXPECT_EQ(p1.actions[0].incident_id, "Q1");
  EXPECT_EQ(p1.actions[0].urgency, "high");
  EXPECT_EQ(p1.actions[0].priority, "SEV-1");
  // The UpdatePriority carried no teams (or matches another route now): the pair's route gives the maps.
  const auto p4 =
      sync::plan(opsgenie_event(EventKind::kAlertPriorityUpdated, "P4", "events"), link, false, settings);
  EXPECT_EQ(p4.actions[0].urgency, "low");
  EXPECT_EQ(p4.actions[0].priority, "") << "P4 has no PagerDuty priority in the map";
  EXPECT_TRUE(sync::plan(opsgenie_event(EventKind::kAlertPriorityUpdated, {}, {}), link, false, settings)
                  .actions.empty())
      << "no readable priority: nothing to mirror";
}

TEST(RoutedPlan, APagerDutyPriorityChangeReadsTheMapBackwardsElseTakesAPName) {
  const auto settings = priority_settings();
  const Link link{"a1", "Q1", "a1", "payments"};
  const auto sev1 = sync::plan(pagerduty_event(EventKind::kIncidentPriorityUpdated, "PPAY001", "SEV-1"), link,
                               false, settings);
  ASSERT_EQ(sev1.actions.size(), 1u);
  EXPECT_EQ(sev1.actions[0].kind, ActionKind::kSetAlertPriority);
  EXPECT_EQ(sev1.actions[0].alert_id, "a1");
  EXPECT_EQ(sev1.actions[0].priority, "P1");
  const auto p3 = sync::plan(pagerduty_event(EventKind::kIncidentPriorityUpdated, "POTHER1", "P3"), link,
                             false, settings);
  EXPECT_EQ(p3.actions[0].priority, "P3") << "PagerDuty's default names are Opsgenie's";
  EXPECT_TRUE(sync::plan(pagerduty_event(EventKind::kIncidentPriorityUpdated, "PPAY001", "Major"), link,
                         false, settings)
                  .actions.empty())
      << "a name no map gives and no P1..P5: nothing to mirror";
  EXPECT_EQ(sync::plan(pagerduty_event(EventKind::kIncidentPriorityUpdated, "PPAY001", "SEV-1"), link, false,
                       [&] {
                         auto own = settings;
                         own.own_user = "PHUMAN";
                         return own;
                       }())
                .outcome,
            sync::Outcome::kOwnUser);
}

TEST(RoutedPlan, AnIncidentBornOnARuledServiceBecomesAnAlertAndNoOtherDoes) {
  const auto settings = priority_settings();
  const auto born = sync::plan(pagerduty_event(EventKind::kIncidentTriggered, "PBORN01", std::nullopt),
                               std::nullopt, false, settings);
  ASSERT_EQ(born.actions.size(), 1u);
  const Action& a = born.actions[0];
  EXPECT_EQ(a.kind, ActionKind::kCreateAlert);
  EXPECT_EQ(a.alias, "pd-Q1");
  EXPECT_FALSE(a.alert_id) << "unknown until Opsgenie names it";
  EXPECT_EQ(a.incident_id, "Q1");
  EXPECT_EQ(a.priority, "P2") << "urgency high";
  EXPECT_EQ(a.tags, std::vector<std::string>{"from-pagerduty"});
  ASSERT_EQ(a.responders.size(), 2u);
  EXPECT_EQ(a.responders[1].id, "U1");
  EXPECT_NE(a.details.find("https://x.pagerduty.com/incidents/Q1"), std::string::npos);
  EXPECT_EQ(a.user, "Human One");
  const auto named = sync::plan(pagerduty_event(EventKind::kIncidentTriggered, "PBORN01", "SEV-1"),
                                std::nullopt, false, settings);
  EXPECT_EQ(named.actions[0].priority, "P1") << "a PagerDuty priority name wins over the urgency";

  EXPECT_TRUE(
      sync::plan(pagerduty_event(EventKind::kIncidentTriggered, "PPAY001", {}), std::nullopt, false, settings)
          .actions.empty())
      << "not opted in";
  // Its acknowledge before the alert exists queues behind the create (the same pair: the incident).
  const auto ack = sync::plan(pagerduty_event(EventKind::kIncidentAcknowledged, "PBORN01", {}), std::nullopt,
                              false, settings);
  ASSERT_EQ(ack.actions.size(), 1u);
  EXPECT_FALSE(ack.actions[0].alert_id);
  EXPECT_EQ(ack.actions[0].incident_id, "Q1");
}

TEST(RoutedPlan, TheCreateOfAnAlertBornInPagerDutyIsAnEchoThatLinksThePair) {
  const auto settings = priority_settings();
  Event create = opsgenie_event(EventKind::kAlertCreated, "P2", "payments");
  create.alias = "pd-Q1";
  Action made;  // what the proxy recorded before creating the alert
  made.kind = ActionKind::kCreateAlert;
  made.alias = "pd-Q1";
  ASSERT_EQ(sync::echo_of(made, made.alias), sync::echo_of(create));
  const auto echo = sync::plan(create, std::nullopt, /*echo_recorded=*/true, settings);
  EXPECT_EQ(echo.outcome, sync::Outcome::kEcho);
  EXPECT_TRUE(echo.actions.empty());
  ASSERT_TRUE(echo.new_link);
  EXPECT_EQ(echo.new_link->alert_id, "a1");
  EXPECT_EQ(echo.new_link->incident_id, "Q1");
  EXPECT_TRUE(echo.new_link->born_in_pagerduty);
  // An alert someone else made with such an alias (no echo recorded) pages like any other.
  EXPECT_EQ(sync::plan(create, std::nullopt, false, settings).outcome, sync::Outcome::kMirrored);
}

TEST(RoutedPlan, EveryActionOfAPairBornInPagerDutyQueuesUnderItsIncident) {
  const auto settings = priority_settings();
  const Link born{"a1", "Q1", "k1", std::nullopt, true};
  for (const auto& e : {opsgenie_event(EventKind::kAlertAcknowledged, {}, {}),
                        opsgenie_event(EventKind::kAlertNoteAdded, {}, {}),
                        pagerduty_event(EventKind::kIncidentUnacknowledged, "PBORN01", {}),
                        pagerduty_event(EventKind::kIncidentPriorityUpdated, "PBORN01", "SEV-1")}) {
    Event event = e;
    if (event.kind == EventKind::kAlertNoteAdded) event.note = "n";
    const auto p = sync::plan(event, born, false, settings);
    ASSERT_FALSE(p.actions.empty()) << to_string(event.kind);
    for (const auto& a : p.actions) {
      EXPECT_FALSE(a.alert_id) << to_string(a.kind)
                               << ": the same queue as the actions planned before the link";
      EXPECT_EQ(a.incident_id, "Q1") << to_string(a.kind);
    }
  }
  EXPECT_EQ(sync::plan(pagerduty_event(EventKind::kIncidentPriorityUpdated, "PBORN01", "SEV-1"), born, false,
                       settings)
                .actions[0]
                .priority,
            "P1")
      << "the from_pagerduty rule's map names the priority";
}

TEST(RoutedPlan, ATriggeredIncidentTheProxyMadeCompletesItsPairNotAnAlert) {
  const auto settings = priority_settings();
  const Link pending{"a1", std::nullopt, "a1", "events"};  // an Events API trigger: id not known yet
  const auto p =
      sync::plan(pagerduty_event(EventKind::kIncidentTriggered, "PBORN01", {}), pending, false, settings);
  EXPECT_EQ(p.outcome, sync::Outcome::kAlreadyLinked);
  EXPECT_TRUE(p.actions.empty());
  ASSERT_TRUE(p.new_link);
  EXPECT_EQ(p.new_link->incident_id, "Q1");
}

TEST(PriorityEchoes, APriorityChangeAndItsWebhookMakeTheSameEcho) {
  Action to_alert;
  to_alert.kind = ActionKind::kSetAlertPriority;
  to_alert.priority = "P2";
  EXPECT_EQ(sync::echo_of(to_alert, "a1"),
            sync::echo_of(opsgenie_event(EventKind::kAlertPriorityUpdated, "P2", {})));
  EXPECT_NE(sync::echo_of(to_alert, "a1"),
            sync::echo_of(opsgenie_event(EventKind::kAlertPriorityUpdated, "P3", {})));
  Action to_incident;
  to_incident.kind = ActionKind::kSetIncidentPriority;
  to_incident.priority = "SEV-1";
  EXPECT_EQ(sync::echo_of(to_incident, "Q1"),
            sync::echo_of(pagerduty_event(EventKind::kIncidentPriorityUpdated, {}, "SEV-1")));
  to_incident.priority.clear();
  EXPECT_FALSE(sync::echo_of(to_incident, "Q1")) << "an urgency change alone is never reported back";
}

TEST(PriorityWebhooks, OpsgeniesUnconfirmedActionNameIsReadIgnoringCaseAndPunctuation) {
  for (const char* action : {"UpdatePriority", "update-priority", "Update Priority", "UPDATE_PRIORITY"}) {
    const auto v = webhook::parse_opsgenie(std::string(R"({"action":")") + action +
                                               R"(","alert":{"alertId":"a1","priority":"P1","updatedAt":5}})",
                                           std::nullopt);
    ASSERT_TRUE(std::holds_alternative<webhook::Store>(v)) << action;
    const Event& e = std::get<webhook::Store>(v).event;
    EXPECT_EQ(e.kind, EventKind::kAlertPriorityUpdated) << action;
    EXPECT_EQ(e.priority, "P1") << action;
    EXPECT_EQ(e.route, "default") << action;
  }
  const auto other =
      webhook::parse_opsgenie(R"({"action":"UpdatePriorityLater","alert":{"alertId":"a1"}})", std::nullopt);
  EXPECT_EQ(std::get<webhook::Store>(other).event.kind, EventKind::kOther);
}

TEST(PriorityWebhooks, PagerDutysPriorityServiceAndUrgencyAreRead) {
  const auto v =
      webhook::parse_pagerduty(testing::read_fixture("pagerduty/zulip/priority_updated_v3.json"), "");
  ASSERT_TRUE(std::holds_alternative<webhook::Store>(v));
  const Event& e = std::get<webhook::Store>(v).event;
  EXPECT_EQ(e.kind, EventKind::kIncidentPriorityUpdated);
  EXPECT_EQ(e.priority, "P2");
  EXPECT_EQ(e.service_id, "PLVTM9H");
  EXPECT_EQ(e.urgency, "high");
  EXPECT_EQ(e.url, "https://harsh0303.pagerduty.com/incidents/Q3B15VLMF3ASBD");
  const auto t =
      webhook::parse_pagerduty(testing::read_fixture("pagerduty/aldaviva/incident_triggered.json"), "");
  const Event& triggered = std::get<webhook::Store>(t).event;
  EXPECT_EQ(triggered.priority, std::nullopt) << "priority: null";
  EXPECT_EQ(triggered.urgency, "low");
  EXPECT_EQ(triggered.service_id, "PNE3JZM");
}

}  // namespace
}  // namespace ogpd
