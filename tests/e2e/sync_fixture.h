// Test support: the real ogpd-proxy between fake PagerDuty and Opsgenie servers, and webhook builders.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "core/text.h"
#include "e2e/backend.h"
#include "e2e/proxy_process.h"
#include "fakes/fake_opsgenie.h"
#include "fakes/fake_pagerduty.h"
#include "store/postgres/store.h"
#include "store/sqlite/store.h"
#include "support/fixtures.h"
#include "support/postgres.h"

namespace ogpd::testing {

using namespace std::chrono_literals;
using fakes::FakeOpsgenie;
using fakes::FakePagerDuty;
using fakes::Fault;

inline constexpr const char* kIntegration = "ccb77fcc-3474-4ee3-8140-300926635ed1";

inline std::string og(const std::string& action, const std::string& alert, const std::string& extra = "") {
  return R"({"action":")" + action + R"(","alert":{"alertId":")" + alert + R"(","username":"test-user")" +
         extra + R"(},"integrationId":"ccb77fcc-3474-4ee3-8140-300926635ed1"})";
}

inline std::string pd(const std::string& id, const std::string& type, const std::string& incident,
                      const std::string& key, const std::string& agent_id = "PHUMAN1",
                      const std::string& note = "") {
  std::string data =
      note.empty()
          ? R"({"id":")" + incident + R"(","type":"incident","incident_key":")" + key + R"("})"
          : R"({"incident":{"id":")" + incident + R"(","type":"incident_reference"},"id":"N1","content":)" +
                boost::json::serialize(boost::json::value(note)) + R"(,"type":"incident_note"})";
  return R"({"event":{"id":")" + id + R"(","event_type":")" + type + R"(","agent":{"id":")" + agent_id +
         R"(","type":"user_reference","summary":"Human One"},"data":)" + data + "}}";
}

