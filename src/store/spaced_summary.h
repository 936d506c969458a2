// SpacedSummary: the queue summary (StoreAdmin::queue_stats) for what the daemon serves on request, /metrics
// and the status page, read no more often than its reads allow: after a read that took d, the next waits
// until 20 × d has passed since it ended, and meanwhile the last one is served. Reads then fill at most a
// twenty-first of any stretch of time, however often they are asked for.
//
// Why: the summary counts the open actions, so it takes time in proportion to the backlog (about 45 ms at
// 150,000 pending actions). Over SQLite it reads beside the journal's commits, on a connection whose reads
// keep the WAL from restarting while they last (sqlite/database.h): scraped back to back, the WAL grew by
// 12 MB a second. On a small queue a read takes well under a millisecond, so the summary is as fresh as
// before. Thread-safe: callers that arrive during a read wait for it and share it.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>

#include "store/records.h"

namespace ogpd::store {

class SpacedSummary {
 public:
  using Ticks = std::function<std::chrono::steady_clock::time_point()>;
  static constexpr int kSpacingFactor = 20;

  explicit SpacedSummary(std::function<QueueStats()> read, Ticks now = std::chrono::steady_clock::now)
      : read_(std::move(read)), now_(std::move(now)) {}

  QueueStats get();

 private:
  const std::function<QueueStats()> read_;
  const Ticks now_;
  std::mutex mu_;
  std::optional<QueueStats> last_;                      // guarded by mu_
  std::chrono::steady_clock::time_point next_read_at_;  // guarded by mu_
};

}  // namespace ogpd::store
