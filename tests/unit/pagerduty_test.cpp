#include "webhook/pagerduty.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "support/fixtures.h"
#include "webhook/intake.h"
#include "webhook/opsgenie.h"

namespace ogpd::webhook {
namespace {

using ogpd::testing::read_fixture;
using std::nullopt;
using Opt = std::optional<std::string>;

struct Expected {
  std::string file;
  EventKind kind;
  std::string type;
  std::string event_id;
  Opt actor_id, actor_name, incident_id, incident_key, note;
};

const std::vector<Expected>& real_payloads() {
  static const std::vector<Expected> kTable{
      {"aldaviva/incident_acknowledged.json", EventKind::kIncidentAcknowledged, "incident.acknowledged",
       "01FKZSRAQJLP9S3OPM2VALGUPJ", "PVE0ZR9", "Ben", "Q2CKYRLH85UNN4", "dfead9d88e0649e8b7dee514b1875756",
       nullopt},
      {"aldaviva/incident_annotated.json", EventKind::kIncidentAnnotated, "incident.annotated",
       "01FKZSYEOK0YQYTT9OZQJDS1P4", "PVE0ZR9", "Ben", "Q2CKYRLH85UNN4", nullopt,
       "Resolution Note: I'm resolving it"},
      {"aldaviva/incident_resolved.json", EventKind::kIncidentResolved, "incident.resolved",
       "01FKZSYE5HCMM576S6JUVIGLQT", "PVE0ZR9", "Ben", "Q2CKYRLH85UNN4", "dfead9d88e0649e8b7dee514b1875756",
       nullopt},
      {"aldaviva/incident_triggered.json", EventKind::kIncidentTriggered, "incident.triggered",
       "01FKZSRAPTMF55RE69G8BQHGC6", "PVE0ZR9", "Ben", "Q2CKYRLH85UNN4", "dfead9d88e0649e8b7dee514b1875756",
       nullopt},
      {"aldaviva/ping_pagey.json", EventKind::kPing, "pagey.ping", "01FKZOXA868SHYEE4DVNWB5P9W", "PVE0ZR9",
       nullopt, nullopt, nullopt, nullopt},
      {"dt-demos/incident_annotated_test-lambda.json", EventKind::kIncidentAnnotated, "incident.annotated",
       "01D3NPB0KYNC9XDDNP47UN2NMC", "PBC5J6U", "rob jahn", "Q20WG3R393D6M9", nullopt, "test"},
      {"go-pagerduty/webhookv3_test_defaultBody_priority_updated.json", EventKind::kIncidentPriorityUpdated,
       "incident.priority_updated", "01BWDWL3NYY7LUFPZCC28QUCMK", "PLH1HKV", "Tenex Engineer", "PGR0VU2",
       nullopt, nullopt},
      {"pd-docs/event_incident_priority_updated.json", EventKind::kIncidentPriorityUpdated,
       "incident.priority_updated", "5ac64822-4adc-4fda-ade0-410becf0de4f", "PLH1HKV", "Tenex Engineer",
       "PGR0VU2", "d3640fbd41094207a1c11e58e46b1662", nullopt},
      {"pd-docs/event_service_updated.json", EventKind::kOther, "service.updated",
       "01BRB6ZP4M6T8ZG4X6BP63ZB9O", nullopt, nullopt, nullopt, nullopt, nullopt},
      {"zulip/acknowledged_v3.json", EventKind::kIncidentAcknowledged, "incident.acknowledged",
       "01BZYK8N47N5JG55J1EEEHPEJI", "PJ0LVEB", "PIG 208", "PQ1K5C8", nullopt, nullopt},
      {"zulip/annotated_v3.json", EventKind::kIncidentAnnotated, "incident.annotated",
       "01GI0KTE33V5QXBVIJDEVJFUNE", "PXRUEF2", "Harsh Santwani", "Q3B15VLMF3ASBD", nullopt,
       "Running KILL on long-running queries from the reporting-service."},
      {"zulip/conference_bridge_updated_v3.json", EventKind::kOther, "incident.conference_bridge.updated",
       "01GI0KX5GCRKLDQFLNMGZ30JV2", "PXRUEF2", "Harsh Santwani", "Q3B15VLMF3ASBD", nullopt, nullopt},
      {"zulip/delegated_v3.json", EventKind::kOther, "incident.delegated", "01GI0KCK1VJGU2A90B814E1RF0",
       "PXRUEF2", "Harsh Santwani", "Q3B15VLMF3ASBD", "d387d7bd2e0a4294a5307339dfe1669a", nullopt},
      {"zulip/escalate_v3.json", EventKind::kOther, "incident.escalated", "01GI0JWUU28G8XE5M6IIT4BZ39",
       "PXRUEF2", "Harsh Santwani", "Q3B15VLMF3ASBD", "d387d7bd2e0a4294a5307339dfe1669a", nullopt},
      {"zulip/priority_updated_v3.json", EventKind::kIncidentPriorityUpdated, "incident.priority_updated",
       "01GI0KJAEAC3CFEOFSC8BIJF3O", "PXRUEF2", "Harsh Santwani", "Q3B15VLMF3ASBD",
       "d387d7bd2e0a4294a5307339dfe1669a", nullopt},
      {"zulip/reassigned_v3.json", EventKind::kOther, "incident.reassigned", "01BZY282OVDQMFPDC3VB98DR1L",
       "PJ0LVEB", "PIG 208", "PIQUG8X", nullopt, nullopt},
      {"zulip/reopened_v3.json", EventKind::kOther, "incident.reopened", "01GI0KHLHVH4YZ44BJY1VLT6F2",
       "PXRUEF2", "Harsh Santwani", "Q05XJA8GDXGOB3", "07261e18031d41268a16c774c1892cae", nullopt},
      {"zulip/resolved_v3.json", EventKind::kIncidentResolved, "incident.resolved",
       "01BZYH1JJY09P9LEIST8HG2PMN", "PJ0LVEB", "PIG 208", "PCPZE64", nullopt, nullopt},
      {"zulip/responder_added.json", EventKind::kOther, "incident.responder.added",
       "01GI0KX4BFZXPEDNCS4USCAH22", "PXRUEF2", "Harsh Santwani", "Q3B15VLMF3ASBD", nullopt, nullopt},
      {"zulip/responder_replied_v3.json", EventKind::kOther, "incident.responder.replied",
       "01GI0L22UIJYVH9Y2II3TNPVER", "PXRUEF2", "Harsh Santwani", "Q3B15VLMF3ASBD", nullopt, nullopt},
      {"zulip/status_updated_v3.json", EventKind::kOther, "incident.status_update_published",
       "01GI0KPHX6I892N2PFKDLH25XK", "PXRUEF2", "Harsh Santwani", "Q3B15VLMF3ASBD", nullopt, nullopt},
      {"zulip/triggered_v3.json", EventKind::kIncidentTriggered, "incident.triggered",
       "01BZYIL05THJDFF2Y08X9SVMTU", "PJ0LVEB", "PIG 208", "PFQZPSY", nullopt, nullopt},
      {"zulip/unacknowledged_v3.json", EventKind::kIncidentUnacknowledged, "incident.unacknowledged",
       "01BZYK5B3WC0QI62S87MJX7FCD", "PJ0LVEB", "PIG 208", "PQ1K5C8", nullopt, nullopt},
  };
  return kTable;
}

Event parse_ok(const std::string& body, std::string_view webhook_id = {}) {
  auto verdict = parse_pagerduty(body, webhook_id);
  if (auto* reject = std::get_if<Reject>(&verdict)) {
    ADD_FAILURE() << "rejected: " << reject->error;
    return {};
  }
  return std::get<Store>(verdict).event;
}

TEST(PagerDutyWebhook, EveryRealDeliveryBecomesItsEvent) {
  for (const auto& want : real_payloads()) {
    SCOPED_TRACE(want.file);
    const Event e = parse_ok(read_fixture("pagerduty/" + want.file));
    EXPECT_EQ(e.source, Source::kPagerDuty);
    EXPECT_EQ(e.kind, want.kind);
    EXPECT_EQ(e.type, want.type);
    EXPECT_EQ(e.dedupe_key, "pd:" + want.event_id);
    EXPECT_EQ(e.actor_id, want.actor_id);
    EXPECT_EQ(e.actor_name, want.actor_name);
    EXPECT_EQ(e.incident_id, want.incident_id);
    EXPECT_EQ(e.incident_key, want.incident_key);
    EXPECT_EQ(e.note, want.note);
    EXPECT_FALSE(e.delivery_id.has_value());
  }
}

TEST(PagerDutyWebhook, EveryWebhookFixtureIsInTheTable) {
  std::size_t deliveries = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(ogpd::testing::fixture_path("pagerduty"))) {
    if (entry.path().extension() != ".json") continue;
    const auto text = read_fixture(
        "pagerduty/" +
        std::filesystem::relative(entry.path(), ogpd::testing::fixture_path("pagerduty")).string());
    deliveries +=
        text.find("\"event_type\"") != std::string::npos && text.find("\"vectors\"") == std::string::npos;
  }
  EXPECT_EQ(deliveries, real_payloads().size());
}

TEST(PagerDutyWebhook, WebhookIdBecomesTheDeliveryId) {
  const Event e = parse_ok(read_fixture("pagerduty/aldaviva/incident_acknowledged.json"), "wh-77");
  EXPECT_EQ(e.delivery_id, "pd:wh-77");
}

TEST(PagerDutyWebhook, IncidentTitleIsKept) {
  EXPECT_EQ(parse_ok(read_fixture("pagerduty/aldaviva/incident_triggered.json")).title, "Test");
}

TEST(PagerDutyWebhook, NullAgentMeansNoActor) {
  const Event e = parse_ok(
      R"({"event":{"id":"E1","event_type":"incident.resolved","agent":null,"data":{"id":"Q1","type":"incident"}}})");
  EXPECT_EQ(e.kind, EventKind::kIncidentResolved);
  EXPECT_FALSE(e.actor_id.has_value());
  EXPECT_FALSE(e.actor_name.has_value());
}

// The earlier proxy's README examples (incident id PDI123, alert id in incident_key, note under event.note).
TEST(PagerDutyWebhook, EarlierProxyAnnotatedShapeReadsTheNoteFromEventNote) {
  const Event e = parse_ok(R"({"event":{"id":"01G3PQ97QLWWR8SGW2AT6K18HG","event_type":"incident.annotated",
    "resource_type":"incident","occurred_at":"2025-10-27T15:40:48.576Z",
    "agent":{"id":"PAGENT123","type":"user_reference","summary":"Test User"},"client":null,
    "data":{"id":"PDI123","type":"incident","status":"acknowledged","incident_key":"test-123","title":"Test incident",
      "service":{"id":"PSERVICE123","type":"service_reference","summary":"Test Service"}},
    "note":{"id":"NOTE123","content":"This is a test note from PagerDuty that should be synced to Opsgenie",
      "created_at":"2025-10-27T15:40:48.576Z","user":{"id":"PAGENT123","type":"user_reference","summary":"Test User"}}}})");
  EXPECT_EQ(e.kind, EventKind::kIncidentAnnotated);
  EXPECT_EQ(e.incident_id, "PDI123");
  EXPECT_EQ(e.incident_key, "test-123");
  EXPECT_EQ(e.note, "This is a test note from PagerDuty that should be synced to Opsgenie");
  EXPECT_EQ(e.actor_name, "Test User");
}

