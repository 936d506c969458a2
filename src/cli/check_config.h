// `ogpd-proxy check-config [--json]`: prints the effective configuration (secrets hidden, the store's path
// resolved) and says whether the daemon would start with it. Exit code 0 when it would, 2 when not (the
// settings error is then printed by print_settings_error, as JSON on stdout with --json).
#pragma once

#include <iosfwd>
#include <string>

#include "ops/config.h"

namespace ogpd::cli {

int run_check_config(const ops::Config& config, bool as_json, std::ostream& out, std::ostream& err);

// A settings error, as every command reports one: "ogpd-proxy: configuration error: ..." on `err`, or with
// `as_json` (check-config --json) {"ok":false,"error":...} on `out`.
void print_settings_error(const std::string& error, bool as_json, std::ostream& out, std::ostream& err);

}  // namespace ogpd::cli
