// End to end: the real ogpd-proxy binary on a free loopback port, real HTTP and a real store: a SQLite file,
// and a PostgreSQL database too for everything that must hold on either store.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "e2e/backend.h"
#include "e2e/proxy_process.h"
#include "fakes/fake_opsgenie.h"
#include "fakes/fake_pagerduty.h"
#include "store/sqlite/db.h"
#include "support/fixtures.h"
#include "support/postgres.h"
#include "webhook/digest.h"

namespace ogpd::testing {
namespace {

constexpr const char* kIntegration = "ccb77fcc-3474-4ee3-8140-300926635ed1";
constexpr const char* kSecret = "e2e-webhook-secret";

// The earlier proxy's README curl examples, byte for byte.
const std::vector<std::string> kOpsgenieExamples{
    R"({"action":"Create","alert":{"alertId":"test-123","message":"Test alert"},"integrationId":"ccb77fcc-3474-4ee3-8140-300926635ed1"})",
    R"({"action":"AddNote","alert":{"alertId":"test-123","username":"test-user"},"note":"This is a test note","integrationId":"ccb77fcc-3474-4ee3-8140-300926635ed1"})",
    R"({"action":"Acknowledge","alert":{"alertId":"test-123","username":"test-user"},"integrationId":"ccb77fcc-3474-4ee3-8140-300926635ed1"})",
    R"({"action":"UnAcknowledge","alert":{"alertId":"test-123","username":"test-user"},"integrationId":"ccb77fcc-3474-4ee3-8140-300926635ed1"})",
};

std::string pagerduty_example(const std::string& id, const std::string& type, const std::string& status,
                              const std::string& extra = "") {
  return R"({
  "event": {
    "id": ")" +
         id + R"(",
    "event_type": ")" +
         type + R"(",
    "resource_type": "incident",
    "occurred_at": "2025-10-27T15:26:48.576Z",
    "agent": {
      "id": "PAGENT123",
      "type": "user_reference",
      "self": "https://api.pagerduty.com/users/PAGENT123",
      "html_url": "https://example.pagerduty.com/users/PAGENT123",
      "summary": "Test User"
    },
    "client": null,
    "data": {
      "id": "PDI123",
      "type": "incident",
      "status": ")" +
         status + R"(",
      "incident_key": "test-123",
      "title": "Test incident",
      "service": {
        "id": "PSERVICE123",
        "type": "service_reference",
        "summary": "Test Service"
      }
    })" + extra +
         R"(
  }
})";
}

const std::vector<std::string> kPagerDutyExamples{
    pagerduty_example("01G3PQ97QLWWR8SGW2AT6K18HE", "incident.acknowledged", "acknowledged"),
    pagerduty_example("01G3PQ97QLWWR8SGW2AT6K18HF", "incident.unacknowledged", "triggered"),
    pagerduty_example("01G3PQ97QLWWR8SGW2AT6K18HG", "incident.annotated", "acknowledged", R"(,
    "note": {
      "id": "NOTE123",
      "content": "This is a test note from PagerDuty that should be synced to Opsgenie",
      "created_at": "2025-10-27T15:40:48.576Z",
      "user": {
        "id": "PAGENT123",
        "type": "user_reference",
        "summary": "Test User"
      }
    })"),
};

Headers pd_signed(const std::string& body, const std::string& secret = kSecret) {
  return {{"X-PagerDuty-Signature", "v1=" + webhook::to_hex(webhook::hmac_sha256(secret, body))}};
}

std::int64_t event_id_of(const HttpReply& reply) {
  boost::system::error_code ec;
  const auto doc = boost::json::parse(reply.body, ec);
  if (ec || !doc.is_object() || !doc.as_object().contains("event_id")) return -1;
  return doc.at("event_id").as_int64();
}

std::map<std::string, std::string> base_env() {
  return {{"OPSGENIE_INTEGRATION_ID", kIntegration}, {"PAGERDUTY_WEBHOOK_SECRET", kSecret}};
}

// The real proxy on a store of `backend`. On SQLite without credentials: a dry run, its own store file. On
// PostgreSQL, where a dry run is refused (it would mark other proxies' work done), with credentials for fake
// vendors, which receive whatever the events make the proxy do.
class IngestOn : public ::testing::Test {
 protected:
  explicit IngestOn(Backend backend) : backend_(backend) {}
  void SetUp() override {
    if (backend_ == Backend::kPostgres) {
      database_ = std::make_unique<TestDatabase>();
      pagerduty_ = std::make_unique<fakes::FakePagerDuty>();
      opsgenie_ = std::make_unique<fakes::FakeOpsgenie>();
      env_.insert({{"DATABASE_URL", database_->url()},
                   {"PAGERDUTY_API_KEY", "pd-test-key"},
                   {"PAGERDUTY_SERVICE_ID", "PSVC001"},
                   {"PAGERDUTY_EMAIL", "ogpd-bot@example.com"},
                   {"OPSGENIE_API_KEY", "og-test-key"},
                   {"PAGERDUTY_API_URL", pagerduty_->url()},
                   {"OPSGENIE_API_URL", opsgenie_->url()}});
    }
    proxy_ = std::make_unique<ProxyProcess>(dir_.path(), env_);
    ASSERT_TRUE(proxy_->start()) << proxy_->output();
  }
  HttpReply post(const std::string& path, const std::string& body, const Headers& headers = {}) {
    return http_request(proxy_->port(), "POST", path, body, headers);
  }
  // Stored events matching the SQL condition `where`, read from the store itself.
  std::int64_t journal_count(const std::string& where = "1 = 1") const {
    const std::string query = "SELECT COUNT(*) FROM events WHERE " + where;
    if (database_) return database_->count(query);
    return count_rows(dir_.path() / "data/ogpd.dry-run.db", query);
  }

