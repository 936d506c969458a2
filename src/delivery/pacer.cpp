#include "delivery/pacer.h"

#include <algorithm>
#include <chrono>

namespace ogpd::delivery {

bool Pacer::acquire(Side side) {
  RateGate& gate = this->gate(side);
  for (;;) {
    const std::int64_t now = clock_.now_ms();
    if (gate.take(now)) return true;
    // Waits in slices of at most a second, so a pause shortened or a clock set by hand is noticed.
    const std::int64_t wait = std::clamp<std::int64_t>(gate.wait_ms(now), 1, 1000);
    std::unique_lock lock(mu_);
    if (stopped_cv_.wait_for(lock, std::chrono::milliseconds(wait), [this] { return stopped_; }))
      return false;
  }
}

bool Pacer::stopped() {
  std::lock_guard lock(mu_);
  return stopped_;
}

void Pacer::stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  stopped_cv_.notify_all();
}

}  // namespace ogpd::delivery
