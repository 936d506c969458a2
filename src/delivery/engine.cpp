#include "delivery/engine.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "ops/log.h"
#include "sync/echo.h"

namespace ogpd::delivery {
namespace {

constexpr std::size_t kPlanBatch = 256;
constexpr int kMaxCheckAttempts = 8;

}  // namespace

std::int64_t SystemClock::now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Engine::Engine(store::SyncStore& store, clients::PagerDutyApi& pagerduty, clients::OpsgenieApi& opsgenie,
               EngineSettings settings, Clock& clock, EngineObserver* observer)
    : store_(store),
      pagerduty_(pagerduty),
      opsgenie_(opsgenie),
      settings_(std::move(settings)),
      clock_(clock),
      observer_(observer),
      executor_(store, pagerduty, opsgenie),
      planner_(settings_.sync, settings_.echo_ttl, observer),
      pagerduty_gate_(settings_.pagerduty_per_second),
      opsgenie_gate_(settings_.opsgenie_per_second),
      random_(std::random_device{}()) {}

Engine::~Engine() {
  stop();
}

void Engine::start() {
  if (auto r = store_.mark_pending_ambiguous(); !r.ok)
    spdlog::error("could not mark pending actions: {}", r.error);
  running_ = true;
  loop_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "ogpd-engine");
    loop();
  });
  for (int i = 0; i < std::max(1, settings_.workers); ++i) {
    workers_.emplace_back([this] {
      pthread_setname_np(pthread_self(), "ogpd-worker");
      for (;;) {
        std::function<void()> job;
        {
          std::unique_lock lock(mu_);
          work_cv_.wait(lock, [this] { return stopping_ || !work_.empty(); });
          if (work_.empty()) return;
          job = std::move(work_.front());
          work_.erase(work_.begin());
        }
        job();
      }
    });
  }
}

void Engine::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !loop_thread_.joinable()) return;
    stopping_ = true;
  }
  wake_cv_.notify_all();
  work_cv_.notify_all();
  if (loop_thread_.joinable()) loop_thread_.join();
  for (auto& w : workers_)
    if (w.joinable()) w.join();
  workers_.clear();
  running_ = false;
}

void Engine::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  wake_cv_.notify_one();
}

double Engine::jitter() {
  std::lock_guard lock(mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(random_);
}

void Engine::loop() {
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      woken_ = false;
    }
    const std::int64_t now = clock_.now_ms();
    last_loop_ms_ = now;
    resolve_own_user();
    if (now >= next_expiry_ms_) {
      store_.expire_echoes(now - settings_.echo_ttl.count());
      next_expiry_ms_ = now + 60'000;
    }
    if (settings_.retention.count() > 0 && now >= next_prune_ms_) {
      prune(now);
      next_prune_ms_ = now + 10 * 60'000;
    }
    const bool more = plan_pending();
    const std::int64_t gate_opens = dispatch();

    // Sleep until the next retry is due or a rate-limited vendor may be called again (work that is due but
    // waiting for a gate must not make this loop spin); a wake() cuts it short.
    std::int64_t wait_ms = more ? 0 : 1000;
    if (auto due = store_.next_due_ms(); due && *due > now) wait_ms = std::min(wait_ms, *due - now);
    if (gate_opens > 0) wait_ms = std::min(wait_ms, std::max<std::int64_t>(gate_opens - now, 1));
    std::unique_lock lock(mu_);
    wake_cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [this] { return woken_ || stopping_; });
  }
}

// Small batches, each its own short transaction, so webhooks never wait long behind retention.
void Engine::prune(std::int64_t now) {
  constexpr int kBatch = 500, kMaxBatches = 40;
  std::int64_t removed = 0;
  for (int i = 0; i < kMaxBatches; ++i) {
    const std::int64_t n = store_.prune(now - settings_.retention.count(), kBatch);
    removed += n;
    if (n == 0) break;
  }
  if (removed > 0) spdlog::info("retention: deleted {} finished events and actions", removed);
}

