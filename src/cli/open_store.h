// The store DATABASE_URL names, opened with the settings' options: the embedded SQLite file, or the shared
// PostgreSQL database (its lease and pool size from OUTBOX_LEASE_SECONDS and DATABASE_MAX_CONNECTIONS).
#pragma once

#include <memory>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "ops/config.h"
#include "store/store.h"

namespace ogpd::cli {

// `create`: the daemon makes a missing SQLite file; an operator command never does (kNotFound instead).
Result<std::unique_ptr<store::Store>> open_store(const ops::Config& config, const Clock& clock, bool create);

}  // namespace ogpd::cli
