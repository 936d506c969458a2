#include "cli/open_store.h"

#include "store/postgres/store.h"
#include "store/sqlite/store.h"

namespace ogpd::cli {

Result<std::unique_ptr<store::Store>> open_store(const ops::Config& config, const Clock& clock, bool create) {
  if (config.store == ops::Store::kPostgres) {
    auto opened = store::PgStore::open(config.database_url, clock,
                                       {.max_connections = config.database_max_connections,
                                        .lease = std::chrono::seconds(config.outbox_lease_seconds)});
    if (!opened.ok()) return opened.status();
    return std::unique_ptr<store::Store>(std::move(*opened));
  }
  // Only the daemon (the caller that may create the store) checkpoints it; operator commands leave that to
  // it.
  auto opened =
      store::SqliteStore::open(config.store_path(), clock, {.create = create, .checkpoint = create});
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<store::Store>(std::move(*opened));
}

}  // namespace ogpd::cli
