// `ogpd-proxy reconcile --dry-run [--json]`: reads every pair the daemon would reconcile from both vendors,
// now, paced at RECONCILE_BUDGET_PERCENT of each vendor's budget (its own share: a running daemon's calls are
// not counted against it), and lists the drift it would repair — sending no change and writing nothing but
// what opening the store does (the daemon's own migrations). Exit code: 0 no drift, 1 drift found, 2 a side
// could not be read (or the settings have no credentials to read with).
#pragma once

#include <iosfwd>

#include "core/clock.h"
#include "ops/config.h"
#include "store/ledger.h"
#include "store/outbox.h"

namespace ogpd::cli {

int run_reconcile(const ops::Config& config, store::PairLedger& ledger, store::Outbox& outbox, bool json,
                  std::ostream& out, std::ostream& err, const Clock& clock);

}  // namespace ogpd::cli
