#include "delivery/metrics_observer.h"

#include <spdlog/spdlog.h>

namespace ogpd::delivery {

void MetricsObserver::on_planned(const Event& event, const std::string& outcome, std::size_t) {
  metrics_.add("ogpd_events_processed_total", {{"source", std::string(to_string(event.source))},
                                               {"kind", std::string(to_string(event.kind))},
                                               {"outcome", outcome}});
  if (outcome == "own_user" || outcome == "echo" || outcome == "marker")
    metrics_.add("ogpd_loop_echoes_suppressed_total", {{"guard", outcome}});
}

void MetricsObserver::on_attempt(const store::OutboxItem& item, const Attempt& attempt) {
  const std::string vendor(to_string(target_of(item.action.kind)));
  if (attempt.kind == Attempt::kDone)
    metrics_.add("ogpd_actions_completed_total",
                 {{"vendor", vendor}, {"action", std::string(to_string(item.action.kind))}});
  if (attempt.kind == Attempt::kUnpaired) metrics_.add("ogpd_unpaired_total", {{"vendor", vendor}});
}

void MetricsObserver::on_retry(const store::OutboxItem& item, milliseconds, bool rate_limited) {
  const std::string vendor(to_string(target_of(item.action.kind)));
  metrics_.add("ogpd_retries_total", {{"vendor", vendor}});
  if (rate_limited) metrics_.add("ogpd_rate_limit_waits_total", {{"vendor", vendor}});
}

void MetricsObserver::on_dead_letter(const store::OutboxItem& item, const std::string&) {
  metrics_.add("ogpd_dead_letters_total", {{"vendor", std::string(to_string(target_of(item.action.kind)))}});
}

void MetricsObserver::on_check(bool success, const std::string&) {
  if (!success) metrics_.add("ogpd_opsgenie_request_failures_total", {});
}

void MetricsObserver::on_call(const clients::HttpRequest& request, const clients::HttpResult& result,
                              std::chrono::microseconds took) {
  const std::string& operation = request.operation;
  std::string status_class = "network";
  if (result.transport == clients::Transport::kOk)
    status_class = std::to_string(result.response.status / 100) + "xx";
  const std::string name(to_string(request.vendor));
  metrics_.add("ogpd_clients_calls_total",
               {{"vendor", name}, {"operation", operation}, {"status", status_class}});
  metrics_.observe("ogpd_clients_call_duration_seconds", {{"vendor", name}}, took.count() / 1e6);
  spdlog::info(
      "vendor call vendor={} operation={} status={} took_ms={:.1f}{}", name, operation,
      result.transport == clients::Transport::kOk ? std::to_string(result.response.status) : "network",
      took.count() / 1000.0, result.error.empty() ? "" : " error=" + result.error);
}

void render_queue_metrics(const store::QueueStats& stats, std::int64_t now_ms, std::string& out) {
  const auto family = [&](const char* name, const char* help) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n";
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
