// `ogpd-proxy migrate-store --from sqlite:<path> --to postgresql://...`: moves a one-box store to the shared
// PostgreSQL store (store/migrate.h). Refuses while a proxy still runs on the SQLite file (its lock,
// sqlite/owner_lock.h), and refuses a target that is not empty. Prints what it copied and what to do next.
#pragma once

#include <iosfwd>
#include <string>

#include "core/clock.h"

namespace ogpd::cli {

// Exit code: 0 copied, 1 failed (the reason on `err`), 2 a URL of the wrong kind.
int run_migrate_store(const std::string& from, const std::string& to, const Clock& clock, std::ostream& out,
                      std::ostream& err);

}  // namespace ogpd::cli
