// OgpdMetrics: every metric family ogpd-proxy exports, each declared once (name, help, labels, buckets), as
// handles the server, the engine's observer and main increment. /metrics renders registry.
#pragma once

#include <string>

#include "ops/metrics.h"

namespace ogpd::ops {

struct OgpdMetrics {
  // `alerts_api`: where the alerts are (ALERTS_API: opsgenie or jsm), a label of ogpd_build_info; the vendor
  // label "opsgenie" of every other series names that alert side, whichever API it is.
  explicit OgpdMetrics(const std::string& version, const std::string& alerts_api = "opsgenie");
  OgpdMetrics(const OgpdMetrics&) = delete;
  OgpdMetrics& operator=(const OgpdMetrics&) = delete;

  Registry registry;
  Family<Gauge>& build_info;                   // version, alerts_api
  Family<Counter>& webhooks_received;          // source, outcome
  Family<Counter>& events_processed;           // source, kind, outcome
  Family<Counter>& loop_echoes_suppressed;     // guard
  Family<Counter>& clients_calls;              // vendor, operation, status
  Family<Histogram>& clients_call_duration;    // vendor
  Family<Counter>& actions_completed;          // vendor, action
  Family<Counter>& actions_skipped;            // vendor, action
  Family<Counter>& retries;                    // vendor
  Family<Counter>& rate_limit_waits;           // vendor
  Family<Counter>& dead_letters;               // vendor
  Family<Counter>& unpaired;                   // vendor
  Family<Counter>& opsgenie_request_failures;  // (none)
  Family<Gauge>& dry_run;                      // (none)
  Family<Counter>& connection_errors;          // reason
  Family<Gauge>& vendor_paused;                // vendor, reason
  Family<Counter>& routed;                     // route
  Family<Counter>& reconcile_passes;           // (none)
  Family<Counter>& reconcile_pairs_checked;    // (none)
  Family<Counter>& reconcile_drift_found;      // kind
  Family<Counter>& reconcile_drift_repaired;   // kind
  Family<Counter>& reconcile_read_failures;    // vendor
  Family<Gauge>& reconcile_last_pass;          // (none)
};

}  // namespace ogpd::ops
