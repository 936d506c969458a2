// The routes file (ROUTES_FILE, YAML; DESIGN §2.1) read into a RouteTable (without one, the settings make one
// route: core/route.h one_route). Unknown keys are errors; every error names the file, the line
// and what to write instead. Reads one file; otherwise pure. Thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/route.h"
#include "core/status.h"

namespace ogpd::ops {

// `urgency_by_priority`: PRIORITY_URGENCY, what a route without an `urgency` map uses.
Result<RouteTable> parse_routes(std::string_view yaml, const std::string& file_name,
                                const std::map<std::string, std::string>& urgency_by_priority);
Result<RouteTable> load_routes_file(const std::string& path,
                                    const std::map<std::string, std::string>& urgency_by_priority);

}  // namespace ogpd::ops
