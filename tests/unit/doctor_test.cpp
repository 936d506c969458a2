// ogpd-proxy doctor: each check's verdict from the vendor's answer, table by table.
#include "cli/doctor.h"

#include <gtest/gtest.h>

namespace ogpd::cli {
namespace {

clients::HttpResult answer(int status, std::string body = "{}") {
  clients::HttpResult r;
  r.response.status = status;
  r.response.body = std::move(body);
  return r;
}

clients::HttpResult unreachable() {
  clients::HttpResult r;
  r.transport = clients::Transport::kNotSent;
  r.error = "Couldn't connect to server (api.pagerduty.com:443)";
  return r;
}

std::string subscription(const std::string& url, const std::string& events, bool disabled = false,
                         bool active = true) {
  return R"({"id":"PWS1","type":"webhook_subscription","active":)" + std::string(active ? "true" : "false") +
         R"(,"events":[)" + events + R"(],"delivery_method":{"type":"http_delivery_method","url":")" + url +
         R"(","temporarily_disabled":)" + (disabled ? "true" : "false") + "}}";
}

const std::string kAllEvents =
    R"("incident.acknowledged","incident.unacknowledged","incident.resolved","incident.annotated")";

TEST(Doctor, AWebhookSubscriptionMustPointHereCarryTheEventsAndBeEnabled) {
  struct Case {
    std::string subscriptions;
    bool ok;
    std::string detail;
  };
  const std::vector<Case> cases{
      {subscription("https://p.example.com/pd-webhook", kAllEvents), true,
       "PWS1 -> https://p.example.com/pd-webhook"},
      {subscription("https://p.example.com/pd-webhook", kAllEvents + R"(,"incident.triggered")"), true,
       "PWS1"},
      {subscription("https://p.example.com/pd-webhook", kAllEvents, true), false, "TEMPORARILY DISABLED"},
      {subscription("https://p.example.com/pd-webhook", kAllEvents, false, false), false, "is not active"},
      {subscription("https://p.example.com/pd-webhook", R"("incident.acknowledged")"), false,
       "lacks incident.unacknowledged, incident.resolved, incident.annotated"},
      {subscription("https://p.example.com/webhook", kAllEvents), false,
       "none points at a URL ending in /pd-webhook"},
      {"", false, "none points at a URL ending in /pd-webhook"},
      // A good one beside a disabled one passes.
      {subscription("https://old.example.com/pd-webhook", kAllEvents, true) + "," +
           subscription("https://p.example.com/pd-webhook", kAllEvents),
       true, "p.example.com"},
  };
  for (const auto& c : cases) {
    const auto check = check_webhook_subscription(
        answer(200, R"({"webhook_subscriptions":[)" + c.subscriptions + "]}"), "PSVC001");
    EXPECT_EQ(check.ok, c.ok) << c.subscriptions;
    EXPECT_NE(check.detail.find(c.detail), std::string::npos) << check.detail;
    EXPECT_EQ(check.fix.empty(), c.ok);
    if (!c.ok) {
      EXPECT_NE(check.fix.find("/pd-webhook"), std::string::npos) << check.fix;
    }
  }
  EXPECT_FALSE(check_webhook_subscription(answer(403), "PSVC001").ok);

  // Scope: the account's subscription serves every service; another service's does not.
  const auto scoped = [&](const std::string& filter) {
    std::string w = subscription("https://p.example.com/pd-webhook", kAllEvents);
    w.insert(w.size() - 1, R"(,"filter":)" + filter);
    return check_webhook_subscription(answer(200, R"({"webhook_subscriptions":[)" + w + "]}"), "PSVC001").ok;
  };
  EXPECT_TRUE(scoped(R"({"type":"account_reference"})"));
  EXPECT_TRUE(scoped(R"({"type":"service_reference","id":"PSVC001"})"));
  EXPECT_FALSE(scoped(R"({"type":"service_reference","id":"PSVC002"})"));
}

