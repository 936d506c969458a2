#include "cli/operator_store.h"

#include <ostream>

#include "cli/open_store.h"
#include "core/text.h"

namespace ogpd::cli {

int with_operator_store(const ops::Config& config, const Clock& clock, std::ostream& err,
                        const std::function<int(OperatorStore&)>& command) {
  auto opened = open_store(config, clock, /*create=*/false);
  if (!opened.ok()) {
    err << "ogpd-proxy: ";
    if (opened.status().code() == Status::Code::kNotFound) {
      err << "no store at " << printable(ops::resolved_store_path(config))
          << (config.dry_run
                  ? " (these settings are a dry run, whose store is its own: run with the daemon's "
                    "settings, credentials included)"
                  : "")
          << "\n";
    } else {
      err << "DATABASE_URL: " << opened.error() << "\n";
    }
    return 1;
  }
  store::Store& opened_store = **opened;
  OperatorStore roles{opened_store.admin, opened_store.ledger, opened_store.outbox};
  return command(roles);
}

}  // namespace ogpd::cli
