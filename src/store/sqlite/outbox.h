// SqliteOutbox: the outbox role over the embedded store's writing connection (SqliteDatabase). Each write is
// one short transaction under the connection's lock.
//
// Durability: the journal's commits are synced before any is answered (a 202 promises them; journal.h). These
// writes — outcomes, links, the echo ledger, replays — are synchronous=NORMAL: in WAL mode they survive a
// crash of the process (kill -9) but not of the machine, and an outcome lost that way only makes an action
// run again, looking before it acts (pending actions are marked ambiguous at start-up); a plan lost that way
// leaves its event pending, to be planned again. Thread-safe. Failures are values; a failed call changes
// nothing.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "store/outbox.h"
#include "store/sqlite/database.h"

namespace ogpd::store {

class SqliteOutbox final : public Outbox {
 public:
  explicit SqliteOutbox(SqliteDatabase& database) : database_(database) {}

  std::vector<StoredEvent> pending_events(std::size_t limit) override;
  Status commit_plans(const std::vector<PlannedEvent>& plans, std::int64_t now_ms) override;
  std::vector<OutboxItem> due_heads(std::int64_t now_ms, std::size_t limit,
                                    const std::vector<std::string>& busy,
                                    std::optional<Side> target = std::nullopt) override;
  bool has_pending(const Link& link) override;
  std::optional<std::int64_t> next_due_ms() override;
  Status complete(std::int64_t action_id, std::int64_t now_ms, const std::optional<Check>& check) override;
  Status reschedule(std::int64_t action_id, int attempts, std::int64_t next_attempt_at_ms,
                    const std::string& error, bool ambiguous) override;
  Status finish(std::int64_t action_id, ActionState state, const std::string& error,
                std::int64_t now_ms) override;
  Status reopen(std::int64_t action_id, int attempts, std::int64_t next_attempt_at_ms,
                const std::string& error, std::int64_t now_ms) override;
  std::optional<OutboxItem> action(std::int64_t action_id) override;
  std::vector<Check> due_checks(std::int64_t now_ms, std::size_t limit) override;
  Status reschedule_check(const std::string& request_id, int attempts, std::int64_t next_at_ms) override;
  Status drop_check(const std::string& request_id) override;
  Status set_vendor_pause(Side vendor, const std::optional<std::string>& reason, const std::string& error,
                          std::int64_t now_ms) override;
  Status set_vendor_identity(Side vendor, const std::string& identity, std::int64_t now_ms) override;
  Status mark_pending_ambiguous() override;

 private:
  SqliteDatabase& database_;
};

}  // namespace ogpd::store
