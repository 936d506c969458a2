// End to end, both directions: the real ogpd-proxy binary between fake PagerDuty and Opsgenie servers on
// loopback. Webhooks go in over HTTP; the assertions are on what the fakes received and hold.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/json.hpp>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "e2e/sync_fixture.h"
#include "store/sqlite/db.h"
#include "store/sqlite/journal.h"
#include "store/sqlite/store.h"

namespace ogpd::testing {
namespace {

using namespace std::chrono_literals;
using fakes::Fault;

TEST_P(Sync, EarlierProxyReadmeExamplesProduceTheExpectedVendorCalls) {
  opsgenie_.add_alert("test-123", "Test alert");
  start();
  ASSERT_EQ(
      post(
          "/ops-webhook",
          R"({"action":"Create","alert":{"alertId":"test-123","message":"Test alert"},"integrationId":"ccb77fcc-3474-4ee3-8140-300926635ed1"})"),
      202);
  ASSERT_TRUE(eventually([&] { return only_incident("test-123").has_value(); })) << proxy_->output();
  auto incident = *only_incident("test-123");
  EXPECT_EQ(incident.title, "Test alert");
  EXPECT_EQ(incident.urgency, "high");

  ASSERT_EQ(
      post(
          "/ops-webhook",
          R"({"action":"AddNote","alert":{"alertId":"test-123","username":"test-user"},"note":"This is a test note","integrationId":"ccb77fcc-3474-4ee3-8140-300926635ed1"})"),
      202);
  ASSERT_EQ(
      post(
          "/ops-webhook",
          R"({"action":"Acknowledge","alert":{"alertId":"test-123","username":"test-user"},"integrationId":"ccb77fcc-3474-4ee3-8140-300926635ed1"})"),
      202);
  ASSERT_EQ(
      post(
          "/ops-webhook",
          R"({"action":"UnAcknowledge","alert":{"alertId":"test-123","username":"test-user"},"integrationId":"ccb77fcc-3474-4ee3-8140-300926635ed1"})"),
      202);
  ASSERT_TRUE(eventually([&] { return pagerduty_.incident(incident.id)->notes.size() == 3; }))
      << proxy_->output();
  incident = *pagerduty_.incident(incident.id);
  EXPECT_EQ(incident.status, "acknowledged");
  EXPECT_EQ(incident.notes[0].content, "[from Opsgenie] test-user: This is a test note");
  EXPECT_EQ(incident.notes[1].content, "[from Opsgenie] Acknowledged in " + side_name() + " by test-user");
  EXPECT_EQ(incident.notes[2].content, "[from Opsgenie] Unacknowledged in " + side_name() + " by test-user");

  // PagerDuty -> Opsgenie with the README's own payloads: incident PDI123 (never issued), key test-123.
  const auto example = [](const std::string& id, const std::string& type, const std::string& extra) {
    return R"({"event":{"id":")" + id + R"(","event_type":")" + type +
           R"(","resource_type":"incident","occurred_at":"2025-10-27T15:26:48.576Z","agent":{"id":"PAGENT123","type":"user_reference","summary":"Test User"},"client":null,"data":{"id":"PDI123","type":"incident","status":"acknowledged","incident_key":"test-123","title":"Test incident","service":{"id":"PSERVICE123","type":"service_reference","summary":"Test Service"}})" +
           extra + "}}";
  };
  ASSERT_EQ(post("/pd-webhook", example("01G3PQ97QLWWR8SGW2AT6K18HE", "incident.acknowledged", "")), 202);
  ASSERT_TRUE(eventually([&] { return opsgenie_.alert("test-123")->acknowledged; })) << proxy_->output();
  ASSERT_EQ(post("/pd-webhook", example("01G3PQ97QLWWR8SGW2AT6K18HF", "incident.unacknowledged", "")), 202);
  ASSERT_TRUE(eventually([&] { return !opsgenie_.alert("test-123")->acknowledged; })) << proxy_->output();
  ASSERT_EQ(
      post(
          "/pd-webhook",
          example(
              "01G3PQ97QLWWR8SGW2AT6K18HG", "incident.annotated",
              R"(,"note":{"id":"NOTE123","content":"This is a test note from PagerDuty that should be synced to Opsgenie","user":{"id":"PAGENT123","summary":"Test User"}})")),
      202);
  ASSERT_TRUE(eventually([&] { return opsgenie_.alert("test-123")->notes.size() == 1; })) << proxy_->output();
  const auto alert = *opsgenie_.alert("test-123");
  EXPECT_EQ(
      alert.notes[0].note,
      "[from PagerDuty] Test User: This is a test note from PagerDuty that should be synced to Opsgenie");
  // Opsgenie credits the change to the user the call names; JSM to the service account, whatever is named
  // (the person's name is in the note's text).
  EXPECT_EQ(alert.notes[0].owner, on_jsm() ? opsgenie_.options().jsm_email : "Test User");
  const auto acks = opsgenie_.count("POST", alerts_at("/alerts/test-123/acknowledge"));
  EXPECT_EQ(acks, 1u);
  bool saw_user = false;
  for (const auto& r : opsgenie_.requests())
    saw_user |= r.path == alerts_at("/alerts/test-123/acknowledge") &&
                r.body.find("\"user\":\"Test User\"") != std::string::npos;
  EXPECT_EQ(saw_user, !on_jsm()) << "JSM takes no user on an action";
  // Every request carried the vendors' auth headers (the fakes refuse anything else with 401).
  for (const auto& r : pagerduty_.requests())
    EXPECT_EQ(r.headers.at("authorization"), "Token token=pd-test-key");
  for (const auto& r : opsgenie_.requests()) EXPECT_EQ(r.headers.at("authorization"), alerts_auth());
}

