// Clock: wall time in Unix milliseconds, injected wherever a decision or a stored row depends on the time
// (the server's received_at, the store's timestamps, the planner's echo window, the engine's schedule), so
// tests drive time by hand. Implementations are thread-safe.
#pragma once

#include <chrono>
#include <cstdint>

namespace ogpd {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace ogpd
