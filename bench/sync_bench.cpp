// ogpd_bench_sync: the measurements wrk cannot make. Starts the real ogpd-proxy (Release) between in-process
// fake vendors and drives it over loopback:
//   accept   — accept latency (p50/p99/p99.9) at a fixed request rate, open loop (latency counted from each
//              request's scheduled time, so a stall is not hidden by the client waiting), plus RSS and CPU;
//              with BENCH_DELAYS_FILE set, each event's webhook-to-vendor delay is written there, one line
//              per event: milliseconds since the first send, then the delay in milliseconds;
//              BENCH_ALERT_IDS=sequential names alerts <prefix>0, <prefix>1, ... as this bench did before its
//              ids became UUID-like (for comparing the two; every index keyed by alert then grows in order);
//   sync     — webhook-to-vendor latency: from sending an Opsgenie Create to the fake PagerDuty receiving the
//              POST /incidents it causes;
//   shared   — accept and webhook-to-vendor latency on PostgreSQL (BENCH_PG_URL: a server bench/run started),
//              with one proxy and with two sharing the load;
//   storm    — N Creates as fast as possible against a PagerDuty that allows R requests/s and answers 429
//              beyond: every incident exactly once, the drain rate, the 429s received; then the same storm
//              with reconciliation every second: PagerDuty's total call rate still within R, no 429;
//   reconcile — the cost of a reconciliation pass: calls per pair per pass, on each vendor.
// Prints one markdown table row per figure. --quick shrinks every run to seconds (a smoke test, no targets).
#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "e2e/proxy_process.h"
#include "fakes/fake_opsgenie.h"
#include "fakes/fake_pagerduty.h"
#include "store/postgres/pg.h"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using ogpd::testing::HttpConnection;
using ogpd::testing::ProxyProcess;
using ogpd::testing::WorkDir;

// An Opsgenie Create as Opsgenie sends it: updatedAt in nanoseconds (the time it is sent).
std::string create_body(const std::string& alert) {
  const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  return R"({"action":"Create","alert":{"alertId":")" + alert +
         R"(","message":"CPU load high on web-17","tinyId":"42","entity":"web-17","alias":")" + alert +
         R"(","priority":"P2","username":"monitor@example.com","userId":"8d43133c-a002-4e95-bf2b-2d6f95e47c96",)"
         R"("responders":[{"id":"4513b7ea","type":"team","name":"ops"}],"tags":["web"],"description":"load 12.3",)"
         R"("createdAt":)" +
         std::to_string(now) + R"(,"updatedAt":)" + std::to_string(now) +
         R"(},)"
         R"("source":{"name":"web","type":"API"},"integrationId":"be4c4000-0000-4000-8000-00000000be4c","integrationName":"Webhook"})";
}