  const Backend backend_;
  WorkDir dir_;
  std::map<std::string, std::string> env_ = base_env();
  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<fakes::FakePagerDuty> pagerduty_;
  std::unique_ptr<fakes::FakeOpsgenie> opsgenie_;
  std::unique_ptr<ProxyProcess> proxy_;
};

// What holds whichever store the events go to: Store/Ingest.<Test>/sqlite and .../postgres.
class Ingest : public IngestOn, public ::testing::WithParamInterface<Backend> {
 protected:
  Ingest() : IngestOn(GetParam()) {}
};
OGPD_ON_EVERY_BACKEND(Ingest);

// What depends on the SQLite file (its lock, its deletion) or only on the HTTP layer: on SQLite.
class IngestOnSqlite : public IngestOn {
 protected:
  IngestOnSqlite() : IngestOn(Backend::kSqlite) {}
};

TEST_P(Ingest, EarlierProxyReadmeExamplesAreAcceptedAndJournaled) {
  for (const auto& body : kOpsgenieExamples) {
    const auto reply = post("/ops-webhook", body, {{"Content-Type", "application/json"}});
    EXPECT_EQ(reply.status, 202) << body << " -> " << reply.body;
    EXPECT_EQ(reply.header("content-type"), "application/json");
    EXPECT_NE(reply.body.find("\"status\":\"accepted\""), std::string::npos);
  }
  for (const auto& body : kPagerDutyExamples) {
    const auto reply = post("/pd-webhook", body, pd_signed(body));
    EXPECT_EQ(reply.status, 202) << reply.body;
  }
  EXPECT_EQ(journal_count(), 7);
  EXPECT_EQ(journal_count("source = 'pagerduty' AND incident_key = 'test-123' AND incident_id = 'PDI123'"),
            3);
  EXPECT_EQ(journal_count("kind = 'incident.annotated' AND note LIKE 'This is a test note from PagerDuty%'"),
            1);
  EXPECT_EQ(journal_count("kind = 'alert.note_added' AND note = 'This is a test note'"), 1);
}

TEST_P(Ingest, TheSameDeliveryTwiceIsStoredOnce) {
  const auto first = post("/ops-webhook", kOpsgenieExamples[0]);
  ASSERT_EQ(first.status, 202);
  const auto second = post("/ops-webhook", kOpsgenieExamples[0]);
  EXPECT_EQ(second.status, 200);
  EXPECT_NE(second.body.find("\"status\":\"duplicate\""), std::string::npos);
  EXPECT_EQ(event_id_of(second), event_id_of(first));

  // PagerDuty retries carry the same X-Webhook-Id.
  const std::string body = read_fixture("pagerduty/aldaviva/incident_acknowledged.json");
  Headers headers = pd_signed(body);
  headers.emplace_back("X-Webhook-Id", "wh-retry-1");
  EXPECT_EQ(post("/pd-webhook", body, headers).status, 202);
  EXPECT_EQ(post("/pd-webhook", body, headers).status, 200);
  EXPECT_EQ(journal_count(), 2);
}

TEST_P(Ingest, BadRequestsGetTheirCodesAndStoreNothing) {
  const std::string one_mib(1 << 20, 'x');
  struct Case {
    std::string path, body;
    Headers headers;
    int status;
  };
  const std::string pd = kPagerDutyExamples[0];
  const std::vector<Case> cases{
      {"/ops-webhook", "{not json", {}, 400},
      {"/ops-webhook", "", {}, 400},
      {"/ops-webhook",
       R"({"action":"Create","integrationId":"ccb77fcc-3474-4ee3-8140-300926635ed1"})",
       {},
       400},
      {"/ops-webhook", one_mib, {}, 413},
      {"/pd-webhook", one_mib, pd_signed(one_mib), 413},
      {"/pd-webhook", pd, {}, 401},
      {"/pd-webhook", pd, pd_signed(pd, "wrong-secret"), 401},
      {"/pd-webhook", pd, {{"X-PagerDuty-Signature", "v1="}}, 401},
      {"/pd-webhook", pd + " ", pd_signed(pd), 401},
  };
  for (const auto& c : cases) {
    const auto reply = post(c.path, c.body, c.headers);
    EXPECT_EQ(reply.status, c.status) << c.path << " " << c.body.substr(0, 60) << " -> " << reply.body;
    EXPECT_NE(reply.body.find("\"error\""), std::string::npos) << reply.body;
  }
  const auto missing =
      post("/ops-webhook", R"({"action":"Create","integrationId":"ccb77fcc-3474-4ee3-8140-300926635ed1"})");
  EXPECT_NE(missing.body.find("missing field: alert"), std::string::npos) << missing.body;
  EXPECT_EQ(journal_count(), 0);
  // The process is still fine afterwards.
  EXPECT_EQ(post("/ops-webhook", kOpsgenieExamples[0]).status, 202);
}