// DESIGN §2.3: a note the webhook carries shortened ("trimmed": true) is fetched in full by its id later.
TEST(PagerDutyWebhook, ATrimmedNoteKeepsItsIdSoTheFullTextCanBeFetched) {
  const auto annotated = [](const char* trimmed) {
    return std::string(
               R"({"event":{"id":"E1","event_type":"incident.annotated","data":{"incident":{"id":"PINC1",)"
               R"("type":"incident_reference"},"id":"PNOTE9","content":"the start of it","trimmed":)") +
           trimmed + R"(,"type":"incident_note"}}})";
  };
  const Event trimmed = parse_ok(annotated("true"));
  EXPECT_EQ(trimmed.note, "the start of it");
  EXPECT_EQ(trimmed.trimmed_note_id, "PNOTE9");
  EXPECT_EQ(parse_ok(annotated("false")).trimmed_note_id, std::nullopt);
  EXPECT_EQ(parse_ok(annotated("\"yes\"")).trimmed_note_id, std::nullopt) << "only a JSON true counts";
}

TEST(PagerDutyWebhook, MalformedDeliveriesAreRejectedNamingWhatIsWrong) {
  struct Case {
    std::string body, error;
  };
  const std::vector<Case> cases{
      {"", "body is not valid JSON"},
      {"{\"event\":", "body is not valid JSON"},
      {"[]", "body is not a JSON object"},
      {"{}", "missing field: event"},
      {R"({"event":"x"})", "missing field: event"},
      {R"({"event":{"id":"E"}})", "missing field: event.event_type"},
      {R"({"event":{"event_type":""}})", "missing field: event.event_type"},
      {R"({"event":{"event_type":"incident.acknowledged","data":{"type":"incident"}}})",
       "missing field: event.data.id"},
      {R"({"event":{"event_type":"incident.resolved"}})", "missing field: event.data.id"},
      {R"({"event":{"event_type":"incident.annotated","data":{"type":"incident_note","content":"x"}}})",
       "missing field: event.data.incident.id"},
      {R"({"event":{"event_type":"incident.annotated","data":{"type":"incident_note","incident":{"id":"Q"}}}})",
       "missing field: event.data.content"},
  };
  for (const auto& c : cases) {
    const auto verdict = parse_pagerduty(c.body, "");
    ASSERT_TRUE(std::holds_alternative<Reject>(verdict)) << c.body;
    EXPECT_EQ(std::get<Reject>(verdict).status, 400);
    EXPECT_EQ(std::get<Reject>(verdict).error.rfind(c.error, 0), 0u) << std::get<Reject>(verdict).error;
  }
}

