// Reconciliation's pure parts: vendor timestamps, the readers of both vendors' GET answers, the drift rules
// as a table (each pair of statuses × which side changed last), the repair event and its notes, the store's
// walk over the pairs to reconcile, and which of them a pass reads.
#include "sync/reconcile.h"

#include <gtest/gtest.h>

#include <future>

#include "clients/apis.h"
#include "core/time.h"
#include "delivery/reconciler.h"
#include "store/sqlite/journal.h"
#include "support/fixtures.h"
#include "support/temp_store.h"
#include "sync/plan.h"

namespace ogpd {
namespace {

using sync::Drift;

TEST(Iso8601, ReadsBothVendorsTimestamps) {
  EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_iso8601_ms("2015-10-06T21:38:23Z"), 1444167503000);          // PagerDuty
  EXPECT_EQ(parse_iso8601_ms("2017-05-15T12:20:39.123Z"), 1494850839123);      // Opsgenie
  EXPECT_EQ(parse_iso8601_ms("2017-05-15T12:20:39.1234567Z"), 1494850839123);  // cut, not rounded
  EXPECT_EQ(parse_iso8601_ms("2017-05-15T14:20:39+02:00"), 1494850839000);
  EXPECT_EQ(parse_iso8601_ms("2017-05-15T07:20:39-05:00"), 1494850839000);
  EXPECT_EQ(parse_iso8601_ms("2024-02-29T00:00:00Z"), 1709164800000);  // a leap day
}

TEST(Iso8601, RefusesWhatIsNotACompleteDateTimeWithAZone) {
  for (const char* bad :
       {"", "2017-05-15", "2017-05-15T12:20:39", "2017-05-15T12:20Z", "2017-13-01T00:00:00Z",
        "2023-02-29T00:00:00Z", "2017-05-15T24:00:00Z", "2017-05-15T12:20:39.Z", "2017-05-15T12:20:39Zjunk",
        "2017-05-15T12:20:39+0200", "yesterday"})
    EXPECT_EQ(parse_iso8601_ms(bad), std::nullopt) << bad;
}

TEST(Readings, PagerDutyIncidentFromTheRealAnswer) {
  const auto r = clients::pagerduty_incident_reading(
      testing::read_fixture("pagerduty/rest-api-examples/PUT_incident_200_response.json"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, "resolved");
  EXPECT_EQ(r->changed_at_ms, parse_iso8601_ms("2015-10-06T21:38:23Z"));
  EXPECT_TRUE(r->changed_by.has_value());
  EXPECT_TRUE(r->changed_by_id.has_value());
  EXPECT_EQ(clients::pagerduty_incident_reading(R"({"incident":{"status":"snoozed"}})"), std::nullopt);
  EXPECT_EQ(clients::pagerduty_incident_reading("not json"), std::nullopt);
}

// The status changed at createdAt + report.ackTime / closeTime; updatedAt (moved by every note) is not it.
TEST(Readings, OpsgenieAlertStatusWhenAndWho) {
  const auto open = clients::opsgenie_alert_reading(
      R"({"data":{"status":"open","acknowledged":false,"createdAt":"2017-05-15T12:20:39.123Z",)"
      R"("updatedAt":"2017-05-15T13:00:00Z"}})");
  ASSERT_TRUE(open);
  EXPECT_EQ(open->status, "open");
  EXPECT_EQ(open->changed_at_ms, 1494850839123) << "never acknowledged: open since created";
  const auto acked = clients::opsgenie_alert_reading(
      R"({"data":{"status":"open","acknowledged":true,"createdAt":"2017-05-15T12:20:39.123Z",)"
      R"("updatedAt":"2017-05-15T13:00:00Z","report":{"ackTime":15000,"acknowledgedBy":"jane@example.com"}}})");
  ASSERT_TRUE(acked);
  EXPECT_EQ(acked->status, "acknowledged");
  EXPECT_EQ(acked->changed_at_ms, 1494850839123 + 15000);
  EXPECT_EQ(acked->changed_by, "jane@example.com");
  const auto unacked = clients::opsgenie_alert_reading(
      R"({"data":{"status":"open","acknowledged":false,"createdAt":"2017-05-15T12:20:39.123Z",)"
      R"("report":{"ackTime":15000}}})");
  ASSERT_TRUE(unacked);
  EXPECT_EQ(unacked->changed_at_ms, std::nullopt) << "un-acknowledged at a time no field gives";
  const auto closed = clients::opsgenie_alert_reading(
      R"({"data":{"status":"closed","acknowledged":true,"createdAt":"2017-05-15T12:20:39.123Z",)"
      R"("report":{"closeTime":60000,"closedBy":"sam"}}})");
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->status, "closed");
  EXPECT_EQ(closed->changed_at_ms, 1494850839123 + 60000);
  EXPECT_EQ(closed->changed_by, "sam");
  // A state neither Opsgenie nor JSM has is not guessed (JSM's resolved and snoozed: alert_api_test.cpp).
  EXPECT_EQ(clients::opsgenie_alert_reading(R"({"data":{"status":"archived"}})"), std::nullopt);
}

struct DriftCase {
  const char* alert;
  const char* incident;
  int alert_changed_s;  // seconds since the epoch of the test clock
  int incident_changed_s;
  Drift expected;
};

TEST(Drift, EveryPairOfStatuses) {
  const DriftCase cases[] = {
      // in step
      {"open", "triggered", 10, 20, Drift::kNone},
      {"acknowledged", "acknowledged", 10, 20, Drift::kNone},
      {"closed", "resolved", 10, 20, Drift::kNone},
      // closed/resolved is terminal and wins, whoever changed last
      {"closed", "triggered", 10, 20, Drift::kAlertClosed},
      {"closed", "acknowledged", 20, 10, Drift::kAlertClosed},
      {"open", "resolved", 20, 10, Drift::kIncidentResolved},
      {"acknowledged", "resolved", 10, 20, Drift::kIncidentResolved},
      // acknowledged against not: the side that changed last wins
      {"acknowledged", "triggered", 20, 10, Drift::kAlertAcknowledged},
      {"acknowledged", "triggered", 10, 20, Drift::kIncidentUnacknowledged},
      {"open", "acknowledged", 10, 20, Drift::kIncidentAcknowledged},
      // an un-acknowledge in Opsgenie after the incident's ack: PagerDuty cannot follow (mirrored as a note)
      {"open", "acknowledged", 20, 10, Drift::kNone},
  };
  for (const auto& c : cases) {
    const SideReading alert{c.alert, c.alert_changed_s * 1000LL, {}};
    const SideReading incident{c.incident, c.incident_changed_s * 1000LL, {}};
    const auto got = sync::compare(alert, incident, 1'000'000, 60'000);
    EXPECT_EQ(got.drift, c.expected) << c.alert << " / " << c.incident << " changed at " << c.alert_changed_s
                                     << " / " << c.incident_changed_s << ": got "
                                     << sync::to_string(got.drift);
    EXPECT_FALSE(got.settling);
    EXPECT_EQ(got.both_terminal, std::string(c.alert) == "closed" && std::string(c.incident) == "resolved");
  }
}

TEST(Drift, AnAcknowledgeMismatchWithAnUnknownTimeIsLeftAlone) {
  const SideReading acked{"acknowledged", 10'000, {}};
  const SideReading triggered{"triggered", std::nullopt, {}};
  EXPECT_EQ(sync::compare(acked, triggered, 1'000'000, 0).drift, Drift::kNone);
  const SideReading unacked{"open", std::nullopt, {}};  // acknowledged once, then un-acknowledged
  EXPECT_EQ(sync::compare(unacked, SideReading{"acknowledged", 10'000, {}}, 1'000'000, 0).drift,
            Drift::kNone);
  // Closed/resolved needs no time: it wins.
  EXPECT_EQ(sync::compare(SideReading{"closed", std::nullopt, {}}, triggered, 1'000'000, 0).drift,
            Drift::kAlertClosed);
}

TEST(Drift, AChangeYoungerThanTheGraceWaitsForTheNextPass) {
  const SideReading closed{"closed", 995'000, {}};
  const SideReading triggered{"triggered", 100'000, {}};
  EXPECT_TRUE(sync::compare(closed, triggered, 1'000'000, 10'000).settling);
  EXPECT_FALSE(sync::compare(closed, triggered, 1'000'000, 5'000).settling);
  EXPECT_EQ(sync::compare(closed, triggered, 1'000'000, 10'000).drift, Drift::kAlertClosed);
}

TEST(RepairEvent, IsTheMissedWebhookAndItsNoteSaysSo) {
  const Link link{"alert-1", "PINC01", "alert-1"};
  const SideReading closed{"closed", 5000, "Jane Closer"};
  const SideReading triggered{"triggered", 1000, {}};
  const Event e = sync::repair_event(Drift::kAlertClosed, link, closed, triggered);
  EXPECT_EQ(e.source, Source::kOpsgenie);
  EXPECT_EQ(e.kind, EventKind::kAlertClosed);
  EXPECT_EQ(e.type, sync::kReconcileType);
  EXPECT_EQ(e.alert_id, "alert-1");
  EXPECT_EQ(e.actor_name, "Jane Closer");
  EXPECT_EQ(e.dedupe_key, sync::repair_event(Drift::kAlertClosed, link, closed, triggered).dedupe_key)
      << "the same reading is repaired once";
  EXPECT_NE(
      e.dedupe_key,
      sync::repair_event(Drift::kAlertClosed, link, SideReading{"closed", 6000, {}}, triggered).dedupe_key);

  const auto plan = sync::plan(e, link, false, {});
  ASSERT_EQ(plan.actions.size(), 2u);
  EXPECT_EQ(plan.actions[0].kind, ActionKind::kResolveIncident);
  EXPECT_EQ(plan.actions[0].incident_id, "PINC01");
  EXPECT_NE(plan.actions[1].note.find("Closed in Opsgenie by Jane Closer"), std::string::npos);
  EXPECT_NE(plan.actions[1].note.find("webhook was missed"), std::string::npos) << plan.actions[1].note;

  const Event resolved = sync::repair_event(Drift::kIncidentResolved, link, SideReading{"open", 1000, {}},
                                            SideReading{"resolved", 5000, "Pat Resolver", "PHUMAN7"});
  EXPECT_EQ(resolved.source, Source::kPagerDuty);
  EXPECT_EQ(resolved.kind, EventKind::kIncidentResolved);
  EXPECT_EQ(resolved.incident_id, "PINC01");
  EXPECT_EQ(resolved.actor_id, "PHUMAN7");
  sync::SyncSettings own;
  own.own_user_id = "PHUMAN7";
  EXPECT_TRUE(sync::plan(resolved, link, false, own).actions.empty())
      << "the proxy's own PagerDuty user's change is never mirrored, even when found by reconciliation";
  const auto close = sync::plan(resolved, link, false, {});
  ASSERT_EQ(close.actions.size(), 1u);
  EXPECT_EQ(close.actions[0].kind, ActionKind::kCloseAlert);
  EXPECT_EQ(close.actions[0].alert_id, "alert-1");
  EXPECT_NE(close.actions[0].note.find("[from PagerDuty] Resolved in PagerDuty by Pat Resolver"),
            std::string::npos)
      << close.actions[0].note;
  EXPECT_NE(close.actions[0].note.find("webhook was missed"), std::string::npos);
}

TEST(RepairEvent, ANormalWebhookCarriesNoMissedNote) {
  Event e;
  e.source = Source::kPagerDuty;
  e.kind = EventKind::kIncidentResolved;
  e.type = "incident.resolved";
  e.incident_id = "PINC01";
  const auto plan = sync::plan(e, Link{"alert-1", "PINC01", "alert-1"}, false, {});
  ASSERT_EQ(plan.actions.size(), 1u);
  EXPECT_EQ(plan.actions[0].note, "");
}

class FixedClock final : public Clock {
 public:
  std::int64_t now_ms() const override { return 1'000'000; }
};

TEST(PairsToReconcile, OldestFirstFromACursorWithinTheAgeMarkingPairsClosedOnBothSidesSettled) {
  FixedClock clock;
  testing::TempStore store("ogpd-reconcile-", clock);
  ASSERT_TRUE(store);
  auto& ledger = store->ledger;
  ASSERT_TRUE(ledger.save_link({"a-old", "P-OLD", "a-old"}, 100).ok());
  ASSERT_TRUE(ledger.save_link({"a-1", "P-1", "a-1"}, 200).ok());
  ASSERT_TRUE(ledger.save_link({"a-2", "P-2", "a-2"}, 300).ok());
  ASSERT_TRUE(ledger.save_link({"a-3", "P-3", "a-3"}, 300).ok());
  ASSERT_TRUE(ledger.save_link({"a-pending", std::nullopt, "a-pending"}, 300).ok());  // no incident yet
  ASSERT_TRUE(ledger.save_link({"a-done", "P-DONE", "a-done"}, 300).ok());
  ASSERT_TRUE(ledger.save_status({Side::kOpsgenie, "a-done", "closed", true}, 400).ok());
  ASSERT_TRUE(ledger.save_status({Side::kPagerDuty, "P-DONE", "resolved", true}, 400).ok());
  ASSERT_TRUE(ledger.save_status({Side::kOpsgenie, "a-3", "closed", true}, 400).ok());  // one side only

  const auto ids = [](const std::vector<store::LinkedPair>& pairs) {
    std::vector<std::string> out;
    for (const auto& p : pairs) out.push_back(p.link.alert_id);
    return out;
  };
  const auto settled = [](const std::vector<store::LinkedPair>& pairs) {
    std::vector<bool> out;
    for (const auto& p : pairs) out.push_back(p.settled);
    return out;
  };
  const auto first = ledger.pairs_to_reconcile(150, std::nullopt, 2);
  EXPECT_EQ(ids(first), (std::vector<std::string>{"a-1", "a-2"}));
  const auto rest = ledger.pairs_to_reconcile(150, first.back(), 10);
  EXPECT_EQ(ids(rest), (std::vector<std::string>{"a-3", "a-done"}));
  EXPECT_EQ(settled(rest), (std::vector<bool>{false, true}));
  EXPECT_TRUE(ledger.pairs_to_reconcile(150, rest.back(), 10).empty());
}

// Every request answered 404, and its URL kept: which pairs a pass read.
class NotFoundHttp final : public clients::HttpClient {
 public:
  clients::HttpResult send(const clients::HttpRequest& request) override {
    urls.push_back(request.url);
    clients::HttpResult r;
    r.response.status = 404;
    return r;
  }
  std::vector<std::string> urls;
};

TEST(Reconciler, APassReadsThePairsNotClosedOnBothSidesAndWalksPastTheSettledOnes) {
  const SystemClock clock;
  testing::TempStore store("ogpd-reconcile-", clock);
  ASSERT_TRUE(store);
  auto& ledger = store->ledger;
  const std::int64_t now = clock.now_ms();
  for (const std::string alert : {"a-settled-1", "a-open", "a-settled-2"}) {
    ASSERT_TRUE(ledger.save_link({alert, "P-" + alert, alert}, now).ok());
    if (alert == "a-open") continue;
    ASSERT_TRUE(ledger.save_status({Side::kOpsgenie, alert, "closed", true}, now).ok());
    ASSERT_TRUE(ledger.save_status({Side::kPagerDuty, "P-" + alert, "resolved", true}, now).ok());
  }
  NotFoundHttp http;
  clients::PagerDutyApi pagerduty(http, {.base_url = "http://pd.invalid", .api_key = "k"});
  clients::OpsgenieApi opsgenie(http, {.base_url = "http://og.invalid", .api_key = "k"});
  delivery::Reconciler reconciler(
      ledger, store->outbox, pagerduty, opsgenie,
      {.interval = std::chrono::milliseconds(0), .pagerduty_per_second = 1e6, .opsgenie_per_second = 1e6},
      clock, [](const Event&, const std::string&) { return Result<bool>(false); });
  std::vector<std::string> found;
  const auto summary = reconciler.pass([&](const delivery::Finding& f) { found.push_back(f.link.alert_id); });
  EXPECT_EQ(found, (std::vector<std::string>{"a-open"}));
  EXPECT_EQ(summary.unreadable, 1);
  for (const auto& url : http.urls) EXPECT_NE(url.find("a-open"), std::string::npos) << url;
  EXPECT_FALSE(http.urls.empty());
}

TEST(PairsToReconcile, APairWithActionsWaitingIsPending) {
  FixedClock clock;
  testing::TempStore store("ogpd-reconcile-", clock);
  ASSERT_TRUE(store);
  const Link link{"a-1", "P-1", "a-1"};
  EXPECT_FALSE(store->outbox.has_pending(link));
  Event e;
  e.source = Source::kOpsgenie;
  e.kind = EventKind::kAlertNoteAdded;
  e.type = "AddNote";
  e.dedupe_key = "k1";
  e.alert_id = "a-1";
  Action note;
  note.kind = ActionKind::kAddIncidentNote;
  note.alert_id = "a-1";
  note.note = "n";
  auto journal = store::SqliteJournal::start(*store->database, {});
  std::promise<store::AppendResult> appended;
  journal->append({e, "{}", 1}, [&](store::AppendResult r) { appended.set_value(r); });
  const auto stored = appended.get_future().get();
  ASSERT_EQ(stored.outcome, store::AppendOutcome::kStored);
  journal->stop();
  ASSERT_TRUE(store->outbox.commit_plans({{stored.event_id, "mirrored", {note}, {}, {}, {}}}, 2).ok());
  EXPECT_TRUE(store->outbox.has_pending(link));
  EXPECT_FALSE(store->outbox.has_pending({"a-2", "P-2", "a-2"}));
}

}  // namespace
}  // namespace ogpd