TEST_P(Ingest, OtherIntegrationsAndPingsAreAnsweredOkWithAReason) {
  const auto other = post("/ops-webhook", read_fixture("opsgenie/zulip_create.json"));
  EXPECT_EQ(other.status, 200);
  EXPECT_NE(other.body.find("\"status\":\"ignored\""), std::string::npos);
  EXPECT_EQ(journal_count(), 0);  // not ours: not stored

  const std::string ping = read_fixture("pagerduty/aldaviva/ping_pagey.json");
  const auto pong = post("/pd-webhook", ping, pd_signed(ping));
  EXPECT_EQ(pong.status, 200);
  EXPECT_NE(pong.body.find("\"reason\":\"ping\""), std::string::npos) << pong.body;
  EXPECT_EQ(journal_count("status = 'ignored'"), 1);  // ours: kept for the record, nothing to do
}

TEST_P(Ingest, RoutingAnswersHealthNotFoundAndMethodNotAllowed) {
  EXPECT_EQ(http_request(proxy_->port(), "GET", "/healthz").status, 200);
  const auto ready = http_request(proxy_->port(), "GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(http_request(proxy_->port(), "GET", "/nowhere").status, 404);
  const auto wrong = http_request(proxy_->port(), "GET", "/ops-webhook");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.header("allow"), "POST");
}

TEST_P(Ingest, KeepAliveServesManyRequestsOnOneConnection) {
  HttpConnection connection(proxy_->port());
  ASSERT_TRUE(connection.open());
  for (int i = 0; i < 20; ++i) {
    const std::string body = R"({"action":"Create","alert":{"alertId":"ka-)" + std::to_string(i) +
                             R"("},"integrationId":"ccb77fcc-3474-4ee3-8140-300926635ed1"})";
    EXPECT_EQ(connection.send("POST", "/ops-webhook", body).status, 202);
    ASSERT_TRUE(connection.open()) << "connection closed after request " << i;
  }
  EXPECT_EQ(journal_count(), 20);
}

TEST_P(Ingest, TwoHundredConcurrentDeliveriesAreAllAcceptedAndStored) {
  constexpr int kDeliveries = 200, kThreads = 50;
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kDeliveries; i += kThreads) {
        const std::string body =
            R"({"action":"Create","alert":{"alertId":"burst-)" + std::to_string(i) +
            R"(","message":"m"},"integrationId":"ccb77fcc-3474-4ee3-8140-300926635ed1"})";
        accepted += post("/ops-webhook", body).status == 202;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted, kDeliveries);
  EXPECT_EQ(journal_count("alert_id LIKE 'burst-%'"), kDeliveries);
}

