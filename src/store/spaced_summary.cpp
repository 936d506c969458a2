#include "store/spaced_summary.h"

namespace ogpd::store {

QueueStats SpacedSummary::get() {
  std::lock_guard lock(mu_);
  if (last_ && now_() < next_read_at_) return *last_;
  const auto started = now_();
  last_ = read_();
  const auto ended = now_();
  next_read_at_ = ended + (ended - started) * kSpacingFactor;
  return *last_;
}

}  // namespace ogpd::store