TEST_P(Sync, RealFixturePayloadsAreMirrored) {
  env_.erase("OPSGENIE_INTEGRATION_ID");
  // A real PagerDuty incident (the aldaviva capture) whose key names an Opsgenie alert the proxy never
  // linked.
  FakePagerDuty::Incident seed;
  seed.id = "Q2CKYRLH85UNN4";
  seed.incident_key = "alert-from-before";
  seed.title = "Test";
  pagerduty_.add_incident(seed);
  opsgenie_.add_alert("alert-from-before");
  start();
  ASSERT_EQ(post("/ops-webhook", read_fixture("opsgenie/relay_create_P3_responders.json")), 202);
  ASSERT_TRUE(eventually([&] {
    return only_incident("7ec331d7-f5f3-4f78-a49c-2ad886df69fe-1593475564295").has_value();
  })) << proxy_->output();
  EXPECT_EQ(only_incident("7ec331d7-f5f3-4f78-a49c-2ad886df69fe-1593475564295")->urgency, "low");  // P3

  // incident.annotated carries neither a link nor a key: the proxy asks PagerDuty for the incident's key.
  ASSERT_EQ(post("/pd-webhook", read_fixture("pagerduty/aldaviva/incident_annotated.json")), 202);
  ASSERT_TRUE(eventually([&] { return opsgenie_.alert("alert-from-before")->notes.size() == 1; }))
      << proxy_->output();
  EXPECT_EQ(opsgenie_.alert("alert-from-before")->notes[0].note,
            "[from PagerDuty] Ben: Resolution Note: I'm resolving it");
  ASSERT_EQ(post("/pd-webhook", read_fixture("pagerduty/aldaviva/incident_resolved.json")), 202);
  // resolved carries key dfead9d8...; but the link made by the note (Q2CK... <-> alert-from-before) wins.
  ASSERT_TRUE(eventually([&] { return opsgenie_.alert("alert-from-before")->status == "closed"; }))
      << proxy_->output();
}

TEST_P(Sync, LoopEchoesProduceNoCalls) {
  opsgenie_.add_alert("A1", "Disk full");
  start();
  ASSERT_EQ(post("/ops-webhook", og("Create", "A1", R"(,"message":"Disk full")")), 202);
  ASSERT_TRUE(eventually([&] { return only_incident("A1").has_value(); }));
  const std::string incident = only_incident("A1")->id;
  ASSERT_EQ(post("/ops-webhook", og("Acknowledge", "A1")), 202);
  ASSERT_TRUE(eventually([&] { return pagerduty_.incident(incident)->notes.size() == 1; }));
  settle();
  const std::size_t pd_before = pagerduty_.requests().size(), og_before = opsgenie_.requests().size();

  // PagerDuty reports the proxy's own changes back: triggered, acknowledged (by the proxy's user, resolved
  // from PAGERDUTY_EMAIL), and the mirrored note (with its marker).
  ASSERT_EQ(post("/pd-webhook", pd("E-trig", "incident.triggered", incident, "A1", "PBOT001")), 200);
  ASSERT_EQ(post("/pd-webhook", pd("E-ack", "incident.acknowledged", incident, "A1", "PBOT001")), 202);
  ASSERT_EQ(post("/pd-webhook", pd("E-note", "incident.annotated", incident, "A1", "PBOT001",
                                   pagerduty_.incident(incident)->notes[0].content)),
            202);
  settle();
  EXPECT_EQ(opsgenie_.requests().size(), og_before) << proxy_->output();

  // A human resolves it in PagerDuty: mirrored once.
  ASSERT_EQ(post("/pd-webhook", pd("E-res", "incident.resolved", incident, "A1")), 202);
  ASSERT_TRUE(eventually([&] { return opsgenie_.alert("A1")->status == "closed"; }));
  settle();
  // Opsgenie now reports that close back (as whoever the proxy named): the echo ledger swallows it.
  ASSERT_EQ(post("/ops-webhook", og("Close", "A1")), 202);
  // And a human's note in PagerDuty reaches Opsgenie; Opsgenie's AddNote echo of it does not come back.
  ASSERT_EQ(post("/pd-webhook", pd("E-n2", "incident.annotated", incident, "A1", "PHUMAN1", "rolled back")),
            202);
  ASSERT_TRUE(eventually([&] { return opsgenie_.alert("A1")->notes.size() == 1; }));
  ASSERT_EQ(post("/ops-webhook", og("AddNote", "A1", R"(,"note":"[from PagerDuty] Human One: rolled back")")),
            202);
  settle();
  EXPECT_EQ(pagerduty_.count("PUT", "/incidents/"), 1u) << "only the Opsgenie acknowledge";
  EXPECT_EQ(pagerduty_.incident(incident)->notes.size(), 1u) << proxy_->output();
  EXPECT_EQ(pagerduty_.incident(incident)->status, "acknowledged") << "the echoed Close did not resolve it";
  EXPECT_EQ(pagerduty_.requests().size(), pd_before) << proxy_->output();
}

// JSM credits every change the proxy makes to its service account (JSM_EMAIL), and its Webhook integration
// names that account as the actor: such a webhook is the proxy's own change, never mirrored, even with no
// echo recorded for it (the account changed the alert some other way). A person's change still is.
TEST_P(Sync, AJsmWebhookByTheServiceAccountIsNeverMirroredAndAPersonsIs) {
  if (!on_jsm()) GTEST_SKIP() << "JSM only: Opsgenie credits a change to the user the call names";
  opsgenie_.add_alert("svc-1");
  start();
  ASSERT_EQ(post("/ops-webhook", og("Create", "svc-1")), 202);
  ASSERT_TRUE(eventually([&] { return only_incident("svc-1").has_value(); }));
  settle();
  const std::size_t pd_before = pagerduty_.requests().size();
  const auto by = [&](const std::string& action, const std::string& who, const std::string& extra = "") {
    return R"({"action":")" + action + R"(","alert":{"alertId":"svc-1","username":")" + who + R"(")" + extra +
           R"(},"integrationId":")" + kIntegration + R"("})";
  };
  const std::string bot = opsgenie_.options().jsm_email;
  ASSERT_EQ(post("/ops-webhook", by("Acknowledge", bot)), 202);
  ASSERT_EQ(post("/ops-webhook", by("AddNote", "OGPD-BOT@example.com", R"(,"note":"checked by a script")")),
            202);
  settle();
  EXPECT_EQ(pagerduty_.requests().size(), pd_before) << proxy_->output();
  const auto events = boost::json::parse(cli({"events", "--last", "2", "--json"}).second).as_array();
  ASSERT_EQ(events.size(), 2u);
  for (const auto& e : events) EXPECT_EQ(e.at("outcome").as_string(), "own_user") << e;

  ASSERT_EQ(post("/ops-webhook", by("Acknowledge", "jane@example.com")), 202);
  ASSERT_TRUE(eventually([&] {
    return pagerduty_.incident(only_incident("svc-1")->id)->status == "acknowledged";
  })) << proxy_->output();
}