// The i-th alert of a load: the load's prefix, then a UUID-like id as scattered as Opsgenie's own (or i, with
// BENCH_ALERT_IDS=sequential).
std::string alert_id(const std::string& prefix, int i) {
  static const bool sequential = [] {
    const char* ids = std::getenv("BENCH_ALERT_IDS");
    return ids != nullptr && std::string(ids) == "sequential";
  }();
  if (sequential) return prefix + std::to_string(i);
  std::uint64_t a = 0x9e3779b97f4a7c15ULL * (static_cast<std::uint64_t>(i) + 1);  // splitmix64
  std::uint64_t words[2];
  for (auto& w : words) {
    a += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = a;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    w = z ^ (z >> 31);
  }
  char id[40];
  std::snprintf(id, sizeof id, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(words[0] >> 32),
                static_cast<unsigned>(words[0] >> 16) & 0xffff, static_cast<unsigned>(words[0]) & 0xfff,
                0x8000 | (static_cast<unsigned>(words[1] >> 48) & 0x3fff),
                static_cast<unsigned long long>(words[1] & 0xffffffffffffULL));
  return prefix + id;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(std::min<double>(v.size() - 1, p / 100.0 * v.size()));
  return v[i];
}

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  std::istringstream fields(line.substr(line.rfind(')') + 2));
  std::vector<std::string> f;
  for (std::string x; fields >> x;) f.push_back(x);
  return (std::stod(f[11]) + std::stod(f[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct Load {
  std::vector<double> latency_ms;
  std::map<std::string, Clock::time_point> sent;  // alert id -> send time
  int accepted = 0;
  int failed = 0;
  double seconds = 0;
};

// Open loop: request i is due at start + i / rate; `connections` keep-alive clients share the schedule,
// spread over `ports` (several proxies behind no balancer: client c talks to ports[c % n]).
Load drive(const std::vector<unsigned short>& ports, const std::string& prefix, int total, double rate,
           int connections) {
  Load load;
  std::mutex mu;
  std::atomic<int> next{0};
  const auto start = Clock::now() + 50ms;
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    const unsigned short port = ports[static_cast<std::size_t>(c) % ports.size()];
    threads.emplace_back([&, port] {
      auto connection = std::make_unique<HttpConnection>(port);
      for (int i; (i = next++) < total;) {
        const auto due = start + std::chrono::nanoseconds(static_cast<long long>(i * 1e9 / rate));
        std::this_thread::sleep_until(due);
        const std::string alert = alert_id(prefix, i);
        const auto sent_at = Clock::now();
        if (!connection->open()) connection = std::make_unique<HttpConnection>(port);
        const auto reply = connection->send("POST", "/ops-webhook", create_body(alert));
        const auto done = Clock::now();
        std::lock_guard lock(mu);
        load.latency_ms.push_back(std::chrono::duration<double, std::milli>(done - due).count());
        load.sent[alert] = sent_at;
        (reply.status == 202 ? load.accepted : load.failed)++;
      }
    });
  }
  for (auto& t : threads) t.join();
  load.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return load;
}

std::map<std::string, std::string> proxy_env(const ogpd::fakes::FakePagerDuty& pd,
                                             const ogpd::fakes::FakeOpsgenie& og,
                                             const std::string& pd_per_minute) {
  return {{"PAGERDUTY_API_KEY", "pd-test-key"},
          {"PAGERDUTY_SERVICE_ID", "PSVC001"},
          {"PAGERDUTY_EMAIL", "ogpd-bot@example.com"},
          {"OPSGENIE_API_KEY", "og-test-key"},
          {"OPSGENIE_INTEGRATION_ID", "be4c4000-0000-4000-8000-00000000be4c"},
          {"PAGERDUTY_API_URL", pd.url()},
          {"OPSGENIE_API_URL", og.url()},
          {"PAGERDUTY_REQUESTS_PER_MINUTE", pd_per_minute},
          {"LOG_LEVEL", "warn"},
          {"RETRY_BASE_DELAY_MS", "200"}};
}

void row(const std::string& figure, const std::string& value, const std::string& note = "") {
  std::cout << "| " << figure << " | " << value << " | " << note << " |" << std::endl;
}

std::string fmt(double v, int decimals = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// Webhook-to-vendor latency of each alert in `load` (its first POST /incidents; a retry would be later
// still), and how many alerts got more than one incident. With `delays_path`, each delay is also written
// there.
std::pair<std::vector<double>, int> to_vendor_latency(const ogpd::fakes::FakePagerDuty& pd, const Load& load,
                                                      const char* delays_path = nullptr) {
  std::map<std::string, Clock::time_point> first_call;
  for (const auto& r : pd.requests()) {
    if (r.method != "POST" || r.path != "/incidents") continue;
    boost::system::error_code ec;
    const auto body = boost::json::parse(r.body, ec);
    if (ec) continue;
    first_call.emplace(std::string(body.at("incident").at("incident_key").as_string()), r.at);
  }
  std::vector<double> to_vendor;
  std::ofstream delays;
  if (delays_path != nullptr && *delays_path != '\0') delays.open(delays_path);
  Clock::time_point first_send = Clock::time_point::max();
  for (const auto& [key, sent] : load.sent) first_send = std::min(first_send, sent);
  for (const auto& [key, at] : first_call)
    if (const auto it = load.sent.find(key); it != load.sent.end()) {
      to_vendor.push_back(std::chrono::duration<double, std::milli>(at - it->second).count());
      if (delays.is_open())
        delays << std::chrono::duration<double, std::milli>(it->second - first_send).count() << ' '
               << to_vendor.back() << '\n';
    }
  std::map<std::string, int> per_key;
  for (const auto& incident : pd.incidents()) ++per_key[incident.incident_key];
  int doubled = 0;
  for (const auto& [key, n] : per_key) doubled += n > 1;
  return {to_vendor, doubled};
}

int accept_and_sync(bool quick) {
  ogpd::fakes::FakePagerDuty pd;
  ogpd::fakes::FakeOpsgenie og;
  WorkDir dir;
  ProxyProcess proxy(dir.path(), proxy_env(pd, og, "100000"));
  if (!proxy.start()) {
    std::cerr << proxy.output();
    return 1;
  }
  std::this_thread::sleep_for(1s);
  const long idle_rss = rss_kib(proxy.pid());
  row("resident memory, idle", fmt(idle_rss / 1024.0, 1) + " MiB", "VmRSS 1 s after start");

  const double rate = quick ? 200 : 1000;
  const int total = static_cast<int>(rate * (quick ? 2 : 20));
  std::atomic<long> peak_rss{idle_rss};
  std::atomic<bool> sampling{true};
  std::thread sampler([&] {
    while (sampling) {
      peak_rss = std::max(peak_rss.load(), rss_kib(proxy.pid()));
      std::this_thread::sleep_for(100ms);
    }
  });
  const double cpu_before = cpu_seconds(proxy.pid());
  const Load load = drive({proxy.port()}, "lat-", total, rate, 32);
  // The pipeline finishes: every event mirrored to the fake PagerDuty.
  pd.wait_until([&] { return pd.incidents().size() >= static_cast<std::size_t>(load.accepted); }, 120s);
  const double cpu = cpu_seconds(proxy.pid()) - cpu_before;
  sampling = false;
  sampler.join();

  row("accept latency p50 / p99 / p99.9 at " + fmt(rate, 0) + " req/s",
      fmt(percentile(load.latency_ms, 50)) + " / " + fmt(percentile(load.latency_ms, 99)) + " / " +
          fmt(percentile(load.latency_ms, 99.9)) + " ms",
      std::to_string(load.accepted) + " accepted, " + std::to_string(load.failed) +
          " failed; 32 keep-alive connections, each 202 after fsync");
  row("resident memory, under load", fmt(peak_rss / 1024.0, 1) + " MiB", "peak VmRSS sampled every 100 ms");
  row("CPU seconds per 10k events", fmt(cpu / load.accepted * 10000, 2),
      "whole pipeline: accept, journal, plan, deliver to the fake PagerDuty");

  const auto [to_vendor, doubled] = to_vendor_latency(pd, load, std::getenv("BENCH_DELAYS_FILE"));
  row("alerts with more than one incident", std::to_string(doubled), "must be 0");
  row("webhook-to-vendor latency p50 / p99 at " + fmt(rate, 0) + " events/s",
      fmt(percentile(to_vendor, 50)) + " / " + fmt(percentile(to_vendor, 99)) + " ms",
      std::to_string(to_vendor.size()) + " incidents created");
  proxy.stop();
  if (load.failed > 0) {
    const std::string out = proxy.output();
    std::cerr << "proxy log (last 3000 bytes):\n"
              << out.substr(out.size() > 3000 ? out.size() - 3000 : 0) << "\n";
  }
  return load.failed == 0 ? 0 : 1;
}

std::int64_t metric(unsigned short port, const std::string& name) {
  const auto text = ogpd::testing::http_request(port, "GET", "/metrics").body;
  const auto at = text.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::stoll(text.substr(at + name.size() + 2));
}

// `reconcile_every_s` 0: reconciliation off. On, each alert exists in the fake Opsgenie so every pair is
// readable, and the figures are PagerDuty's whole call rate while the storm drains.
int storm(bool quick, int reconcile_every_s) {
  const int creates = quick ? 120 : 3000;
  const double allowed = 60;
  ogpd::fakes::FakePagerDuty pd;
  ogpd::fakes::FakeOpsgenie og;
  pd.set_rate_limit(allowed, static_cast<int>(allowed));
  WorkDir dir;
  auto env = proxy_env(pd, og, std::to_string(static_cast<int>(allowed * 60)));
  env["RECONCILE_INTERVAL_SECONDS"] = std::to_string(reconcile_every_s);
  const std::string prefix = reconcile_every_s > 0 ? "storm-r-" : "storm-";
  if (reconcile_every_s > 0)
    for (int i = 0; i < creates; ++i) og.add_alert(alert_id(prefix, i));
  ProxyProcess proxy(dir.path(), env);
  if (!proxy.start()) {
    std::cerr << proxy.output();
    return 1;
  }
  const Load load = drive({proxy.port()}, prefix, creates, 100000, 16);
  const bool drained =
      pd.wait_until([&] { return pd.incidents().size() >= static_cast<std::size_t>(creates); },
                    std::chrono::seconds(static_cast<int>(creates / allowed * 3 + 30)));
  int exactly_once = 0;
  for (const auto& [alert, when] : load.sent) exactly_once += pd.incidents_with_key(alert).size() == 1;
  const auto state = ogpd::testing::http_request(pd.port(), "GET", "/_fake/state");
  const auto doc = boost::json::parse(state.body);
  const double first = doc.at("first_create_ms").to_number<double>();
  const double last = doc.at("last_create_ms").to_number<double>();
  const double drain_rate = (creates - 1) / ((last - first) / 1000.0);
  const std::string name = reconcile_every_s > 0
                               ? "storm with reconciliation every " + std::to_string(reconcile_every_s) + " s"
                               : "storm";
  row(name + ": " + std::to_string(creates) + " Creates sent in", fmt(load.seconds, 2) + " s",
      std::to_string(load.accepted) + " accepted");
  row(name + ": incidents created exactly once",
      std::to_string(exactly_once) + " / " + std::to_string(creates),
      drained ? "all drained" : "NOT all drained");
  if (reconcile_every_s == 0) {
    row("storm: drain rate (allowed " + fmt(allowed, 0) + "/s)", fmt(drain_rate, 1) + " /s",
        fmt((drain_rate / allowed - 1) * 100, 1) + " % off the allowed rate");
  } else {
    // Every PagerDuty call while the creates drained: creates, and reconciliation's reads of the pairs made.
    const auto requests = pd.requests();
    const auto t0 =
        std::chrono::steady_clock::time_point(std::chrono::milliseconds(static_cast<long long>(first)));
    const auto t1 =
        std::chrono::steady_clock::time_point(std::chrono::milliseconds(static_cast<long long>(last)));
    int total = 0, reads = 0;
    for (const auto& r : requests) {
      if (r.at < t0 || r.at > t1) continue;
      ++total;
      reads += r.method == "GET" && r.path.rfind("/incidents/", 0) == 0;
    }
    const double window = (last - first) / 1000.0;
    row(name + ": PagerDuty calls/s while draining (allowed " + fmt(allowed, 0) + "/s)",
        fmt(total / window, 1) + " /s",
        "creates " + fmt(drain_rate, 1) + " /s + reconciliation reads " + fmt(reads / window, 1) +
            " /s (RECONCILE_BUDGET_PERCENT=20: at most " + fmt(allowed * 0.2, 0) + " /s)");
  }
  row(name + ": 429s received", std::to_string(pd.rate_limited()), "");
  proxy.stop();
  return drained && exactly_once == creates ? 0 : 1;
}

// Reconciliation's cost: N pairs in step, two whole passes, the vendor calls they made.
int reconcile_cost(bool quick) {
  const int pairs = quick ? 20 : 500;
  ogpd::fakes::FakePagerDuty pd;
  ogpd::fakes::FakeOpsgenie og;
  for (int i = 0; i < pairs; ++i) og.add_alert("rec-" + std::to_string(i));
  WorkDir dir;
  auto env = proxy_env(pd, og, "100000");
  env["OPSGENIE_REQUESTS_PER_MINUTE"] = "100000";
  env["RECONCILE_INTERVAL_SECONDS"] = "2";
  ProxyProcess proxy(dir.path(), env);
  if (!proxy.start()) {
    std::cerr << proxy.output();
    return 1;
  }
  drive({proxy.port()}, "rec-", pairs, 1000, 8);
  pd.wait_until([&] { return pd.incidents().size() >= static_cast<std::size_t>(pairs); }, 60s);
  const auto reads = [&] {
    std::size_t n = 0;
    for (const auto& r : pd.requests()) n += r.method == "GET" && r.path.rfind("/incidents/", 0) == 0;
    std::size_t m = 0;
    for (const auto& r : og.requests()) m += r.method == "GET" && r.path.rfind("/v2/alerts/rec-", 0) == 0;
    return std::pair{n, m};
  };
  // Between two pass counts the proxy is idle (the next pass starts at most every 2 s), so the calls counted
  // between pass k and pass k + 2 are exactly two passes' worth.
  const auto wait_pass = [&](std::int64_t at_least) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto n = metric(proxy.port(), "ogpd_reconcile_passes_total");
      if (n >= at_least) return n;
      std::this_thread::sleep_for(20ms);
    }
    return std::int64_t{-1};
  };
  const auto k = wait_pass(1);
  const auto before = reads();
  const auto k2 = wait_pass(k + 2);
  const auto after = reads();
  if (k < 0 || k2 < 0) {
    std::cerr << "reconcile: no pass finished\n" << proxy.output();
    return 1;
  }
  const double passes = static_cast<double>(k2 - k);
  row("reconcile: calls per pair per pass",
      fmt((after.first - before.first) / passes / pairs, 2) + " PagerDuty + " +
          fmt((after.second - before.second) / passes / pairs, 2) + " Opsgenie",
      std::to_string(pairs) + " open pairs in step, " + fmt(passes, 0) + " passes; no repair needed");
  proxy.stop();
  return 0;
}

// The same fixed-rate load on the shared store: `instances` proxies on one new PostgreSQL database (on the
// server `server_url`), the load spread over them.
int shared_store_latency(bool quick, const std::string& server_url, int instances) {
  const std::string name = "lat" + std::to_string(instances);
  {
    auto admin = ogpd::store::pg::Connection::open(server_url);
    if (!admin.ok() || !admin->exec_script("CREATE DATABASE " + name).ok()) {
      std::cerr << "bench: cannot create database " << name << "\n";
      return 1;
    }
  }
  ogpd::fakes::FakePagerDuty pd;
  ogpd::fakes::FakeOpsgenie og;
  auto env = proxy_env(pd, og, "100000");
  env["DATABASE_URL"] = server_url.substr(0, server_url.rfind('/') + 1) + name;
  std::vector<std::unique_ptr<WorkDir>> dirs;
  std::vector<std::unique_ptr<ProxyProcess>> proxies;
  std::vector<unsigned short> ports;
  for (int i = 0; i < instances; ++i) {
    dirs.push_back(std::make_unique<WorkDir>());
    proxies.push_back(std::make_unique<ProxyProcess>(dirs.back()->path(), env));
    if (!proxies.back()->start()) {
      std::cerr << proxies.back()->output();
      return 1;
    }
    ports.push_back(proxies.back()->port());
  }
  const double rate = quick ? 200 : 1000;
  const int total = static_cast<int>(rate * (quick ? 2 : 20));
  const Load load = drive(ports, "pg" + std::to_string(instances) + "-", total, rate, 32);
  pd.wait_until([&] { return pd.incidents().size() >= static_cast<std::size_t>(load.accepted); }, 120s);
  const auto [to_vendor, doubled] = to_vendor_latency(pd, load);
  const std::string on =
      "PostgreSQL, " + std::to_string(instances) + (instances == 1 ? " proxy" : " proxies");
  row("accept latency p50 / p99 at " + fmt(rate, 0) + " req/s, " + on,
      fmt(percentile(load.latency_ms, 50)) + " / " + fmt(percentile(load.latency_ms, 99)) + " ms",
      std::to_string(load.accepted) + " accepted, " + std::to_string(load.failed) + " failed; " +
          std::to_string(doubled) + " alerts with more than one incident (must be 0)");
  row("webhook-to-vendor latency p50 / p99 at " + fmt(rate, 0) + " events/s, " + on,
      fmt(percentile(to_vendor, 50)) + " / " + fmt(percentile(to_vendor, 99)) + " ms",
      std::to_string(to_vendor.size()) + " incidents created");
  for (auto& proxy : proxies) proxy->stop();
  return load.failed == 0 && doubled == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::string what = "all";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      quick = true;
    } else {
      what = arg;
    }
  }
  int rc = 0;
  if (what == "all" || what == "accept") rc |= accept_and_sync(quick);
  if (const char* pg = std::getenv("BENCH_PG_URL");
      pg != nullptr && *pg != '\0' && (what == "all" || what == "shared")) {
    rc |= shared_store_latency(quick, pg, 1);
    rc |= shared_store_latency(quick, pg, 2);
  }
  if (what == "all" || what == "storm") rc |= storm(quick, 0);
  if (what == "all" || what == "storm") rc |= storm(quick, 1);
  if (what == "all" || what == "reconcile") rc |= reconcile_cost(quick);
  return rc;
}
