// StoreAdmin: what operators and housekeeping ask of the store — views for the CLI and /metrics, replay and
// discard of dead letters, retention.
//
// Who calls it: the operator commands (src/cli/), the metrics endpoint, the housekeeping task. Thread-safe.
// Failures are values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/link.h"
#include "core/status.h"
#include "store/records.h"

namespace ogpd::store {

class StoreAdmin {
 public:
  virtual ~StoreAdmin() = default;

  virtual std::vector<OutboxItem> actions_in_state(ActionState state, std::size_t limit) = 0;
  virtual std::optional<OutboxItem> action(std::int64_t id) = 0;
  // A dead or unpaired action back to pending with a fresh budget, looking before it acts. kNotFound when
  // `action_id` is not a dead letter.
  virtual Status replay(std::int64_t action_id, std::int64_t now_ms) = 0;
  // A dead or unpaired action to discarded. kNotFound when `action_id` is not a dead letter.
  virtual Status discard(std::int64_t action_id, std::int64_t now_ms) = 0;
  virtual std::vector<StoredEvent> recent_events(std::size_t limit) = 0;
  // The link of `alert_id` and/or `incident_id` (looked up by its key; none when the two name different
  // links), or with neither the 1,000 linked last, newest first.
  virtual std::vector<Link> links(const std::optional<std::string>& alert_id,
                                  const std::optional<std::string>& incident_id) = 0;
  virtual QueueStats queue_stats() = 0;
  // migrate-links (a move to JSM Operations that gave alerts new ids): every link, oldest first; the raw body
  // of an alert's Create webhook (journaled within ten minutes of its link's making), while the journal still
  // holds it; and a link's alert replaced by `to`.
  // relink_alert: kNotFound when no link has alert `from`, kInvalid when `to` is linked already.
  virtual std::vector<Link> every_link() = 0;
  virtual std::optional<std::string> create_webhook_of(const std::string& alert_id) = 0;
  virtual Status relink_alert(const std::string& from, const std::string& to, std::int64_t now_ms) = 0;
  // For each route name, in order: its Creates in the journal and when the last arrived.
  virtual std::vector<RouteActivity> route_activity(const std::vector<std::string>& routes) = 0;

  // Retention: deletes up to `batch` finished actions (done, discarded), up to `batch` events none of whose
  // actions remain, and up to `batch` pair statuses (PairLedger::known_status), all older than `before_ms`.
  // Pending actions, dead letters, their events and links are never deleted; an acknowledge that comes for
  // an incident whose status went reads the incident first, as for any incident whose status is unknown.
  // Returns how many rows went (0: nothing left to prune).
  virtual Result<std::int64_t> prune(std::int64_t before_ms, int batch) = 0;
};

}  // namespace ogpd::store
