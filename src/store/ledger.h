// PairLedger: what the proxy knows about each pair — the alert <-> incident links, and the echo ledger (the
// changes the proxy made itself, so their webhooks are not mirrored back).
//
// Who calls it: the planner reads it (through PlanningView, inside the journal's transaction or on its own),
// the executor writes links and echoes as it acts, housekeeping expires old echoes. Thread-safe. A failed
// write changes nothing and says why.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/echo.h"
#include "core/link.h"
#include "core/pair_status.h"
#include "core/status.h"
#include "store/records.h"

namespace ogpd::store {

// What a planner may read: the pairs and the echo ledger, as of the transaction it plans in.
class PlanningView {
 public:
  virtual ~PlanningView() = default;
  virtual std::optional<Link> link_by_alert(const std::string& alert_id) = 0;
  virtual std::optional<Link> link_by_incident(const std::string& incident_id) = 0;
  virtual bool echo_recorded(const Echo& echo, std::int64_t not_before_ms) = 0;
  // Whether the alert's Create was stored with no route to take it (outcome no_route).
  virtual bool alert_unrouted(const std::string& alert_id) = 0;
};

class PairLedger : public PlanningView {
 public:
  // Creates the link, or completes it: a link that knows its incident keeps it.
  virtual Status save_link(const Link& link, std::int64_t now_ms) = 0;
  // Records a change the proxy is about to make, before making it.
  virtual Status record_echo(const Echo& echo, std::int64_t now_ms) = 0;
  // The last known status of an alert (kOpsgenie) or an incident (kPagerDuty); nullopt when never seen.
  virtual std::optional<std::string> known_status(Side side, const std::string& target_id) = 0;
  // Records `status`; a terminal status stays unless `status.authoritative` (core/pair_status.h).
  virtual Status save_status(const PairStatus& status, std::int64_t now_ms) = 0;

  // Reconciliation's walk: pairs with an incident, linked at or after `created_since_ms`, after `after`
  // (nullopt: from the start), oldest first, at most `limit`. Those known closed on both sides come too,
  // marked settled, so one call reads at most `limit` pairs however many are settled.
  virtual std::vector<LinkedPair> pairs_to_reconcile(std::int64_t created_since_ms,
                                                     const std::optional<LinkedPair>& after,
                                                     std::size_t limit) = 0;

  // Withdraws one recorded echo (the change it announced did not happen), so the webhook of a person's same
  // change is mirrored, not swallowed. No echo recorded is not an error.
  virtual Status withdraw_echo(const Echo& echo) = 0;

  // Removes ledger entries older than `before_ms`: an echo that never came back must not hide a later human
  // change forever.
  virtual Status expire_echoes(std::int64_t before_ms) = 0;
};

}  // namespace ogpd::store
