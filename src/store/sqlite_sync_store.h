// SqliteSyncStore: SyncStore on the same SQLite file as the journal, through a connection of its own.
//
// Thread-safe: one mutex serialises use of the connection (guarded by mu_). Each commit is one transaction
// with synchronous=FULL, so a planned event and its actions become durable together, or not at all. Open
// after the journal (SqliteStore::open applies the migrations).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "store/sqlite_db.h"
#include "store/sqlite_plans.h"
#include "store/sqlite_store.h"
#include "store/sync_store.h"

namespace ogpd::store {

class SqliteSyncStore final : public SyncStore {
 public:
  // Its own connection (operator commands, tests).
  static std::unique_ptr<SqliteSyncStore> open(const std::string& path, std::string* error);
  // The daemon: shares the journal's connection and lock (the journal must outlive it).
  static std::unique_ptr<SqliteSyncStore> attach(SqliteStore& journal);

  std::vector<StoredEvent> pending_events(std::size_t limit) override;
  std::optional<Link> link_by_alert(const std::string& alert_id) override;
  std::optional<Link> link_by_incident(const std::string& incident_id) override;
  bool echo_recorded(const Echo& echo, std::int64_t not_before_ms) override;
  Result commit_plans(const std::vector<PlannedEvent>& plans, std::int64_t now_ms) override;
  std::vector<OutboxItem> due_heads(std::int64_t now_ms, std::size_t limit,
                                    const std::vector<std::string>& busy,
                                    std::optional<Side> target = std::nullopt) override;
  std::optional<std::int64_t> next_due_ms() override;
  Result record_echo(const Echo& echo, std::int64_t now_ms) override;
  Result save_link(const Link& link, std::int64_t now_ms) override;
  Result complete(std::int64_t action_id, std::int64_t now_ms, const std::optional<Check>& check) override;
  Result reschedule(std::int64_t action_id, int attempts, std::int64_t next_attempt_at_ms,
                    const std::string& error, bool ambiguous) override;
  Result finish(std::int64_t action_id, ActionState state, const std::string& error,
                std::int64_t now_ms) override;
  std::vector<Check> due_checks(std::int64_t now_ms, std::size_t limit) override;
  Result reschedule_check(const std::string& request_id, int attempts, std::int64_t next_at_ms) override;
  Result drop_check(const std::string& request_id) override;
  std::vector<OutboxItem> actions_in_state(ActionState state, std::size_t limit) override;
  std::optional<OutboxItem> action(std::int64_t id) override;
  Result replay(std::int64_t action_id, std::int64_t now_ms) override;
  Result discard(std::int64_t action_id, std::int64_t now_ms) override;
  std::vector<StoredEvent> recent_events(std::size_t limit) override;

  Result expire_echoes(std::int64_t before_ms) override;
  Result mark_pending_ambiguous() override;
  std::int64_t prune(std::int64_t before_ms, int batch) override;
  QueueStats queue_stats() override;
  std::vector<Link> links(const std::optional<std::string>& alert_id,
                          const std::optional<std::string>& incident_id) override;

 private:
  // A prepared statement kept for reuse; reset (ending its read) when the guard goes out of scope.
  class Cached {
   public:
    explicit Cached(Statement& statement) : statement_(statement) {}
    ~Cached() { statement_.reset(); }
    Cached(const Cached&) = delete;
    Cached& operator=(const Cached&) = delete;
    Statement* operator->() { return &statement_; }
    Statement& operator*() { return statement_; }

   private:
    Statement& statement_;
  };

  // Either its own connection (`owned`), or the journal's (`shared_db` with its lock).
  SqliteSyncStore(std::unique_ptr<Db> owned, Db* shared_db, std::mutex* shared_mu)
      : owned_(std::move(owned)),
        db_(shared_db != nullptr ? *shared_db : *owned_),
        mu_(shared_mu != nullptr ? *shared_mu : own_mu_),
        shared_(shared_db != nullptr),
        plans_(db_) {}
  Cached cached(std::string_view sql);  // requires mu_; `sql` must be a constant (keyed by address)
  Result run(std::string_view sql, const std::function<void(Statement&)>& bind);
  Result leave_pending(std::int64_t action_id);  // requires mu_, inside a transaction
  Result write(std::string_view sql,
               const std::function<void(Statement&)>& bind);  // requires mu_; own transaction
  std::vector<OutboxItem> read_actions(Statement& stmt);
  std::vector<StoredEvent> read_events(Statement& stmt);

  std::unique_ptr<Db> owned_;  // when opened on its own
  std::mutex own_mu_;
  Db& db_;             // guarded by mu_
  std::mutex& mu_;     // its own, or the journal's
  const bool shared_;  // the journal's connection: switch to synchronous=NORMAL only for our commits
  std::map<const char*, Statement> statements_;  // guarded by mu_
  PlanStatements plans_;                         // guarded by mu_
  int last_changes_ = 0;                         // guarded by mu_: rows changed by the last write()
};

// Pair key of an action: actions with the same key run strictly one after another, in order.
std::string pair_key_of(const Action& action);

}  // namespace ogpd::store