// After the move to JSM: an alert that came over under a new id is found by its alias (from its Create
// webhook, else its old id) and its link re-paired — listed first, written only with --apply, refused while
// actions are pending; an alert found nowhere is listed and left alone. The pair then works under its new id.
TEST_P(Sync, MigrateLinksFindsAlertsUnderNewIdsByAliasAndRepairsOnlyWhenApplied) {
  opsgenie_.add_alert("old-1", "disk full", "db-disk-full");
  opsgenie_.add_alert("old-2");
  opsgenie_.add_alert("kept-1");
  start();
  ASSERT_EQ(post("/ops-webhook", og("Create", "old-1", R"(,"alias":"db-disk-full")")), 202);
  ASSERT_EQ(post("/ops-webhook", og("Create", "old-2")), 202);
  ASSERT_EQ(post("/ops-webhook", og("Create", "kept-1")), 202);
  ASSERT_TRUE(eventually(
      [&] { return only_incident("old-1") && only_incident("old-2") && only_incident("kept-1"); }));
  settle();
  const std::string incident = only_incident("old-1")->id;
  proxy_.reset();
  // The move: old-1 comes over as new-1 (its custom alias kept), old-2 as elsewhere-2.
  opsgenie_.rename_alert("old-1", "new-1");
  ASSERT_TRUE(opsgenie_.alert("new-1"));
  opsgenie_.rename_alert("old-2", "elsewhere-2");  // its alias is its old id, Opsgenie's default

  auto [code, out] = cli({"migrate-links"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("alert old-1 -> new-1 (found by alias db-disk-full)\n"), std::string::npos) << out;
  EXPECT_NE(out.find("alert old-2 -> elsewhere-2 (found by alias old-2)\n"), std::string::npos) << out;
  EXPECT_NE(out.find("3 links: 1 kept, 2 to re-pair, 0 not found, 0 unreadable"), std::string::npos) << out;
  EXPECT_NE(out.find("nothing was changed"), std::string::npos);
  EXPECT_EQ(cli({"links", "--alert", "new-1"}).first, 1) << "a dry run writes nothing";

  std::tie(code, out) = cli({"migrate-links", "--apply", "--json"});
  ASSERT_EQ(code, 0) << out;
  const auto doc = boost::json::parse(out).as_object();
  EXPECT_TRUE(doc.at("applied").as_bool());
  std::tie(code, out) = cli({"links", "--alert", "new-1"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("alert new-1 <-> incident " + incident), std::string::npos) << out;

  // The pair works under its new id: JSM's (or Opsgenie's) webhook names new-1.
  start();
  ASSERT_EQ(post("/ops-webhook", og("Acknowledge", "new-1")), 202);
  ASSERT_TRUE(eventually([&] { return pagerduty_.incident(incident)->status == "acknowledged"; }))
      << proxy_->output();
  ASSERT_EQ(post("/pd-webhook", pd("E-mig", "incident.resolved", incident, "old-1")), 202);
  ASSERT_TRUE(eventually([&] { return opsgenie_.alert("new-1")->status == "closed"; })) << proxy_->output();
  settle();

  // An alert found nowhere is listed, left alone, and makes the exit code 1.
  opsgenie_.rename_alert("kept-1", "lost-1");
  opsgenie_.change_alert("lost-1", "Close");  // an alias finds open alerts only (JSM)
  proxy_.reset();
  std::tie(code, out) = cli({"migrate-links"});
  EXPECT_EQ(code, on_jsm() ? 1 : 0) << out;
  if (on_jsm()) {
    EXPECT_NE(out.find("alert kept-1: NOT FOUND under its id nor by alias kept-1; its link is left as it is"),
              std::string::npos)
        << out;
  }

  // --apply is refused while actions are pending: they name the old ids.
  env_["PAGERDUTY_API_URL"] = "http://127.0.0.1:" + std::to_string(free_port());
  env_["RETRY_BASE_DELAY_MS"] = "60000";
  opsgenie_.add_alert("late-1");
  start();
  ASSERT_EQ(post("/ops-webhook", og("Create", "late-1")), 202);
  ASSERT_TRUE(eventually([&] { return cli({"status"}).second.find("1 attempt") != std::string::npos; }));
  std::tie(code, out) = cli({"migrate-links", "--apply"});
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("still pending"), std::string::npos) << out;
}

// PagerDuty's /users?query matches loosely and lists a lookalike first (the fake does too): only the user
// whose email is PAGERDUTY_EMAIL is the proxy's own, so the lookalike's changes are still mirrored.
TEST_P(Sync, ALookalikeUserFromALooseQueryIsNotTakenForTheProxysOwn) {
  opsgenie_.add_alert("look-1", "Lookalike");
  start();
  ASSERT_TRUE(eventually([&] {
    return proxy_->output().find("PAGERDUTY_EMAIL belongs to PagerDuty user PBOT001") != std::string::npos;
  })) << proxy_->output();
  ASSERT_EQ(post("/ops-webhook", og("Create", "look-1")), 202);
  ASSERT_TRUE(eventually([&] { return only_incident("look-1").has_value(); })) << proxy_->output();
  ASSERT_EQ(post("/pd-webhook",
                 pd("E-look", "incident.acknowledged", only_incident("look-1")->id, "look-1", "PLOOK01")),
            202);
  ASSERT_TRUE(eventually([&] { return opsgenie_.alert("look-1")->acknowledged; })) << proxy_->output();
  const auto [code, status] = cli({"status"});
  EXPECT_EQ(code, 0) << status;
  EXPECT_NE(status.find("pagerduty: own user PBOT001"), std::string::npos) << status;
}

// No user has exactly PAGERDUTY_EMAIL: start-up says so, and so does `status`, until it is found.
TEST_P(Sync, AnEmailThatIsNobodysIsReportedByStatus) {
  env_["PAGERDUTY_EMAIL"] = "bot@example.com";  // only a lookalike (old.ogpd-bot@...) contains it
  start();
  ASSERT_TRUE(eventually([&] {
    return proxy_->output().find("could not resolve PAGERDUTY_EMAIL") != std::string::npos;
  })) << proxy_->output();
  std::string status;
  ASSERT_TRUE(eventually([&] {
    status = cli({"status"}).second;
    return status.find("own user NOT FOUND (no PagerDuty user has exactly that email)") != std::string::npos;
  })) << status;
  const auto json = boost::json::parse(cli({"status", "--json"}).second).as_object();
  EXPECT_EQ(json.at("vendors").at("pagerduty").at("identity").as_string(),
            "not found: no PagerDuty user has exactly that email");
}

// DESIGN §3 item 7: a key refused for a while (rotated, revoked, the wrong region) pauses PagerDuty; nothing
// becomes a dead letter, even with a budget of one attempt, and every incident is created exactly once after.
TEST_P(Sync, ASixSecondWindowOfRefusedCredentialsPausesAndThenEverythingLandsOnce) {
  env_["RETRY_MAX_ATTEMPTS"] = "1";
  start();
  ASSERT_TRUE(eventually([&] {
    return proxy_->output().find("PAGERDUTY_EMAIL belongs to PagerDuty user") != std::string::npos;
  })) << proxy_->output();
  pagerduty_.refuse_credentials_for(6s);
  constexpr int kAlerts = 10;
  for (int i = 0; i < kAlerts; ++i)
    ASSERT_EQ(post("/ops-webhook", og("Create", "refused-" + std::to_string(i))), 202);
  ASSERT_TRUE(eventually([&] {
    return proxy_->output().find("refuses the credentials") != std::string::npos;
  })) << proxy_->output();
  const auto metrics = http_request(proxy_->port(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find(R"(ogpd_vendor_paused{vendor="pagerduty",reason="credentials"} 1)"),
            std::string::npos)
      << metrics;
  const auto [code, status] = cli({"status"});
  EXPECT_EQ(code, 0);
  EXPECT_NE(status.find("pagerduty: PAUSED since"), std::string::npos) << status;

  ASSERT_TRUE(eventually(
      [&] {
        for (int i = 0; i < kAlerts; ++i)
          if (!only_incident("refused-" + std::to_string(i))) return false;
        return true;
      },
      30s))
      << proxy_->output();
  settle();
  EXPECT_EQ(pagerduty_.incidents().size(), static_cast<std::size_t>(kAlerts)) << "each created exactly once";
  EXPECT_TRUE(boost::json::parse(dead_letters_json()).as_array().empty());
  EXPECT_NE(proxy_->output().find("accepts the credentials again: resumed"), std::string::npos);
  const auto after = http_request(proxy_->port(), "GET", "/metrics").body;
  EXPECT_NE(after.find(R"(ogpd_vendor_paused{vendor="pagerduty",reason="credentials"} 0)"), std::string::npos)
      << after;
}

// DESIGN §2.2: PagerDuty reopens a resolved incident that is acknowledged. An Opsgenie acknowledge that
// comes after the incident was resolved — whether the proxy heard of the resolve (its webhook) or not (read
// first) — is skipped: the incident stays resolved, and its owner is not changed.
TEST_P(Sync, AnAcknowledgeAfterAResolveLeavesTheIncidentResolved) {
  for (const char* id : {"late-heard", "late-unheard"}) opsgenie_.add_alert(id);
  start();
  for (const char* id : {"late-heard", "late-unheard"})
    ASSERT_EQ(post("/ops-webhook", og("Create", id)), 202);
  ASSERT_TRUE(eventually([&] { return only_incident("late-heard") && only_incident("late-unheard"); }))
      << proxy_->output();
  const std::string heard = only_incident("late-heard")->id, unheard = only_incident("late-unheard")->id;
  // A person resolves both in PagerDuty; only the first one's webhook reaches the proxy.
  pagerduty_.set_status(heard, "resolved");
  pagerduty_.set_status(unheard, "resolved");
  ASSERT_EQ(post("/pd-webhook", pd("E-heard", "incident.resolved", heard, "late-heard")), 202);
  ASSERT_TRUE(eventually([&] { return opsgenie_.alert("late-heard")->status == "closed"; }))
      << proxy_->output();

  // Then an acknowledge from Opsgenie for each (late, or a person acking there after the resolve).
  for (const char* id : {"late-heard", "late-unheard"})
    ASSERT_EQ(post("/ops-webhook", og("Acknowledge", id)), 202);
  ASSERT_TRUE(eventually([&] {
    return pagerduty_.incident(heard)->notes.size() == 1 && pagerduty_.incident(unheard)->notes.size() == 1;
  })) << proxy_->output();
  settle();
  EXPECT_EQ(pagerduty_.incident(heard)->status, "resolved");
  EXPECT_EQ(pagerduty_.incident(unheard)->status, "resolved");
  EXPECT_EQ(pagerduty_.count("PUT", "/incidents/"), 0u) << "no status change was sent";
  EXPECT_EQ(pagerduty_.count("GET", "/incidents/" + heard), 0u) << "the resolve was known: nothing to read";
  EXPECT_EQ(pagerduty_.count("GET", "/incidents/" + unheard), 1u) << "unknown: read before acting";
  const auto metrics = http_request(proxy_->port(), "GET", "/metrics").body;
  EXPECT_NE(
      metrics.find(R"(ogpd_actions_skipped_total{vendor="pagerduty",action="pagerduty.acknowledge"} 2)"),
      std::string::npos)
      << metrics;
}

// DESIGN §3 item 6: Opsgenie's later verdict is the action's outcome. A failure worth retrying is retried
// until the alert really is acknowledged; a final one is a dead letter whose echo is withdrawn, so a person's
// same change afterwards is mirrored instead of swallowed as the proxy's own.
TEST_P(Sync, OpsgeniesLaterFailureIsRetriedOrDeadLetteredAndItsEchoWithdrawn) {
  for (const char* id : {"verdict-retry", "verdict-final"}) opsgenie_.add_alert(id);
  start();
  for (const char* id : {"verdict-retry", "verdict-final"})
    ASSERT_EQ(post("/ops-webhook", og("Create", id)), 202);
  ASSERT_TRUE(eventually([&] { return only_incident("verdict-retry") && only_incident("verdict-final"); }))
      << proxy_->output();
  settle();

  opsgenie_.fail_requests(1, "Internal error, please try again");
  ASSERT_EQ(post("/pd-webhook",
                 pd("E-v1", "incident.acknowledged", only_incident("verdict-retry")->id, "verdict-retry")),
            202);
  ASSERT_TRUE(eventually([&] { return opsgenie_.alert("verdict-retry")->acknowledged; }, 20s))
      << proxy_->output();
  EXPECT_EQ(opsgenie_.count("POST", alerts_at("/alerts/verdict-retry/acknowledge")), 2u)
      << "failed once, then done";
  // The same for a close: its 202 did not make the alert closed, so the retry is sent, not skipped.
  opsgenie_.fail_requests(1, "Internal error, please try again");
  ASSERT_EQ(post("/pd-webhook",
                 pd("E-v1c", "incident.resolved", only_incident("verdict-retry")->id, "verdict-retry")),
            202);
  ASSERT_TRUE(eventually([&] { return opsgenie_.alert("verdict-retry")->status == "closed"; }, 20s))
      << proxy_->output();

  opsgenie_.fail_requests(1, "User [PagerDuty] is not a valid user");
  const std::string incident = only_incident("verdict-final")->id;
  ASSERT_EQ(post("/pd-webhook", pd("E-v2", "incident.acknowledged", incident, "verdict-final")), 202);
  ASSERT_TRUE(eventually([&] { return dead_letters_json().find("verdict-final") != std::string::npos; }))
      << proxy_->output();
  EXPECT_FALSE(opsgenie_.alert("verdict-final")->acknowledged);
  // A person now acknowledges it in Opsgenie: that is not the proxy's echo, and reaches PagerDuty.
  ASSERT_EQ(post("/ops-webhook", og("Acknowledge", "verdict-final")), 202);
  ASSERT_TRUE(eventually([&] { return pagerduty_.incident(incident)->notes.size() == 1; }))
      << proxy_->output();
  EXPECT_EQ(pagerduty_.incident(incident)->notes[0].content,
            "[from Opsgenie] Acknowledged in " + side_name() + " by test-user");
}

TEST_P(Sync, ADuplicateDeliveryProducesOneCall) {
  start();
  const std::string body = og("Create", "dup-1", R"(,"message":"m","updatedAt":1507738044302000106)");
  ASSERT_EQ(post("/ops-webhook", body), 202);
  ASSERT_EQ(post("/ops-webhook", body), 200);
  ASSERT_TRUE(eventually([&] { return only_incident("dup-1").has_value(); }));
  settle();
  EXPECT_EQ(pagerduty_.count("POST", "/incidents"), 1u);
}

TEST_P(Sync, ARepeatedCreateForALinkedAlertDoesNothing) {
  start();
  ASSERT_EQ(post("/ops-webhook", og("Create", "rc-1", R"(,"updatedAt":1)")), 202);
  ASSERT_EQ(post("/ops-webhook", og("Create", "rc-1", R"(,"updatedAt":2)")),
            202);  // a team added: same alert
  ASSERT_TRUE(eventually([&] { return only_incident("rc-1").has_value(); }));
  settle();
  EXPECT_EQ(pagerduty_.count("POST", "/incidents"), 1u);
}

TEST_P(Sync, ThreeServerErrorsThenSuccessMakeOneIncident) {
  pagerduty_.inject("POST /incidents", Fault{.status = 500}, 3);
  start();
  ASSERT_EQ(post("/ops-webhook", og("Create", "r500", R"(,"message":"m")")), 202);
  ASSERT_TRUE(eventually([&] { return only_incident("r500").has_value(); }, 20s)) << proxy_->output();
  settle();
  EXPECT_EQ(pagerduty_.incidents_with_key("r500").size(), 1u);
  EXPECT_NE(proxy_->output().find("retrying in"), std::string::npos);
}

TEST_P(Sync, ADroppedResponseMakesOneIncidentAndTheNextNoteLandsOnIt) {
  pagerduty_.inject("POST /incidents", Fault{.status = 0, .apply_then_drop = true}, 1);
  start();
  ASSERT_EQ(post("/ops-webhook", og("Create", "drop-1", R"(,"message":"m")")), 202);
  ASSERT_EQ(post("/ops-webhook", og("AddNote", "drop-1", R"(,"note":"after the drop")")), 202);
  ASSERT_TRUE(eventually(
      [&] {
        const auto i = only_incident("drop-1");
        return i && i->notes.size() == 1;
      },
      20s))
      << proxy_->output();
  settle();
  EXPECT_EQ(pagerduty_.incidents_with_key("drop-1").size(), 1u);
  EXPECT_EQ(only_incident("drop-1")->notes[0].content, "[from Opsgenie] test-user: after the drop");
}

TEST_P(Sync, AnAnswerSlowerThanTheTimeoutMakesOneIncident) {
  // PagerDuty creates the incident but answers after the proxy's 2 s timeout: ambiguous, so the retry looks
  // it up by key instead of creating another.
  pagerduty_.inject("POST /incidents", Fault{.status = 0, .delay = 3000ms}, 1);
  start();
  ASSERT_EQ(post("/ops-webhook", og("Create", "slow-1")), 202);
  ASSERT_EQ(post("/ops-webhook", og("AddNote", "slow-1", R"(,"note":"after the timeout")")), 202);
  ASSERT_TRUE(eventually(
      [&] {
        const auto i = only_incident("slow-1");
        return i && i->notes.size() == 1;
      },
      20s))
      << proxy_->output();
  settle();
  EXPECT_EQ(pagerduty_.incidents_with_key("slow-1").size(), 1u);
  EXPECT_NE(proxy_->output().find("Timeout was reached"), std::string::npos);
}

TEST_P(Sync, ADroppedNoteIsNotPostedTwice) {
  start();
  ASSERT_EQ(post("/ops-webhook", og("Create", "dn-1")), 202);
  ASSERT_TRUE(eventually([&] { return only_incident("dn-1").has_value(); }));
  pagerduty_.inject("POST /incidents/", Fault{.status = 0, .apply_then_drop = true}, 1);
  ASSERT_EQ(post("/ops-webhook", og("AddNote", "dn-1", R"(,"note":"only once")")), 202);
  ASSERT_TRUE(eventually([&] { return pagerduty_.count("GET", "/incidents/") >= 1; }, 20s)) << [&] {
    std::string seen;
    for (const auto& r : pagerduty_.requests()) seen += r.method + " " + r.path + "\n";
    return seen;
  }() << proxy_->output();
  settle();
  EXPECT_EQ(only_incident("dn-1")->notes.size(), 1u) << proxy_->output();
}

TEST_P(Sync, RateLimitHeadersAreHonoured) {
  pagerduty_.inject("POST /incidents", Fault{.status = 429, .headers = {{"ratelimit-reset", "2"}}}, 1);
  opsgenie_.inject(alerts_route("POST", "/alerts/"),
                   Fault{.status = 429, .headers = {{"X-RateLimit-Period-In-Sec", "1"}}}, 1);
  opsgenie_.inject(alerts_route("POST", "/alerts/"), Fault{.status = 429, .headers = {{"Retry-After", "2"}}},
                   1);
  opsgenie_.add_alert("rl-1");
  start();
  ASSERT_EQ(post("/ops-webhook", og("Create", "rl-1")), 202);
  ASSERT_TRUE(eventually([&] { return only_incident("rl-1").has_value(); }, 20s)) << proxy_->output();
  const auto creates = pagerduty_.requests();
  std::vector<std::chrono::steady_clock::time_point> at;
  for (const auto& r : creates)
    if (r.method == "POST" && r.path == "/incidents") at.push_back(r.at);
  ASSERT_EQ(at.size(), 2u);
  EXPECT_GE(at[1] - at[0], 1900ms);  // waited for ratelimit-reset

  ASSERT_EQ(post("/pd-webhook", pd("E-rl", "incident.acknowledged", only_incident("rl-1")->id, "rl-1")), 202);
  ASSERT_TRUE(eventually([&] { return opsgenie_.alert("rl-1")->acknowledged; }, 20s)) << proxy_->output();
  std::vector<std::chrono::steady_clock::time_point> acks;
  for (const auto& r : opsgenie_.requests())
    if (r.method == "POST" && r.path == alerts_at("/alerts/rl-1/acknowledge")) acks.push_back(r.at);
  ASSERT_EQ(acks.size(), 3u);
  EXPECT_GE(acks[1] - acks[0], 900ms);   // X-RateLimit-Period-In-Sec: 1
  EXPECT_GE(acks[2] - acks[1], 1900ms);  // Retry-After: 2
}

TEST_P(Sync, AFinalErrorBecomesADeadLetterThatCanBeReplayed) {
  pagerduty_.inject("POST /incidents", Fault{.status = 400}, 1);
  start();
  ASSERT_EQ(post("/ops-webhook", og("Create", "dl-1")), 202);
  ASSERT_TRUE(eventually([&] { return dead_letters_json().find("dl-1") != std::string::npos; }))
      << proxy_->output();
  EXPECT_EQ(pagerduty_.count("POST", "/incidents"), 1u);  // a 400 is not retried
  const auto list = boost::json::parse(dead_letters_json());
  ASSERT_EQ(list.as_array().size(), 1u);
  EXPECT_EQ(list.as_array()[0].at("state").as_string(), "dead");
  EXPECT_NE(std::string(list.as_array()[0].at("error").as_string()).find("HTTP 400"), std::string::npos);

  ProxyProcess replay(dir_.path(), env_, {"dead-letters", "replay", "--all"});
  EXPECT_EQ(replay.run_to_exit(), 0);
  ASSERT_TRUE(eventually([&] { return only_incident("dl-1").has_value(); })) << proxy_->output();
  EXPECT_EQ(boost::json::parse(dead_letters_json()).as_array().size(), 0u);
}

TEST_P(Sync, RetriesStopAtTheBudgetAndLeaveADeadLetter) {
  env_["RETRY_MAX_ATTEMPTS"] = "3";
  pagerduty_.inject("POST /incidents", Fault{.status = 502}, 100);
  start();
  ASSERT_EQ(post("/ops-webhook", og("Create", "budget-1")), 202);
  ASSERT_TRUE(eventually([&] { return dead_letters_json().find("budget-1") != std::string::npos; }, 20s));
  // attempts 2 and 3 look for an incident first (the 502 may have created it), then try again
  EXPECT_EQ(pagerduty_.count("POST", "/incidents"), 3u);
  EXPECT_NE(dead_letters_json().find("gave up after 3 attempts"), std::string::npos);
}

TEST_P(Sync, AnEventThatCannotBePairedIsNotRetriedForever) {
  start();
  ASSERT_EQ(post("/pd-webhook", pd("E-x", "incident.annotated", "QNOSUCHINCIDENT", "", "PHUMAN1", "hello")),
            202);
  ASSERT_TRUE(eventually([&] { return dead_letters_json().find("unpaired") != std::string::npos; }));
  settle();
  EXPECT_EQ(opsgenie_.requests().size(), 0u);
  EXPECT_EQ(pagerduty_.count("GET", "/incidents/QNOSUCHINCIDENT"), 1u);
}

TEST_P(Sync, OpsgenieAcceptsThenFailsAndTheActionBecomesUnpaired) {
  start();
  // Linked through a create, but the alert is gone in Opsgenie: 202 first, the failure only in the request
  // status — which is the action's outcome.
  ASSERT_EQ(post("/ops-webhook", og("Create", "gone-1")), 202);
  ASSERT_TRUE(eventually([&] { return only_incident("gone-1").has_value(); }));
  ASSERT_EQ(post("/pd-webhook", pd("E-gone", "incident.acknowledged", only_incident("gone-1")->id, "gone-1")),
            202);
  ASSERT_TRUE(eventually([&] {
    return dead_letters_json().find("Alert does not exist") != std::string::npos;
  })) << proxy_->output();
  const auto list = boost::json::parse(dead_letters_json()).as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].at("state").as_string(), "unpaired");
  EXPECT_GE(opsgenie_.count("GET", alerts_at("/alerts/requests/")),
            2u);  // 404 while pending, then the outcome
}

