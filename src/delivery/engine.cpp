#include "delivery/engine.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "ops/log.h"

namespace ogpd::delivery {
namespace {

constexpr std::size_t kPlanBatch = 256;
constexpr std::int64_t kFirstRefusalPauseMs = 1'000;
constexpr std::int64_t kMaxRefusalPauseMs = 60'000;  // DESIGN §3 item 7: at most a minute apart
constexpr std::int64_t kRefusalLogEveryMs = 60'000;
constexpr const char* kCredentials = "credentials";

const char* setting_of(Side vendor) {
  return vendor == Side::kPagerDuty ? "PAGERDUTY_API_KEY (and PAGERDUTY_API_URL: US or EU)"
                                    : "OPSGENIE_API_KEY (and OPSGENIE_API_URL: US or EU)";
}

bool names_priorities(const RouteTable& routes) {
  for (const auto& r : routes.routes)
    if (!r.pagerduty.priority_by_priority.empty()) return true;
  return false;
}

}  // namespace

Engine::Engine(store::Outbox& outbox, store::PairLedger& ledger, clients::PagerDutyApi& pagerduty,
               clients::OpsgenieApi& opsgenie, Pacer& pacer, EngineSettings settings, const Clock& clock,
               EngineObserver* observer)
    : outbox_(outbox),
      ledger_(ledger),
      settings_(std::move(settings)),
      clock_(clock),
      observer_(observer),
      priorities_(names_priorities(settings_.sync.routes)),
      priority_lookup_(pagerduty, priorities_),
      executor_(ledger, pagerduty, opsgenie, &priorities_, &settings_.sync.routes),
      planner_(settings_.sync, settings_.echo_ttl, clock, observer),
      own_user_(pagerduty, planner_, outbox, clock, settings_.own_email),
      checker_(outbox, ledger, opsgenie, settings_.retry, clock, observer),
      pacer_(pacer),
      random_(std::random_device{}()) {}

Engine::~Engine() {
  stop();
}

void Engine::start() {
  if (auto s = outbox_.mark_pending_ambiguous(); !s.ok())
    spdlog::error("could not mark pending actions to look before they act: {}", s.message());
  // The pause the store records (from an earlier run, or another proxy on a shared store) stays until this
  // run sees the vendor accept its key (accepted()); this run itself is not paused yet.
  for (const Side side : {Side::kPagerDuty, Side::kOpsgenie})
    if (observer_) observer_->on_vendor_paused(side, kCredentials, false);
  // A loop about to turn counts as turning: /readyz asked before its first turn must not see a stall.
  last_loop_ms_ = clock_.now_ms();
  running_ = true;
  workers_.emplace(settings_.workers);
  loop_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "ogpd-engine");
    loop();
  });
}

void Engine::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !loop_thread_.joinable()) return;
    stopping_ = true;
  }
  wake_cv_.notify_all();
  if (loop_thread_.joinable()) loop_thread_.join();
  pacer_.stop();                   // a call waiting for a token gives up ("not sent": retried after restart)
  if (workers_) workers_->stop();  // in-flight and queued jobs finish and record their outcome
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
    if (own_user_.take_turn(now)) workers_->post([this] { own_user_.run(); });
    if (priority_lookup_.take_turn(now)) workers_->post([this] { priority_lookup_.run(); });
    keep_claims(now);
    const bool more = plan_pending();
    const std::int64_t gate_opens = dispatch();

    // Sleep until the next retry is due or a rate-limited vendor may be called again (work that is due but
    // waiting for a gate must not make this loop spin); a wake() cuts it short.
    std::int64_t wait_ms = more ? 0 : 1000;
    if (auto due = outbox_.next_due_ms(); due && *due > now) wait_ms = std::min(wait_ms, *due - now);
    if (gate_opens > 0) wait_ms = std::min(wait_ms, std::max<std::int64_t>(gate_opens - now, 1));
    std::unique_lock lock(mu_);
    wake_cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [this] { return woken_ || stopping_; });
  }
}

// On a shared store each claimed action is leased to this proxy; while it waits for a worker or runs (a
// slow vendor, a 429 pause), the lease is extended every second, so no other proxy takes it over while it
// is still being sent. (The SQLite outbox has no leases: extend() does nothing.)
void Engine::keep_claims(std::int64_t now) {
  if (now - last_extend_ms_ < 1000) return;
  last_extend_ms_ = now;
  std::vector<std::int64_t> ids;
  {
    std::lock_guard lock(mu_);
    ids.assign(busy_actions_.begin(), busy_actions_.end());
  }
  if (ids.empty()) return;
  if (auto s = outbox_.extend(ids, now); !s.ok())
    spdlog::warn("could not extend the claim on {} action(s) in flight: {}", ids.size(), s.message());
}

