// SqliteAdmin: operator views, replay, discard and retention over the embedded store. The views (the queue
// summary, the listings of actions and events, the route activity, every link) read through the database's
// reader, beside the connection the journal commits on (database.h); a link looked up by key, and every
// write, use that connection. Writes are synchronous=NORMAL (see outbox.h). Thread-safe; failures are values.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "store/admin.h"
#include "store/sqlite/database.h"

namespace ogpd::store {

class SqliteAdmin final : public StoreAdmin {
 public:
  explicit SqliteAdmin(SqliteDatabase& database) : database_(database) {}

  std::vector<OutboxItem> actions_in_state(ActionState state, std::size_t limit) override;
  std::optional<OutboxItem> action(std::int64_t id) override;
  Status replay(std::int64_t action_id, std::int64_t now_ms) override;
  Status discard(std::int64_t action_id, std::int64_t now_ms) override;
  std::vector<StoredEvent> recent_events(std::size_t limit) override;
  std::vector<Link> links(const std::optional<std::string>& alert_id,
                          const std::optional<std::string>& incident_id) override;
  QueueStats queue_stats() override;
  std::vector<RouteActivity> route_activity(const std::vector<std::string>& routes) override;
  Result<std::int64_t> prune(std::int64_t before_ms, int batch) override;
  std::vector<Link> every_link() override;
  std::optional<std::string> create_webhook_of(const std::string& alert_id) override;
  Status relink_alert(const std::string& from, const std::string& to, std::int64_t now_ms) override;

 private:
  SqliteDatabase& database_;
};

}  // namespace ogpd::store
