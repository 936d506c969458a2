// The SQL the journal and the outbox share for planned events: reading the pair and the ledger, and writing a
// plan (actions, link, consumed echo, the event's new status). Callers hold the Session and the transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/status.h"
#include "store/ledger.h"
#include "store/records.h"
#include "store/sqlite/database.h"

namespace ogpd::store {

std::optional<Link> read_link_by_alert(SqliteDatabase::Session& session, const std::string& alert_id);
std::optional<Link> read_link_by_incident(SqliteDatabase::Session& session, const std::string& incident_id);
bool read_alert_unrouted(SqliteDatabase::Session& session, const std::string& alert_id);
bool read_echo_recorded(SqliteDatabase::Session& session, const Echo& echo, std::int64_t not_before_ms);

// Binds kSaveStatus's parameters.
void bind_status(Statement& stmt, const PairStatus& status, std::int64_t now_ms);

// Inside a transaction. `mark_event`: also set the stored event's status to done (when it was stored
// before). Fails (and the caller rolls back) on any SQLite error.
Status write_plan(SqliteDatabase::Session& session, const PlannedEvent& plan, std::int64_t now_ms,
                  bool mark_event = true);

// The view of links and ledger a planner reads, over a held Session (and so inside its transaction).
class SqlitePlanningView final : public PlanningView {
 public:
  explicit SqlitePlanningView(SqliteDatabase::Session& session) : session_(session) {}
  std::optional<Link> link_by_alert(const std::string& alert_id) override {
    return read_link_by_alert(session_, alert_id);
  }
  std::optional<Link> link_by_incident(const std::string& incident_id) override {
    return read_link_by_incident(session_, incident_id);
  }
  bool echo_recorded(const Echo& echo, std::int64_t not_before_ms) override {
    return read_echo_recorded(session_, echo, not_before_ms);
  }
  bool alert_unrouted(const std::string& alert_id) override {
    return read_alert_unrouted(session_, alert_id);
  }

 private:
  SqliteDatabase::Session& session_;
};

}  // namespace ogpd::store
