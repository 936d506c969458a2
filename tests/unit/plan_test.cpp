#include "sync/plan.h"

#include <gtest/gtest.h>

#include "core/text.h"
#include "sync/echo.h"
#include "sync/limits.h"

namespace ogpd::sync {
namespace {

Event opsgenie(EventKind kind, std::optional<std::string> note = std::nullopt) {
  Event e;
  e.source = Source::kOpsgenie;
  e.kind = kind;
  e.alert_id = "A1";
  e.actor_name = "alice@example.com";
  e.note = std::move(note);
  e.title = "Disk full";
  e.description = "on db1";
  e.priority = "P2";
  return e;
}

Event pagerduty(EventKind kind, std::optional<std::string> note = std::nullopt) {
  Event e;
  e.source = Source::kPagerDuty;
  e.kind = kind;
  e.incident_id = "Q1";
  e.incident_key = "A1";
  e.actor_id = "PBOB";
  e.actor_name = "Bob";
  e.note = std::move(note);
  return e;
}

const Link kLinked{"A1", "Q1", "A1"};

struct Row {
  std::string name;
  Event event;
  std::optional<Link> link;
  Outcome outcome;
  std::vector<ActionKind> kinds;
  std::vector<std::string> notes;  // expected note text per action ("" where none)
};

TEST(Plan, EveryRowOfTheDesignMirrorsAsSpecified) {
  const std::vector<Row> rows{
      {"Create unlinked -> create incident",
       opsgenie(EventKind::kAlertCreated),
       std::nullopt,
       Outcome::kMirrored,
       {ActionKind::kCreateIncident},
       {""}},
      {"Create linked -> nothing",
       opsgenie(EventKind::kAlertCreated),
       kLinked,
       Outcome::kAlreadyLinked,
       {},
       {}},
      {"AddNote -> note",
       opsgenie(EventKind::kAlertNoteAdded, "db restarted"),
       kLinked,
       Outcome::kMirrored,
       {ActionKind::kAddIncidentNote},
       {"[from Opsgenie] alice@example.com: db restarted"}},
      {"Acknowledge -> acknowledge + note",
       opsgenie(EventKind::kAlertAcknowledged),
       kLinked,
       Outcome::kMirrored,
       {ActionKind::kAcknowledgeIncident, ActionKind::kAddIncidentNote},
       {"", "[from Opsgenie] Acknowledged in Opsgenie by alice@example.com"}},
      {"UnAcknowledge -> note",
       opsgenie(EventKind::kAlertUnacknowledged),
       kLinked,
       Outcome::kMirrored,
       {ActionKind::kAddIncidentNote},
       {"[from Opsgenie] Unacknowledged in Opsgenie by alice@example.com"}},
      {"Close -> resolve + note",
       opsgenie(EventKind::kAlertClosed),
       kLinked,
       Outcome::kMirrored,
       {ActionKind::kResolveIncident, ActionKind::kAddIncidentNote},
       {"", "[from Opsgenie] Closed in Opsgenie by alice@example.com"}},
      {"Opsgenie other -> nothing", opsgenie(EventKind::kOther), kLinked, Outcome::kNoAction, {}, {}},
      {"acknowledged -> acknowledge alert",
       pagerduty(EventKind::kIncidentAcknowledged),
       kLinked,
       Outcome::kMirrored,
       {ActionKind::kAcknowledgeAlert},
       {""}},
      {"unacknowledged -> unacknowledge alert",
       pagerduty(EventKind::kIncidentUnacknowledged),
       kLinked,
       Outcome::kMirrored,
       {ActionKind::kUnacknowledgeAlert},
       {""}},
      {"annotated -> note",
       pagerduty(EventKind::kIncidentAnnotated, "rolled back"),
       kLinked,
       Outcome::kMirrored,
       {ActionKind::kAddAlertNote},
       {"[from PagerDuty] Bob: rolled back"}},
      {"resolved -> close alert",
       pagerduty(EventKind::kIncidentResolved),
       kLinked,
       Outcome::kMirrored,
       {ActionKind::kCloseAlert},
       {""}},
      {"triggered, linked (the proxy made it) -> nothing",
       pagerduty(EventKind::kIncidentTriggered),
       kLinked,
       Outcome::kAlreadyLinked,
       {},
       {}},
      {"triggered, not born-in-PagerDuty service -> nothing",
       pagerduty(EventKind::kIncidentTriggered),
       std::nullopt,
       Outcome::kNoAction,
       {},
       {}},
      {"ping -> nothing", pagerduty(EventKind::kPing), std::nullopt, Outcome::kNoAction, {}, {}},
      {"Opsgenie note with marker -> nothing",
       opsgenie(EventKind::kAlertNoteAdded, "[from PagerDuty] Bob: hi"),
       kLinked,
       Outcome::kMarker,
       {},
       {}},
      {"PagerDuty note with marker -> nothing",
       pagerduty(EventKind::kIncidentAnnotated, "[from Opsgenie] x: hi"),
       kLinked,
       Outcome::kMarker,
       {},
       {}},
      {"AddNote without text -> nothing",
       opsgenie(EventKind::kAlertNoteAdded),
       kLinked,
       Outcome::kNoAction,
       {},
       {}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    const Plan p = plan(row.event, row.link, false, SyncSettings{});
    EXPECT_EQ(p.outcome, row.outcome);
    ASSERT_EQ(p.actions.size(), row.kinds.size());
    for (std::size_t i = 0; i < p.actions.size(); ++i) {
      EXPECT_EQ(p.actions[i].kind, row.kinds[i]);
      EXPECT_EQ(p.actions[i].note, row.notes[i]);
    }
    EXPECT_FALSE(p.consume_echo);
  }
}

TEST(Plan, CreateCarriesTitleDetailsUrgencyAndTheAlertIdAsKey) {
  const Plan p = plan(opsgenie(EventKind::kAlertCreated), std::nullopt, false, SyncSettings{});
  ASSERT_EQ(p.actions.size(), 1u);
  const Action& a = p.actions[0];
  EXPECT_EQ(a.title, "Disk full");
  EXPECT_EQ(a.details, "on db1");
  EXPECT_EQ(a.urgency, "high");
  EXPECT_EQ(a.incident_key, "A1");
  EXPECT_EQ(a.alert_id, "A1");
  ASSERT_TRUE(p.new_link.has_value());
  EXPECT_EQ(*p.new_link, (Link{"A1", std::nullopt, "A1"}));
}

// DESIGN §2.3: what the sync rules send fits the vendors' limits, counted in characters, with the marker
// kept first (loop guard 3 needs it) and the cut visible at the end.
TEST(Plan, LongTextIsCutToTheVendorsLimitsInCharacters) {
  std::string long_note;
  for (int i = 0; i < 30000; ++i) long_note += "\xc3\xa9";  // é: 30,000 characters, 60,000 bytes
  const Plan to_pd = plan(opsgenie(EventKind::kAlertNoteAdded, long_note), kLinked, false, SyncSettings{});
  ASSERT_EQ(to_pd.actions.size(), 1u);
  EXPECT_EQ(utf8_length(to_pd.actions[0].note), kPagerDutyNoteChars);
  EXPECT_EQ(to_pd.actions[0].note.rfind(kFromOpsgenie, 0), 0u);
  EXPECT_EQ(to_pd.actions[0].note.substr(to_pd.actions[0].note.size() - kTruncatedMarker.size()),
            kTruncatedMarker);

  Event annotated = pagerduty(EventKind::kIncidentAnnotated, long_note);
  annotated.actor_name = std::string(300, 'n');
  const Plan to_og = plan(annotated, kLinked, false, SyncSettings{});
  ASSERT_EQ(to_og.actions.size(), 1u);
  EXPECT_EQ(utf8_length(to_og.actions[0].note), kOpsgenieNoteChars);
  EXPECT_EQ(to_og.actions[0].note.rfind(kFromPagerDuty, 0), 0u);
  EXPECT_EQ(utf8_length(to_og.actions[0].user), kOpsgenieUserChars);

  Event created = opsgenie(EventKind::kAlertCreated);
  created.title = std::string(2000, 't');
  EXPECT_EQ(utf8_length(plan(created, std::nullopt, false, SyncSettings{}).actions.at(0).title),
            kPagerDutyTitleChars);
  // Short text is sent as it is.
  EXPECT_EQ(plan(opsgenie(EventKind::kAlertCreated), std::nullopt, false, SyncSettings{}).actions.at(0).title,
            "Disk full");
}

TEST(Plan, UrgencyFollowsTheConfiguredMapAndDefaultsHigh) {
  SyncSettings settings;
  settings.urgency_by_priority["P2"] = "low";
  Event e = opsgenie(EventKind::kAlertCreated);
  EXPECT_EQ(plan(e, std::nullopt, false, settings).actions[0].urgency, "low");
  e.priority = "P4";
  EXPECT_EQ(plan(e, std::nullopt, false, SyncSettings{}).actions[0].urgency, "low");
  e.priority.reset();
  EXPECT_EQ(plan(e, std::nullopt, false, SyncSettings{}).actions[0].urgency, "high");
  e.title.reset();
  EXPECT_EQ(plan(e, std::nullopt, false, SyncSettings{}).actions[0].title, "Opsgenie alert A1");
}

TEST(Plan, UnlinkedEventsFallBackToTheIncidentKey) {
  // The earlier proxy's examples: incident PDI123 never issued by PagerDuty, alert id in incident_key.
  Event e = pagerduty(EventKind::kIncidentAcknowledged);
  e.incident_id = "PDI123";
  e.incident_key = "test-123";
  const Plan p = plan(e, std::nullopt, false, SyncSettings{});
  ASSERT_EQ(p.actions.size(), 1u);
  EXPECT_EQ(p.actions[0].alert_id, "test-123");
  EXPECT_EQ(p.actions[0].incident_id, "PDI123");
  EXPECT_EQ(p.actions[0].user, "Bob");
  // An annotated event has no key: the alert is found when the action runs.
  Event note = pagerduty(EventKind::kIncidentAnnotated, "x");
  note.incident_key.reset();
  const Plan q = plan(note, std::nullopt, false, SyncSettings{});
  ASSERT_EQ(q.actions.size(), 1u);
  EXPECT_FALSE(q.actions[0].alert_id.has_value());
  EXPECT_EQ(q.actions[0].incident_id, "Q1");
  // Opsgenie events for alerts created before the proxy: the incident key is the alert id.
  const Plan r = plan(opsgenie(EventKind::kAlertAcknowledged), std::nullopt, false, SyncSettings{});
  EXPECT_EQ(r.actions[0].incident_key, "A1");
  EXPECT_FALSE(r.actions[0].incident_id.has_value());
}

TEST(Plan, LinkedPagerDutyEventsUseTheLinkedAlert) {
  Event e = pagerduty(EventKind::kIncidentResolved);
  e.incident_key.reset();
  const Plan p = plan(e, Link{"ALERT-9", "Q1", "ALERT-9"}, false, SyncSettings{});
  EXPECT_EQ(p.actions[0].alert_id, "ALERT-9");
}

TEST(LoopGuards, EventsOfTheProxysOwnPagerDutyUserAreNotMirrored) {
  for (const auto& settings : {SyncSettings{.own_user = "PBOB"}, SyncSettings{.own_user = "Bob"},
                               SyncSettings{.own_user_id = "PBOB"}}) {
    const Plan p = plan(pagerduty(EventKind::kIncidentAcknowledged), kLinked, false, settings);
    EXPECT_EQ(p.outcome, Outcome::kOwnUser);
    EXPECT_TRUE(p.actions.empty());
  }
  // ...and its pending echo is used up with it.
  EXPECT_TRUE(
      plan(pagerduty(EventKind::kIncidentAcknowledged), kLinked, true, {.own_user = "PBOB"}).consume_echo);
  // A human's change on the same pair is still mirrored.
  EXPECT_EQ(
      plan(pagerduty(EventKind::kIncidentAcknowledged), kLinked, false, {.own_user = "PSOMEONE"}).outcome,
      Outcome::kMirrored);
}

// JSM credits the proxy's own writes to its service account (JSM_EMAIL): that account's events are never
// mirrored (ASCII case ignored, by name or id); a person's are, and their notes name JSM, not Opsgenie.
TEST(LoopGuards, EventsOfTheJsmServiceAccountAreNotMirrored) {
  SyncSettings jsm;
  jsm.own_alert_account = "ogpd-bot@example.com";
  jsm.alert_side = "JSM";
  Event own = opsgenie(EventKind::kAlertAcknowledged);
  own.actor_name = "OGPD-Bot@example.com";
  EXPECT_EQ(plan(own, kLinked, false, jsm).outcome, Outcome::kOwnUser);
  own.actor_name.reset();
  own.actor_id = "ogpd-bot@example.com";
  EXPECT_EQ(plan(own, kLinked, false, jsm).outcome, Outcome::kOwnUser);
  const Plan person = plan(opsgenie(EventKind::kAlertAcknowledged), kLinked, false, jsm);
  ASSERT_EQ(person.outcome, Outcome::kMirrored);
  ASSERT_EQ(person.actions.size(), 2u);
  EXPECT_EQ(person.actions[1].note, "[from Opsgenie] Acknowledged in JSM by alice@example.com");
  Event nobody = opsgenie(EventKind::kAlertClosed);
  nobody.actor_name.reset();
  EXPECT_EQ(plan(nobody, kLinked, false, jsm).actions[1].note, "[from Opsgenie] Closed in JSM by a JSM user");
  EXPECT_EQ(plan(own, kLinked, false, SyncSettings{}).outcome, Outcome::kMirrored)
      << "without JSM, no account is the proxy's own on the alert side";
}

TEST(LoopGuards, AnEchoIsConsumedNotMirrored) {
  for (const Event& e :
       {opsgenie(EventKind::kAlertAcknowledged), opsgenie(EventKind::kAlertNoteAdded, "n"),
        pagerduty(EventKind::kIncidentResolved), pagerduty(EventKind::kIncidentAnnotated, "n")}) {
    const Plan p = plan(e, kLinked, true, SyncSettings{});
    EXPECT_EQ(p.outcome, Outcome::kEcho);
    EXPECT_TRUE(p.actions.empty());
    EXPECT_TRUE(p.consume_echo);
  }
}

TEST(LoopGuards, AHumanActionAfterAnEchoIsMirrored) {
  // The proxy acknowledged alert A1 (echo recorded), the echo came back and was consumed; then a person
  // un-acknowledges and re-acknowledges in Opsgenie: nothing recorded any more, so it is mirrored.
  const Event ack = opsgenie(EventKind::kAlertAcknowledged);
  EXPECT_EQ(plan(ack, kLinked, true, SyncSettings{}).outcome, Outcome::kEcho);
  EXPECT_EQ(plan(ack, kLinked, false, SyncSettings{}).outcome, Outcome::kMirrored);
}

TEST(Echo, ActionsAndTheirWebhooksProduceTheSameEcho) {
  const Plan from_pd =
      plan(pagerduty(EventKind::kIncidentAnnotated, "rolled back"), kLinked, false, SyncSettings{});
  // The proxy adds this note to alert A1; Opsgenie then sends AddNote with exactly that text.
  const auto recorded = echo_of(from_pd.actions[0], "A1");
  Event back = opsgenie(EventKind::kAlertNoteAdded, from_pd.actions[0].note);
  EXPECT_EQ(recorded, echo_of(back));
  // Different text, different echo.
  back.note = "something else";
  EXPECT_NE(recorded, echo_of(back));

  const Plan from_og = plan(opsgenie(EventKind::kAlertClosed), kLinked, false, SyncSettings{});
  EXPECT_EQ(echo_of(from_og.actions[0], "Q1"), echo_of(pagerduty(EventKind::kIncidentResolved)));
  EXPECT_EQ(echo_of(from_og.actions[1], "Q1")->verb, "note");

  const Plan ack = plan(pagerduty(EventKind::kIncidentAcknowledged), kLinked, false, SyncSettings{});
  EXPECT_EQ(echo_of(ack.actions[0], "A1"), echo_of(opsgenie(EventKind::kAlertAcknowledged)));
  EXPECT_FALSE(echo_of(pagerduty(EventKind::kIncidentTriggered)).has_value());
}

}  // namespace
}  // namespace ogpd::sync
