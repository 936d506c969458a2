// Store: every role over the store DATABASE_URL names — the embedded SQLite file (sqlite/store.h) or the
// shared PostgreSQL database (postgres/store.h) — which is what the daemon, the operator commands and the
// tests open. The roles (outbox.h, ledger.h, admin.h, journal.h) are the same for both; what differs is how
// many proxies share it: one per SQLite file, several on PostgreSQL, which is what the last three members
// are for. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "store/admin.h"
#include "store/group_journal.h"
#include "store/ledger.h"
#include "store/outbox.h"

namespace ogpd::store {

// Jobs that run on one proxy at a time, whichever it is.
enum class SingletonJob { kReconciliation };

class Store {
 public:
  virtual ~Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Outbox& outbox;
  PairLedger& ledger;
  StoreAdmin& admin;

  // Starts the journal's writer over this store. The store must outlive it.
  virtual std::unique_ptr<GroupJournal> start_journal(JournalOptions options) = 0;
  // "sqlite:<path>" or "postgresql" (never the URL: it may hold a password), with the schema version.
  virtual std::string describe() const = 0;

  // Calls `wake` (on a thread of the store's) whenever another proxy queues work, until stop_waking() or the
  // store goes. The embedded store has no other proxy: nothing to do.
  virtual void on_work_elsewhere(std::function<void()> wake) { (void)wake; }
  // No more calls of on_work_elsewhere's `wake` after this returns (before what it wakes is destroyed).
  virtual void stop_waking() {}
  // A turn at `job`, held for as long as the returned object lives; null while another proxy has it, or
  // when another proxy took it less than `every_ms` ago (one turn per interval among all the proxies).
  virtual std::shared_ptr<void> take_turn(SingletonJob job, std::int64_t now_ms, std::int64_t every_ms) {
    (void)job;
    (void)now_ms;
    (void)every_ms;
    return std::make_shared<int>(0);
  }

 protected:
  Store(Outbox& outbox_role, PairLedger& ledger_role, StoreAdmin& admin_role)
      : outbox(outbox_role), ledger(ledger_role), admin(admin_role) {}
};

}  // namespace ogpd::store
