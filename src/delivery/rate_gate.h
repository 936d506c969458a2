// RateGate: the pace of calls to one vendor — a token bucket (at most one second's worth of calls at once)
// and a pause that a vendor's 429 asks for. Time is passed in (milliseconds, any epoch), so tests drive it
// by hand. Thread-safe: the engine's loop asks, its workers take and pause.
#pragma once

#include <cstdint>
#include <mutex>

namespace ogpd::delivery {

class RateGate {
 public:
  explicit RateGate(double per_second) : per_second_(per_second) {}
  // Milliseconds until a call may go out (0: now). Takes nothing.
  std::int64_t wait_ms(std::int64_t now_ms);
  // Takes a token when one is there.
  bool take(std::int64_t now_ms);
  // Whole tokens there now (0 while paused). Takes nothing.
  int available(std::int64_t now_ms);
  void pause_until(std::int64_t until_ms);
  // When the pause a 429 asked for ends (0: never paused). Takes nothing.
  std::int64_t paused_until_ms();

 private:
  void refill(std::int64_t now_ms);  // requires mu_
  std::mutex mu_;
  const double per_second_;
  double tokens_ = 1;              // guarded by mu_
  std::int64_t last_ms_ = 0;       // guarded by mu_
  std::int64_t paused_until_ = 0;  // guarded by mu_
};

}  // namespace ogpd::delivery
