#include "store/sqlite/store.h"

namespace ogpd::store {

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path, const Clock& clock,
                                                       SqliteOptions options) {
  auto database = SqliteDatabase::open(path, clock, options);
  if (!database.ok()) return database.status();
  return std::make_unique<SqliteStore>(std::move(*database));
}

}  // namespace ogpd::store
