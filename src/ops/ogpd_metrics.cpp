#include "ops/ogpd_metrics.h"

namespace ogpd::ops {

OgpdMetrics::OgpdMetrics(const std::string& version, const std::string& alerts_api)
    : build_info(registry.family<Gauge>(
          "ogpd_build_info", "Build information and where the alerts are (opsgenie or jsm); always 1.",
          {"version", "alerts_api"})),
      webhooks_received(registry.family<Counter>(
          "ogpd_webhooks_received_total",
          "Webhook deliveries received, by source and outcome (accepted, duplicate, ignored, unauthorized, "
          "bad_request, too_large, unavailable).",
          {"source", "outcome"})),
      events_processed(registry.family<Counter>(
          "ogpd_events_processed_total",
          "Stored events planned by the sync engine, by source, kind and outcome (mirrored, echo, own_user, "
          "marker, already_linked, no_action).",
          {"source", "kind", "outcome"})),
      loop_echoes_suppressed(registry.family<Counter>(
          "ogpd_loop_echoes_suppressed_total",
          "Webhooks not mirrored because the proxy caused them, by guard (own_user, echo, marker).",
          {"guard"})),
      clients_calls(registry.family<Counter>(
          "ogpd_vendor_calls_total",
          "HTTP calls to the vendors, by vendor, operation and status class (2xx, 4xx, 5xx, network).",
          {"vendor", "operation", "status"})),
      clients_call_duration(registry.family<Histogram>(
          "ogpd_vendor_call_duration_seconds", "Duration of HTTP calls to the vendors.", {"vendor"},
          {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10})),
      actions_completed(registry.family<Counter>("ogpd_actions_completed_total",
                                                 "Outbox actions done, by vendor and action.",
                                                 {"vendor", "action"})),
      actions_skipped(registry.family<Counter>(
          "ogpd_actions_skipped_total",
          "Status changes not sent because their target was already closed or resolved (sending would reopen "
          "it), by vendor and action.",
          {"vendor", "action"})),
      retries(registry.family<Counter>("ogpd_retries_total",
                                       "Action attempts that will be retried, by vendor.", {"vendor"})),
      rate_limit_waits(registry.family<Counter>(
          "ogpd_rate_limit_waits_total",
          "Retries delayed by a vendor's rate-limit answer (429 with a reset hint), by vendor.", {"vendor"})),
      dead_letters(registry.family<Counter>("ogpd_dead_letters_total",
                                            "Actions that became dead letters, by vendor.", {"vendor"})),
      unpaired(registry.family<Counter>("ogpd_unpaired_total",
                                        "Actions whose alert/incident pair could not be found, by vendor.",
                                        {"vendor"})),
      opsgenie_request_failures(
          registry.family<Counter>("ogpd_opsgenie_request_failures_total",
                                   "Opsgenie requests accepted with 202 that its request status reported as "
                                   "failed or never confirmed.")),
      dry_run(
          registry.family<Gauge>("ogpd_dry_run",
                                 "1 when nothing is sent to the vendors (dry run, in a store of its own), "
                                 "else 0.")),
      connection_errors(registry.family<Counter>(
          "ogpd_connection_errors_total",
          "Connections ended by an unexpected error (exception), and accepts paused for lack of file "
          "descriptors or memory (accept), by reason.",
          {"reason"})),
      vendor_paused(registry.family<Gauge>(
          "ogpd_vendor_paused",
          "1 while a vendor is paused (reason credentials: it refused the API key with 401/403), else 0.",
          {"vendor", "reason"})),
      routed(registry.family<Counter>("ogpd_routed_total",
                                      "Opsgenie Creates planned into an incident, by the route that took "
                                      "them (names from ROUTES_FILE, or "
                                      "default).",
                                      {"route"})),
      reconcile_passes(registry.family<Counter>(
          "ogpd_reconcile_passes_total", "Reconciliation passes finished (RECONCILE_INTERVAL_SECONDS).")),
      reconcile_pairs_checked(registry.family<Counter>(
          "ogpd_reconcile_pairs_checked_total",
          "Linked pairs read on both sides by reconciliation (RECONCILE_INTERVAL_SECONDS).")),
      reconcile_drift_found(registry.family<Counter>(
          "ogpd_reconcile_drift_found_total",
          "Pairs found drifted by reconciliation (a change whose webhook was missed), by kind (alert_closed, "
          "incident_resolved, alert_acknowledged, incident_acknowledged, incident_unacknowledged).",
          {"kind"})),
      reconcile_drift_repaired(registry.family<Counter>(
          "ogpd_reconcile_drift_repaired_total",
          "Drift whose repair reconciliation journaled: the missed event, planned like a webhook (the loop "
          "guards may find nothing left to send) and carried out through the outbox, by kind.",
          {"kind"})),
      reconcile_read_failures(registry.family<Counter>(
          "ogpd_reconcile_read_failures_total",
          "Reconciliation reads of an alert or an incident that failed (the pair waits for the next pass), "
          "by vendor.",
          {"vendor"})),
      reconcile_last_pass(registry.family<Gauge>(
          "ogpd_reconcile_last_pass_timestamp_seconds",
          "When the last reconciliation pass finished (Unix time); absent until the first.")) {
  build_info.with({version, alerts_api}).set(1);
}

}  // namespace ogpd::ops
