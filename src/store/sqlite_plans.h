// The SQL both SQLite stores share for planned events: reading the pair and the ledger, and writing a plan
// (actions, link, consumed echo, the event's new status). Callers own the connection and the transaction.
// Not thread-safe on its own: use under the owning store's lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "store/sqlite_db.h"
#include "store/sync_store.h"

namespace ogpd::store {

// Statements prepared once per connection, for the planning hot path.
class PlanStatements {
 public:
  explicit PlanStatements(const Db& db);
  std::optional<Link> link_by_alert(const std::string& alert_id);
  std::optional<Link> link_by_incident(const std::string& incident_id);
  bool echo_recorded(const Echo& echo, std::int64_t not_before_ms);
  // Inside a transaction. `mark_event`: also set the stored event's status to done (when it was stored
  // before). Fails (and the caller rolls back) on any SQLite error.
  Result write(const Db& db, const PlannedEvent& plan, std::int64_t now_ms, bool mark_event = true);

 private:
  Statement link_by_alert_, link_by_incident_, find_echo_, insert_action_, mark_event_, save_link_,
      consume_echo_;
};

// The view of links and ledger a planner reads, over one connection (and so inside its transaction).
class SqlitePlanningView final : public PlanningView {
 public:
  explicit SqlitePlanningView(PlanStatements& statements) : statements_(statements) {}
  std::optional<Link> link_by_alert(const std::string& alert_id) override {
    return statements_.link_by_alert(alert_id);
  }
  std::optional<Link> link_by_incident(const std::string& incident_id) override {
    return statements_.link_by_incident(incident_id);
  }
  bool echo_recorded(const Echo& echo, std::int64_t not_before_ms) override {
    return statements_.echo_recorded(echo, not_before_ms);
  }

 private:
  PlanStatements& statements_;
};

}  // namespace ogpd::store
