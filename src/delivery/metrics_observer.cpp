#include "delivery/metrics_observer.h"

#include <spdlog/spdlog.h>

namespace ogpd::delivery {

namespace {

std::string name(auto value) {
  return std::string(to_string(value));
}

}  // namespace

MetricsObserver::MetricsObserver(ops::OgpdMetrics& metrics, const std::vector<std::string>& routes)
    : metrics_(metrics) {
  for (const auto& route : routes) routed_[route] = &metrics.routed.with({route});
  for (std::size_t s = 0; s < kSources; ++s)
    for (std::size_t k = 0; k < kKinds; ++k)
      for (std::size_t o = 0; o < kOutcomes; ++o)
        processed_[s][k][o] =
            &metrics.events_processed.with({name(static_cast<Source>(s)), name(static_cast<EventKind>(k)),
                                            name(static_cast<sync::Outcome>(o))});
  for (const auto guard : {sync::Outcome::kOwnUser, sync::Outcome::kEcho, sync::Outcome::kMarker})
    suppressed_[static_cast<std::size_t>(guard)] = &metrics.loop_echoes_suppressed.with({name(guard)});
  for (std::size_t a = 0; a < kActions; ++a) {
    const auto kind = static_cast<ActionKind>(a);
    completed_[a] = &metrics.actions_completed.with({name(target_of(kind)), name(kind)});
    skipped_[a] = &metrics.actions_skipped.with({name(target_of(kind)), name(kind)});
  }
  for (std::size_t s = 0; s < kSides; ++s) {
    const std::string vendor = name(static_cast<Side>(s));
    per_side_[s] = {&metrics.retries.with({vendor}), &metrics.rate_limit_waits.with({vendor}),
                    &metrics.dead_letters.with({vendor}), &metrics.unpaired.with({vendor})};
  }
  request_failures_ = &metrics.opsgenie_request_failures.with();
}

ReconcileMetrics::ReconcileMetrics(ops::OgpdMetrics& metrics)
    : passes_(&metrics.reconcile_passes.with()),
      checked_(&metrics.reconcile_pairs_checked.with()),
      last_pass_(&metrics.reconcile_last_pass.with()) {
  for (const auto drift : sync::kAllDrifts) {
    found_[static_cast<std::size_t>(drift)] = &metrics.reconcile_drift_found.with({name(drift)});
    repaired_[static_cast<std::size_t>(drift)] = &metrics.reconcile_drift_repaired.with({name(drift)});
  }
  for (const Side side : {Side::kOpsgenie, Side::kPagerDuty})
    read_failures_[static_cast<std::size_t>(side)] = &metrics.reconcile_read_failures.with({name(side)});
}

void ReconcileMetrics::on_drift(sync::Drift drift, bool repaired) {
  const auto i = static_cast<std::size_t>(drift);
  if (found_[i] == nullptr) return;  // kNone
  found_[i]->add();
  if (repaired) repaired_[i]->add();
}

void ReconcileMetrics::on_pass(const PassSummary& summary, std::int64_t finished_at_ms) {
  passes_->add();
  last_pass_->set(static_cast<double>(finished_at_ms) / 1000.0);
  std::lock_guard lock(mu_);
  drifted_total_ += summary.drifted;
  repaired_total_ += summary.repaired;
  last_ = LastPass{summary, finished_at_ms, drifted_total_, repaired_total_};
}

std::optional<ReconcileMetrics::LastPass> ReconcileMetrics::last_pass() const {
  std::lock_guard lock(mu_);
  return last_;
}

void MetricsObserver::on_planned(const Event& event, const std::string& outcome, std::size_t) {
  for (std::size_t o = 0; o < kOutcomes; ++o) {
    if (to_string(static_cast<sync::Outcome>(o)) != outcome) continue;
    processed_[static_cast<std::size_t>(event.source)][static_cast<std::size_t>(event.kind)][o]->add();
    if (event.kind == EventKind::kAlertCreated && event.route &&
        static_cast<sync::Outcome>(o) == sync::Outcome::kMirrored) {
      if (const auto it = routed_.find(*event.route); it != routed_.end()) it->second->add();
    }
    if (suppressed_[o] != nullptr) suppressed_[o]->add();
    return;
  }
}

void MetricsObserver::on_attempt(const store::OutboxItem& item, const Attempt& attempt) {
  if (attempt.kind == Attempt::kDone) completed_[static_cast<std::size_t>(item.action.kind)]->add();
  if (attempt.kind == Attempt::kUnpaired)
    per_side_[static_cast<std::size_t>(target_of(item.action.kind))].unpaired->add();
}

void MetricsObserver::on_retry(const store::OutboxItem& item, milliseconds, bool rate_limited) {
  const auto& side = per_side_[static_cast<std::size_t>(target_of(item.action.kind))];
  side.retries->add();
  if (rate_limited) side.rate_limit_waits->add();
}

void MetricsObserver::on_dead_letter(const store::OutboxItem& item, const std::string&) {
  per_side_[static_cast<std::size_t>(target_of(item.action.kind))].dead_letters->add();
}

void MetricsObserver::on_skipped(const store::OutboxItem& item, const std::string&) {
  skipped_[static_cast<std::size_t>(item.action.kind)]->add();
}

void MetricsObserver::on_check(bool success, const std::string&) {
  if (!success) request_failures_->add();
}

void MetricsObserver::on_vendor_paused(Side vendor, const char* reason, bool paused) {
  metrics_.vendor_paused.with({name(vendor), reason}).set(paused ? 1 : 0);
}

void MetricsObserver::on_call(const clients::HttpRequest& request, const clients::HttpResult& result,
                              std::chrono::microseconds took) {
  std::string status_class = "network";
  if (result.transport == clients::Transport::kOk)
    status_class = std::to_string(result.response.status / 100) + "xx";
  const std::string vendor = name(request.vendor);
  metrics_.clients_calls.with({vendor, request.operation, status_class}).add();
  metrics_.clients_call_duration.with({vendor}).observe(took.count() / 1e6);
  spdlog::info(
      "vendor call vendor={} operation={} status={} took_ms={:.1f}{}", vendor, request.operation,
      result.transport == clients::Transport::kOk ? std::to_string(result.response.status) : "network",
      took.count() / 1000.0, result.error.empty() ? "" : " error=" + result.error);
}

void render_queue_metrics(const store::QueueStats& stats, std::int64_t now_ms, std::string& out) {
  const auto family = [&](const char* name, const char* help) {
    ops::family_header(out, name, "gauge", help);
  };
  family("ogpd_events_pending", "Journaled events not yet planned.");
  out += ops::sample("ogpd_events_pending", {}, static_cast<double>(stats.events_pending));
  family("ogpd_outbox_pending", "Actions waiting to be delivered, by vendor.");
  for (const auto& [vendor, q] : stats.vendors)
    out += ops::sample("ogpd_outbox_pending", {{"vendor", vendor}}, static_cast<double>(q.pending));
  family("ogpd_outbox_oldest_pending_age_seconds",
         "Age of the oldest pending action, by vendor (0 when none).");
  for (const auto& [vendor, q] : stats.vendors)
    out += ops::sample("ogpd_outbox_oldest_pending_age_seconds", {{"vendor", vendor}},
                       q.oldest_pending_ms ? (now_ms - *q.oldest_pending_ms) / 1000.0 : 0.0);
  family("ogpd_dead_letters", "Dead letters (dead or unpaired) kept now, by vendor.");
  for (const auto& [vendor, q] : stats.vendors)
    out += ops::sample("ogpd_dead_letters", {{"vendor", vendor}}, static_cast<double>(q.dead + q.unpaired));
  family("ogpd_last_success_timestamp_seconds", "When an action last succeeded, by vendor (0 when never).");
  for (const auto& [vendor, q] : stats.vendors)
    out += ops::sample("ogpd_last_success_timestamp_seconds", {{"vendor", vendor}},
                       q.last_success_ms ? *q.last_success_ms / 1000.0 : 0.0);
}

}  // namespace ogpd::delivery
