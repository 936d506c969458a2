// The status page: GET /status when STATUS_PAGE=true. One small HTML document for a phone or a wall screen,
// showing what `ogpd-proxy status` shows and a little more: each vendor's state (paused and why, rate
// limited, last success, last error), the pending actions with why they wait, dead letters, the last events
// with their outcome, and the drift reconciliation found.
//
// Self-contained: no script, no external resource, one inline stylesheet (the server sends a
// Content-Security-Policy that allows nothing else); it reloads itself every kRefreshSeconds. Read-only. It
// shows no secret (the store by its redacted label) and of an alert's content only its title; every text
// that came from a webhook or a vendor is escaped.
//
// gather_status_page() reads the store (call it off the network thread), with the queue summary given (the
// daemon spaces its reads: store/spaced_summary.h); render_status_page() is pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/inspect.h"
#include "store/admin.h"

namespace ogpd::cli {

inline constexpr int kRefreshSeconds = 10;

// Reconciliation as this process saw it.
struct DriftGlance {
  bool on = false;  // off: RECONCILE_INTERVAL_SECONDS=0, or a dry run
  std::optional<std::int64_t> last_pass_at_ms;
  std::int64_t checked = 0, drifted = 0, repaired = 0;  // in the last pass
  std::int64_t drifted_since_start = 0, repaired_since_start = 0;
};

// A vendor rate limited by its 429 (in this process), until when.
struct RateLimited {
  std::string vendor;  // "pagerduty", "opsgenie"
  std::int64_t until_ms = 0;
};

struct StatusPageView {
  std::int64_t now_ms = 0;
  Mode mode;
  store::QueueStats queue;
  std::vector<RateLimited> rate_limited;
  std::vector<store::OutboxItem> pending;  // the oldest first
  bool more_pending = false;               // more than `pending` holds
  std::vector<store::OutboxItem> dead;     // dead letters, the oldest first
  std::vector<store::StoredEvent> events;  // the latest first
  DriftGlance drift;
};

inline constexpr std::size_t kPageRows = 20;  // rows shown in each list

StatusPageView gather_status_page(store::StoreAdmin& store, store::QueueStats queue, const Mode& mode,
                                  std::int64_t now_ms);
std::string render_status_page(const StatusPageView& view);

// `text` safe inside HTML text and attribute values: & < > " ' as entities, control characters as
// printable() shows them.
std::string html_escaped(std::string_view text);

}  // namespace ogpd::cli
