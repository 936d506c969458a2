// DESIGN §6, high availability: several proxies on one PostgreSQL database, every guarantee of §3 across
// them — and the database going away and coming back.
#include <atomic>
#include <csignal>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "e2e/sync_fixture.h"

namespace ogpd::testing {
namespace {

class HighAvailability : public Sync {
 protected:
  // A second proxy on the same database, from a directory of its own (nothing on disk is shared).
  void start_second() {
    second_ = std::make_unique<ProxyProcess>(second_dir_.path(), env_);
    ASSERT_TRUE(second_->start()) << second_->output();
  }
  int post_to(ProxyProcess& proxy, const std::string& path, const std::string& body) {
    return http_request(proxy.port(), "POST", path, body).status;
  }
  std::string both_outputs() const {
    return "first:\n" + proxy_->output() + "\nsecond:\n" + (second_ ? second_->output() : std::string());
  }

  WorkDir second_dir_;
  std::unique_ptr<ProxyProcess> second_;
};

TEST_P(HighAvailability, WebhooksAlternatedBetweenTwoProxiesAreMirroredOnceAndInOrder) {
  start();
  start_second();
  ProxyProcess* proxies[] = {proxy_.get(), second_.get()};
  int turn = 0;
  const auto next = [&]() -> ProxyProcess& { return *proxies[turn++ % 2]; };
  const int kPairs = 10;
  for (int p = 0; p < kPairs; ++p) {
    const std::string alert = "ha-" + std::to_string(p);
    ASSERT_EQ(post_to(next(), "/ops-webhook", og("Create", alert, R"(,"message":"m")")), 202);
    for (int n = 1; n <= 3; ++n)
      ASSERT_EQ(post_to(next(), "/ops-webhook",
                        og("AddNote", alert, R"(,"note":"note )" + std::to_string(n) + R"(")")),
                202);
  }
  // The same delivery (one X-Webhook-Id) reaching both proxies is stored once.
  const std::string delivery = pd("E-both", "incident.acknowledged", "PNOTOURS", "k");
  EXPECT_EQ(post_to(*proxy_, "/pd-webhook", delivery), 202);
  const auto again = http_request(second_->port(), "POST", "/pd-webhook", delivery);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_NE(again.body.find("duplicate"), std::string::npos) << again.body;

  ASSERT_TRUE(eventually(
      [&] {
        for (int p = 0; p < kPairs; ++p) {
          const auto incident = only_incident("ha-" + std::to_string(p));
          if (!incident || incident->notes.size() < 3) return false;
        }
        return true;
      },
      30s))
      << both_outputs();
  for (int p = 0; p < kPairs; ++p) {
    const auto incident = only_incident("ha-" + std::to_string(p));
    ASSERT_TRUE(incident) << "ha-" << p;
    ASSERT_EQ(incident->notes.size(), 3u) << "ha-" << p;
    for (int n = 0; n < 3; ++n)
      EXPECT_NE(incident->notes[n].content.find("note " + std::to_string(n + 1)), std::string::npos)
          << "ha-" << p << " note " << n << ": " << incident->notes[n].content;
  }
  EXPECT_EQ(pagerduty_.incidents().size(), static_cast<std::size_t>(kPairs));
}

TEST_P(HighAvailability, Kill9OfOneProxyMidBurstLeavesEveryAcceptedCreateToTheSurvivorExactlyOnce) {
  pagerduty_.set_latency(20ms);
  start();
  start_second();
  std::mutex mu;
  std::set<std::string> accepted;
  std::vector<std::thread> senders;
  const int kCreates = 500;
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&, t] {
      for (int i = t; i < kCreates; i += 4) {
        const std::string alert = "k9ha-" + std::to_string(i);
        ProxyProcess& target = i % 2 == 0 ? *proxy_ : *second_;
        if (post_to(target, "/ops-webhook", og("Create", alert, R"(,"message":"m")")) == 202) {
          std::lock_guard lock(mu);
          accepted.insert(alert);
        }
      }
    });
  }
  // Kill the first proxy in the middle: some incidents made, most not.
  ASSERT_TRUE(eventually([&] { return pagerduty_.incidents().size() >= 40; }, 30s)) << both_outputs();
  EXPECT_EQ(proxy_->stop(SIGKILL), 128 + SIGKILL);
  for (auto& s : senders) s.join();
  ASSERT_LT(pagerduty_.incidents().size(), accepted.size()) << "the burst was over before the kill";
  EXPECT_GT(accepted.size(), static_cast<std::size_t>(kCreates / 2)) << "the survivor took its half";

  ASSERT_TRUE(eventually([&] { return pagerduty_.incidents().size() >= accepted.size(); }, 90s))
      << second_->output();
  const auto settled = std::chrono::steady_clock::now() + 15s;  // nothing left pending on the survivor
  while (std::chrono::steady_clock::now() < settled &&
         !queues_empty(http_request(second_->port(), "GET", "/metrics").body))
    std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(queues_empty(http_request(second_->port(), "GET", "/metrics").body));
  for (const auto& alert : accepted) EXPECT_EQ(pagerduty_.incidents_with_key(alert).size(), 1u) << alert;
  // A Create the killed proxy committed but could not answer is mirrored too (its sender would retry and be
  // told "duplicate"); none is mirrored twice.
  for (int i = 0; i < kCreates; ++i)
    EXPECT_LE(pagerduty_.incidents_with_key("k9ha-" + std::to_string(i)).size(), 1u) << i;
  EXPECT_LE(pagerduty_.incidents().size(), accepted.size() + 4) << "at most one unanswered per sender";
}

