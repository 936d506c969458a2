// Read-only operator commands against the daemon's store (safe while it runs): status, links, events.
// Human-readable output by default, one JSON document with --json.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "store/admin.h"

namespace ogpd::cli {

// `mode`: how the settings make the daemon run, said first (dry run or not, and which store).
struct Mode {
  bool dry_run = false;
  std::string store;                // e.g. sqlite:data/ogpd.dry-run.db
  std::vector<std::string> routes;  // the route names, in order
};
// `ms` since the epoch as 2026-01-02T03:04:05Z.
std::string iso_now(std::int64_t ms);
// One pending action for an operator: what, for which pair, its attempts, when it is tried next and why it
// waits (its last error, and whether it looks before acting). Escaped for a terminal.
std::string describe_pending(const store::OutboxItem& action, std::int64_t now_ms);
int run_status(store::StoreAdmin& store, const Mode& mode, bool json, std::ostream& out, std::int64_t now_ms);
int run_links(store::StoreAdmin& store, const std::optional<std::string>& alert_id,
              const std::optional<std::string>& incident_id, bool json, std::ostream& out, std::ostream& err);
int run_events(store::StoreAdmin& store, std::size_t last, bool json, std::ostream& out);

}  // namespace ogpd::cli