TEST(Doctor, KeysServicesUsersAndIntegrationsFromTheVendorsAnswers) {
  EXPECT_TRUE(check_pagerduty_key(answer(200, R"({"users":[]})")).ok);
  const auto refused = check_pagerduty_key(answer(401));
  EXPECT_FALSE(refused.ok);
  EXPECT_NE(refused.detail.find("refuses"), std::string::npos);
  EXPECT_NE(refused.fix.find("api.eu.pagerduty.com"), std::string::npos);
  const auto away = check_pagerduty_key(unreachable());
  EXPECT_FALSE(away.ok);
  EXPECT_NE(away.detail.find("api.pagerduty.com:443"), std::string::npos) << "the host is named";

  const auto service =
      check_pagerduty_service(answer(200, R"({"service":{"id":"PSVC001","name":"Payments"}})"), "PSVC001");
  EXPECT_TRUE(service.ok);
  EXPECT_EQ(service.detail, "PSVC001 (Payments)");
  EXPECT_EQ(check_pagerduty_service(answer(404), "PNOPE01").detail, "no service PNOPE01");

  const std::string users =
      R"({"users":[{"id":"PLOOK01","email":"old.bot@example.com"},{"id":"PBOT001","email":"Bot@Example.com"}]})";
  const auto me = check_pagerduty_email(answer(200, users), "bot@example.com");
  EXPECT_TRUE(me.ok);
  EXPECT_EQ(me.detail, "bot@example.com is user PBOT001");
  EXPECT_FALSE(check_pagerduty_email(answer(200, users), "nobody@example.com").ok) << "never a lookalike";

  const std::string integrations =
      R"({"data":[{"id":"ccb77fcc-3474-4ee3-8140-300926635ed1","name":"Payments webhook","type":"Webhook"}]})";
  EXPECT_TRUE(check_opsgenie_key(answer(200, integrations)).ok);
  // 403: the key is good but may not list integrations (Configuration access): the key passes, the
  // integration is reported as not checked, with the fix.
  EXPECT_TRUE(check_opsgenie_key(answer(403)).ok);
  EXPECT_FALSE(check_opsgenie_key(answer(401)).ok);
  const auto unchecked = check_opsgenie_integration(answer(403), "ccb77fcc-3474-4ee3-8140-300926635ed1");
  EXPECT_FALSE(unchecked.ok);
  EXPECT_NE(unchecked.fix.find("Configuration access"), std::string::npos);
  EXPECT_EQ(
      check_opsgenie_integration(answer(200, integrations), "ccb77fcc-3474-4ee3-8140-300926635ed1").detail,
      "ccb77fcc-3474-4ee3-8140-300926635ed1 (Payments webhook, Webhook)");
  EXPECT_FALSE(
      check_opsgenie_integration(answer(200, integrations), "00000000-0000-4000-8000-000000000000").ok);
  EXPECT_TRUE(check_opsgenie_integration(
                  answer(200, R"({"values":[{"id":"ccb77fcc-3474-4ee3-8140-300926635ed1","name":"w"}]})"),
                  "ccb77fcc-3474-4ee3-8140-300926635ed1")
                  .ok)
      << "JSM lists in values";
}

// JSM Operations: each refusal named for what it is (reference/jsm-operations.md: a missing scope is a 401,
// not a 403; a wrong cloud id a 404).
TEST(Doctor, JsmAccessNamesTheScopeTheCredentialsTheAccessAndTheCloudId) {
  const std::string cloud = "a436116f-02ce-4520-8fbb-7301462a1674";
  EXPECT_TRUE(check_jsm_access(answer(200, R"({"values":[],"count":0})"), cloud).ok);
  const auto scope =
      check_jsm_access(answer(401, R"({"code":401,"message":"Unauthorized; scope does not match"})"), cloud);
  EXPECT_FALSE(scope.ok);
  EXPECT_NE(scope.detail.find("lacks the alert scopes"), std::string::npos) << scope.detail;
  const auto refused =
      check_jsm_access(answer(401, R"({"code":401,"message":"Client must be authenticated"})"), cloud);
  EXPECT_NE(refused.detail.find("refuses JSM_EMAIL + JSM_API_TOKEN"), std::string::npos) << refused.detail;
  EXPECT_NE(check_jsm_access(answer(403, R"({"errors":[{"title":"Forbidden"}]})"), cloud)
                .detail.find("no Operations access"),
            std::string::npos);
  EXPECT_NE(check_jsm_access(answer(404, "{}"), cloud).fix.find("tenant_info"), std::string::npos);
}

}  // namespace
}  // namespace ogpd::cli