void Engine::resolve_own_user() {
  if (!settings_.own_email || planner_.knows_own_user_id()) return;
  const std::int64_t now = clock_.now_ms();
  if (now < next_own_user_try_ms_) return;
  next_own_user_try_ms_ = now + 5 * 60'000;
  const auto result =
      observe_call(Side::kPagerDuty, "find_user", [&] { return pagerduty_.users(*settings_.own_email); });
  if (classify(result).verdict == Verdict::kSuccess) {
    if (auto id = clients::pagerduty_first_user_id(result.response.body)) {
      planner_.set_own_user_id(*id);
      spdlog::info("PAGERDUTY_EMAIL belongs to PagerDuty user {}: its events are not mirrored", *id);
      return;
    }
  }
  spdlog::warn("could not resolve PAGERDUTY_EMAIL to a PagerDuty user ({}); retrying in 5 minutes",
               result.transport == clients::Transport::kOk ? "HTTP " + std::to_string(result.response.status)
                                                           : result.error);
}

// Events the journal stored without planning them (written by an older version, or with no planner set):
// planned one at a time, each with its actions in one transaction.
bool Engine::plan_pending() {
  const auto events = store_.pending_events(kPlanBatch);
  for (const auto& stored : events) {
    store::PlannedEvent plan = planner_.plan(stored.event, store_);
    plan.event_id = stored.id;
    if (auto r = store_.commit_plans({plan}, clock_.now_ms()); !r.ok) {
      spdlog::error("could not store planned actions (will retry): {}", r.error);
      return false;
    }
    planner_.planned(stored.id, stored.event, plan);
  }
  return events.size() == kPlanBatch;
}

std::int64_t Engine::dispatch() {
  const std::int64_t now = clock_.now_ms();
  std::vector<std::string> busy;
  std::size_t free_slots = 0;
  {
    std::lock_guard lock(mu_);
    busy.assign(busy_pairs_.begin(), busy_pairs_.end());
    const std::size_t in_flight = busy_pairs_.size() + busy_checks_.size();
    const std::size_t capacity = static_cast<std::size_t>(std::max(1, settings_.workers)) * 2;
    free_slots = in_flight < capacity ? capacity - in_flight : 0;
  }
  if (free_slots == 0) return 0;
  std::int64_t gate_opens = 0;
  const auto note_wait = [&](std::int64_t wait) {
    if (wait > 0) gate_opens = gate_opens == 0 ? now + wait : std::min(gate_opens, now + wait);
  };
  // Each vendor on its own: one that is rate-limited (bucket empty, or paused by a 429) keeps its actions
  // queued without holding back the other.
  for (const Side side : {Side::kPagerDuty, Side::kOpsgenie}) {
    if (const auto wait = gate(side).wait_ms(now); wait > 0) {
      note_wait(wait);
      continue;
    }
    for (auto& item : store_.due_heads(now, free_slots, busy, side)) {
      if (!gate(side).take(now)) {
        note_wait(gate(side).wait_ms(now));
        break;
      }
      std::lock_guard lock(mu_);
      busy_pairs_.insert(item.pair_key);
      busy.push_back(item.pair_key);
      --free_slots;
      work_.push_back([this, item = std::move(item)]() mutable { run_item(std::move(item)); });
      work_cv_.notify_one();
    }
    if (free_slots == 0) return gate_opens;
  }
  for (auto& check : store_.due_checks(now, free_slots)) {
    std::lock_guard lock(mu_);
    if (!busy_checks_.insert(check.request_id).second) continue;
    work_.push_back([this, check = std::move(check)]() mutable { run_check(std::move(check)); });
    work_cv_.notify_one();
  }
  return gate_opens;
}

void Engine::run_item(store::OutboxItem item) {
  const ops::CorrelationScope correlation(item.event_id);
  const Attempt attempt = executor_.run(item, clock_.now_ms());
  finish_item(item, attempt);
  {
    std::lock_guard lock(mu_);
    busy_pairs_.erase(item.pair_key);
  }
  wake();
}

