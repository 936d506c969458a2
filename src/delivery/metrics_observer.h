// MetricsObserver: turns what the engine and the executor report into ops::Metrics samples and log lines.
// Thread-safe (Metrics is).
#pragma once

#include "clients/observing_http_client.h"
#include "delivery/engine_observer.h"
#include "ops/metrics.h"
#include "store/records.h"

namespace ogpd::delivery {

class MetricsObserver final : public EngineObserver, public clients::CallObserver {
 public:
  explicit MetricsObserver(ops::Metrics& metrics) : metrics_(metrics) {}

  void on_planned(const Event& event, const std::string& outcome, std::size_t actions) override;
  void on_attempt(const store::OutboxItem& item, const Attempt& attempt) override;
  void on_retry(const store::OutboxItem& item, milliseconds delay, bool rate_limited) override;
  void on_dead_letter(const store::OutboxItem& item, const std::string& why) override;
  void on_check(bool success, const std::string& status) override;
  void on_call(const clients::HttpRequest& request, const clients::HttpResult& result,
               std::chrono::microseconds took) override;

 private:
  ops::Metrics& metrics_;
};

// The store's queue as gauges (outbox depth, oldest pending age, dead letters), appended at scrape time.
void render_queue_metrics(const store::QueueStats& stats, std::int64_t now_ms, std::string& out);

}  // namespace ogpd::delivery
