// PairStatus: what one side of a pair was last known to be — an Opsgenie alert (open, acknowledged, closed)
// or a PagerDuty incident (triggered, acknowledged, resolved) — and how sure that is. Plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/action.h"

namespace ogpd {

namespace status {
inline constexpr std::string_view kOpen = "open";  // an Opsgenie alert not acknowledged
inline constexpr std::string_view kTriggered = "triggered";
inline constexpr std::string_view kAcknowledged = "acknowledged";
inline constexpr std::string_view kClosed = "closed";      // Opsgenie, terminal
inline constexpr std::string_view kResolved = "resolved";  // PagerDuty, terminal
}  // namespace status

struct PairStatus {
  Side side = Side::kPagerDuty;
  std::string target_id;  // the alert id or the incident id
  std::string status;     // one of status::k*
  // Read from the vendor, or a report that opens: it may replace a terminal status. Other reports (a late or
  // reordered webhook) never turn a closed alert or a resolved incident back to open. (A report that opens is
  // not recorded by the planner: sync::status_to_record.)
  bool authoritative = false;

  friend bool operator==(const PairStatus&, const PairStatus&) = default;
};

// One side as its vendor's API reported it just now (GET /incidents/{id}, GET /v2/alerts/{id}).
struct SideReading {
  std::string status;                         // one of status::k*
  std::optional<std::int64_t> changed_at_ms;  // PagerDuty last_status_change_at, Opsgenie updatedAt
  std::optional<std::string> changed_by;     // who made the last status change (a name), when the vendor says
  std::optional<std::string> changed_by_id;  // and their id (PagerDuty), for the own-user loop guard

  friend bool operator==(const SideReading&, const SideReading&) = default;
};

inline bool is_terminal(std::string_view status) {
  return status == status::kClosed || status == status::kResolved;
}

}  // namespace ogpd
