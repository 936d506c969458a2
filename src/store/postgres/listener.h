// PgListener: wakes this proxy's engine when another proxy queues work (LISTEN on the outbox channel; every
// plan that queues actions NOTIFYs it at commit), so a pair whose event reached another proxy is delivered
// at once rather than at this engine's next poll. One thread with a connection of its own, re-made with
// backoff when lost. Thread-safe; stop() (or the destructor) joins.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

#include "store/postgres/database.h"

namespace ogpd::store {

class PgListener {
 public:
  PgListener(PgDatabase& database, std::function<void()> wake);
  ~PgListener() { stop(); }
  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;
  void stop();

 private:
  void run();

  PgDatabase& database_;
  const std::function<void()> wake_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace ogpd::store
