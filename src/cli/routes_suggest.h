// `ogpd-proxy routes suggest`: a starting routes file for a human to review (DESIGN §2.1). Reads Opsgenie's
// webhook integrations and teams (GET /v2/integrations, GET /v2/teams) and PagerDuty's services
// (GET /services, every page), and prints one route per webhook integration, matched to the service whose
// name is most like its team's (or its own) name. A route without such a service gets `service_id: FILL-IN`,
// which check-config refuses until a person fills it in. Read-only: it needs only the two API keys. Exit code
// 0 printed, 2 a vendor could not be read (or a key is not set).
#pragma once

#include <iosfwd>

#include "ops/config.h"

namespace ogpd::cli {

int run_routes_suggest(const ops::Config& config, std::ostream& out, std::ostream& err);

}  // namespace ogpd::cli
