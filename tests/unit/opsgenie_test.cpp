#include "webhook/opsgenie.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "support/fixtures.h"

namespace ogpd::webhook {
namespace {

using ogpd::testing::read_fixture;

struct Expected {
  std::string file;
  EventKind kind;
  std::string type;
  std::string alert_id;
  std::optional<std::string> actor;
  std::optional<std::string> note;
  std::optional<std::string> priority;
  std::optional<std::string> updated_at;
};

const std::vector<Expected>& real_payloads() {
  static const std::vector<Expected> kTable{
      {"bender_2017_addnote.json", EventKind::kAlertNoteAdded, "AddNote",
       "ce07a005-dcfd-4aaf-bfff-2b9ca00cdfd5", "nvhien2703@outlook.com", "test something", "P2",
       "1507352982389000159"},
      {"bender_2017_create_intpriority.json", EventKind::kAlertCreated, "Create",
       "68cbcf70-3d39-4b99-9b79-0eb1e85a205c", "Zabbix", std::nullopt, "P4", "1507738044302000106"},
      {"bender_2017_customaction_AddToJIRA.json", EventKind::kOther, "AddToJIRA",
       "ce07a005-dcfd-4aaf-bfff-2b9ca00cdfd5", "nvhien2703@outlook.com", std::nullopt, "P2",
       "1506933926998113946"},
      {"port_docs_create_example.json", EventKind::kAlertCreated, "Create",
       "052652ac-5d1c-464a-812a-7dd18bbfba8c", "username", std::nullopt, "P1", "1686916266116"},
      {"relay_create_P3_responders.json", EventKind::kAlertCreated, "Create",
       "7ec331d7-f5f3-4f78-a49c-2ad886df69fe-1593475564295", "kenaz@puppet.com", std::nullopt, "P3",
       "1593475564636000000"},
      {"transposit_create_site24x7_details.json", EventKind::kAlertCreated, "Create",
       "6552a02b-ff34-4e65-a1cc-83eb3fccdcef-1625246953480", "Site24x7", std::nullopt, "P3",
       "1625246954020000000"},
      {"zulip_acknowledge.json", EventKind::kAlertAcknowledged, "Acknowledge",
       "052652ac-5d1c-464a-812a-7dd18bbfba8c", "fili@ifountain.com", std::nullopt, std::nullopt,
       "1420452224764002246"},
      {"zulip_addnote.json", EventKind::kAlertNoteAdded, "AddNote", "052652ac-5d1c-464a-812a-7dd18bbfba8c",
       "fili@ifountain.com", "note to test alert", std::nullopt, "1420452275002000962"},
      {"zulip_addrecipient.json", EventKind::kOther, "AddRecipient", "052652ac-5d1c-464a-812a-7dd18bbfba8c",
       "fili@ifountain.com", std::nullopt, std::nullopt, "1420452274617001925"},
      {"zulip_addtags.json", EventKind::kOther, "AddTags", "052652ac-5d1c-464a-812a-7dd18bbfba8c",
       "fili@ifountain.com", std::nullopt, std::nullopt, "1420452275002000962"},
      {"zulip_addteam.json", EventKind::kOther, "AddTeam", "052652ac-5d1c-464a-812a-7dd18bbfba8c",
       "fili@ifountain.com", std::nullopt, std::nullopt, "1420452256147001924"},
      {"zulip_assignownership.json", EventKind::kOther, "AssignOwnership",
       "052652ac-5d1c-464a-812a-7dd18bbfba8c", "fili@ifountain.com", std::nullopt, std::nullopt,
       "1420452374669001603"},
      {"zulip_close.json", EventKind::kAlertClosed, "Close", "052652ac-5d1c-464a-812a-7dd18bbfba8c",
       "fili@ifountain.com", std::nullopt, std::nullopt, "1420452374669001603"},
      {"zulip_create.json", EventKind::kAlertCreated, "Create", "ec03dad6-62c8-4c94-b38b-d88f398e900f",
       "test@example.com", std::nullopt, "P3", "1502709956288000110"},
      {"zulip_customaction.json", EventKind::kOther, "TestAction", "052652ac-5d1c-464a-812a-7dd18bbfba8c",
       "fili@ifountain.com", std::nullopt, std::nullopt, "1420452275002000962"},
      {"zulip_delete.json", EventKind::kOther, "Delete", "052652ac-5d1c-464a-812a-7dd18bbfba8c",
       "fili@ifountain.com", std::nullopt, std::nullopt, "1420452374669001603"},
      {"zulip_escalate.json", EventKind::kOther, "Escalate", "7ba97e3a-d328-4b5e-8f9a-39e945a3869a",
       std::nullopt, std::nullopt, std::nullopt, std::nullopt},
      {"zulip_removetags.json", EventKind::kOther, "RemoveTags", "052652ac-5d1c-464a-812a-7dd18bbfba8c",
       "fili@ifountain.com", std::nullopt, std::nullopt, "1420452275002000962"},
      {"zulip_takeownership.json", EventKind::kOther, "TakeOwnership", "8a745a79-3ed3-4044-8427-98e067c0623c",
       "test@test.com", std::nullopt, std::nullopt, "1470383477928000335"},
      {"zulip_unacknowledge.json", EventKind::kAlertUnacknowledged, "UnAcknowledge",
       "052652ac-5d1c-464a-812a-7dd18bbfba8c", "fili@ifountain.com", std::nullopt, std::nullopt,
       "1420452224764002246"},
  };
  return kTable;
}

Event parse_ok(const std::string& body, const std::optional<std::string>& integration = std::nullopt) {
  auto verdict = parse_opsgenie(body, integration);
  const auto* store = std::get_if<Store>(&verdict);
  if (store == nullptr) {
    ADD_FAILURE() << "not stored: " << body;
    return {};
  }
  return store->event;
}

TEST(OpsgenieWebhook, EveryRealPayloadBecomesItsEvent) {
  for (const auto& want : real_payloads()) {
    SCOPED_TRACE(want.file);
    const Event e = parse_ok(read_fixture("opsgenie/" + want.file));
    EXPECT_EQ(e.source, Source::kOpsgenie);
    EXPECT_EQ(e.kind, want.kind);
    EXPECT_EQ(e.type, want.type);
    EXPECT_EQ(e.alert_id, want.alert_id);
    EXPECT_EQ(e.actor_name, want.actor);
    EXPECT_EQ(e.note, want.note);
    EXPECT_EQ(e.priority, want.priority);
    EXPECT_EQ(e.occurred_at, want.updated_at);
    if (want.updated_at) {
      EXPECT_EQ(e.dedupe_key, "og:" + want.alert_id + ":" + want.type + ":" + *want.updated_at);
    } else {
      EXPECT_EQ(e.dedupe_key.rfind("og:sha256:", 0), 0u) << e.dedupe_key;
    }
  }
}

TEST(OpsgenieWebhook, EveryFixtureFileIsInTheTable) {
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(ogpd::testing::fixture_path("opsgenie")))
    files += entry.path().extension() == ".json";
  EXPECT_EQ(files, real_payloads().size());
}

TEST(OpsgenieWebhook, CreateCarriesTitleDescriptionAndActorId) {
  const Event relay = parse_ok(read_fixture("opsgenie/relay_create_P3_responders.json"));
  EXPECT_EQ(relay.title, "asdf");
  EXPECT_EQ(relay.description, std::nullopt);  // sent as "": nothing to carry over
  EXPECT_EQ(relay.actor_id, "e760568d-4e19-413e-9ff9-2661f416edbb");
  const Event site24x7 = parse_ok(read_fixture("opsgenie/transposit_create_site24x7_details.json"));
  ASSERT_TRUE(site24x7.description.has_value());
  EXPECT_EQ(site24x7.description->rfind("Incident Reason : Health Percentage", 0), 0u)
      << *site24x7.description;
}

TEST(OpsgenieWebhook, NineteenDigitUpdatedAtKeepsEveryDigit) {
  const Event e = parse_ok(
      R"({"action":"Close","alert":{"alertId":"a1","updatedAt":9007199254740993123},"integrationId":"x"})");
  EXPECT_EQ(e.occurred_at, "9007199254740993123");
}

// The earlier proxy's README examples, verbatim.
TEST(OpsgenieWebhook, EarlierProxyExamplesAreAccepted) {
  const std::string id = "ccb77fcc-3474-4ee3-8140-300926635ed1";
  const Event create = parse_ok(
      R"({"action":"Create","alert":{"alertId":"test-123","message":"Test alert"},"integrationId":"ccb77fcc-3474-4ee3-8140-300926635ed1"})",
      id);
  EXPECT_EQ(create.kind, EventKind::kAlertCreated);
  EXPECT_EQ(create.title, "Test alert");
  const Event note = parse_ok(
      R"({"action":"AddNote","alert":{"alertId":"test-123","username":"test-user"},"note":"This is a test note","integrationId":"ccb77fcc-3474-4ee3-8140-300926635ed1"})",
      id);
  EXPECT_EQ(note.kind, EventKind::kAlertNoteAdded);
  EXPECT_EQ(note.note, "This is a test note");
  EXPECT_EQ(note.actor_name, "test-user");
  const Event ack = parse_ok(
      R"({"action":"Acknowledge","alert":{"alertId":"test-123","username":"test-user"},"integrationId":"ccb77fcc-3474-4ee3-8140-300926635ed1"})",
      id);
  EXPECT_EQ(ack.kind, EventKind::kAlertAcknowledged);
  const Event unack = parse_ok(
      R"({"action":"UnAcknowledge","alert":{"alertId":"test-123","username":"test-user"},"integrationId":"ccb77fcc-3474-4ee3-8140-300926635ed1"})",
      id);
  EXPECT_EQ(unack.kind, EventKind::kAlertUnacknowledged);
  EXPECT_NE(ack.dedupe_key, unack.dedupe_key);
}

TEST(OpsgenieWebhook, AlertNoteWinsOverTopLevelNote) {
  const Event e = parse_ok(R"({"action":"AddNote","alert":{"alertId":"a","note":"inner"},"note":"outer"})");
  EXPECT_EQ(e.note, "inner");
}

TEST(OpsgenieWebhook, PriorityForms) {
  const auto p = [](std::string_view json) {
    const auto v = boost::json::parse(json);
    return normalise_priority(&v);
  };
  EXPECT_EQ(p("\"P1\""), "P1");
  EXPECT_EQ(p("\"p5\""), "P5");
  EXPECT_EQ(p("\"3\""), "P3");
  EXPECT_EQ(p("2"), "P2");
  EXPECT_EQ(p("0"), std::nullopt);
  EXPECT_EQ(p("6"), std::nullopt);
  EXPECT_EQ(p("\"P10\""), std::nullopt);
  EXPECT_EQ(p("\"high\""), std::nullopt);
  EXPECT_EQ(p("3.0"), std::nullopt);
  EXPECT_EQ(p("null"), std::nullopt);
  EXPECT_EQ(normalise_priority(nullptr), std::nullopt);
}

TEST(OpsgenieWebhook, OtherIntegrationsAreIgnoredWithAReason) {
  const std::string body = read_fixture("opsgenie/zulip_create.json");
  const auto verdict = parse_opsgenie(body, std::string("ccb77fcc-3474-4ee3-8140-300926635ed1"));
  ASSERT_TRUE(std::holds_alternative<Ignore>(verdict));
  EXPECT_NE(std::get<Ignore>(verdict).reason.find("daca46c6"), std::string::npos);
  // ... even when the rest of the body would be malformed: it is not ours to judge.
  EXPECT_TRUE(
      std::holds_alternative<Ignore>(parse_opsgenie(R"({"integrationId":"other"})", std::string("mine"))));
  EXPECT_TRUE(std::holds_alternative<Ignore>(parse_opsgenie(R"({"action":"Create"})", std::string("mine"))));
}

TEST(OpsgenieWebhook, TheConfiguredIntegrationIsAccepted) {
  const std::string body = read_fixture("opsgenie/zulip_create.json");
  EXPECT_TRUE(std::holds_alternative<Store>(
      parse_opsgenie(body, std::string("daca46c6-e26b-4dda-8f8a-21f6db7eeaef"))));
}

TEST(OpsgenieWebhook, MalformedBodiesAreRejectedNamingWhatIsWrong) {
  struct Case {
    std::string body;
    std::string error;
  };
  const std::vector<Case> cases{
      {"", "body is not valid JSON"},
      {"{", "body is not valid JSON"},
      {"not json", "body is not valid JSON"},
      {"[1,2]", "body is not a JSON object"},
      {"\"Create\"", "body is not a JSON object"},
      {R"({"alert":{"alertId":"a"}})", "missing field: action"},
      {R"({"action":"","alert":{"alertId":"a"}})", "missing field: action"},
      {R"({"action":"Create"})", "missing field: alert"},
      {R"({"action":"Create","alert":"a"})", "missing field: alert"},
      {R"({"action":"Create","alert":{}})", "missing field: alert.alertId"},
      {R"({"action":"Create","alert":{"alertId":""}})", "missing field: alert.alertId"},
      {R"({"action":"Create","alert":{"alertId":null}})", "missing field: alert.alertId"},
      {R"({"action":"Create","alert":{"message":"x"},"integrationId":"mine"})",
       "missing field: alert.alertId"},
  };
  for (const auto& c : cases) {
    const auto verdict = parse_opsgenie(
        c.body, c.body.find("mine") != std::string::npos ? std::optional<std::string>("mine") : std::nullopt);
    ASSERT_TRUE(std::holds_alternative<Reject>(verdict)) << c.body;
    EXPECT_EQ(std::get<Reject>(verdict).status, 400) << c.body;
    EXPECT_EQ(std::get<Reject>(verdict).error.rfind(c.error, 0), 0u)
        << c.body << " -> " << std::get<Reject>(verdict).error;
  }
}

TEST(OpsgenieWebhook, WithoutUpdatedAtTheBodyIsTheIdentity) {
  const std::string a = R"({"action":"AddNote","alert":{"alertId":"a"},"note":"one"})";
  const std::string b = R"({"action":"AddNote","alert":{"alertId":"a"},"note":"two"})";
  EXPECT_EQ(parse_ok(a).dedupe_key, parse_ok(a).dedupe_key);
  EXPECT_NE(parse_ok(a).dedupe_key, parse_ok(b).dedupe_key);
}

TEST(OpsgenieWebhook, AColonInAnAlertIdCannotMakeTwoChangesShareADedupeKey) {
  // Joined plainly, both would be og:a:b:Close:1.
  const std::string a = R"({"action":"Close","alert":{"alertId":"a:b","updatedAt":"Close:1"}})";
  const std::string b = R"({"action":"Close","alert":{"alertId":"a","updatedAt":"b:Close:1"}})";
  EXPECT_NE(parse_ok(a).dedupe_key, parse_ok(b).dedupe_key);
  // Ids without ':' or '%' keep the key earlier versions stored, so redeliveries are still recognised.
  const std::string plain =
      R"({"action":"Close","alert":{"alertId":"x-1","updatedAt":"1700000000000000000"}})";
  EXPECT_EQ(parse_ok(plain).dedupe_key, "og:x-1:Close:1700000000000000000");
}

}  // namespace
}  // namespace ogpd::webhook