TEST_P(Sync, DryRunSendsNothingAndStillDrains) {
  env_.erase("PAGERDUTY_API_KEY");
  env_.erase("OPSGENIE_API_KEY");
  if (refused_as_a_dry_run_on_postgres()) return;
  start();
  ASSERT_EQ(post("/ops-webhook", og("Create", "dry-1", R"(,"message":"m")")), 202);
  ASSERT_EQ(post("/ops-webhook", og("AddNote", "dry-1", R"(,"note":"n")")), 202);
  ASSERT_TRUE(eventually([&] {
    return proxy_->output().find("dry-run: would send POST " + pagerduty_.url() +
                                 "/incidents/dry-run-dry-1/notes") != std::string::npos;
  })) << proxy_->output();
  EXPECT_EQ(calls(), 0u);
  EXPECT_EQ(proxy_->output().find("pd-test-key"), std::string::npos);
  // Note texts stay out of the info log; their length shows what would be sent.
  EXPECT_EQ(proxy_->output().find("test-user: n"), std::string::npos) << proxy_->output();
  EXPECT_NE(proxy_->output().find(R"({"note":{"content":"<28 characters>"}})"), std::string::npos)
      << proxy_->output();
}

TEST_P(Sync, ADryRunNeverTakesWorkARealRunQueuedNorWritesItsLinks) {
  // A real run queues a create it cannot deliver yet (PagerDuty unreachable).
  const std::string reachable = env_["PAGERDUTY_API_URL"];
  env_["PAGERDUTY_API_URL"] = "http://127.0.0.1:1";
  start();
  ASSERT_EQ(post("/ops-webhook", og("Create", "real-1", R"(,"message":"m")")), 202);
  ASSERT_EQ(proxy_->stop(), 0);

  // A credential left out (a typo in its name is a settings error): the same store, so a dry run.
  env_.erase("PAGERDUTY_API_KEY");
  if (refused_as_a_dry_run_on_postgres()) return;
  start();
  ASSERT_EQ(post("/ops-webhook", og("Create", "dry-1", R"(,"message":"m")")), 202);
  ASSERT_TRUE(eventually([&] { return proxy_->output().find("dry-run: would send") != std::string::npos; }))
      << proxy_->output();
  EXPECT_NE(proxy_->output().find("DRY RUN uses its own store"), std::string::npos);
  const auto metrics = http_request(proxy_->port(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("\nogpd_dry_run 1\n"), std::string::npos) << metrics;
  const auto [code, status] = cli({"status"});
  EXPECT_EQ(code, 0);
  EXPECT_NE(status.find("DRY RUN: on"), std::string::npos) << status;
  ASSERT_EQ(proxy_->stop(), 0);
  {
    auto db = store::Db::open((dir_.path() / "data/ogpd.db").string());
    ASSERT_TRUE(db.ok()) << db.error();
    auto pending = db->prepare("SELECT COUNT(*) FROM outbox WHERE state = 'pending'");
    ASSERT_EQ(pending.step(), SQLITE_ROW);
    EXPECT_EQ(pending.column_int(0), 1);  // the real create, untouched
    auto fake_links = db->prepare("SELECT COUNT(*) FROM links WHERE incident_id LIKE 'dry-run-%'");
    ASSERT_EQ(fake_links.step(), SQLITE_ROW);
    EXPECT_EQ(fake_links.column_int(0), 0);
  }

  // The real run comes back and does the work it queued.
  env_["PAGERDUTY_API_KEY"] = "pd-test-key";
  env_["PAGERDUTY_API_URL"] = reachable;
  start();
  ASSERT_TRUE(eventually([&] { return only_incident("real-1").has_value(); })) << proxy_->output();
  const auto metrics_real = http_request(proxy_->port(), "GET", "/metrics").body;
  EXPECT_NE(metrics_real.find("\nogpd_dry_run 0\n"), std::string::npos) << metrics_real;
}

TEST_P(Sync, Kill9DuringABurstThenRestartGivesEveryAcceptedAlertExactlyOneIncident) {
  pagerduty_.set_latency(40ms);
  start();
  std::mutex mu;
  std::set<std::string> accepted;
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&, t] {
      for (int i = t; i < 200; i += 4) {
        const std::string alert = "burst-" + std::to_string(i);
        if (post("/ops-webhook", og("Create", alert, R"(,"message":"m")")) == 202) {
          std::lock_guard lock(mu);
          accepted.insert(alert);
        }
      }
    });
  }
  for (auto& s : senders) s.join();
  ASSERT_EQ(accepted.size(), 200u);
  ASSERT_TRUE(eventually([&] { return pagerduty_.incidents().size() >= 20; }, 20s));
  EXPECT_EQ(proxy_->stop(SIGKILL), 128 + SIGKILL);
  ASSERT_LT(pagerduty_.incidents().size(), 200u) << "the burst finished before the kill: slow the fake down";

  start();
  ASSERT_TRUE(eventually([&] { return pagerduty_.incidents().size() >= 200; }, 60s)) << proxy_->output();
  settle();
  for (const auto& alert : accepted) EXPECT_EQ(pagerduty_.incidents_with_key(alert).size(), 1u) << alert;
  EXPECT_EQ(pagerduty_.incidents().size(), 200u);
}

