#include "ops/metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "ops/ogpd_metrics.h"

namespace ogpd::ops {
namespace {

TEST(Metrics, RendersCountersGaugesAndHistogramsInTheTextFormat) {
  Registry registry;
  auto& calls = registry.family<Counter>("t_calls_total", "Calls.\nSecond line \\ here.", {"vendor", "op"});
  auto& depth = registry.family<Gauge>("t_depth", "Depth.");
  auto& took = registry.family<Histogram>("t_seconds", "Time.", {"vendor"}, {0.1, 1});
  calls.with({"pagerduty", "find"}).add();
  calls.with({"pagerduty", "find"}).add(2);
  calls.with({"opsgenie", "a\"b\\c\nd"}).add();
  depth.with().set(0);
  auto& h = took.with({"pagerduty"});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(0.7);
  h.observe(3);

  EXPECT_EQ(registry.render(),
            "# HELP t_calls_total Calls.\\nSecond line \\\\ here.\n"
            "# TYPE t_calls_total counter\n"
            "t_calls_total{vendor=\"opsgenie\",op=\"a\\\"b\\\\c\\nd\"} 1\n"
            "t_calls_total{vendor=\"pagerduty\",op=\"find\"} 3\n"
            "# HELP t_depth Depth.\n"
            "# TYPE t_depth gauge\n"
            "t_depth 0\n"
            "# HELP t_seconds Time.\n"
            "# TYPE t_seconds histogram\n"
            "t_seconds_bucket{vendor=\"pagerduty\",le=\"0.1\"} 1\n"
            "t_seconds_bucket{vendor=\"pagerduty\",le=\"1\"} 3\n"
            "t_seconds_bucket{vendor=\"pagerduty\",le=\"+Inf\"} 4\n"
            "t_seconds_sum{vendor=\"pagerduty\"} 4.25\n"
            "t_seconds_count{vendor=\"pagerduty\"} 4\n");
}

TEST(Metrics, ASeriesAppearsOnlyOnceItHasASampleButItsFamilyAlways) {
  Registry registry;
  auto& errors = registry.family<Counter>("t_errors_total", "Errors.", {"reason"});
  auto& never = errors.with({"accept"});  // resolved ahead, as hot paths do
  EXPECT_EQ(registry.render(), "# HELP t_errors_total Errors.\n# TYPE t_errors_total counter\n");
  never.add();
  EXPECT_NE(registry.render().find("t_errors_total{reason=\"accept\"} 1\n"), std::string::npos);
}

TEST(Metrics, IncrementsFromManyThreadsOnAHeldHandleAreAllCounted) {
  Registry registry;
  auto& counter = registry.family<Counter>("t_total", "T.").with();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) counter.add();
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter.value(), 40000);
}

TEST(Metrics, EveryOgpdFamilyIsDeclaredOnceWithHelpAndType) {
  OgpdMetrics metrics("1.2.3");
  const std::string text = metrics.registry.render();
  EXPECT_NE(text.find("ogpd_build_info{version=\"1.2.3\",alerts_api=\"opsgenie\"} 1\n"), std::string::npos)
      << text;
  for (const char* family :
       {"ogpd_webhooks_received_total", "ogpd_events_processed_total", "ogpd_vendor_call_duration_seconds",
        "ogpd_dry_run", "ogpd_connection_errors_total"}) {
    const std::string type = std::string("# TYPE ") + family + " ";
    const auto at = text.find(type);
    ASSERT_NE(at, std::string::npos) << family;
    EXPECT_EQ(text.find(type, at + 1), std::string::npos) << family << " declared twice";
  }
}

}  // namespace
}  // namespace ogpd::ops