class Sync : public ::testing::TestWithParam<Stack> {
 protected:
  bool on_postgres() const { return GetParam().store == Backend::kPostgres; }
  bool on_jsm() const { return GetParam().alerts == AlertSide::kJsm; }
  static FakeOpsgenie::Options alert_side_options() {
    FakeOpsgenie::Options options;
    options.jsm = GetParam().alerts == AlertSide::kJsm;
    return options;
  }
  // A path of the alert API: "/v2<rest>" on Opsgenie, "/jsm/ops/api/{cloud}/v1<rest>" on JSM.
  std::string alerts_at(const std::string& rest) const {
    return (on_jsm() ? "/jsm/ops/api/" + opsgenie_.options().jsm_cloud_id + "/v1" : "/v2") + rest;
  }
  // A fake's fault route there ("POST /v2/alerts/...").
  std::string alerts_route(const std::string& method, const std::string& rest) const {
    return method + " " + alerts_at(rest);
  }
  // What incident notes call the alert side.
  std::string side_name() const { return on_jsm() ? "JSM" : "Opsgenie"; }
  // The Authorization header the alert side is called with.
  std::string alerts_auth() const {
    const auto& o = opsgenie_.options();
    return on_jsm() ? "Basic " + base64(o.jsm_email + ":" + o.jsm_api_token) : "GenieKey " + o.api_key;
  }
  void SetUp() override {
    if (on_postgres()) database_ = std::make_unique<TestDatabase>();
    env_ = {{"PAGERDUTY_API_KEY", "pd-test-key"},
            {"PAGERDUTY_SERVICE_ID", "PSVC001"},
            {"PAGERDUTY_EMAIL", "ogpd-bot@example.com"},
            {"OPSGENIE_API_KEY", "og-test-key"},
            {"OPSGENIE_INTEGRATION_ID", kIntegration},
            {"PAGERDUTY_API_URL", pagerduty_.url()},
            {"OPSGENIE_API_URL", opsgenie_.url()},
            {"RETRY_BASE_DELAY_MS", "100"},
            {"HTTP_TIMEOUT_SECONDS", "2"},
            {"PAGERDUTY_REQUESTS_PER_MINUTE", "60000"},
            {"OPSGENIE_REQUESTS_PER_MINUTE", "60000"}};
    if (on_jsm()) {
      env_.erase("OPSGENIE_API_KEY");
      env_.erase("OPSGENIE_API_URL");
      env_["ALERTS_API"] = "jsm";
      env_["JSM_API_URL"] = opsgenie_.url();
      env_["JSM_CLOUD_ID"] = opsgenie_.options().jsm_cloud_id;
      env_["JSM_EMAIL"] = opsgenie_.options().jsm_email;
      env_["JSM_API_TOKEN"] = opsgenie_.options().jsm_api_token;
      env_["JSM_REQUESTS_PER_MINUTE"] = "60000";
    }
    if (database_) {
      env_["DATABASE_URL"] = database_->url();
      // A proxy killed mid-action hands its actions over when its lease ends: short here, so the crash tests
      // wait seconds, not the default half-minute.
      env_["OUTBOX_LEASE_SECONDS"] = "5";
    }
  }
  // A dry run keeps a SQLite store of its own; on the shared store it is refused, since it would mark other
  // proxies' work done. True when the test runs on PostgreSQL and has checked that refusal.
  bool refused_as_a_dry_run_on_postgres() {
    if (!on_postgres()) return false;
    ProxyProcess dry(dir_.path(), env_);
    EXPECT_EQ(dry.run_to_exit(), 2) << dry.output();
    EXPECT_NE(dry.output().find("cannot use the shared PostgreSQL store"), std::string::npos) << dry.output();
    return true;
  }
  // The proxy's store, opened from the test (as an operator command would).
  std::unique_ptr<store::Store> open_store_directly() {
    static const SystemClock clock;
    if (database_) {
      auto opened = store::PgStore::open(database_->url(), clock);
      EXPECT_TRUE(opened.ok()) << opened.error();
      return opened.ok() ? std::move(*opened) : nullptr;
    }
    auto opened = store::SqliteStore::open((dir_.path() / "data/ogpd.db").string(), clock);
    EXPECT_TRUE(opened.ok()) << opened.error();
    return opened.ok() ? std::move(*opened) : nullptr;
  }
  void start() {
    proxy_ = std::make_unique<ProxyProcess>(dir_.path(), env_);
    ASSERT_TRUE(proxy_->start()) << proxy_->output();
  }
  int post(const std::string& path, const std::string& body) {
    return http_request(proxy_->port(), "POST", path, body).status;
  }
  bool eventually(const std::function<bool()>& predicate, std::chrono::milliseconds timeout = 10s) {
    return pagerduty_.wait_until(predicate, timeout);
  }
  std::size_t calls() const { return pagerduty_.requests().size() + opsgenie_.requests().size(); }
  // Waits until the proxy has nothing left to do: every event planned, no action pending (an action in
  // flight is still pending), as its own gauges say. So "no call was made" afterwards means none will be.
  void settle(std::chrono::milliseconds timeout = 15s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (queues_empty(http_request(proxy_->port(), "GET", "/metrics").body)) return;
      std::this_thread::sleep_for(20ms);
    }
    ADD_FAILURE() << "the proxy did not settle within " << timeout.count() << " ms";
  }
  // True when the exposition shows no event waiting to be planned and no action pending for any vendor.
  static bool queues_empty(const std::string& metrics) {
    bool seen_events = false, seen_outbox = false;
    std::istringstream in(metrics);
    for (std::string line; std::getline(in, line);) {
      const bool events = line.rfind("ogpd_events_pending ", 0) == 0;
      const bool outbox = line.rfind("ogpd_outbox_pending{", 0) == 0;
      if (!events && !outbox) continue;
      (events ? seen_events : seen_outbox) = true;
      if (line.substr(line.rfind(' ') + 1) != "0") return false;
    }
    return seen_events && seen_outbox;
  }
  // Runs `ogpd-proxy <args>` against the same store and configuration; returns (exit code, output).
  std::pair<int, std::string> cli(const std::vector<std::string>& args) {
    ProxyProcess command(dir_.path(), env_, args);
    const int code = command.run_to_exit();
    return {code, command.output()};
  }
  std::string dead_letters_json() {
    ProxyProcess cli(dir_.path(), env_, {"dead-letters", "list", "--json"});
    EXPECT_EQ(cli.run_to_exit(), 0);
    return cli.output();
  }
  std::optional<FakePagerDuty::Incident> only_incident(const std::string& key) {
    const auto all = pagerduty_.incidents_with_key(key);
    if (all.size() != 1) return std::nullopt;
    return all.front();
  }

  std::unique_ptr<TestDatabase> database_;  // on PostgreSQL: this test's own database
  FakePagerDuty pagerduty_;
  FakeOpsgenie opsgenie_{alert_side_options()};
  WorkDir dir_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<ProxyProcess> proxy_;
};

}  // namespace ogpd::testing