TEST_P(Sync, Kill9WhileANoteIsInFlightDoesNotPostItTwice) {
  start();
  ASSERT_EQ(post("/ops-webhook", og("Create", "k9-note")), 202);
  ASSERT_TRUE(eventually([&] { return only_incident("k9-note").has_value(); }));
  // PagerDuty stores the note, then takes 3 s to answer; the proxy dies meanwhile.
  pagerduty_.inject("POST /incidents/", Fault{.status = 0, .delay = 3000ms}, 1);
  ASSERT_EQ(post("/ops-webhook", og("AddNote", "k9-note", R"(,"note":"exactly once")")), 202);
  ASSERT_TRUE(eventually([&] { return only_incident("k9-note")->notes.size() == 1; }));
  EXPECT_EQ(proxy_->stop(SIGKILL), 128 + SIGKILL);
  start();
  ASSERT_TRUE(eventually([&] { return pagerduty_.count("GET", "/incidents/") >= 1; })) << proxy_->output();
  settle();
  EXPECT_EQ(only_incident("k9-note")->notes.size(), 1u) << proxy_->output();
}

TEST_P(Sync, EventsJournaledWithoutAPlanAreMirroredAfterStart) {
  {
    // A journal written without planning (as by an older version): the engine plans what it finds pending.
    auto opened = open_store_directly();
    ASSERT_TRUE(opened);
    auto journal = opened->start_journal({});
    store::Received r;
    r.event.source = Source::kOpsgenie;
    r.event.kind = EventKind::kAlertCreated;
    r.event.type = "Create";
    r.event.dedupe_key = "left-1";
    r.event.alert_id = "left-1";
    r.event.title = "left over";
    r.raw_body = "{}";
    std::promise<store::AppendResult> stored;
    journal->append(std::move(r), [&](store::AppendResult result) { stored.set_value(result); });
    ASSERT_EQ(stored.get_future().get().outcome, store::AppendOutcome::kStored);
  }
  start();
  ASSERT_TRUE(eventually([&] { return only_incident("left-1").has_value(); })) << proxy_->output();
  EXPECT_EQ(only_incident("left-1")->title, "left over");
}

