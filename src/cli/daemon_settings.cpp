#include "cli/daemon_settings.h"

namespace ogpd::cli {

delivery::EngineSettings engine_settings(const ops::Config& config) {
  delivery::EngineSettings s;
  s.sync.urgency_by_priority = config.urgency_by_priority;
  s.sync.routes = config.routes;
  s.sync.own_user = config.pagerduty_user;
  if (config.alerts_api == "jsm") {
    s.sync.own_alert_account = config.jsm_email;
    s.sync.alert_side = "JSM";
  }
  s.retry.max_attempts = config.retry_max_attempts;
  s.retry.max_age = std::chrono::seconds(config.retry_max_age_seconds);
  s.retry.base_delay = std::chrono::milliseconds(config.retry_base_delay_ms);
  s.workers = config.delivery_workers;
  // A dry run's "calls" reach no PagerDuty: there is no user to look up.
  if (!config.dry_run) s.own_email = config.pagerduty_email;
  return s;
}

double pagerduty_calls_per_second(const ops::Config& config) {
  return config.pagerduty_requests_per_minute / 60.0;
}

double opsgenie_calls_per_second(const ops::Config& config) {
  return (config.alerts_api == "jsm" ? config.jsm_requests_per_minute : config.opsgenie_requests_per_minute) /
         60.0;
}

delivery::HousekeepingSettings housekeeping_settings(const ops::Config& config) {
  delivery::HousekeepingSettings s;
  s.retention = std::chrono::hours(24 * config.retention_days);
  return s;
}

delivery::ReconcileSettings reconcile_settings(const ops::Config& config) {
  const double share = config.reconcile_budget_percent / 100.0;
  return {.interval = std::chrono::seconds(config.reconcile_interval_seconds),
          .pagerduty_per_second = pagerduty_calls_per_second(config) * share,
          .opsgenie_per_second = opsgenie_calls_per_second(config) * share,
          .max_age = std::chrono::hours(24 * config.reconcile_max_age_days)};
}

server::Limits server_limits(const ops::Config& config, std::uint64_t fd_limit) {
  return {.body_bytes = config.body_limit_bytes,
          .connections = server::connections_within(config.max_connections, fd_limit),
          .request_timeout = std::chrono::seconds(config.request_timeout_seconds),
          .shutdown_grace = std::chrono::seconds(config.shutdown_grace_seconds)};
}

webhook::IntakeSettings intake_settings(const ops::Config& config) {
  return {.routes = config.routes,
          .opsgenie_webhook_token = config.opsgenie_webhook_token,
          .pagerduty_secrets = config.pagerduty_webhook_secrets};
}

clients::PagerDutySettings pagerduty_settings(const ops::Config& config) {
  return {.base_url = config.pagerduty_api_url,
          .api_key = config.pagerduty_api_key.value_or(""),
          .from_email = config.pagerduty_email.value_or(""),
          .service_id = config.pagerduty_service_id.value_or(""),
          .events_url = config.pagerduty_events_url};
}

clients::OpsgenieSettings opsgenie_settings(const ops::Config& config) {
  if (config.alerts_api == "jsm")
    return {.base_url = config.jsm_api_url,
            .api = clients::AlertsApi::kJsm,
            .cloud_id = config.jsm_cloud_id.value_or(""),
            .email = config.jsm_email.value_or(""),
            .api_token = config.jsm_api_token.value_or("")};
  return {.base_url = config.opsgenie_api_url, .api_key = config.opsgenie_api_key.value_or("")};
}

clients::CurlSettings curl_settings(const ops::Config& config) {
  return {.total_timeout = std::chrono::seconds(config.http_timeout_seconds)};
}

}  // namespace ogpd::cli
