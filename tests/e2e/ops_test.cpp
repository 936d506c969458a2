// Operating it: /metrics after a known sequence, JSON logs with one correlation id end to end, operator
// commands against a store with known content, readiness.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "e2e/sync_fixture.h"
#include "store/sqlite/db.h"
#include "webhook/digest.h"

namespace ogpd::testing {
namespace {

// Value of the sample with exactly this name and label set in a Prometheus exposition; -1 when absent.
double sample(const std::string& exposition, const std::string& series) {
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

bool promtool_accepts(const WorkDir& dir, const std::string& exposition) {
  const auto file = dir.path() / "metrics.txt";
  std::ofstream(file) << exposition;
  const std::string command =
      "promtool check metrics < " + file.string() + " > " + (dir.path() / "promtool.out").string() + " 2>&1";
  return std::system(command.c_str()) == 0;
}

TEST_P(Sync, MetricsCountAKnownSequenceExactly) {
  env_["PAGERDUTY_WEBHOOK_SECRET"] = "s3cret";
  opsgenie_.add_alert("m-1");
  start();
  const std::string create = og("Create", "m-1", R"(,"updatedAt":1)");
  ASSERT_EQ(post("/ops-webhook", create), 202);
  ASSERT_EQ(post("/ops-webhook", create), 200);                                      // duplicate
  ASSERT_EQ(post("/ops-webhook", read_fixture("opsgenie/zulip_create.json")), 200);  // other integration
  ASSERT_EQ(post("/ops-webhook", "{"), 400);
  ASSERT_EQ(post("/ops-webhook", std::string(300 * 1024, 'x')), 413);
  ASSERT_EQ(post("/pd-webhook", pd("E1", "incident.acknowledged", "Q", "m-1")), 401);  // unsigned
  ASSERT_TRUE(eventually([&] { return only_incident("m-1").has_value(); }));
  const std::string body = pd("E2", "incident.acknowledged", only_incident("m-1")->id, "m-1");
  const auto signature = "v1=" + webhook::to_hex(webhook::hmac_sha256("s3cret", body));
  ASSERT_EQ(http_request(proxy_->port(), "POST", "/pd-webhook", body, {{"X-PagerDuty-Signature", signature}})
                .status,
            202);
  ASSERT_TRUE(eventually([&] { return opsgenie_.alert("m-1")->acknowledged; }));
  settle();

  const auto scrape = http_request(proxy_->port(), "GET", "/metrics");
  ASSERT_EQ(scrape.status, 200);
  EXPECT_EQ(scrape.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& m = scrape.body;
  EXPECT_EQ(sample(m, R"(ogpd_webhooks_received_total{source="opsgenie",outcome="accepted"})"), 1);
  EXPECT_EQ(sample(m, R"(ogpd_webhooks_received_total{source="opsgenie",outcome="duplicate"})"), 1);
  EXPECT_EQ(sample(m, R"(ogpd_webhooks_received_total{source="opsgenie",outcome="ignored"})"), 1);
  EXPECT_EQ(sample(m, R"(ogpd_webhooks_received_total{source="opsgenie",outcome="bad_request"})"), 1);
  EXPECT_EQ(sample(m, R"(ogpd_webhooks_received_total{source="opsgenie",outcome="too_large"})"), 1);
  EXPECT_EQ(sample(m, R"(ogpd_webhooks_received_total{source="pagerduty",outcome="unauthorized"})"), 1);
  EXPECT_EQ(sample(m, R"(ogpd_webhooks_received_total{source="pagerduty",outcome="accepted"})"), 1);
  EXPECT_EQ(
      sample(m, R"(ogpd_events_processed_total{source="opsgenie",kind="alert.created",outcome="mirrored"})"),
      1);
  EXPECT_EQ(
      sample(
          m,
          R"(ogpd_events_processed_total{source="pagerduty",kind="incident.acknowledged",outcome="mirrored"})"),
      1);
  EXPECT_EQ(
      sample(m, R"(ogpd_vendor_calls_total{vendor="pagerduty",operation="create_incident",status="2xx"})"),
      1);
  EXPECT_EQ(sample(m, R"(ogpd_vendor_calls_total{vendor="opsgenie",operation="acknowledge",status="2xx"})"),
            1);
  EXPECT_EQ(sample(m, R"(ogpd_actions_completed_total{vendor="opsgenie",action="opsgenie.acknowledge"})"), 1);
  EXPECT_EQ(sample(m, R"(ogpd_outbox_pending{vendor="pagerduty"})"), 0);
  EXPECT_EQ(sample(m, R"(ogpd_dead_letters{vendor="pagerduty"})"), 0);
  EXPECT_EQ(sample(m, on_jsm() ? R"(ogpd_build_info{version="0.1.0",alerts_api="jsm"})"
                               : R"(ogpd_build_info{version="0.1.0",alerts_api="opsgenie"})"),
            1);
  EXPECT_GT(sample(m, "process_resident_memory_bytes"), 1e6);
  EXPECT_GT(sample(m, "process_open_fds"), 3);
  EXPECT_GE(sample(m, R"(ogpd_vendor_call_duration_seconds_count{vendor="pagerduty"})"),
            2);  // users lookup too
  EXPECT_TRUE(promtool_accepts(dir_, m)) << m;
}

TEST_P(Sync, FailuresShowInMetrics) {
  env_["RETRY_MAX_ATTEMPTS"] = "2";
  pagerduty_.inject("POST /incidents", Fault{.status = 503, .headers = {{"ratelimit-reset", "1"}}}, 10);
  start();
  ASSERT_EQ(post("/ops-webhook", og("Create", "f-1")), 202);
  ASSERT_TRUE(eventually([&] { return dead_letters_json().find("f-1") != std::string::npos; }, 20s));
  ASSERT_EQ(post("/pd-webhook", pd("E-loop", "incident.acknowledged", "Q", "f-1", "PBOT001")),
            202);  // own user
  settle();
  const std::string m = http_request(proxy_->port(), "GET", "/metrics").body;
  EXPECT_EQ(sample(m, R"(ogpd_retries_total{vendor="pagerduty"})"), 1);
  EXPECT_EQ(sample(m, R"(ogpd_rate_limit_waits_total{vendor="pagerduty"})"), 1);
  EXPECT_EQ(sample(m, R"(ogpd_dead_letters_total{vendor="pagerduty"})"), 1);
  EXPECT_EQ(sample(m, R"(ogpd_dead_letters{vendor="pagerduty"})"), 1);
  EXPECT_EQ(sample(m, R"(ogpd_loop_echoes_suppressed_total{guard="own_user"})"), 1);
  EXPECT_EQ(
      sample(m, R"(ogpd_vendor_calls_total{vendor="pagerduty",operation="create_incident",status="5xx"})"),
      2);
  EXPECT_TRUE(promtool_accepts(dir_, m)) << m;
}

TEST_P(Sync, JsonLogsParseLineByLineAndCarryTheCorrelationIdToTheVendorCall) {
  env_["LOG_FORMAT"] = "json";
  start();
  const auto reply =
      http_request(proxy_->port(), "POST", "/ops-webhook", og("Create", "log-1", R"(,"note":"secret body")"));
  ASSERT_EQ(reply.status, 202);
  const auto event_id = boost::json::parse(reply.body).at("event_id").as_int64();
  ASSERT_TRUE(eventually([&] { return only_incident("log-1").has_value(); }));
  settle();
  ASSERT_EQ(proxy_->stop(), 0);

  std::istringstream lines(proxy_->output());
  std::set<std::string> stages;
  int parsed = 0;
  for (std::string line; std::getline(lines, line);) {
    boost::system::error_code ec;
    const auto doc = boost::json::parse(line, ec);
    ASSERT_FALSE(ec) << "not JSON: " << line;
    ASSERT_TRUE(doc.is_object());
    ++parsed;
    EXPECT_TRUE(doc.as_object().contains("time"));
    EXPECT_TRUE(doc.as_object().contains("level"));
    const std::string msg(doc.at("msg").as_string());
    EXPECT_EQ(msg.find("pd-test-key"), std::string::npos);
    if (!doc.as_object().contains("event_id") || doc.at("event_id").as_int64() != event_id) continue;
    for (const char* stage : {"webhook ", "event planned", "vendor call", "action pagerduty.create_incident"})
      if (msg.rfind(stage, 0) == 0) stages.insert(stage);
  }
  EXPECT_GT(parsed, 5);
  EXPECT_EQ(stages.size(), 4u) << proxy_->output();
}

// doctor asks both (fake) vendors, read-only: with a subscription for the service, every check passes; for a
// service that has none, or one PagerDuty disabled, or a key Opsgenie (JSM: a token JSM) refuses, the check
// fails with its fix.
TEST_P(Sync, DoctorChecksBothVendorsAndTheWebhookSubscriptionReadOnly) {
  opsgenie_.add_integration({kIntegration, "Payments webhook", "Webhook", ""});
  pagerduty_.add_webhook_subscription({.url = "https://proxy.example.com/pd-webhook",
                                       .events = {"incident.acknowledged", "incident.unacknowledged",
                                                  "incident.resolved", "incident.annotated"},
                                       .service_id = "PSVC001"});
  auto [code, out] = cli({"doctor"});
  EXPECT_EQ(code, 0) << out;
  for (const std::string& line : std::vector<std::string>{
           "\u2713 PagerDuty API key: accepted", "\u2713 PagerDuty service: PSVC001 (Fake service)",
           "\u2713 PagerDuty webhook subscription: PWS1 -> https://proxy.example.com/pd-webhook",
           "\u2713 PAGERDUTY_EMAIL: ogpd-bot@example.com is user PBOT001",
           on_jsm() ? "\u2713 JSM Operations access: the service account's token reads alerts on cloud " +
                          opsgenie_.options().jsm_cloud_id
                    : std::string("\u2713 Opsgenie API key: accepted"),
           std::string(on_jsm() ? "\u2713 JSM integration: " : "\u2713 Opsgenie integration: ") +
               "ccb77fcc-3474-4ee3-8140-300926635ed1",
           "\u2713 store: ", "all checks passed"})
    EXPECT_NE(out.find(line), std::string::npos) << line << "\n" << out;
  EXPECT_EQ(pagerduty_.count("POST", "/") + pagerduty_.count("PUT", "/") + opsgenie_.count("POST", "/"), 0u)
      << "read-only";

  pagerduty_.add_webhook_subscription({.url = "https://proxy.example.com/pd-webhook",
                                       .events = {"incident.acknowledged", "incident.unacknowledged",
                                                  "incident.resolved", "incident.annotated"},
                                       .service_id = "PSVC002",
                                       .temporarily_disabled = true});
  env_["PAGERDUTY_SERVICE_ID"] = "PSVC002";
  env_[on_jsm() ? "JSM_API_TOKEN" : "OPSGENIE_API_KEY"] = "revoked";
  std::tie(code, out) = cli({"doctor", "--json"});
  EXPECT_EQ(code, 1) << out;
  const auto doc = boost::json::parse(out).as_object();
  EXPECT_FALSE(doc.at("ok").as_bool());
  std::map<std::string, boost::json::object> by_name;
  for (const auto& c : doc.at("checks").as_array())
    by_name[std::string(c.at("name").as_string())] = c.as_object();
  EXPECT_FALSE(by_name["PagerDuty webhook subscription"].at("ok").as_bool());
  EXPECT_NE(std::string(by_name["PagerDuty webhook subscription"].at("detail").as_string())
                .find("TEMPORARILY DISABLED"),
            std::string::npos);
  const std::string alert_side = on_jsm() ? "JSM Operations access" : "Opsgenie API key";
  EXPECT_FALSE(by_name[alert_side].at("ok").as_bool());
  EXPECT_NE(std::string(by_name[alert_side].at("fix").as_string())
                .find(on_jsm() ? "API token for the service account" : "API integration's key"),
            std::string::npos);
  EXPECT_TRUE(by_name["PagerDuty service"].at("ok").as_bool());
}

// A vendor that cannot be reached: status lists the action that waits, with its attempts, when it is tried
// next and the error, naming the host it tried — not just "1 pending".
TEST_P(Sync, StatusShowsEachPendingActionWithItsReasonAndNextAttempt) {
  const std::string unreachable = "127.0.0.1:" + std::to_string(free_port());
  env_["PAGERDUTY_API_URL"] = "http://" + unreachable;
  env_["RETRY_BASE_DELAY_MS"] = "30000";
  start();
  ASSERT_EQ(post("/ops-webhook", og("Create", "stuck-1")), 202);
  std::string out;
  ASSERT_TRUE(eventually([&] {
    out = cli({"status"}).second;
    return out.find("1 attempt") != std::string::npos;
  })) << out;
  EXPECT_NE(out.find("pagerduty: 1 pending"), std::string::npos) << out;
  EXPECT_NE(out.find("pending #"), std::string::npos) << out;
  EXPECT_NE(out.find(" pagerduty.create_incident alert:stuck-1: 1 attempt, next in "), std::string::npos)
      << out;
  EXPECT_NE(out.find("last error: "), std::string::npos) << out;
  EXPECT_NE(out.find("(" + unreachable + ")"), std::string::npos) << "the host is named: " << out;

  const auto json = boost::json::parse(cli({"status", "--json"}).second).as_object();
  const auto& pending = json.at("pending_actions").as_array();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].at("kind").as_string(), "pagerduty.create_incident");
  EXPECT_EQ(pending[0].at("vendor").as_string(), "pagerduty");
  EXPECT_EQ(pending[0].at("attempts").as_int64(), 1);
  EXPECT_TRUE(pending[0].at("next_attempt").is_string());
  EXPECT_NE(std::string(pending[0].at("last_error").as_string()).find(unreachable), std::string::npos);
}

TEST_P(Sync, OperatorCommandsShowAStoreWithKnownContent) {
  pagerduty_.inject("POST /incidents", Fault{.status = 400}, 1);
  opsgenie_.add_alert("op-ok");
  start();
  ASSERT_EQ(post("/ops-webhook", og("Create", "op-dead")), 202);  // 400: a dead letter
  ASSERT_TRUE(eventually([&] { return dead_letters_json().find("op-dead") != std::string::npos; }));
  ASSERT_EQ(post("/ops-webhook", og("Create", "op-ok")), 202);
  ASSERT_TRUE(eventually([&] { return only_incident("op-ok").has_value(); }));
  settle();

  auto [code, out] = cli({"status", "--json"});
  ASSERT_EQ(code, 0) << out;
  auto status = boost::json::parse(out);
  EXPECT_EQ(status.at("events_pending").as_int64(), 0);
  EXPECT_EQ(status.at("vendors").at("pagerduty").at("dead_letters").as_int64(), 1);
  EXPECT_EQ(status.at("vendors").at("pagerduty").at("pending").as_int64(), 0);
  EXPECT_TRUE(status.at("vendors").at("pagerduty").at("last_success").is_string());
  EXPECT_TRUE(status.at("vendors").at("opsgenie").at("last_success").is_null());
  std::tie(code, out) = cli({"status"});
  EXPECT_NE(out.find("pagerduty: 0 pending, 1 dead letter, "), std::string::npos) << out;

  std::tie(code, out) = cli({"links", "--alert", "op-ok", "--json"});
  ASSERT_EQ(code, 0) << out;
  const auto links = boost::json::parse(out).as_array();
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].at("incident_id").as_string(), only_incident("op-ok")->id);
  std::tie(code, out) = cli({"links", "--incident", only_incident("op-ok")->id});
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find("alert op-ok <-> incident " + only_incident("op-ok")->id), std::string::npos) << out;
  std::tie(code, out) = cli({"links", "--alert", "no-such-alert"});
  EXPECT_EQ(code, 1);

  std::tie(code, out) = cli({"events", "--last", "2", "--json"});
  ASSERT_EQ(code, 0) << out;
  const auto events = boost::json::parse(out).as_array();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].at("alert_id").as_string(), "op-ok");  // newest first
  EXPECT_EQ(events[1].at("alert_id").as_string(), "op-dead");
  EXPECT_EQ(events[0].at("outcome").as_string(), "mirrored");
  // A Create names no incident: its link does.
  EXPECT_TRUE(events[0].at("incident_id").is_null());
  EXPECT_EQ(events[0].at("linked_incident_id").as_string(), only_incident("op-ok")->id);
  EXPECT_TRUE(events[1].at("linked_incident_id").is_null()) << "a dead letter made no incident";
  // --watch redraws in place (clear, then the status again), here twice, a second apart.
  std::tie(code, out) = cli({"status", "--watch", "1", "--count", "2"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(out.rfind("\x1b[H\x1b[2J", 0), 0u) << out;
  EXPECT_NE(out.find("\x1b[H\x1b[2J", 1), std::string::npos) << "a second frame";
  EXPECT_NE(out.find("every 1 s (Ctrl-C ends)"), std::string::npos) << out;
  std::tie(code, out) = cli({"events", "--last", "1"});
  EXPECT_NE(out.find("alert=op-ok incident=" + only_incident("op-ok")->id), std::string::npos) << out;

  const auto dead = boost::json::parse(dead_letters_json()).as_array();
  ASSERT_EQ(dead.size(), 1u);
  const std::string id = std::to_string(dead[0].at("id").as_int64());
  std::tie(code, out) = cli({"dead-letters", "show", id, "--json"});
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(boost::json::parse(out).at("action").as_string(), "pagerduty.create_incident");
  std::tie(code, out) = cli({"dead-letters", "replay", id});
  EXPECT_EQ(code, 0) << out;
  ASSERT_TRUE(eventually([&] { return only_incident("op-dead").has_value(); })) << proxy_->output();
  std::tie(code, out) = cli({"dead-letters", "replay", id});  // no longer a dead letter
  EXPECT_EQ(code, 1);
  std::tie(code, out) = cli({"dead-letters", "show", "abc"});
  EXPECT_EQ(code, 1);
}

TEST_P(Sync, ADiscardedDeadLetterLeavesTheList) {
  pagerduty_.inject("POST /incidents", Fault{.status = 400}, 1);
  start();
  ASSERT_EQ(post("/ops-webhook", og("Create", "disc-1")), 202);
  ASSERT_TRUE(eventually([&] { return dead_letters_json().find("disc-1") != std::string::npos; }));
  const auto id = std::to_string(boost::json::parse(dead_letters_json()).as_array()[0].at("id").as_int64());
  auto [code, out] = cli({"dead-letters", "discard", id});
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(boost::json::parse(dead_letters_json()).as_array().size(), 0u);
  std::tie(code, out) = cli({"dead-letters", "list"});
  EXPECT_NE(out.find("no dead letters"), std::string::npos);
}

TEST_P(Sync, HealthzIsAliveWhileReadyzFollowsTheStore) {
  if (on_postgres()) GTEST_SKIP() << "a locked SQLite file; PostgreSQL going away is HighAvailability's";
  start();
  EXPECT_EQ(http_request(proxy_->port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(http_request(proxy_->port(), "GET", "/readyz").status, 200);
  auto other = store::Db::open((dir_.path() / "data/ogpd.db").string());
  other->wait_for_locks(10'000);  // the proxy's own writes (its start-up chores) may hold the lock a moment
  ASSERT_TRUE(other->exec("BEGIN EXCLUSIVE").ok());
  EXPECT_EQ(post("/ops-webhook", og("Create", "r-1")), 503);
  EXPECT_EQ(http_request(proxy_->port(), "GET", "/readyz").status, 503);
  EXPECT_EQ(http_request(proxy_->port(), "GET", "/healthz").status, 200);
  EXPECT_TRUE(other->exec("ROLLBACK").ok());
}

}  // namespace
}  // namespace ogpd::testing

namespace ogpd::testing {
namespace {

// DESIGN §6: SQLite serves one proxy. A second daemon on the same store refuses to start and names the
// holder; operator commands still read; once the holder is gone (even by kill -9) the store is free again.
TEST_P(Sync, ASecondProxyOnOneSqliteStoreRefusesToStartAndNamesTheHolder) {
  if (on_postgres()) GTEST_SKIP() << "SQLite only: a PostgreSQL store is shared by design";
  start();
  WorkDir other;
  auto env = env_;
  env["DATABASE_URL"] = "sqlite:" + (dir_.path() / "data" / "ogpd.db").string();
  ProxyProcess second(other.path(), env);
  EXPECT_EQ(second.run_to_exit(), 1) << second.output();
  EXPECT_NE(second.output().find("is in use by process " + std::to_string(proxy_->pid())), std::string::npos)
      << second.output();
  EXPECT_NE(second.output().find("ogpd-proxy"), std::string::npos) << second.output();
  EXPECT_EQ(post("/ops-webhook", og("Create", "after-refusal")), 202) << "the first one carries on";

  const auto [code, status] = cli({"status"});
  EXPECT_EQ(code, 0) << "reading commands are fine: " << status;

  proxy_->stop(9);
  ProxyProcess successor(other.path(), env);
  ASSERT_TRUE(successor.start()) << successor.output();
  EXPECT_EQ(http_request(successor.port(), "GET", "/readyz").status, 200);
}

}  // namespace
}  // namespace ogpd::testing
