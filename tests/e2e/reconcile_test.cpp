// Reconciliation end to end (DESIGN §2.2): the real binary between the fakes, with changes made behind the
// proxy's back — in the vendor's own UI, no webhook sent — repaired within a few intervals, and listed by
// `reconcile --dry-run` without being repaired.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "e2e/sync_fixture.h"

namespace ogpd::testing {
namespace {

class Reconcile : public Sync {
 protected:
  // A pair made the ordinary way: an Opsgenie Create mirrored to a PagerDuty incident. Returns its id.
  std::string make_pair(const std::string& alert_id) {
    opsgenie_.add_alert(alert_id);
    EXPECT_EQ(post("/ops-webhook", og("Create", alert_id)), 202);
    EXPECT_TRUE(eventually([&] { return only_incident(alert_id).has_value(); })) << proxy_->output();
    settle();
    return only_incident(alert_id) ? only_incident(alert_id)->id : std::string();
  }
  std::string metrics() { return http_request(proxy_->port(), "GET", "/metrics").body; }
  // The value of an unlabelled series in an exposition (-1: absent).
  static std::int64_t metric(const std::string& text, const std::string& name) {
    const auto at = text.find("\n" + name + " ");
    if (at == std::string::npos) return -1;
    return std::stoll(text.substr(at + name.size() + 2));
  }
  static bool has(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
  }
};

TEST_P(Reconcile, AnAlertClosedWithoutAWebhookResolvesItsIncident) {
  env_["RECONCILE_INTERVAL_SECONDS"] = "1";
  start();
  const std::string incident = make_pair("drift-closed");
  ASSERT_FALSE(incident.empty());

  opsgenie_.change_alert("drift-closed", "Close", "Jane Closer");  // in Opsgenie's UI: no webhook
  ASSERT_TRUE(eventually([&] { return pagerduty_.incident(incident)->status == "resolved"; }, 20s))
      << proxy_->output();
  ASSERT_TRUE(eventually([&] { return !pagerduty_.incident(incident)->notes.empty(); })) << proxy_->output();
  const auto notes = pagerduty_.incident(incident)->notes;
  ASSERT_EQ(notes.size(), 1u);
  // JSM's alert does not say who closed it (Opsgenie's report does).
  EXPECT_TRUE(
      has(notes[0].content, on_jsm() ? "Closed in JSM by a JSM user" : "Closed in Opsgenie by Jane Closer"))
      << notes[0].content;
  EXPECT_TRUE(has(notes[0].content, "webhook was missed")) << notes[0].content;
  settle();
  const auto m = metrics();
  EXPECT_TRUE(has(m, R"(ogpd_reconcile_drift_found_total{kind="alert_closed"} 1)")) << m;
  EXPECT_TRUE(has(m, R"(ogpd_reconcile_drift_repaired_total{kind="alert_closed"} 1)")) << m;
  EXPECT_EQ(pagerduty_.count("PUT", "/incidents/" + incident), 1u) << "resolved once";
  EXPECT_EQ(opsgenie_.count("POST", alerts_at("/alerts/drift-closed/")), 0u)
      << "the closed alert is left alone";

  // Closed on both sides now: the pair is settled, so the next passes read nothing more of it.
  const std::size_t reads = pagerduty_.count("GET", "/incidents/" + incident);
  const std::int64_t passes = metric(metrics(), "ogpd_reconcile_passes_total");
  ASSERT_TRUE(
      eventually([&] { return metric(metrics(), "ogpd_reconcile_passes_total") >= passes + 2; }, 10s));
  EXPECT_EQ(pagerduty_.count("GET", "/incidents/" + incident), reads);
}

TEST_P(Reconcile, AnIncidentResolvedWithoutAWebhookClosesItsAlert) {
  env_["RECONCILE_INTERVAL_SECONDS"] = "1";
  start();
  const std::string incident = make_pair("drift-resolved");
  ASSERT_FALSE(incident.empty());

  pagerduty_.set_status(incident, "resolved", "Pat Resolver");  // in PagerDuty's UI: no webhook
  ASSERT_TRUE(eventually([&] { return opsgenie_.alert("drift-resolved")->status == "closed"; }, 20s))
      << proxy_->output();
  settle();
  const auto outcomes = opsgenie_.request_outcomes();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].action, "Close");
  const auto notes = opsgenie_.alert("drift-resolved")->notes;
  ASSERT_EQ(notes.size(), 1u) << "the close carries a note saying the change was missed";
  EXPECT_TRUE(has(notes[0].note, "Resolved in PagerDuty by Pat Resolver")) << notes[0].note;
  EXPECT_TRUE(has(notes[0].note, "webhook was missed")) << notes[0].note;
  EXPECT_EQ(pagerduty_.count("PUT", "/incidents/" + incident), 0u) << "the resolved incident is left alone";
  const auto m = metrics();
  EXPECT_TRUE(has(m, R"(ogpd_reconcile_drift_repaired_total{kind="incident_resolved"} 1)")) << m;
}