TEST(PagerDutyWebhook, UnknownTypesWithoutIncidentAreStoredNotRejected) {
  const Event e = parse_ok(R"({"event":{"id":"E9","event_type":"incident.workflow.started","data":{}}})");
  EXPECT_EQ(e.kind, EventKind::kOther);
}

TEST(PagerDutyWebhook, WithoutEventIdTheBodyIsTheIdentity) {
  const Event e = parse_ok(R"({"event":{"event_type":"pagey.ping"}})");
  EXPECT_EQ(e.dedupe_key.rfind("pd:sha256:", 0), 0u);
}

TEST(PagerDutyIntake, SignatureIsRequiredOnlyWhenASecretIsConfigured) {
  const std::string body = read_fixture("pagerduty/aldaviva/incident_acknowledged.json");
  const std::string good = "v1=91f533c0411d09f3e68622e2b57fdb561e7113ce7635318a2bbf5cde45d3d876";
  IntakeSettings open;
  EXPECT_TRUE(std::holds_alternative<Store>(receive_pagerduty(open, {.body = body})));

  IntakeSettings secured;
  secured.pagerduty_secrets = {"HvPtlQNKMPpHSSqJpCdndXfo7HnGXa1pnH6w5axpxLFn9aRBNBGh4e8/HlonK5mz"};
  EXPECT_TRUE(
      std::holds_alternative<Store>(receive_pagerduty(secured, {.body = body, .pagerduty_signature = good})));
  const auto missing = receive_pagerduty(secured, {.body = body});
  ASSERT_TRUE(std::holds_alternative<Reject>(missing));
  EXPECT_EQ(std::get<Reject>(missing).status, 401);
  const auto bad = receive_pagerduty(secured, {.body = body, .pagerduty_signature = "v1=00"});
  ASSERT_TRUE(std::holds_alternative<Reject>(bad));
  EXPECT_EQ(std::get<Reject>(bad).status, 401);
  // Authentication comes before parsing: an unsigned malformed body is a 401, not a 400.
  const auto garbage = receive_pagerduty(secured, {.body = "nope"});
  EXPECT_EQ(std::get<Reject>(garbage).status, 401);
}