// Events the journal stored without planning them (written by an older version, or with no planner set):
// planned one at a time, each with its actions in one transaction.
bool Engine::plan_pending() {
  const auto events = outbox_.pending_events(kPlanBatch);
  for (const auto& stored : events) {
    store::PlannedEvent plan = planner_.plan(stored.event, ledger_);
    plan.event_id = stored.id;
    if (auto s = outbox_.commit_plans({plan}, clock_.now_ms()); !s.ok()) {
      spdlog::error("could not store planned actions (will retry): {}", s.message());
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
    // As many actions as there are tokens: each takes its own as it calls (pacer.h).
    const std::size_t tokens = static_cast<std::size_t>(std::max(0, gate(side).available(now)));
    if (tokens == 0) {
      note_wait(std::max<std::int64_t>(gate(side).wait_ms(now), 1));
      continue;
    }
    if (tokens < free_slots) note_wait(50);  // tokens were the limit: look again once some have come back
    for (auto& item : outbox_.due_heads(now, std::min(free_slots, tokens), busy, side)) {
      {
        std::lock_guard lock(mu_);
        busy_pairs_.insert(item.pair_key);
        busy_actions_.insert(item.id);
      }
      busy.push_back(item.pair_key);
      --free_slots;
      workers_->post([this, item = std::move(item)] { run_item(item); });
    }
    if (free_slots == 0) return gate_opens;
  }
  // Request-status checks are Opsgenie calls: none while it is paused, no more than its tokens.
  const std::size_t check_tokens =
      gate(Side::kOpsgenie).wait_ms(now) > 0
          ? 0
          : std::min(free_slots, static_cast<std::size_t>(std::max(0, gate(Side::kOpsgenie).available(now))));
  for (auto& check : outbox_.due_checks(now, check_tokens)) {
    {
      std::lock_guard lock(mu_);
      if (!busy_checks_.insert(check.request_id).second) continue;
    }
    workers_->post([this, check = std::move(check)] {
      checker_.run(check, jitter());
      {
        std::lock_guard lock(mu_);
        busy_checks_.erase(check.request_id);
      }
      wake();
    });
  }
  return gate_opens;
}

void Engine::run_item(const store::OutboxItem& item) {
  const ops::CorrelationScope correlation(item.event_id);
  record(item, executor_.run(item, clock_.now_ms()));
  {
    std::lock_guard lock(mu_);
    busy_pairs_.erase(item.pair_key);
    busy_actions_.erase(item.id);
  }
  wake();
}

milliseconds Engine::refused(Side vendor, const std::string& error, std::int64_t now) {
  // Held while deciding and publishing, so a pause and a resume racing on two workers are published in the
  // order they were decided.
  std::lock_guard publishing(publish_mu_);
  int count = 0;
  bool log = false;
  std::int64_t until = 0;
  {
    std::lock_guard lock(mu_);
    Refusals& r = refusals_[static_cast<int>(vendor)];
    // Calls already in flight when the pause began are refused too: they share that pause, and only a call
    // made after it (the next probe) doubles it.
    if (now >= r.until) {
      ++r.count;
      r.until = now + std::min(kMaxRefusalPauseMs,
                               kFirstRefusalPauseMs << std::min(r.count - 1, 6));  // 1, 2, 4, ... 32, 60 s
    }
    count = r.count;
    until = r.until;
    if (now - r.last_log_ms >= kRefusalLogEveryMs) {
      r.last_log_ms = now;
      log = true;
    }
  }
  gate(vendor).pause_until(until);
  if (log)
    spdlog::error(
        "{} refuses the credentials ({}): {} is paused, nothing is dead-lettered for it; retrying at "
        "most a minute apart; check {}",
        to_string(vendor), error, to_string(vendor), setting_of(vendor));
  if (count == 1 && log) {
    if (observer_) observer_->on_vendor_paused(vendor, kCredentials, true);
    if (auto s = outbox_.set_vendor_pause(vendor, kCredentials, error, now); !s.ok())
      spdlog::error("could not record that {} is paused: {}", to_string(vendor), s.message());
  }
  return milliseconds(until - now);
}

void Engine::accepted(Side vendor, std::int64_t now) {
  // The first acceptance this run sees clears a pause recorded before it (not by this run).
  const bool first = !confirmed_[static_cast<int>(vendor)].exchange(true, std::memory_order_relaxed);
  {
    std::lock_guard lock(mu_);
    if (refusals_[static_cast<int>(vendor)].count == 0 && !first) return;  // not paused: the common case
  }
  std::lock_guard publishing(publish_mu_);
  bool paused = false;
  {
    std::lock_guard lock(mu_);
    Refusals& r = refusals_[static_cast<int>(vendor)];
    paused = r.count != 0;
    if (!paused && !first) return;
    r = {};
  }
  if (paused) {
    spdlog::info("{} accepts the credentials again: resumed", to_string(vendor));
    if (observer_) observer_->on_vendor_paused(vendor, kCredentials, false);
  }
  if (auto s = outbox_.set_vendor_pause(vendor, std::nullopt, "", now); !s.ok())
    spdlog::error("could not record that {} resumed: {}", to_string(vendor), s.message());
}

void Engine::record(const store::OutboxItem& item, const Attempt& attempt) {
  const std::int64_t now = clock_.now_ms();
  if (observer_) observer_->on_attempt(item, attempt);
  const std::string what = std::string(to_string(item.action.kind)) + " id=" + std::to_string(item.id) +
                           " event=" + std::to_string(item.event_id) + " pair=" + item.pair_key;
  // Any answer but a refusal shows the key works again (a 404 as much as a 200).
  if (attempt.calls > 0 && attempt.kind != Attempt::kRefused && attempt.kind != Attempt::kRetry)
    accepted(attempt.vendor, now);
  Status stored;
  switch (attempt.kind) {
    case Attempt::kDone:
      spdlog::info("action {} done attempts={} calls={}", what, item.attempts + 1, attempt.calls);
      stored = outbox_.complete(item.id, now, attempt.check);
      break;
    case Attempt::kRefused: {
      const milliseconds wait = refused(attempt.vendor, attempt.error, now);
      // Not an attempt of the action's: the same attempts, the same budget; only its age can end it.
      if (within_budget(settings_.retry, 0, milliseconds(now - item.created_at_ms))) {
        stored = outbox_.reschedule(item.id, item.attempts, now + wait.count(), attempt.error,
                                    item.ambiguous || attempt.ambiguous);
      } else {
        const std::string why = "credentials refused until past the age budget: " + attempt.error;
        spdlog::error("action {} is a dead letter: {}", what, why);
        if (observer_) observer_->on_dead_letter(item, why);
        stored = outbox_.finish(item.id, store::ActionState::kDead, why, now);
      }
      break;
    }
    case Attempt::kRetry: {
      if (pacer_.stopped()) {  // cut off by the shutdown, not sent: not an attempt of the action's
        stored = outbox_.reschedule(item.id, item.attempts, now, attempt.error,
                                    item.ambiguous || attempt.ambiguous);
        break;
      }
      const int attempts = item.attempts + 1;
      if (attempt.wait_hint) gate(attempt.vendor).pause_until(now + attempt.wait_hint->count());
      if (within_budget(settings_.retry, attempts, milliseconds(now - item.created_at_ms))) {
        const auto delay = backoff(settings_.retry, attempts, jitter(), attempt.wait_hint);
        spdlog::warn("action {} failed ({}), attempt {}: retrying in {} ms", what, attempt.error, attempts,
                     delay.count());
        if (observer_) observer_->on_retry(item, delay, attempt.wait_hint.has_value());
        stored = outbox_.reschedule(item.id, attempts, now + delay.count(), attempt.error,
                                    item.ambiguous || attempt.ambiguous);
      } else {
        const std::string why = "gave up after " + std::to_string(attempts) + " attempts: " + attempt.error;
        spdlog::error("action {} is a dead letter: {}", what, why);
        if (observer_) observer_->on_dead_letter(item, why);
        stored = outbox_.finish(item.id, store::ActionState::kDead, why, now);
      }
      break;
    }
    case Attempt::kFailed:
      spdlog::error("action {} is a dead letter: {}", what, attempt.error);
      if (observer_) observer_->on_dead_letter(item, attempt.error);
      stored = outbox_.finish(item.id, store::ActionState::kDead, attempt.error, now);
      break;
    case Attempt::kSkipped:
      spdlog::warn("action {} skipped, not sent: {}", what, attempt.error);
      if (observer_) observer_->on_skipped(item, attempt.error);
      stored = outbox_.finish(item.id, store::ActionState::kDone, "skipped: " + attempt.error, now);
      break;
    case Attempt::kUnpaired:
      spdlog::warn("action {} cannot be paired: {}", what, attempt.error);
      stored = outbox_.finish(item.id, store::ActionState::kUnpaired, attempt.error, now);
      break;
  }
  // When even the outcome cannot be stored, the action stays pending and runs again (looking first).
  if (!stored.ok()) spdlog::error("action {}: could not store the outcome: {}", what, stored.message());
}

}  // namespace ogpd::delivery