TEST_F(IngestOnSqlite, ALockedStoreAnswers503SoTheSenderRetriesThenRecovers) {
  auto other = store::Db::open((dir_.path() / "data/ogpd.dry-run.db").string());
  other->wait_for_locks(10'000);  // the proxy's own writes (its start-up chores) may hold the lock a moment
  ASSERT_TRUE(other->exec("BEGIN EXCLUSIVE").ok());
  const auto refused = post("/ops-webhook", kOpsgenieExamples[0]);
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_FALSE(refused.header("retry-after").empty());
  EXPECT_EQ(http_request(proxy_->port(), "GET", "/readyz").status, 503);
  ASSERT_TRUE(other->exec("COMMIT").ok());

  EXPECT_EQ(post("/ops-webhook", kOpsgenieExamples[0]).status, 202);  // the retry lands
  EXPECT_EQ(http_request(proxy_->port(), "GET", "/readyz").status, 200);
  EXPECT_EQ(journal_count(), 1);
}

TEST_P(Ingest, RestartKeepsTheJournalAndItsDedupe) {
  std::vector<std::int64_t> ids;
  for (const auto& body : kOpsgenieExamples) ids.push_back(event_id_of(post("/ops-webhook", body)));
  EXPECT_EQ(proxy_->stop(SIGTERM), 0);

  ProxyProcess again(dir_.path(), env_);
  ASSERT_TRUE(again.start()) << again.output();
  const auto ready = http_request(again.port(), "GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body << again.output();
  const auto replay = http_request(again.port(), "POST", "/ops-webhook", kOpsgenieExamples[2]);
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(event_id_of(replay), ids[2]);
  EXPECT_EQ(journal_count(), 4);
  EXPECT_EQ(again.stop(SIGINT), 0);
}

TEST_P(Ingest, EveryAcceptedEventSurvivesKill9MidBurst) {
  std::mutex mu;
  std::set<std::int64_t> accepted_ids;
  std::atomic<bool> go{true};
  std::vector<std::thread> senders;
  for (int t = 0; t < 8; ++t) {
    senders.emplace_back([&, t] {
      for (int i = 0; go && i < 2000; ++i) {
        const std::string body = R"({"action":"Create","alert":{"alertId":"crash-)" + std::to_string(t) +
                                 "-" + std::to_string(i) +
                                 R"("},"integrationId":"ccb77fcc-3474-4ee3-8140-300926635ed1"})";
        const auto reply = post("/ops-webhook", body);
        if (reply.status == 202) {
          std::lock_guard lock(mu);
          accepted_ids.insert(event_id_of(reply));
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(proxy_->stop(SIGKILL), 128 + SIGKILL);
  go = false;
  for (auto& t : senders) t.join();
  ASSERT_GT(accepted_ids.size(), 10u);

  ProxyProcess again(dir_.path(), env_);
  ASSERT_TRUE(again.start()) << again.output();
  std::string ids;
  for (const auto id : accepted_ids) ids += (ids.empty() ? "" : ",") + std::to_string(id);
  EXPECT_EQ(journal_count("id IN (" + ids + ")"), static_cast<std::int64_t>(accepted_ids.size()));
}

TEST_F(IngestOnSqlite, SigtermClosesIdleConnectionsAndExitsZero) {
  HttpConnection idle(proxy_->port());
  ASSERT_EQ(idle.send("GET", "/healthz").status, 200);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(proxy_->stop(SIGTERM), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_NE(proxy_->output().find("stopped"), std::string::npos);
}

TEST_F(IngestOnSqlite, SigtermLetsAnInFlightRequestFinishWithItsAnswer) {
  // Hold the store's lock so the request is in flight (parsed, waiting for its commit) when SIGTERM arrives.
  auto other = store::Db::open((dir_.path() / "data/ogpd.dry-run.db").string());
  other->wait_for_locks(10'000);  // the proxy's own writes (its start-up chores) may hold the lock a moment
  ASSERT_TRUE(other->exec("BEGIN EXCLUSIVE").ok());
  HttpReply reply;
  std::thread sender([&] { reply = post("/ops-webhook", kOpsgenieExamples[0]); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::thread stopper([&] { EXPECT_EQ(proxy_->stop(SIGTERM), 0); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(http_request(proxy_->port(), "GET", "/healthz").status, 0);  // no longer accepting
  ASSERT_TRUE(other->exec("COMMIT").ok());
  sender.join();
  stopper.join();
  EXPECT_EQ(reply.status, 202) << reply.body << proxy_->output();
  EXPECT_EQ(reply.header("connection"), "close");
  EXPECT_EQ(journal_count(), 1);
}

TEST_P(Ingest, PipelinedRequestsAreAnsweredInOrder) {
  namespace net = boost::asio;
  namespace http = boost::beast::http;
  net::io_context io;
  net::ip::tcp::socket socket(io);
  socket.connect({net::ip::make_address("127.0.0.1"), proxy_->port()});
  std::string wire;
  for (int i = 0; i < 3; ++i) {
    const std::string body = R"({"action":"Create","alert":{"alertId":"pipe-)" + std::to_string(i) +
                             R"("},"integrationId":"ccb77fcc-3474-4ee3-8140-300926635ed1"})";
    wire += "POST /ops-webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  net::write(socket, net::buffer(wire));  // all three before reading any answer
  boost::beast::flat_buffer buffer;
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 3; ++i) {
    http::response<http::string_body> response;
    http::read(socket, buffer, response);
    EXPECT_EQ(response.result_int(), 202u);
    ids.push_back(boost::json::parse(response.body()).at("event_id").as_int64());
  }
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(journal_count("alert_id LIKE 'pipe-%'"), 3);
}

TEST_P(Ingest, OversizedHeadersGet431AndTheProcessCarriesOn) {
  const auto reply = post("/ops-webhook", kOpsgenieExamples[0], {{"X-Padding", std::string(20 * 1024, 'h')}});
  EXPECT_EQ(reply.status, 431);
  EXPECT_EQ(journal_count(), 0);
  EXPECT_EQ(post("/ops-webhook", kOpsgenieExamples[0]).status, 202);
}

class IngestWithFewConnections : public IngestOnSqlite {
 protected:
  void SetUp() override {
    env_["MAX_CONNECTIONS"] = "2";
    IngestOnSqlite::SetUp();
  }
};

TEST_F(IngestWithFewConnections, ConnectionsBeyondTheCapAreClosedAndLaterOnesServed) {
  auto first = std::make_unique<HttpConnection>(proxy_->port());
  HttpConnection second(proxy_->port());
  ASSERT_EQ(first->send("GET", "/healthz").status, 200);
  ASSERT_EQ(second.send("GET", "/healthz").status, 200);
  HttpConnection third(proxy_->port());
  EXPECT_EQ(third.send("GET", "/healthz").status, 0);  // closed without an answer
  EXPECT_NE(proxy_->output().find("connection refused: 2 connections open"), std::string::npos);
  first.reset();  // the client goes away: its slot frees
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  HttpConnection fourth(proxy_->port());
  EXPECT_EQ(fourth.send("GET", "/healthz").status, 200);
}

class IngestWithToken : public IngestOnSqlite {
 protected:
  void SetUp() override {
    env_["OPSGENIE_WEBHOOK_TOKEN"] = "og-token-hunter2";
    IngestOnSqlite::SetUp();
  }
};

TEST_F(IngestWithToken, OpsgenieWebhookNeedsTheToken) {
  EXPECT_EQ(post("/ops-webhook", kOpsgenieExamples[0]).status, 401);
  EXPECT_EQ(post("/ops-webhook", kOpsgenieExamples[0], {{"Authorization", "Bearer wrong"}}).status, 401);
  EXPECT_EQ(post("/ops-webhook", kOpsgenieExamples[0], {{"X-Webhook-Token", "wrong"}}).status, 401);
  EXPECT_EQ(journal_count(), 0);
  EXPECT_EQ(post("/ops-webhook", kOpsgenieExamples[0], {{"Authorization", "Bearer og-token-hunter2"}}).status,
            202);
  EXPECT_EQ(post("/ops-webhook", kOpsgenieExamples[1], {{"X-Webhook-Token", "og-token-hunter2"}}).status,
            202);
  EXPECT_EQ(proxy_->output().find("hunter2"), std::string::npos);
}

// An alert id and an action carrying a newline and a terminal escape, as an attacker would send them.
const std::string kForging =
    R"({"action":"Create\n2026-01-01T00:00:00.000 info  forged action line","alert":{"alertId":"x\n2026-01-01T00:00:00.000 info  forged alert line\u001b[2J","message":"m"},"integrationId":"ccb77fcc-3474-4ee3-8140-300926635ed1"})";

bool has_line_starting(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(prefix, 0) == 0) return true;
  return false;
}

TEST_P(Ingest, ControlCharactersInWebhooksCannotForgeLogLinesOrEventsOutput) {
  EXPECT_EQ(post("/ops-webhook", kForging).status, 200);  // stored; not an action it mirrors
  const std::string log = proxy_->output();
  EXPECT_FALSE(has_line_starting(log, "2026-01-01T00:00:00.000")) << log;
  EXPECT_EQ(log.find('\x1b'), std::string::npos);
  EXPECT_NE(log.find("x\\n2026-01-01T00:00:00.000 info  forged alert line\\x1b[2J"), std::string::npos)
      << log;

  ProxyProcess events(dir_.path(), env_, {"events"});
  EXPECT_EQ(events.run_to_exit(), 0);
  const std::string out = events.output();
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;  // one event, one line
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_NE(out.find("alert=x\\n2026"), std::string::npos) << out;
}

class IngestWithJsonLogs : public IngestOnSqlite {
 protected:
  void SetUp() override {
    env_["LOG_FORMAT"] = "json";
    IngestOnSqlite::SetUp();
  }
};

TEST_F(IngestWithJsonLogs, ControlCharactersAreJsonEscapedAndEveryLineParses) {
  EXPECT_EQ(post("/ops-webhook", kForging).status, 200);
  std::istringstream in(proxy_->output());
  int lines = 0;
  bool found = false;
  for (std::string line; std::getline(in, line); ++lines) {
    boost::system::error_code ec;
    const auto doc = boost::json::parse(line, ec);
    ASSERT_FALSE(ec) << line;
    const std::string msg(doc.at("msg").as_string());
    found |= msg.find("alert=x\n2026-01-01T00:00:00.000 info  forged alert line\x1b[2J") != std::string::npos;
  }
  EXPECT_GT(lines, 3);
  EXPECT_TRUE(found) << proxy_->output();
}

// A webhook's JSON log line carries what a log pipeline filters on as members, not only inside `msg`.
TEST_F(IngestWithJsonLogs, AWebhookLineCarriesItsEventSourceTypeOutcomeAndAlertAsFields) {
  ASSERT_EQ(post("/ops-webhook", kOpsgenieExamples[0]).status, 202);
  ASSERT_EQ(post("/ops-webhook", kOpsgenieExamples[0]).status, 200);  // the duplicate
  std::istringstream in(proxy_->output());
  std::vector<boost::json::object> webhooks;
  for (std::string line; std::getline(in, line);) {
    const auto doc = boost::json::parse(line).as_object();
    if (std::string(doc.at("msg").as_string()).rfind("webhook ", 0) == 0) webhooks.push_back(doc);
  }
  ASSERT_EQ(webhooks.size(), 2u) << proxy_->output();
  for (const auto& w : webhooks) {
    EXPECT_EQ(w.at("source"), "opsgenie");
    EXPECT_EQ(w.at("type"), "Create");
    EXPECT_EQ(w.at("alert"), "test-123");
    EXPECT_EQ(w.at("event_id").as_int64(), 1);
  }
  EXPECT_EQ(webhooks[0].at("outcome"), "accepted");
  EXPECT_EQ(webhooks[0].at("status"), "202");
  EXPECT_EQ(webhooks[1].at("outcome"), "duplicate");
}

TEST(Startup, OperatorCommandsNeverCreateAStoreAndSayWhichOneIsMissing) {
  WorkDir dir;
  ProxyProcess events(dir.path(), {}, {"events"});  // no credentials: a dry run's settings
  EXPECT_EQ(events.run_to_exit(), 1);
  EXPECT_NE(events.output().find("no store at " +
                                 (std::filesystem::canonical(dir.path()) / "data/ogpd.dry-run.db").string() +
                                 " (these settings are a dry run"),
            std::string::npos)
      << events.output();
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "data"));
}

TEST(Startup, AnUnsetOpsgenieTokenIsWarnedAbout) {
  WorkDir dir;
  ProxyProcess proxy(dir.path(), {});
  ASSERT_TRUE(proxy.start()) << proxy.output();
  EXPECT_NE(proxy.output().find("OPSGENIE_WEBHOOK_TOKEN is not set"), std::string::npos) << proxy.output();
  EXPECT_EQ(proxy.stop(), 0);
}

TEST_F(IngestOnSqlite, ADeletedStoreIsNotReadyAndAcknowledgesNothing) {
  ASSERT_EQ(post("/ops-webhook", kOpsgenieExamples[0]).status, 202);
  std::filesystem::remove(dir_.path() / "data/ogpd.dry-run.db");
  const auto ready = http_request(proxy_->port(), "GET", "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("was deleted"), std::string::npos) << ready.body;
  const auto reply = post("/ops-webhook", kOpsgenieExamples[1]);
  EXPECT_EQ(reply.status, 503) << reply.body;
  EXPECT_EQ(reply.header("retry-after"), "5");
}

TEST(Startup, AReadOnlyStoreRefusesToStart) {
  WorkDir dir;
  {
    ProxyProcess first(dir.path(), {});
    ASSERT_TRUE(first.start()) << first.output();
    ASSERT_EQ(first.stop(), 0);
  }
  const auto data = dir.path() / "data";
  ProxyProcess proxy(dir.path(), {});
  if (::geteuid() == 0) {
    // root may write any file: run as nobody, owning the directory but not allowed to write the file.
    constexpr uid_t kNobody = 65534;
    for (const auto& entry : std::filesystem::directory_iterator(data))
      ASSERT_EQ(::chown(entry.path().c_str(), kNobody, kNobody), 0);
    ASSERT_EQ(::chown(data.c_str(), kNobody, kNobody), 0);
    proxy.run_as(kNobody, kNobody);
  }
  std::filesystem::permissions(data / "ogpd.dry-run.db", std::filesystem::perms::owner_read |
                                                             std::filesystem::perms::group_read |
                                                             std::filesystem::perms::others_read);
  EXPECT_FALSE(proxy.start(std::chrono::seconds(5)));  // exits instead of serving 503s
  EXPECT_NE(proxy.output().find("cannot write the store: the file is read-only"), std::string::npos)
      << proxy.output();
}

TEST(Startup, MaxConnectionsIsClampedToTheDescriptorLimitAndFourHundredClientsLeaveItServing) {
  WorkDir dir;
  ProxyProcess proxy(dir.path(), {});
  proxy.limit_open_files(256);
  ASSERT_TRUE(proxy.start()) << proxy.output();
  EXPECT_NE(proxy.output().find("MAX_CONNECTIONS=1024 lowered to 192"), std::string::npos) << proxy.output();
  std::vector<std::unique_ptr<HttpConnection>> held;
  int served = 0;
  for (int i = 0; i < 400; ++i) {
    held.push_back(std::make_unique<HttpConnection>(proxy.port()));
    served += held.back()->send("GET", "/healthz").status == 200;
  }
  EXPECT_EQ(served, 192);  // the rest were closed at once, not left waiting
  held.clear();
  // Every slot frees as its client leaves; the server never stopped accepting.
  bool ok = false;
  for (int i = 0; i < 100 && !ok; ++i) {
    ok = http_request(proxy.port(), "GET", "/healthz").status == 200;
    if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(ok);
  EXPECT_EQ(proxy.stop(), 0);
}

TEST(Startup, InvalidSettingsStopWithOneLineNamingTheSetting) {
  WorkDir dir;
  struct Case {
    std::string name, value;
  };
  for (const auto& c : std::vector<Case>{
           {"PORT", "70000"}, {"PAGERDUTY_API_URL", "not a url"}, {"DATABASE_URL", "mysql://x"}}) {
    ProxyProcess proxy(dir.path(), {{c.name, c.value}});
    std::filesystem::remove(dir.path() / "proxy.log");  // each case's output alone
    EXPECT_EQ(proxy.run_to_exit(), 2) << c.name;
    const std::string out = proxy.output();
    EXPECT_EQ(out.rfind("ogpd-proxy: configuration error: " + c.name + ":", 0), 0u) << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  }
}

// A setting's name mistyped — in .env, in the environment — or a named .env file that is not there: each
// stops start-up with one line naming it (and the setting it was likely meant to be), rather than a silent
// default such as a dry run.
TEST(Startup, MistypedNamesAndAMissingEnvFileStopWithOneLineAndASuggestion) {
  WorkDir dir;
  std::ofstream(dir.path() / "typo.env") << "PAGERDUTY_SERVCE_ID=PSVC001\n";
  struct Case {
    std::map<std::string, std::string> env;
    std::vector<std::string> args;
    std::string expected;
  };
  const std::vector<Case> cases{
      {{},
       {"--env-file", "typo.env"},
       "PAGERDUTY_SERVCE_ID (typo.env): not a setting of ogpd-proxy; did you mean PAGERDUTY_SERVICE_ID?"},
      {{},
       {"--env-file", "missing.env", "check-config"},
       "--env-file: cannot read 'missing.env' (no such file)"},
  };
  for (const auto& c : cases) {
    std::filesystem::remove(dir.path() / "proxy.log");
    ProxyProcess proxy(dir.path(), c.env, c.args);
    EXPECT_EQ(proxy.run_to_exit(), 2) << c.expected;
    const std::string out = proxy.output();
    EXPECT_EQ(out.rfind("ogpd-proxy: configuration error: ", 0), 0u) << out;
    EXPECT_NE(out.find(c.expected), std::string::npos) << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  }
  // The environment is shared with the platform (Kubernetes' DATABASE_PORT, Terraform's PAGERDUTY_TOKEN): a
  // name there like ours is a warning with the suggestion, and the proxy starts; other programs' variables
  // sharing no prefix of ours (HTTP_PROXY, HOSTNAME) are left alone.
  std::filesystem::remove(dir.path() / "proxy.log");
  ProxyProcess warned(dir.path(),
                      {{"OPSGENIE_APIKEY", "k"}, {"HTTP_PROXY", "http://proxy:3128"}, {"HOSTNAME", "box"}},
                      {"check-config"});
  EXPECT_EQ(warned.run_to_exit(), 0) << warned.output();
  EXPECT_NE(warned.output().find("ogpd-proxy: warning: OPSGENIE_APIKEY (the environment): not a setting of "
                                 "ogpd-proxy; did you mean OPSGENIE_API_KEY?"),
            std::string::npos)
      << warned.output();
  EXPECT_EQ(warned.output().find("HTTP_PROXY"), std::string::npos) << warned.output();
}

// check-config --json: what scripts read — the settings as shown (secrets hidden), the store resolved to an
// absolute path, the dry run and why; a settings error as {"ok":false,"error":...} with exit code 2.
TEST(Startup, CheckConfigJsonShowsTheResolvedStoreOrTheError) {
  WorkDir dir;
  ProxyProcess check(dir.path(), {{"PAGERDUTY_API_KEY", "pd-hunter2"}}, {"check-config", "--json"});
  ASSERT_EQ(check.run_to_exit(), 0) << check.output();
  const auto doc = boost::json::parse(check.output()).as_object();
  EXPECT_TRUE(doc.at("ok").as_bool());
  EXPECT_EQ(doc.at("store").as_string(),
            "sqlite:" + (std::filesystem::canonical(dir.path()) / "data/ogpd.dry-run.db").string());
  EXPECT_TRUE(doc.at("dry_run").as_bool());
  EXPECT_FALSE(doc.at("missing_credentials").as_array().empty());
  EXPECT_EQ(doc.at("settings").at("PAGERDUTY_API_KEY").as_string(), "set (hidden)");
  EXPECT_EQ(doc.at("settings").at("LOG_FORMAT").as_string(), "text");
  EXPECT_TRUE(doc.at("settings").at("PORT").is_int64()) << "numbers are JSON numbers";
  EXPECT_EQ(doc.at("settings").at("RETRY_MAX_ATTEMPTS").as_int64(), 12);
  EXPECT_TRUE(doc.at("settings").at("DRY_RUN").as_bool()) << "booleans are JSON booleans";
  EXPECT_FALSE(doc.at("settings").at("STATUS_PAGE").as_bool());
  EXPECT_EQ(check.output().find("hunter2"), std::string::npos);

  ProxyProcess bad(dir.path(), {{"PAGERDUTY_EMAIL", "ogpd-bot.example.com"}}, {"check-config", "--json"});
  EXPECT_EQ(bad.run_to_exit(), 2);
  const auto error = boost::json::parse(bad.output()).as_object();
  EXPECT_FALSE(error.at("ok").as_bool());
  EXPECT_NE(std::string(error.at("error").as_string()).find("PAGERDUTY_EMAIL: 'ogpd-bot.example.com'"),
            std::string::npos)
      << bad.output();
}

// Completion and the man page come from the command line's own definition: bash completes subcommands,
// nested ones and their flags; the man page lists every command and every setting's flag.
TEST(Startup, ShellCompletionAndTheManPageFollowTheCommandLine) {
  WorkDir dir;
  ProxyProcess script(dir.path(), {}, {"completion", "bash"});
  ASSERT_EQ(script.run_to_exit(), 0) << script.output();
  std::ofstream(dir.path() / "completion.bash") << script.output();
  const auto complete = [&](const std::string& words, int current) {
    const std::string command = "cd '" + dir.path().string() +
                                "' && bash -c 'source completion.bash; COMP_WORDS=(" + words +
                                "); COMP_CWORD=" + std::to_string(current) +
                                "; _ogpd_proxy; echo \"${COMPREPLY[*]}\"' > reply.txt 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0);
    std::ifstream in(dir.path() / "reply.txt");
    std::string reply;
    std::getline(in, reply);
    return reply;
  };
  EXPECT_EQ(complete("ogpd-proxy dead-letters re", 2), "replay");
  EXPECT_EQ(complete("ogpd-proxy status --j", 2), "--json");
  EXPECT_EQ(complete("ogpd-proxy simulate pagerduty --inc", 3), "--incident");
  EXPECT_EQ(complete("ogpd-proxy --pagerduty-api-u", 1), "--pagerduty-api-url");
  EXPECT_EQ(complete("ogpd-proxy doc", 1), "doctor");

  ProxyProcess zsh(dir.path(), {}, {"completion", "zsh"});
  ASSERT_EQ(zsh.run_to_exit(), 0);
  EXPECT_EQ(zsh.output().rfind("#compdef ogpd-proxy\n", 0), 0u);

  ProxyProcess man(dir.path(), {}, {"man"});
  ASSERT_EQ(man.run_to_exit(), 0);
  const std::string page = man.output();
  EXPECT_EQ(page.rfind(".TH OGPD\\-PROXY 1", 0), 0u) << page.substr(0, 80);
  for (const std::string command :
       {"check\\-config", "doctor", "simulate pagerduty", "dead\\-letters replay"})
    EXPECT_NE(page.find(".B " + command + "\n"), std::string::npos) << command;
  for (const std::string flag : {"pagerduty\\-api\\-key SECRET", "port INT", "opsgenie\\-api\\-url URL",
                                 "routes\\-file PATH", "dry\\-run BOOL"})
    EXPECT_NE(page.find(".B \\-\\-" + flag + "\n"), std::string::npos) << flag;
}

TEST(Startup, DotenvIsReadAndTheEnvironmentWins) {
  WorkDir dir;
  std::ofstream(dir.path() / ".env")
      << "OPSGENIE_INTEGRATION_ID=0d07e0a5-d07e-4e0a-9d07-e0a5d07e0a50\nLOG_LEVEL=debug\n"
         "PAGERDUTY_API_KEY=pd-hunter2\n";
  ProxyProcess proxy(dir.path(), {{"LOG_LEVEL", "warn"}}, {"check-config"});
  EXPECT_EQ(proxy.run_to_exit(), 0);
  const std::string out = proxy.output();
  EXPECT_NE(out.find("OPSGENIE_INTEGRATION_ID=0d07e0a5-d07e-4e0a-9d07-e0a5d07e0a50"), std::string::npos)
      << out;
  EXPECT_NE(out.find("LOG_LEVEL=warn"), std::string::npos) << out;
  EXPECT_NE(out.find("PAGERDUTY_API_KEY=set (hidden)"), std::string::npos) << out;
  EXPECT_EQ(out.find("hunter2"), std::string::npos) << out;
}

TEST(Startup, FlagsWinOverEverythingAndVersionAndHelpWork) {
  WorkDir dir;
  ProxyProcess check(dir.path(), {{"PORT", "6000"}}, {"--port", "6001", "check-config"});
  EXPECT_EQ(check.run_to_exit(), 0);
  EXPECT_NE(check.output().find("PORT=6001"), std::string::npos) << check.output();
  ProxyProcess version(dir.path(), {}, {"--version"});
  EXPECT_EQ(version.run_to_exit(), 0);
  EXPECT_NE(version.output().find("ogpd-proxy 0."), std::string::npos);
  ProxyProcess help(dir.path(), {}, {"--help"});
  EXPECT_EQ(help.run_to_exit(), 0);
  EXPECT_NE(help.output().find("--opsgenie-webhook-token"), std::string::npos);
}

// GnuTLS comes in with libcurl and libpq (through librtmp and libldap) and initialises itself when loaded,
// unless the program opts out; the proxy does (~0.8 MiB resident, BENCHMARKS.md). The dynamic loader says
// what it loads; asked to log, an initialising GnuTLS says so.
TEST(Startup, GnuTlsIsLoadedButNotInitialised) {
  WorkDir dir;
  ProxyProcess version(dir.path(), {{"GNUTLS_DEBUG_LEVEL", "2"}, {"LD_DEBUG", "files"}}, {"--version"});
  EXPECT_EQ(version.run_to_exit(), 0);
  const std::string out = version.output();
  EXPECT_NE(out.find("ogpd-proxy 0."), std::string::npos) << out;
  EXPECT_NE(out.find("libgnutls.so"), std::string::npos) << "GnuTLS is no longer loaded: this test is moot";
  EXPECT_EQ(out.find("gnutls["), std::string::npos) << out;
}

TEST(Startup, MissingCredentialsStartInLoudDryRun) {
  WorkDir dir;
  ProxyProcess proxy(dir.path(), {});
  ASSERT_TRUE(proxy.start()) << proxy.output();
  EXPECT_NE(proxy.output().find("DRY RUN"), std::string::npos);
  EXPECT_EQ(proxy.stop(), 0);
}

}  // namespace
}  // namespace ogpd::testing
