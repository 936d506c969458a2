#include "cli/inspect.h"

#include <boost/json.hpp>
#include <ctime>
#include <ostream>

#include "core/text.h"

namespace ogpd::cli {
namespace {

namespace json = boost::json;

std::string iso(std::int64_t ms) {
  const std::time_t t = ms / 1000;
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

constexpr std::size_t kPendingShown = 20;

// "1 dead letter", "2 dead letters".
std::string counted(std::int64_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

json::value opt(const std::optional<std::string>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

}  // namespace

std::string iso_now(std::int64_t ms) {
  return iso(ms);
}

std::string describe_pending(const store::OutboxItem& a, std::int64_t now_ms) {
  std::string line = "pending #" + std::to_string(a.id) + " " + std::string(to_string(a.action.kind)) + " " +
                     printable(a.pair_key) + ": ";
  if (a.attempts == 0) {
    line += "not tried yet";
  } else {
    line += counted(a.attempts, "attempt");
  }
  if (a.next_attempt_at_ms > now_ms)
    line += ", next in " + std::to_string((a.next_attempt_at_ms - now_ms + 999) / 1000) + " s";
  else if (a.attempts > 0)
    line += ", due now";
  if (!a.last_error.empty()) line += "; last error: " + printable(a.last_error);
  if (a.ambiguous) line += " (looks before acting: an earlier attempt may have taken effect)";
  return line;
}

int run_status(store::StoreAdmin& store, const Mode& mode, bool as_json, std::ostream& out,
               std::int64_t now_ms) {
  const auto stats = store.queue_stats();
  if (as_json) {
    json::object vendors;
    for (const auto& [name, q] : stats.vendors) {
      vendors[name] = json::object{
          {"pending", q.pending},
          {"oldest_pending_age_seconds", q.oldest_pending_ms
                                             ? json::value((now_ms - *q.oldest_pending_ms) / 1000.0)
                                             : json::value(nullptr)},
          {"dead_letters", q.dead},
          {"unpaired", q.unpaired},
          {"last_success", q.last_success_ms ? json::value(iso(*q.last_success_ms)) : json::value(nullptr)},
          {"paused", q.paused_reason ? json::value(json::object{{"reason", *q.paused_reason},
                                                                {"since", iso(q.paused_since_ms.value_or(0))},
                                                                {"error", opt(q.last_error)}})
                                     : json::value(nullptr)},
          {"identity", opt(q.identity)}};
    }
    json::array routes;
    for (const auto& r : store.route_activity(mode.routes))
      routes.push_back(
          json::object{{"name", r.route},
                       {"alerts", r.alerts},
                       {"last_alert", r.last_at_ms ? json::value(iso(*r.last_at_ms)) : nullptr}});
    json::array pending;
    for (const auto& a : store.actions_in_state(store::ActionState::kPending, kPendingShown))
      pending.push_back(json::object{
          {"id", a.id},
          {"vendor", to_string(target_of(a.action.kind))},
          {"kind", to_string(a.action.kind)},
          {"pair", a.pair_key},
          {"attempts", a.attempts},
          {"next_attempt", a.next_attempt_at_ms > 0 ? json::value(iso(a.next_attempt_at_ms)) : nullptr},
          {"last_error", a.last_error.empty() ? json::value(nullptr) : json::value(a.last_error)},
          {"ambiguous", a.ambiguous}});
    out << json::serialize(json::object{{"pending_actions", std::move(pending)},
                                        {"dry_run", mode.dry_run},
                                        {"store", mode.store},
                                        {"events_pending", stats.events_pending},
                                        {"vendors", vendors},
                                        {"routes", std::move(routes)}})
        << "\n";
    return 0;
  }
  if (mode.dry_run) out << "DRY RUN: on (nothing is sent to PagerDuty or Opsgenie)\n";
  out << "store: " << mode.store << "\n";
  out << "events waiting to be planned: " << stats.events_pending << "\n";
  for (const auto& [name, q] : stats.vendors) {
    if (q.paused_reason)
      out << name << ": PAUSED since " << iso(q.paused_since_ms.value_or(0)) << ": "
          << (*q.paused_reason == "credentials" ? "it refuses the API key" : printable(*q.paused_reason))
          << (q.last_error ? " (" + printable(*q.last_error) + ")" : "")
          << "; actions wait, none is dead-lettered\n";
    if (q.identity)
      out << name << ": own user "
          << (q.identity->starts_with("not found: ")
                  ? "NOT FOUND (" + printable(q.identity->substr(11)) +
                        "): changes by PAGERDUTY_EMAIL may be mirrored back until it is"
                  : printable(*q.identity))
          << "\n";
    out << name << ": " << q.pending << " pending";
    if (q.oldest_pending_ms) out << " (oldest " << (now_ms - *q.oldest_pending_ms) / 1000 << " s)";
    out << ", " << counted(q.dead, "dead letter") << ", " << q.unpaired << " unpaired, last success "
        << (q.last_success_ms ? iso(*q.last_success_ms) : std::string("never")) << "\n";
  }
  // Each pending action with why it waits: retried after an error, or simply next in line.
  const auto pending = store.actions_in_state(store::ActionState::kPending, kPendingShown + 1);
  for (std::size_t i = 0; i < pending.size() && i < kPendingShown; ++i)
    out << "  " << describe_pending(pending[i], now_ms) << "\n";
  if (pending.size() > kPendingShown) out << "  ... and more: see /metrics or the store\n";
  for (const auto& r : store.route_activity(mode.routes))
    out << "route " << printable(r.route) << ": " << r.alerts << " alerts, last "
        << (r.last_at_ms ? iso(*r.last_at_ms) : std::string("never")) << "\n";
  return 0;
}

int run_links(store::StoreAdmin& store, const std::optional<std::string>& alert_id,
              const std::optional<std::string>& incident_id, bool as_json, std::ostream& out,
              std::ostream& err) {
  const auto links = store.links(alert_id, incident_id);
  if (as_json) {
    json::array list;
    for (const auto& l : links)
      list.push_back(json::object{{"alert_id", l.alert_id},
                                  {"incident_id", opt(l.incident_id)},
                                  {"incident_key", opt(l.incident_key)}});
    out << json::serialize(list) << "\n";
  } else {
    for (const auto& l : links)
      out << "alert " << printable(l.alert_id) << " <-> incident "
          << printable(l.incident_id.value_or("(being created)")) << "  key "
          << printable(l.incident_key.value_or("-")) << "\n";
  }
  if (links.empty() && (alert_id || incident_id)) {
    err << "no link found\n";
    return 1;
  }
  return 0;
}

namespace {

// The pair of an event as its link knows it: the alert and the incident, where the webhook named only one
// (an Opsgenie Create names no incident; a PagerDuty note names no alert).
struct Paired {
  std::optional<std::string> alert_id, incident_id;
};
Paired paired(store::StoreAdmin& store, const Event& e) {
  Paired p{e.alert_id, e.incident_id};
  if (p.alert_id && !p.incident_id) {
    const auto links = store.links(*p.alert_id, std::nullopt);
    if (!links.empty()) p.incident_id = links.front().incident_id;
  } else if (p.incident_id && !p.alert_id) {
    const auto links = store.links(std::nullopt, *p.incident_id);
    if (!links.empty()) p.alert_id = links.front().alert_id;
  }
  return p;
}

}  // namespace

int run_events(store::StoreAdmin& store, std::size_t last, bool as_json, std::ostream& out) {
  const auto events = store.recent_events(last);
  if (as_json) {
    json::array list;
    for (const auto& s : events) {
      const Event& e = s.event;
      const Paired p = paired(store, e);
      list.push_back(json::object{{"id", s.id},
                                  {"linked_alert_id", opt(p.alert_id)},
                                  {"linked_incident_id", opt(p.incident_id)},
                                  {"received_at", iso(s.received_at_ms)},
                                  {"source", to_string(e.source)},
                                  {"type", e.type},
                                  {"status", s.status},
                                  {"outcome", s.outcome},
                                  {"alert_id", opt(e.alert_id)},
                                  {"incident_id", opt(e.incident_id)},
                                  {"actor", opt(e.actor_name)}});
    }
    out << json::serialize(list) << "\n";
    return 0;
  }
  for (const auto& s : events) {
    const Event& e = s.event;
    const Paired p = paired(store, e);
    // Every field but the id and the time came from a webhook: escaped, so it cannot forge a line.
    out << s.id << "  " << iso(s.received_at_ms) << "  " << to_string(e.source) << "  " << printable(e.type)
        << "  " << s.status << (s.outcome.empty() ? "" : "/" + printable(s.outcome))
        << "  alert=" << printable(p.alert_id.value_or("-"))
        << " incident=" << printable(p.incident_id.value_or("-"))
        << " by=" << printable(e.actor_name.value_or("-")) << "\n";
  }
  return 0;
}

}  // namespace ogpd::cli
