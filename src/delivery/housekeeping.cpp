#include "delivery/housekeeping.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace ogpd::delivery {
namespace {

constexpr std::int64_t kExpiryEveryMs = 60'000;
constexpr std::int64_t kPruneEveryMs = 10 * 60'000;

}  // namespace

std::int64_t Housekeeping::run_due(std::int64_t now_ms) {
  if (now_ms >= next_expiry_ms_) {
    if (auto s = ledger_.expire_echoes(now_ms - settings_.echo_ttl.count()); !s.ok())
      spdlog::warn("could not expire old echoes (will retry): {}", s.message());
    next_expiry_ms_ = now_ms + kExpiryEveryMs;
  }
  std::int64_t next = next_expiry_ms_;
  if (settings_.retention.count() > 0) {
    if (now_ms >= next_prune_ms_) {
      prune(now_ms);
      next_prune_ms_ = now_ms + kPruneEveryMs;
    }
    next = std::min(next, next_prune_ms_);
  }
  return next;
}

void Housekeeping::prune(std::int64_t now_ms) {
  constexpr int kBatch = 500, kMaxBatches = 40;
  std::int64_t removed = 0;
  for (int i = 0; i < kMaxBatches; ++i) {
    const auto pruned = admin_.prune(now_ms - settings_.retention.count(), kBatch);
    if (!pruned.ok()) {
      spdlog::warn("retention: could not delete old events and actions (will retry): {}", pruned.error());
      break;
    }
    removed += *pruned;
    if (*pruned == 0) break;
  }
  if (removed > 0) spdlog::info("retention: deleted {} finished events and actions", removed);
}

void Housekeeping::start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "ogpd-chores");
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      const std::int64_t now = clock_.now_ms();
      const std::int64_t next = run_due(now);
      lock.lock();
      wake_.wait_for(lock, std::chrono::milliseconds(std::max<std::int64_t>(next - now, 1)),
                     [this] { return stopping_; });
    }
  });
}

void Housekeeping::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace ogpd::delivery
