// The store an operator command reads: the one a daemon with the same settings uses, opened (and migrated,
// as the daemon would) without starting a journal writer. It is never created: settings that differ from the
// daemon's (no credentials: a dry run, with a store of its own) are an error, not an empty answer.
#pragma once

#include <functional>
#include <iosfwd>

#include "core/clock.h"
#include "ops/config.h"
#include "store/admin.h"

namespace ogpd::cli {

// Runs `command` on the store and returns its exit code; 2 when the store kind is not available, 1 when the
// store is missing or cannot be opened (the reason goes to `err`).
int with_operator_store(const ops::Config& config, const Clock& clock, std::ostream& err,
                        const std::function<int(store::StoreAdmin&)>& command);

}  // namespace ogpd::cli
