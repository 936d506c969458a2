#include "cli/migrate_store.h"

#include <ostream>

#include "ops/config.h"
#include "store/migrate.h"
#include "store/sqlite/owner_lock.h"

namespace ogpd::cli {

int run_migrate_store(const std::string& from, const std::string& to, const Clock& clock, std::ostream& out,
                      std::ostream& err) {
  ops::Config source;
  ops::Config target;
  if (auto s = ops::read_database_url(from, source); !s.ok() || source.store != ops::Store::kSqlite) {
    err << "ogpd-proxy: migrate-store: --from must be sqlite:<path>\n";
    return 2;
  }
  if (auto s = ops::read_database_url(to, target); !s.ok() || target.store != ops::Store::kPostgres) {
    err << "ogpd-proxy: migrate-store: --to must be postgresql://...\n";
    return 2;
  }
  // No proxy may deliver from the file while it is copied: what it did after the copy would be lost.
  auto owner = store::StoreOwner::acquire(source.sqlite_path);
  if (!owner.ok()) {
    err << "ogpd-proxy: migrate-store: " << owner.error() << "; stop it first\n";
    return 1;
  }
  auto sqlite = store::SqliteDatabase::open(source.sqlite_path, clock, {.create = false});
  if (!sqlite.ok()) {
    err << "ogpd-proxy: migrate-store: " << source.sqlite_path << ": " << sqlite.error() << "\n";
    return 1;
  }
  auto postgres = store::PgDatabase::open(to, clock);
  if (!postgres.ok()) {
    err << "ogpd-proxy: migrate-store: " << ops::redacted_database_url(to) << ": " << postgres.error()
        << "\n";
    return 1;
  }
  const auto copied = store::copy_to_postgres(**sqlite, **postgres);
  if (!copied.ok()) {
    err << "ogpd-proxy: migrate-store: nothing was copied: " << copied.error() << "\n";
    return 1;
  }
  out << "copied sqlite:" << source.sqlite_path << " to " << ops::redacted_database_url(to) << ":\n"
      << "  " << copied->events << " events (the dedupe window)\n"
      << "  " << copied->actions << " actions to do or to look at (pending, dead letters, unpaired)\n"
      << "  " << copied->checks << " Opsgenie requests awaiting their verdict\n"
      << "  " << copied->links << " links\n"
      << "  " << copied->echoes << " echoes\n"
      << "  " << copied->statuses << " known statuses\n"
      << "next: start the proxies with DATABASE_URL set to the PostgreSQL URL; keep " << source.sqlite_path
      << " until they run\n";
  return 0;
}

}  // namespace ogpd::cli