void Engine::finish_item(const store::OutboxItem& item, const Attempt& attempt) {
  const std::int64_t now = clock_.now_ms();
  if (observer_) observer_->on_attempt(item, attempt);
  const std::string what = std::string(to_string(item.action.kind)) + " id=" + std::to_string(item.id) +
                           " event=" + std::to_string(item.event_id) + " pair=" + item.pair_key;
  store::Result stored;
  switch (attempt.kind) {
    case Attempt::kDone:
      spdlog::info("action {} done attempts={} calls={}", what, item.attempts + 1, attempt.calls);
      stored = store_.complete(item.id, now, attempt.check);
      break;
    case Attempt::kRetry: {
      const int attempts = item.attempts + 1;
      if (attempt.wait_hint) gate(attempt.vendor).pause_until(now + attempt.wait_hint->count());
      if (within_budget(settings_.retry, attempts, milliseconds(now - item.created_at_ms))) {
        const auto delay = backoff(settings_.retry, attempts, jitter(), attempt.wait_hint);
        spdlog::warn("action {} failed ({}), attempt {}: retrying in {} ms", what, attempt.error, attempts,
                     delay.count());
        if (observer_) observer_->on_retry(item, delay, attempt.wait_hint.has_value());
        stored = store_.reschedule(item.id, attempts, now + delay.count(), attempt.error,
                                   item.ambiguous || attempt.ambiguous);
      } else {
        const std::string why = "gave up after " + std::to_string(attempts) + " attempts: " + attempt.error;
        spdlog::error("action {} is a dead letter: {}", what, why);
        if (observer_) observer_->on_dead_letter(item, why);
        stored = store_.finish(item.id, store::ActionState::kDead, why, now);
      }
      break;
    }
    case Attempt::kFailed:
      spdlog::error("action {} is a dead letter: {}", what, attempt.error);
      if (observer_) observer_->on_dead_letter(item, attempt.error);
      stored = store_.finish(item.id, store::ActionState::kDead, attempt.error, now);
      break;
    case Attempt::kUnpaired:
      spdlog::warn("action {} cannot be paired: {}", what, attempt.error);
      stored = store_.finish(item.id, store::ActionState::kUnpaired, attempt.error, now);
      break;
  }
  // When even the outcome cannot be stored, the action stays pending and runs again (looking first).
  if (!stored.ok) spdlog::error("action {}: could not store the outcome: {}", what, stored.error);
}

void Engine::run_check(store::Check check) {
  const auto result = observe_call(Side::kOpsgenie, "request_status",
                                   [&] { return opsgenie_.request_status(check.request_id); });
  const std::int64_t now = clock_.now_ms();
  const auto status = result.transport == clients::Transport::kOk && result.response.status == 200
                          ? clients::opsgenie_request_status(result.response.body)
                          : std::nullopt;
  if (status) {
    if (observer_) observer_->on_check(status->success, status->status);
    if (!status->success)
      spdlog::error("Opsgenie did not apply request {} (action {}): {}", check.request_id, check.action_id,
                    status->status);
    store_.drop_check(check.request_id);
  } else if (check.attempts + 1 >= kMaxCheckAttempts) {
    spdlog::warn("Opsgenie request {} (action {}) still unconfirmed after {} checks; giving up on it",
                 check.request_id, check.action_id, check.attempts + 1);
    if (observer_) observer_->on_check(false, "unconfirmed");
    store_.drop_check(check.request_id);
  } else {
    // 404 until Opsgenie has processed it; also 5xx and network trouble.
    const auto delay = backoff({.base_delay = std::chrono::milliseconds(500)}, check.attempts + 1, jitter(),
                               rate_limit_hint(result.response));
    store_.reschedule_check(check.request_id, check.attempts + 1, now + delay.count());
  }
  {
    std::lock_guard lock(mu_);
    busy_checks_.erase(check.request_id);
  }
  wake();
}

}  // namespace ogpd::delivery
