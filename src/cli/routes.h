// Routes for operators: the route table as check-config prints it, and `ogpd-proxy route --explain FILE`:
// which route an Opsgenie payload takes and why the routes before it did not (DESIGN §2.1). Exit code of
// explain: 0 a route takes it, 1 none does, 2 the file cannot be read or is not a JSON object.
#pragma once

#include <iosfwd>
#include <string>

#include "core/route.h"

namespace ogpd::cli {

// One line per route, in order: its conditions and its target.
void print_route_table(const RouteTable& routes, std::ostream& out);

int run_route_explain(const RouteTable& routes, const std::string& payload_file, bool json, std::ostream& out,
                      std::ostream& err);

}  // namespace ogpd::cli
