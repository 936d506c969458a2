// The store an operator command reads: the one a daemon with the same settings uses, opened (and migrated,
// as the daemon would) without starting a journal writer. It is never created: settings that differ from the
// daemon's (no credentials: a dry run, with a store of its own) are an error, not an empty answer.
#pragma once

#include <functional>
#include <iosfwd>

#include "core/clock.h"
#include "ops/config.h"
#include "store/admin.h"
#include "store/ledger.h"
#include "store/outbox.h"

namespace ogpd::cli {

// The store's roles an operator command may use.
struct OperatorStore {
  store::StoreAdmin& admin;
  store::PairLedger& ledger;
  store::Outbox& outbox;
};

// Runs `command` on the store and returns its exit code; 1 when the store is missing or cannot be opened
// (the reason goes to `err`).
int with_operator_store(const ops::Config& config, const Clock& clock, std::ostream& err,
                        const std::function<int(OperatorStore&)>& command);

}  // namespace ogpd::cli
