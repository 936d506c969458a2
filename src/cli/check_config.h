// `ogpd-proxy check-config`: prints the effective configuration (secrets hidden) and says whether the daemon
// would start with it. Exit code 0 when it would, 2 when not.
#pragma once

#include <iosfwd>

#include "ops/config.h"

namespace ogpd::cli {

int run_check_config(const ops::Config& config, std::ostream& out, std::ostream& err);

}  // namespace ogpd::cli