// DESIGN §2.3: the fakes refuse what the vendors refuse (over 25,000 characters); a long note with
// multi-byte characters at the cut lands truncated, as valid UTF-8, both ways — not as a dead letter.
TEST_P(Sync, ALongNoteLandsTruncatedOnACharacterBoundaryBothWays) {
  std::string long_note;
  for (int i = 0; i < 15000; ++i) long_note += "\xc3\xa9\xe2\x82\xac";  // é€: 30,000 characters
  const auto chars = [](const std::string& s) {
    std::size_t n = 0;
    for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
  };
  opsgenie_.add_alert("long-1", "Long notes");
  start();
  ASSERT_EQ(post("/ops-webhook", og("Create", "long-1")), 202);
  ASSERT_TRUE(eventually([&] { return only_incident("long-1").has_value(); })) << proxy_->output();
  const std::string incident_id = only_incident("long-1")->id;
  ASSERT_EQ(post("/ops-webhook",
                 R"({"action":"AddNote","alert":{"alertId":"long-1","username":"test-user"},"note":)" +
                     boost::json::serialize(boost::json::value(long_note)) +
                     R"(,"integrationId":"ccb77fcc-3474-4ee3-8140-300926635ed1"})"),
            202);
  ASSERT_TRUE(eventually([&] { return pagerduty_.incident(incident_id)->notes.size() == 1; }))
      << proxy_->output();
  const std::string to_pagerduty = pagerduty_.incident(incident_id)->notes[0].content;
  EXPECT_EQ(chars(to_pagerduty), 25000u);
  EXPECT_TRUE(to_pagerduty.ends_with("\xe2\x80\xa6 [truncated]"));
  boost::system::error_code ec;
  boost::json::parse(boost::json::serialize(boost::json::value(to_pagerduty)), ec);
  EXPECT_FALSE(ec) << "not valid UTF-8";

  ASSERT_EQ(
      post("/pd-webhook", pd("E-long", "incident.annotated", incident_id, "long-1", "PHUMAN1", long_note)),
      202);
  ASSERT_TRUE(eventually([&] { return opsgenie_.alert("long-1")->notes.size() == 1; })) << proxy_->output();
  const std::string to_opsgenie = opsgenie_.alert("long-1")->notes[0].note;
  EXPECT_EQ(chars(to_opsgenie), 25000u);
  EXPECT_TRUE(to_opsgenie.starts_with("[from PagerDuty] Human One: "));
  EXPECT_TRUE(to_opsgenie.ends_with("\xe2\x80\xa6 [truncated]"));
  EXPECT_TRUE(boost::json::parse(dead_letters_json()).as_array().empty());
}

