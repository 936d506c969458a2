// DESIGN §6, high availability: several proxies on one PostgreSQL database, every guarantee of §3 across
// them — and the database going away and coming back.
#include <atomic>
#include <csignal>
#include <map>
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
  // The same delivery reaching both proxies at the same moment is stored once: one 202, one duplicate.
  for (int round = 0; round < 5; ++round) {
    const std::string delivery =
        pd("E-both-" + std::to_string(round), "incident.acknowledged", "PNOTOURS", "k");
    HttpReply replies[2];
    std::thread other([&] { replies[1] = http_request(second_->port(), "POST", "/pd-webhook", delivery); });
    replies[0] = http_request(proxy_->port(), "POST", "/pd-webhook", delivery);
    other.join();
    const int stored = (replies[0].status == 202) + (replies[1].status == 202);
    const int duplicates = (replies[0].body.find("duplicate") != std::string::npos) +
                           (replies[1].body.find("duplicate") != std::string::npos);
    EXPECT_EQ(stored, 1) << replies[0].body << " / " << replies[1].body;
    EXPECT_EQ(duplicates, 1) << replies[0].body << " / " << replies[1].body;
  }

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

// Every fifth alert also gets a note: a note posted twice would show (the fake PagerDuty keeps every note,
// while it refuses a second open incident with one key, so the POSTs are counted too).
TEST_P(HighAvailability, Kill9OfOneProxyMidBurstLeavesEveryAcceptedCreateToTheSurvivorExactlyOnce) {
  pagerduty_.set_latency(150ms);  // delivery lags the burst: the killed proxy dies with work in its hands
  start();
  start_second();
  std::mutex mu;
  std::set<std::string> accepted, noted;
  std::vector<std::thread> senders;
  const int kCreates = 500;
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&, t] {
      for (int i = t; i < kCreates; i += 4) {
        const std::string alert = "k9ha-" + std::to_string(i);
        ProxyProcess& target = i % 2 == 0 ? *proxy_ : *second_;
        if (post_to(target, "/ops-webhook", og("Create", alert, R"(,"message":"m")")) != 202) continue;
        {
          std::lock_guard lock(mu);
          accepted.insert(alert);
        }
        if (i % 5 == 0 &&
            post_to(target, "/ops-webhook", og("AddNote", alert, R"(,"note":"once only")")) == 202) {
          std::lock_guard lock(mu);
          noted.insert(alert);
        }
      }
    });
  }
  // Kill the first proxy in the middle: some incidents made, most not.
  ASSERT_TRUE(eventually([&] { return pagerduty_.incidents().size() >= 20; }, 30s)) << both_outputs();
  EXPECT_EQ(proxy_->stop(SIGKILL), 128 + SIGKILL);
  const std::size_t made_at_kill = pagerduty_.incidents().size();
  const std::size_t accepted_at_kill = [&] {
    std::lock_guard lock(mu);
    return accepted.size();
  }();
  for (auto& s : senders) s.join();
  ASSERT_LT(made_at_kill, accepted_at_kill) << "nothing was left to deliver at the kill";
  EXPECT_GT(accepted.size(), static_cast<std::size_t>(kCreates / 2)) << "the survivor took its half";

  ASSERT_TRUE(eventually([&] { return pagerduty_.incidents().size() >= accepted.size(); }, 120s))
      << second_->output();
  const auto settled = std::chrono::steady_clock::now() + 60s;  // nothing left pending on the survivor
  while (std::chrono::steady_clock::now() < settled &&
         !queues_empty(http_request(second_->port(), "GET", "/metrics").body))
    std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(queues_empty(http_request(second_->port(), "GET", "/metrics").body));
  std::map<std::string, int> creates_posted;
  for (const auto& r : pagerduty_.requests())
    if (r.method == "POST" && r.path == "/incidents")
      for (int i = 0; i < kCreates; ++i)
        if (r.body.find("\"k9ha-" + std::to_string(i) + "\"") != std::string::npos)
          ++creates_posted["k9ha-" + std::to_string(i)];
  for (const auto& alert : accepted) {
    EXPECT_EQ(pagerduty_.incidents_with_key(alert).size(), 1u) << alert;
    EXPECT_EQ(creates_posted[alert], 1) << alert << ": a takeover looks before it creates";
  }
  for (const auto& alert : noted) {
    const auto incident = only_incident(alert);
    ASSERT_TRUE(incident) << alert;
    EXPECT_EQ(incident->notes.size(), 1u) << alert << ": the note landed exactly once";
  }
  // A Create the killed proxy committed but could not answer is mirrored too (its sender would retry and be
  // told "duplicate"); none is mirrored twice.
  for (const auto& [alert, posts] : creates_posted) EXPECT_LE(posts, 1) << alert;
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