TEST(OpsgenieIntake, TokenIsRequiredOnlyWhenConfigured) {
  const std::string body = read_fixture("opsgenie/zulip_create.json");
  IntakeSettings open;
  EXPECT_TRUE(std::holds_alternative<Store>(receive_opsgenie(open, {.body = body})));
  IntakeSettings secured;
  secured.opsgenie_webhook_token = "tok";
  EXPECT_TRUE(std::holds_alternative<Store>(
      receive_opsgenie(secured, {.body = body, .authorization = "Bearer tok"})));
  EXPECT_TRUE(
      std::holds_alternative<Store>(receive_opsgenie(secured, {.body = body, .webhook_token = "tok"})));
  for (const WebhookRequest& r :
       {WebhookRequest{.body = body}, WebhookRequest{.body = body, .authorization = "Bearer x"},
        WebhookRequest{.body = "nope", .webhook_token = "bad"}}) {
    const auto v = receive_opsgenie(secured, r);
    ASSERT_TRUE(std::holds_alternative<Reject>(v));
    EXPECT_EQ(std::get<Reject>(v).status, 401);
  }
}

}  // namespace
}  // namespace ogpd::webhook

namespace ogpd::webhook {
namespace {

// Every prefix of every captured payload, and every single-byte corruption of one: the parsers answer with a
// verdict (stored, ignored or rejected) and never crash or throw.
TEST(ParserRobustness, TruncatedAndCorruptedPayloadsGetAVerdict) {
  std::size_t verdicts = 0, malformed_verdicts = 0;
  // A verdict is well-formed when a rejection is a 400 saying why, and a stored event has its identity.
  const auto check = [&](const Verdict& v) {
    ++verdicts;
    if (const auto* r = std::get_if<Reject>(&v)) malformed_verdicts += r->status != 400 || r->error.empty();
    if (const auto* s = std::get_if<Store>(&v))
      malformed_verdicts += s->event.dedupe_key.empty() || s->event.type.empty();
    if (const auto* i = std::get_if<Ignore>(&v)) malformed_verdicts += i->reason.empty();
  };
  for (const auto& entry : std::filesystem::recursive_directory_iterator(ogpd::testing::fixture_path(""))) {
    if (entry.path().extension() != ".json" || entry.file_size() > 20000) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (std::size_t n = 0; n <= body.size(); n += 7) {
      const std::string prefix = body.substr(0, n);
      check(parse_pagerduty(prefix, ""));
      check(parse_opsgenie(prefix, std::string("x")));
    }
    std::string corrupted = body;
    for (std::size_t i = 0; i < corrupted.size(); i += 13) {
      const char saved = corrupted[i];
      corrupted[i] = static_cast<char>(saved ^ 0x5a);
      check(parse_pagerduty(corrupted, ""));
      check(parse_opsgenie(corrupted, std::nullopt));
      corrupted[i] = saved;
    }
  }
  EXPECT_GT(verdicts, 10000u);
  EXPECT_EQ(malformed_verdicts, 0u);
}

}  // namespace
}  // namespace ogpd::webhook
