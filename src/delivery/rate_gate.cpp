#include "delivery/rate_gate.h"

#include <algorithm>

namespace ogpd::delivery {

void RateGate::refill(std::int64_t now_ms) {
  const double burst = std::max(1.0, per_second_);  // at most one second's worth at once
  if (last_ms_ == 0) last_ms_ = now_ms;
  tokens_ = std::min(burst, tokens_ + static_cast<double>(now_ms - last_ms_) * per_second_ / 1000.0);
  last_ms_ = now_ms;
}

std::int64_t RateGate::wait_ms(std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  if (now_ms < paused_until_) return paused_until_ - now_ms;
  if (per_second_ <= 0) return 0;
  refill(now_ms);
  if (tokens_ >= 1) return 0;
  return static_cast<std::int64_t>((1 - tokens_) * 1000.0 / per_second_) + 1;
}

bool RateGate::take(std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  if (now_ms < paused_until_) return false;
  if (per_second_ <= 0) return true;
  refill(now_ms);
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

int RateGate::available(std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  if (now_ms < paused_until_) return 0;
  if (per_second_ <= 0) return 1 << 20;
  refill(now_ms);
  return static_cast<int>(tokens_);
}

std::int64_t RateGate::paused_until_ms() {
  std::lock_guard lock(mu_);
  return paused_until_;
}

void RateGate::pause_until(std::int64_t until_ms) {
  std::lock_guard lock(mu_);
  paused_until_ = std::max(paused_until_, until_ms);
}

}  // namespace ogpd::delivery
