// MetricsObserver: turns what the planner, the engine and the vendor HTTP client report into samples of
// ops::OgpdMetrics, and vendor calls into log lines. Series whose labels are known in advance (per event:
// source, kind, outcome; per action: vendor, action) are resolved once in the constructor, so the journal's
// writer thread never takes a metrics lock; a vendor call's series (its operation is the request's) is
// looked up per call, beside an HTTP exchange. Thread-safe.
#pragma once

#include <array>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "clients/observing_http_client.h"
#include "delivery/engine_observer.h"
#include "delivery/reconciler.h"
#include "ops/ogpd_metrics.h"
#include "store/records.h"
#include "sync/plan.h"

namespace ogpd::delivery {

class MetricsObserver final : public EngineObserver, public clients::CallObserver {
 public:
  // `routes`: the route names a Create can carry (bounded: they come from the routes file).
  explicit MetricsObserver(ops::OgpdMetrics& metrics, const std::vector<std::string>& routes = {});

  void on_planned(const Event& event, const std::string& outcome, std::size_t actions) override;
  void on_attempt(const store::OutboxItem& item, const Attempt& attempt) override;
  void on_retry(const store::OutboxItem& item, milliseconds delay, bool rate_limited) override;
  void on_dead_letter(const store::OutboxItem& item, const std::string& why) override;
  void on_skipped(const store::OutboxItem& item, const std::string& why) override;
  void on_check(bool success, const std::string& status) override;
  void on_vendor_paused(Side vendor, const char* reason, bool paused) override;
  void on_call(const clients::HttpRequest& request, const clients::HttpResult& result,
               std::chrono::microseconds took) override;

 private:
  static constexpr std::size_t kSources = 2, kKinds = static_cast<std::size_t>(EventKind::kOther) + 1,
                               kOutcomes = static_cast<std::size_t>(sync::Outcome::kNoAction) + 1, kSides = 2,
                               kActions = kActionKinds;
  struct PerSide {
    ops::Counter* retries;
    ops::Counter* rate_limit_waits;
    ops::Counter* dead_letters;
    ops::Counter* unpaired;
  };

  ops::OgpdMetrics& metrics_;
  std::array<std::array<std::array<ops::Counter*, kOutcomes>, kKinds>, kSources> processed_{};
  std::array<ops::Counter*, kOutcomes> suppressed_{};  // only the loop guards' outcomes
  std::array<ops::Counter*, kActions> completed_{};
  std::array<ops::Counter*, kActions> skipped_{};
  std::array<PerSide, kSides> per_side_{};
  ops::Counter* request_failures_;
  std::map<std::string, ops::Counter*, std::less<>> routed_;  // filled in the constructor, then only read
};

// What reconciliation passes report, as samples of ops::OgpdMetrics. Series resolved once. Thread-safe.
class ReconcileMetrics final : public ReconcileObserver {
 public:
  explicit ReconcileMetrics(ops::OgpdMetrics& metrics);
  void on_checked() override { checked_->add(); }
  void on_drift(sync::Drift drift, bool repaired) override;
  void on_read_failed(Side vendor) override { read_failures_[static_cast<std::size_t>(vendor)]->add(); }
  void on_pass(const PassSummary& summary, std::int64_t finished_at_ms) override;

  // The last pass's summary and when it finished (for the status page); nullopt before the first.
  struct LastPass {
    PassSummary summary;
    std::int64_t finished_at_ms = 0;
    std::int64_t drifted_since_start = 0, repaired_since_start = 0;
  };
  std::optional<LastPass> last_pass() const;

 private:
  static constexpr std::size_t kDrifts = static_cast<std::size_t>(sync::Drift::kIncidentUnacknowledged) + 1;
  ops::Counter* passes_;
  ops::Counter* checked_;
  std::array<ops::Counter*, kDrifts> found_{};
  std::array<ops::Counter*, kDrifts> repaired_{};
  std::array<ops::Counter*, 2> read_failures_{};
  ops::Gauge* last_pass_;
  mutable std::mutex mu_;
  std::optional<LastPass> last_;                         // guarded by mu_
  std::int64_t drifted_total_ = 0, repaired_total_ = 0;  // guarded by mu_
};

// The store's queue as gauges (outbox depth, oldest pending age, dead letters), appended at scrape time.
void render_queue_metrics(const store::QueueStats& stats, std::int64_t now_ms, std::string& out);

}  // namespace ogpd::delivery
