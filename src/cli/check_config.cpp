#include "cli/check_config.h"

#include <ostream>

#include "cli/routes.h"

namespace ogpd::cli {

int run_check_config(const ops::Config& config, std::ostream& out, std::ostream& /*err*/) {
  for (const auto& line : ops::describe(config)) out << line << "\n";
  print_route_table(config.routes, out);
  if (!config.missing_credentials.empty()) out << "note: credentials missing, so DRY_RUN is on\n";
  out << "configuration OK\n";
  return 0;
}

}  // namespace ogpd::cli
