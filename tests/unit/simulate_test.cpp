// ogpd-proxy simulate: the webhooks it builds are what the proxy's own intake accepts — parsed as the
// vendor's shape, signed with the configured secret, carrying the configured token — and bad requests are
// refused.
#include "cli/simulate.h"

#include <gtest/gtest.h>

#include "webhook/opsgenie.h"
#include "webhook/pagerduty.h"
#include "webhook/signature.h"

namespace ogpd::cli {
namespace {

ops::Config demo_config() {
  auto config = ops::validate({{"OPSGENIE_INTEGRATION_ID", "ccb77fcc-3474-4ee3-8140-300926635ed1"},
                               {"PAGERDUTY_SERVICE_ID", "PSVC001"},
                               {"PAGERDUTY_WEBHOOK_SECRET", "first-secret,second-secret"},
                               {"OPSGENIE_WEBHOOK_TOKEN", "demo-token"},
                               {"PORT", "5077"}});
  EXPECT_TRUE(config.ok()) << config.error();
  return *config;
}

std::string header(const SimulatedWebhook& w, const std::string& name) {
  for (const auto& [n, v] : w.headers)
    if (n == name) return v;
  return "";
}

TEST(Simulate, OpsgenieActionsParseAsTheProxysOwnIntakeReadsThemWithTheToken) {
  const auto config = demo_config();
  for (const std::string action : {"Create", "AddNote", "Acknowledge", "UnAcknowledge", "Close"}) {
    auto w =
        build_simulated_webhook({.vendor = "opsgenie", .action = action, .alert_id = "demo-1", .note = "n"},
                                config, 1'700'000'000'000, "01HZZZZZZZZZZZZZZZZZZZZZZZ");
    ASSERT_TRUE(w.ok()) << w.error();
    EXPECT_EQ(w->url, "http://127.0.0.1:5077/ops-webhook");
    EXPECT_TRUE(webhook::opsgenie_token_valid("demo-token", header(*w, "Authorization"), ""));
    const auto verdict = webhook::parse_opsgenie(w->body, config.opsgenie_integration_id);
    const auto* stored = std::get_if<webhook::Store>(&verdict);
    ASSERT_NE(stored, nullptr) << action << ": " << w->body;
    EXPECT_EQ(stored->event.alert_id, "demo-1");
    if (action == "AddNote") {
      EXPECT_EQ(stored->event.note, "n");
    }
  }
}

TEST(Simulate, PagerDutyEventsAreSignedWithTheFirstSecretAndParse) {
  const auto config = demo_config();
  for (const std::string event : {"triggered", "acknowledged", "unacknowledged", "resolved", "annotated"}) {
    auto w = build_simulated_webhook(
        {.vendor = "pagerduty", .action = event, .alert_id = "demo-1", .incident_id = "Q1DEMO", .note = "n"},
        config, 1'700'000'000'000, "01HZZZZZZZZZZZZZZZZZZZZZZZ");
    ASSERT_TRUE(w.ok()) << w.error();
    EXPECT_EQ(w->url, "http://127.0.0.1:5077/pd-webhook");
    EXPECT_TRUE(
        webhook::pagerduty_signature_valid({"first-secret"}, header(*w, "X-PagerDuty-Signature"), w->body));
    const auto verdict = webhook::parse_pagerduty(w->body, header(*w, "X-Webhook-Id"));
    const auto* stored = std::get_if<webhook::Store>(&verdict);
    ASSERT_NE(stored, nullptr) << event << ": " << w->body;
    EXPECT_EQ(stored->event.incident_id, "Q1DEMO");
    EXPECT_EQ(stored->event.type, "incident." + event);
  }
}

TEST(Simulate, UnknownActionsAndMissingIdsAreRefusedWithTheChoices) {
  const auto config = demo_config();
  const auto refused = [&](SimulateRequest r) {
    auto w = build_simulated_webhook(r, config, 0, "X");
    return w.ok() ? std::string() : w.error();
  };
  EXPECT_NE(refused({.vendor = "opsgenie", .action = "create", .alert_id = "a"})
                .find("'create' is not one of Create, AddNote, Acknowledge, UnAcknowledge, Close"),
            std::string::npos);
  EXPECT_NE(refused({.vendor = "opsgenie", .action = "Create"}).find("--alert is required"),
            std::string::npos);
  EXPECT_NE(refused({.vendor = "pagerduty", .action = "acknowledged"}).find("--incident is required"),
            std::string::npos);
  EXPECT_NE(refused({.vendor = "jira", .action = "x"}).find("not opsgenie or pagerduty"), std::string::npos);
}

}  // namespace
}  // namespace ogpd::cli