// Moving up from one box: a SQLite store with a link, a dead letter and a pending action is copied; the
// proxy on PostgreSQL carries on from it (the pending note lands once, the dead letter replays, the link and
// the dedupe window hold). A running proxy and a target that is not empty are refused.
TEST_P(HighAvailability, MigrateStoreMovesOneBoxToTheSharedStoreAndTheProxyCarriesOn) {
  const std::string postgres_url = env_["DATABASE_URL"];
  const std::string sqlite_url = "sqlite:" + (dir_.path() / "data/ogpd.db").string();
  env_["DATABASE_URL"] = sqlite_url;
  pagerduty_.inject("POST /incidents", Fault{.status = 400}, 1);
  start();
  ASSERT_EQ(post("/ops-webhook", og("Create", "mv-dead")), 202);
  ASSERT_TRUE(eventually([&] { return dead_letters_json().find("mv-dead") != std::string::npos; }));
  // With updatedAt, as Opsgenie sends it: SQLite files the change by it, PostgreSQL by its key.
  const std::string create = og("Create", "mv-1", R"(,"message":"moved","updatedAt":1700000000000000001)");
  ASSERT_EQ(post("/ops-webhook", create), 202);
  ASSERT_TRUE(eventually([&] { return only_incident("mv-1").has_value(); })) << proxy_->output();
  const std::string incident = only_incident("mv-1")->id;
  settle();
  const auto [refused_code, refused] = cli({"migrate-store", "--from", sqlite_url, "--to", postgres_url});
  EXPECT_EQ(refused_code, 1) << refused;
  EXPECT_NE(refused.find("stop it first"), std::string::npos) << refused;
  ASSERT_EQ(proxy_->stop(), 0);
  // A note queued while PagerDuty cannot be reached: still pending when the proxy stops.
  const std::string reachable = env_["PAGERDUTY_API_URL"];
  env_["PAGERDUTY_API_URL"] = "http://127.0.0.1:1";
  start();
  ASSERT_EQ(post("/ops-webhook", og("AddNote", "mv-1", R"(,"note":"queued on one box")")), 202);
  ASSERT_TRUE(eventually([&] {
    return http_request(proxy_->port(), "GET", "/metrics")
               .body.find(R"(ogpd_outbox_pending{vendor="pagerduty"} 1)") != std::string::npos;
  })) << proxy_->output();
  ASSERT_EQ(proxy_->stop(), 0);

  const auto [code, copied] = cli({"migrate-store", "--from", sqlite_url, "--to", postgres_url});
  ASSERT_EQ(code, 0) << copied;
  EXPECT_NE(copied.find("3 events"), std::string::npos) << copied;
  EXPECT_NE(copied.find("2 actions"), std::string::npos)
      << "the dead letter and the pending note: " << copied;
  EXPECT_NE(copied.find("2 links"), std::string::npos) << copied;
  const auto [again_code, again] = cli({"migrate-store", "--from", sqlite_url, "--to", postgres_url});
  EXPECT_EQ(again_code, 1) << again;
  EXPECT_NE(again.find("already holds"), std::string::npos) << again;

  env_["DATABASE_URL"] = postgres_url;
  env_["PAGERDUTY_API_URL"] = reachable;
  start();
  ASSERT_TRUE(eventually([&] { return pagerduty_.incident(incident)->notes.size() == 1; }))
      << proxy_->output();
  EXPECT_NE(pagerduty_.incident(incident)->notes[0].content.find("queued on one box"), std::string::npos);
  const auto duplicate = http_request(proxy_->port(), "POST", "/ops-webhook", create);
  EXPECT_NE(duplicate.body.find("duplicate"), std::string::npos) << "the dedupe window came along";
  ASSERT_EQ(post("/ops-webhook", og("AddNote", "mv-1", R"(,"note":"after the move")")), 202);
  ASSERT_TRUE(eventually([&] { return pagerduty_.incident(incident)->notes.size() == 2; }))
      << proxy_->output();
  EXPECT_NE(dead_letters_json().find("mv-dead"), std::string::npos);
  ProxyProcess replay(dir_.path(), env_, {"dead-letters", "replay", "--all"});
  EXPECT_EQ(replay.run_to_exit(), 0) << replay.output();
  ASSERT_TRUE(eventually([&] { return only_incident("mv-dead").has_value(); })) << proxy_->output();
  settle();
  EXPECT_EQ(pagerduty_.incidents_with_key("mv-1").size(), 1u);
  EXPECT_EQ(pagerduty_.incident(incident)->notes.size(), 2u);
}

// A pause is the shared store's record of what the vendor answered: a proxy starting beside a paused one
// leaves it in place (it has no answer of its own yet), and the first call accepted again clears it.
TEST_P(HighAvailability, AProxyStartingBesideAPausedOneLeavesThePauseRecorded) {
  start();
  ASSERT_TRUE(eventually([&] {
    return proxy_->output().find("PAGERDUTY_EMAIL belongs to PagerDuty user") != std::string::npos;
  })) << proxy_->output();
  pagerduty_.refuse_credentials_for(60s);
  ASSERT_EQ(post("/ops-webhook", og("Create", "paused-1")), 202);
  ASSERT_TRUE(eventually([&] {
    return cli({"status"}).second.find("pagerduty: PAUSED since") != std::string::npos;
  })) << proxy_->output();
  start_second();
  const auto [code, status] = cli({"status"});
  EXPECT_EQ(code, 0);
  EXPECT_NE(status.find("pagerduty: PAUSED since"), std::string::npos) << status << both_outputs();

  pagerduty_.refuse_credentials_for(0ms);
  ASSERT_TRUE(eventually([&] { return only_incident("paused-1").has_value(); }, 90s)) << both_outputs();
  EXPECT_TRUE(eventually([&] { return cli({"status"}).second.find("PAUSED") == std::string::npos; }))
      << cli({"status"}).second;
}

INSTANTIATE_TEST_SUITE_P(Store, HighAvailability, ::testing::Values(Stack{Backend::kPostgres}), stack_name);

}  // namespace
}  // namespace ogpd::testing