TEST_P(HighAvailability, WhileTheDatabaseIsAwayWebhooksGet503AndEverything202dIsMirroredAfter) {
  PostgresServer own;  // this test stops its server: not the one the other tests share
  ASSERT_TRUE(own.started());
  TestDatabase database(own.url());
  ASSERT_TRUE(database.ok());
  env_["DATABASE_URL"] = database.url();
  start();

  std::mutex mu;
  std::set<std::string> accepted;
  std::atomic<int> refused{0}, other{0};
  std::atomic<bool> stop_sending{false};
  std::string retry_after;
  std::thread sender([&] {
    for (int i = 0; !stop_sending; ++i) {
      const std::string alert = "down-" + std::to_string(i);
      const auto reply =
          http_request(proxy_->port(), "POST", "/ops-webhook", og("Create", alert, R"(,"message":"m")"));
      std::lock_guard lock(mu);
      if (reply.status == 202) {
        accepted.insert(alert);
      } else if (reply.status == 503) {
        ++refused;
        retry_after = reply.header("retry-after");
      } else {
        ++other;
      }
      std::this_thread::sleep_for(20ms);
    }
  });
  ASSERT_TRUE(eventually([&] { return pagerduty_.incidents().size() >= 5; }, 20s)) << proxy_->output();
  ASSERT_TRUE(own.pause());
  const auto down_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return refused.load() >= 3; }, 10s)) << proxy_->output();
  const auto ready = http_request(proxy_->port(), "GET", "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("PostgreSQL"), std::string::npos) << ready.body;
  EXPECT_EQ(http_request(proxy_->port(), "GET", "/healthz").status, 200) << "alive, only not ready";
  std::this_thread::sleep_until(down_at + 10s);
  ASSERT_TRUE(own.resume());
  // Back by itself: 202s again, and ready.
  const std::size_t accepted_before = [&] {
    std::lock_guard lock(mu);
    return accepted.size();
  }();
  ASSERT_TRUE(eventually(
      [&] {
        std::lock_guard lock(mu);
        return accepted.size() >= accepted_before + 5;
      },
      20s))
      << proxy_->output();
  stop_sending = true;
  sender.join();
  EXPECT_EQ(http_request(proxy_->port(), "GET", "/readyz").status, 200);
  EXPECT_FALSE(retry_after.empty()) << "a 503 says when to retry";
  EXPECT_EQ(other.load(), 0) << "only 202 or 503";

  ASSERT_TRUE(eventually([&] { return pagerduty_.incidents().size() >= accepted.size(); }, 60s))
      << proxy_->output();
  settle();
  for (const auto& alert : accepted) EXPECT_EQ(pagerduty_.incidents_with_key(alert).size(), 1u) << alert;
  // A Create committed just as the database went away may have been answered 503 (its commit's answer was
  // lost); its sender retries. None is mirrored twice.
  for (const auto& incident : pagerduty_.incidents())
    EXPECT_EQ(pagerduty_.incidents_with_key(incident.incident_key).size(), 1u) << incident.incident_key;
}

INSTANTIATE_TEST_SUITE_P(Store, HighAvailability, ::testing::Values(Backend::kPostgres), backend_name);

}  // namespace
}  // namespace ogpd::testing