// DESIGN §2.3: PagerDuty's webhook may carry a note shortened ("trimmed": true); the alert gets the full
// text, read from the incident's notes by the note's id.
TEST_P(Sync, ANoteDeliveredTrimmedIsMirroredInFull) {
  opsgenie_.add_alert("trimmed-1");
  start();
  ASSERT_EQ(post("/ops-webhook", og("Create", "trimmed-1")), 202);
  ASSERT_TRUE(eventually([&] { return only_incident("trimmed-1").has_value(); })) << proxy_->output();
  const std::string incident_id = only_incident("trimmed-1")->id;
  std::string full;
  for (int i = 0; i < 400; ++i) full += "line " + std::to_string(i) + " of the post-mortem timeline\n";
  const std::string note_id = pagerduty_.add_note(incident_id, full);
  const std::string delivered = full.substr(0, 250);  // what the webhook carries
  const std::string body =
      R"({"event":{"id":"E-trim","event_type":"incident.annotated","agent":{"id":"PHUMAN1",)"
      R"("type":"user_reference","summary":"Human One"},"data":{"incident":{"id":")" +
      incident_id + R"(","type":"incident_reference"},"id":")" + note_id + R"(","content":)" +
      boost::json::serialize(boost::json::value(delivered)) + R"(,"trimmed":true,"type":"incident_note"}}})";
  ASSERT_EQ(post("/pd-webhook", body), 202);
  ASSERT_TRUE(eventually([&] { return opsgenie_.alert("trimmed-1")->notes.size() == 1; }))
      << proxy_->output();
  EXPECT_EQ(opsgenie_.alert("trimmed-1")->notes[0].note, "[from PagerDuty] Human One: " + full);
  EXPECT_EQ(pagerduty_.count("GET", "/incidents/" + incident_id + "/notes"), 1u);
}

INSTANTIATE_TEST_SUITE_P(Store, Sync,
                         ::testing::Values(Stack{Backend::kSqlite, AlertSide::kOpsgenie},
                                           Stack{Backend::kPostgres, AlertSide::kOpsgenie},
                                           Stack{Backend::kSqlite, AlertSide::kJsm}),
                         stack_name);

}  // namespace
}  // namespace ogpd::testing
