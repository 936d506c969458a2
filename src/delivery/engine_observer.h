// EngineObserver: what the planner and the engine report (for metrics and logs); every method optional.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "delivery/executor.h"
#include "store/records.h"
#include "sync/plan.h"

namespace ogpd::delivery {

struct EngineObserver {
  virtual ~EngineObserver() = default;
  virtual void on_planned(const Event&, const std::string& /*outcome*/, std::size_t /*actions*/) {}
  virtual void on_attempt(const store::OutboxItem&, const Attempt&) {}
  virtual void on_retry(const store::OutboxItem&, milliseconds /*delay*/, bool /*rate_limited*/) {}
  virtual void on_dead_letter(const store::OutboxItem&, const std::string& /*why*/) {}
  virtual void on_skipped(const store::OutboxItem&, const std::string& /*why*/) {}
  virtual void on_check(bool /*success*/, const std::string& /*status*/) {}
  virtual void on_vendor_paused(Side /*vendor*/, const char* /*reason*/, bool /*paused*/) {}
};

}  // namespace ogpd::delivery
