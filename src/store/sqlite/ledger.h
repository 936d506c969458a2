// SqliteLedger: the pair ledger (links, echoes) over the embedded store's connection. Writes are one short
// transaction each, synchronous=NORMAL (see outbox.h for why that is safe). Thread-safe; failures are values.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "store/ledger.h"
#include "store/sqlite/database.h"

namespace ogpd::store {

class SqliteLedger final : public PairLedger {
 public:
  explicit SqliteLedger(SqliteDatabase& database) : database_(database) {}

  std::optional<Link> link_by_alert(const std::string& alert_id) override;
  std::optional<Link> link_by_incident(const std::string& incident_id) override;
  bool echo_recorded(const Echo& echo, std::int64_t not_before_ms) override;
  bool alert_unrouted(const std::string& alert_id) override;
  Status save_link(const Link& link, std::int64_t now_ms) override;
  Status record_echo(const Echo& echo, std::int64_t now_ms) override;
  Status expire_echoes(std::int64_t before_ms) override;
  Status withdraw_echo(const Echo& echo) override;
  std::vector<LinkedPair> pairs_to_reconcile(std::int64_t created_since_ms,
                                             const std::optional<LinkedPair>& after,
                                             std::size_t limit) override;
  std::optional<std::string> known_status(Side side, const std::string& target_id) override;
  Status save_status(const PairStatus& status, std::int64_t now_ms) override;

 private:
  SqliteDatabase& database_;
};

}  // namespace ogpd::store
