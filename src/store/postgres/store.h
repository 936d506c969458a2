// PgStore: the shared store (DATABASE_URL=postgresql://...), every role over one PostgreSQL database that
// several proxies use at once (DESIGN §6). open() connects and migrates (under an advisory lock); no thread
// runs until a journal is started or on_work_elsewhere() is called. Singleton jobs take a session-level
// advisory lock on a connection of their own, released when the turn ends (or the proxy dies).
#pragma once

#include <memory>
#include <string>

#include "store/postgres/admin.h"
#include "store/postgres/database.h"
#include "store/postgres/journal.h"
#include "store/postgres/ledger.h"
#include "store/postgres/listener.h"
#include "store/postgres/outbox.h"
#include "store/store.h"

namespace ogpd::store {

class PgStore final : public Store {
 public:
  static Result<std::unique_ptr<PgStore>> open(const std::string& url, const Clock& clock,
                                               PgOptions options = {});

  explicit PgStore(std::unique_ptr<PgDatabase> opened)
      : Store(outbox_role_, ledger_role_, admin_role_),
        database(std::move(opened)),
        outbox_role_(*database),
        ledger_role_(*database),
        admin_role_(*database) {}
  ~PgStore() override { listener_.reset(); }

  std::unique_ptr<GroupJournal> start_journal(JournalOptions options) override {
    return PgJournal::start(*database, std::move(options));
  }
  std::string describe() const override {
    return "postgresql schema version " + std::to_string(database->schema_version()) + ", this proxy " +
           database->instance();
  }
  void on_work_elsewhere(std::function<void()> wake) override {
    listener_ = std::make_unique<PgListener>(*database, std::move(wake));
  }
  void stop_waking() override { listener_.reset(); }
  std::shared_ptr<void> take_turn(SingletonJob job, std::int64_t now_ms, std::int64_t every_ms) override;

  const std::unique_ptr<PgDatabase> database;

 private:
  PgOutbox outbox_role_;
  PgLedger ledger_role_;
  PgAdmin admin_role_;
  std::unique_ptr<PgListener> listener_;
};

}  // namespace ogpd::store
