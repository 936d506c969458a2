// PgOutbox: the outbox role over the shared PostgreSQL store. Several proxies take work from it at once: a
// due head is claimed with FOR UPDATE SKIP LOCKED and a lease (owner, expiry; PgOptions::lease), so a pair's
// actions still run one at a time and in order, on whichever proxy holds its head. An attempt's outcome is
// written only while its proxy still holds the lease; a lease that runs out (the proxy died or hung) lets
// another proxy take the action over, marked ambiguous: it looks before it acts. Claims are flushed to disk
// before they return; outcomes are committed lazily (PgCommit::kLazy: a server crash may lose the last
// moment of them, and the action then runs again, looking first, as after SQLite's synchronous=NORMAL).
// Thread-safe; failures are values, and a failed call changes nothing.
#pragma once

#include <string>
#include <vector>

#include "store/outbox.h"
#include "store/postgres/database.h"

namespace ogpd::store {

class PgOutbox final : public Outbox {
 public:
  explicit PgOutbox(PgDatabase& database) : database_(database) {}
  std::vector<StoredEvent> pending_events(std::size_t limit) override;
  Status commit_plans(const std::vector<PlannedEvent>& plans, std::int64_t now_ms) override;
  // Claims what it returns: each item is leased to this proxy until it records the outcome.
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
  // Claims what it returns, for one lease: another proxy does not check the same request meanwhile.
  std::vector<Check> due_checks(std::int64_t now_ms, std::size_t limit) override;
  Status reschedule_check(const std::string& request_id, int attempts, std::int64_t next_at_ms) override;
  Status drop_check(const std::string& request_id) override;
  Status set_vendor_pause(Side vendor, const std::optional<std::string>& reason, const std::string& error,
                          std::int64_t now_ms) override;
  Status set_vendor_identity(Side vendor, const std::string& identity, std::int64_t now_ms) override;
  Status extend(const std::vector<std::int64_t>& action_ids, std::int64_t now_ms) override;
  // Nothing to do here: an action another proxy was running when it died is taken over when its lease runs
  // out, and looks before it acts then (a start-up must not mark the work of proxies still running).
  Status mark_pending_ambiguous() override { return {}; }

 private:
  PgDatabase& database_;
};

}  // namespace ogpd::store
