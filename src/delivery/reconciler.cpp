#include "delivery/reconciler.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>

#include "delivery/retry.h"

namespace ogpd::delivery {
namespace {

namespace json = boost::json;

constexpr std::size_t kPage = 100;
// A change younger than this may still have its webhook on the way: its drift waits for the next pass.
constexpr std::int64_t kMaxGraceMs = 60'000;

json::object reading_json(const SideReading& r) {
  json::object o{{"status", r.status}};
  if (r.changed_at_ms) o["changed_at_ms"] = *r.changed_at_ms;
  if (r.changed_by) o["changed_by"] = *r.changed_by;
  return o;
}

}  // namespace

std::string readings_json(sync::Drift drift, const Link& link, const SideReading& alert,
                          const SideReading& incident) {
  json::object o{{"reconcile", json::object{{"drift", sync::to_string(drift)},
                                            {"alert_id", link.alert_id},
                                            {"incident_id", link.incident_id.value_or("")},
                                            {"alert", reading_json(alert)},
                                            {"incident", reading_json(incident)}}}};
  return json::serialize(o);
}

Reconciler::Reconciler(store::PairLedger& ledger, store::Outbox& outbox, clients::PagerDutyApi& pagerduty,
                       clients::OpsgenieApi& opsgenie, ReconcileSettings settings, const Clock& clock,
                       Repair repair, ReconcileObserver* observer)
    : ledger_(ledger),
      outbox_(outbox),
      pagerduty_(pagerduty),
      opsgenie_(opsgenie),
      settings_(settings),
      clock_(clock),
      repair_(std::move(repair)),
      observer_(observer),
      share_(settings.pagerduty_per_second, settings.opsgenie_per_second, clock) {}

std::optional<SideReading> Reconciler::read(Side side, const std::string& id, std::string& problem,
                                            bool& refused) {
  if (!share_.acquire(side)) {
    problem = "stopping";
    return std::nullopt;
  }
  const auto got = side == Side::kPagerDuty ? pagerduty_.incident(id) : opsgenie_.alert(id);
  const auto c = classify(got);
  std::optional<SideReading> reading;
  if (c.verdict == Verdict::kSuccess) {
    reading = side == Side::kPagerDuty ? clients::pagerduty_incident_reading(got.response.body)
                                       : clients::opsgenie_alert_reading(got.response.body);
    if (!reading) problem = std::string(to_string(side)) + " answered without a status";
  } else {
    refused = c.verdict == Verdict::kRefused;
    // A 429: this share waits as long as the vendor asked, rather than spending itself on refusals.
    if (c.verdict == Verdict::kRetry && c.wait_hint)
      share_.gate(side).pause_until(clock_.now_ms() + c.wait_hint->count());
    problem = std::string(side == Side::kPagerDuty ? "incident " : "alert ") + id + ": " + c.error;
  }
  if (!reading && observer_) observer_->on_read_failed(side);
  return reading;
}

Finding Reconciler::check(const Link& link, std::int64_t now_ms, bool& refused) {
  Finding f{.link = link};
  if (outbox_.has_pending(link)) {
    f.pending = true;
    return f;
  }
  f.incident = read(Side::kPagerDuty, *link.incident_id, f.problem, refused);
  if (!f.incident) return f;
  f.alert = read(Side::kOpsgenie, link.alert_id, f.problem, refused);
  if (!f.alert) return f;
  if (observer_) observer_->on_checked();

  const std::int64_t grace = std::min<std::int64_t>(settings_.interval.count(), kMaxGraceMs);
  f.comparison = sync::compare(*f.alert, *f.incident, clock_.now_ms(), grace);
  if (!repair_) return f;  // look only

  for (const auto& [side, id, reading] : {std::tuple{Side::kOpsgenie, link.alert_id, *f.alert},
                                          std::tuple{Side::kPagerDuty, *link.incident_id, *f.incident}}) {
    if (auto s = ledger_.save_status({side, id, reading.status, true}, now_ms); !s.ok())
      spdlog::warn("reconcile: could not record that {} is {}: {}", id, reading.status, s.message());
  }
  const sync::Drift drift = f.comparison.drift;
  if (drift == sync::Drift::kNone || f.comparison.settling) return f;
  if (outbox_.has_pending(link)) {  // a webhook of this pair was planned while it was being read
    f.pending = true;
    return f;
  }
  const Event missed = sync::repair_event(drift, link, *f.alert, *f.incident);
  const auto stored = repair_(missed, readings_json(drift, link, *f.alert, *f.incident));
  if (!stored.ok()) {
    f.problem = "could not queue the repair: " + stored.error();
    spdlog::warn("reconcile: alert {} / incident {}: {} found; {}", link.alert_id, *link.incident_id,
                 sync::to_string(drift), f.problem);
    return f;
  }
  f.repaired = *stored;
  if (f.repaired)
    spdlog::info("reconcile: alert {} ({}) / incident {} ({}): {} — its webhook was missed; repair queued",
                 link.alert_id, f.alert->status, *link.incident_id, f.incident->status,
                 sync::to_string(drift));
  return f;
}

PassSummary Reconciler::pass(const std::function<void(const Finding&)>& each) {
  PassSummary summary;
  const std::int64_t started = clock_.now_ms();
  std::optional<store::LinkedPair> cursor;
  bool refused = false;
  while (!refused && !share_.stopped()) {
    const auto page = ledger_.pairs_to_reconcile(started - settings_.max_age.count(), cursor, kPage);
    for (const auto& pair : page) {
      cursor = pair;
      if (pair.settled) continue;
      const Finding f = check(pair.link, clock_.now_ms(), refused);
      if (f.pending)
        ++summary.pending;
      else if (f.alert && f.incident)
        ++summary.checked;
      else
        ++summary.unreadable;
      if (f.alert && f.incident && f.comparison.drift != sync::Drift::kNone) {
        ++summary.drifted;
        if (f.repaired) ++summary.repaired;
        if (observer_ && !f.comparison.settling) observer_->on_drift(f.comparison.drift, f.repaired);
      }
      if (each) each(f);
      if (refused) {
        spdlog::warn("reconcile: pass stopped: {} (the vendor refused the credentials)", f.problem);
        break;
      }
      if (share_.stopped()) break;
    }
    if (page.size() < kPage) break;
  }
  if (observer_) observer_->on_pass(summary, clock_.now_ms());
  if (summary.drifted > 0 || summary.unreadable > 0)
    spdlog::info(
        "reconcile: pass done: {} pairs checked, {} drifted, {} repairs queued, {} with actions pending, {} "
        "could not be read",
        summary.checked, summary.drifted, summary.repaired, summary.pending, summary.unreadable);
  return summary;
}

void Reconciler::start(TakeTurn take_turn) {
  if (settings_.interval.count() <= 0) return;
  thread_ = std::thread([this, take_turn = std::move(take_turn)] {
    pthread_setname_np(pthread_self(), "ogpd-reconcile");
    // The first pass waits a little (at most a minute): after a restart the queue drains first.
    std::int64_t next = clock_.now_ms() + std::min<std::int64_t>(settings_.interval.count(), kMaxGraceMs);
    std::unique_lock lock(mu_);
    for (;;) {
      wake_.wait_for(lock, std::chrono::milliseconds(std::max<std::int64_t>(next - clock_.now_ms(), 1)),
                     [this] { return stopping_; });
      if (stopping_) break;
      lock.unlock();
      const std::int64_t started = clock_.now_ms();
      if (const auto turn = take_turn ? take_turn() : std::make_shared<int>(0))
        pass();
      else
        spdlog::debug("reconcile: another proxy sharing the store is reconciling; this one waits its turn");
      next = started + settings_.interval.count();
      lock.lock();
    }
  });
}

void Reconciler::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  share_.stop();
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace ogpd::delivery
