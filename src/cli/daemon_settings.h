// The daemon's parts configured from the settings: pure conversions from ops::Config to each part's own
// settings, so main.cpp only wires and each conversion is tested (tests/unit/daemon_settings_test.cpp).
#pragma once

#include <cstdint>

#include "clients/apis.h"
#include "clients/http_client.h"
#include "delivery/engine.h"
#include "delivery/housekeeping.h"
#include "delivery/reconciler.h"
#include "ops/config.h"
#include "server/server.h"
#include "webhook/intake.h"

namespace ogpd::cli {

delivery::EngineSettings engine_settings(const ops::Config& config);
delivery::HousekeepingSettings housekeeping_settings(const ops::Config& config);
// Calls per second allowed to each vendor (REQUESTS_PER_MINUTE / 60).
double pagerduty_calls_per_second(const ops::Config& config);
double opsgenie_calls_per_second(const ops::Config& config);
// `fd_limit`: the files this process may open (RLIMIT_NOFILE); connections are kept within it.
// RECONCILE_*: the interval, the maximum age, and RECONCILE_BUDGET_PERCENT of each vendor's budget.
delivery::ReconcileSettings reconcile_settings(const ops::Config& config);
server::Limits server_limits(const ops::Config& config, std::uint64_t fd_limit);
webhook::IntakeSettings intake_settings(const ops::Config& config);
clients::PagerDutySettings pagerduty_settings(const ops::Config& config);
clients::OpsgenieSettings opsgenie_settings(const ops::Config& config);
clients::CurlSettings curl_settings(const ops::Config& config);

}  // namespace ogpd::cli