TEST_P(Reconcile, AnAcknowledgeMissedOnEitherSideIsCarriedOver) {
  env_["RECONCILE_INTERVAL_SECONDS"] = "1";
  start();
  const std::string from_pagerduty = make_pair("drift-ack-pd");
  const std::string from_opsgenie = make_pair("drift-ack-og");
  ASSERT_FALSE(from_pagerduty.empty());
  ASSERT_FALSE(from_opsgenie.empty());

  pagerduty_.set_status(from_pagerduty, "acknowledged", "Pat Acker");
  opsgenie_.change_alert("drift-ack-og", "Acknowledge", "Jane Acker");
  ASSERT_TRUE(eventually(
      [&] {
        return opsgenie_.alert("drift-ack-pd")->acknowledged &&
               pagerduty_.incident(from_opsgenie)->status == "acknowledged";
      },
      20s))
      << proxy_->output();
  settle();
  EXPECT_EQ(opsgenie_.alert("drift-ack-pd")->status, "open");
  EXPECT_EQ(pagerduty_.incident(from_pagerduty)->status, "acknowledged");
  EXPECT_EQ(pagerduty_.count("PUT", "/incidents/" + from_pagerduty), 0u);
  EXPECT_EQ(opsgenie_.count("POST", alerts_at("/alerts/drift-ack-og/")), 0u);
}

TEST_P(Reconcile, DryRunListsTheDriftAndChangesNothing) {
  env_["RECONCILE_INTERVAL_SECONDS"] = "0";  // the daemon does not reconcile: only the command looks
  start();
  const std::string closed = make_pair("dry-closed");
  const std::string in_step = make_pair("dry-in-step");
  ASSERT_FALSE(closed.empty());
  ASSERT_FALSE(in_step.empty());
  opsgenie_.change_alert("dry-closed", "Close");
  const std::size_t calls_before =
      pagerduty_.count("PUT", "/") + pagerduty_.count("POST", "/") + opsgenie_.count("POST", "/");

  const auto [code, text] = cli({"reconcile", "--dry-run"});
  EXPECT_EQ(code, 1) << "drift found" << text;
  EXPECT_TRUE(has(text, "dry-closed")) << text;
  EXPECT_TRUE(has(text, "alert_closed")) << text;
  EXPECT_TRUE(has(text, "resolve the incident")) << text;
  EXPECT_FALSE(has(text, "dry-in-step\t")) << "pairs in step are not listed: " << text;
  EXPECT_TRUE(has(text, "2 pairs checked, 1 drifted")) << text;

  const auto [json_code, json_text] = cli({"reconcile", "--dry-run", "--json"});
  EXPECT_EQ(json_code, 1) << json_text;
  const auto doc = boost::json::parse(json_text).as_object();
  EXPECT_EQ(doc.at("checked").as_int64(), 2);
  EXPECT_EQ(doc.at("drifted").as_int64(), 1);
  const auto& pair = doc.at("pairs").as_array().at(0).as_object();
  EXPECT_EQ(pair.at("alert_id").as_string(), "dry-closed");
  EXPECT_EQ(pair.at("incident_id").as_string(), closed);
  EXPECT_EQ(pair.at("alert_status").as_string(), "closed");
  EXPECT_EQ(pair.at("incident_status").as_string(), "triggered");
  EXPECT_EQ(pair.at("drift").as_string(), "alert_closed");

  settle();
  EXPECT_EQ(pagerduty_.incident(closed)->status, "triggered") << "a dry run repairs nothing";
  EXPECT_EQ(pagerduty_.count("PUT", "/") + pagerduty_.count("POST", "/") + opsgenie_.count("POST", "/"),
            calls_before);

  // In step again: exit code 0.
  pagerduty_.set_status(closed, "resolved");
  const auto [clean_code, clean_text] = cli({"reconcile", "--dry-run"});
  EXPECT_EQ(clean_code, 0) << clean_text;
  EXPECT_TRUE(has(clean_text, "0 drifted")) << clean_text;
}

TEST_P(Reconcile, WithoutDryRunTheCommandRefusesAndSaysWhy) {
  start();
  const auto [code, text] = cli({"reconcile"});
  EXPECT_NE(code, 0);
  EXPECT_TRUE(has(text, "--dry-run")) << text;
}

// Reconciliation reads JSM's alerts too (its own answer shape and states).
INSTANTIATE_TEST_SUITE_P(Store, Reconcile,
                         ::testing::Values(Stack{Backend::kSqlite}, Stack{Backend::kPostgres},
                                           Stack{Backend::kSqlite, AlertSide::kJsm}),
                         stack_name);

}  // namespace
}  // namespace ogpd::testing
