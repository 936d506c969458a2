#include "delivery/executor.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/text.h"
#include "delivery/lookups.h"
#include "sync/echo.h"
#include "sync/plan.h"
#include "sync/state.h"

namespace ogpd::delivery {
namespace {

// One vendor call, counted in the attempt (the HttpClient's observer reports it).
template <class F>
clients::HttpResult counted(int& calls, F&& call) {
  ++calls;
  return call();
}

Attempt from(const Classified& c, Side vendor, int calls) {
  Attempt a;
  a.vendor = vendor;
  a.calls = calls;
  a.error = c.error;
  a.ambiguous = c.ambiguous;
  a.wait_hint = c.wait_hint;
  a.kind = c.verdict == Verdict::kSuccess   ? Attempt::kDone
           : c.verdict == Verdict::kRetry   ? Attempt::kRetry
           : c.verdict == Verdict::kRefused ? Attempt::kRefused
                                            : Attempt::kFailed;
  return a;
}

Attempt done(Side vendor, int calls) {
  Attempt a;
  a.vendor = vendor;
  a.calls = calls;
  return a;
}

Attempt unpaired(Side vendor, int calls, std::string why) {
  Attempt a;
  a.kind = Attempt::kUnpaired;
  a.vendor = vendor;
  a.calls = calls;
  a.error = std::move(why);
  return a;
}

// The store could not record what the next step depends on: try again later rather than act unguarded.
Attempt store_failure(Side vendor, int calls, const std::string& error) {
  Attempt a = done(vendor, calls);
  a.kind = Attempt::kRetry;
  a.error = "store: " + error;
  return a;
}

// Before repeating a note after an ambiguous attempt: is it there already? nullopt = go ahead and post it.
template <class List, class Texts>
std::optional<Attempt> note_already_posted(Side vendor, int& calls, List&& list, Texts&& texts,
                                           const std::string& note) {
  const auto listed = counted(calls, list);
  const auto c = classify(listed);
  if (c.verdict != Verdict::kSuccess) return from(c, vendor, calls);
  const auto existing = texts(listed.response.body);
  if (std::find(existing.begin(), existing.end(), note) != existing.end()) return done(vendor, calls);
  return std::nullopt;
}

// The Events API's severity for an urgency (DESIGN §2.1).
std::string severity_of(const std::string& urgency) {
  return urgency == "low" ? "warning" : "critical";
}

// How an Events API call went; a refused event says why in its body ({"status":"invalid event",...}).
Attempt events_api_attempt(const clients::HttpResult& sent, int calls) {
  Attempt out = from(classify(sent), Side::kPagerDuty, calls);
  if (out.kind == Attempt::kFailed) out.error += ": " + sent.response.body.substr(0, 200);
  return out;
}

bool is_duplicate_key(const clients::HttpResponse& r) {
  return r.status == 400 &&
         clients::pagerduty_error_text(r.body).find("matching dedup key") != std::string::npos;
}

}  // namespace

std::optional<Attempt> Executor::check_state(Side side, const std::string& target, ActionKind kind,
                                             int& calls, std::int64_t now_ms) {
  std::optional<std::string> known = ledger_.known_status(side, target);
  sync::StateRule rule = sync::rule_for(kind, known);
  if (rule == sync::StateRule::kReadFirst) {
    const auto got = counted(calls, [&] { return pagerduty_.incident(target); });
    const auto c = classify(got);
    if (c.verdict != Verdict::kSuccess) return from(c, side, calls);
    known = clients::pagerduty_incident_status(got.response.body);
    if (known) {
      if (auto s = ledger_.save_status({side, target, *known, true}, now_ms); !s.ok())
        return store_failure(side, calls, s.message());
    }
    rule = sync::rule_for(kind, known) == sync::StateRule::kSkip ? sync::StateRule::kSkip
                                                                 : sync::StateRule::kSend;
  }
  if (rule != sync::StateRule::kSkip) return std::nullopt;
  Attempt skipped = done(side, calls);
  skipped.kind = Attempt::kSkipped;
  skipped.error = std::string(side == Side::kPagerDuty ? "incident " : "alert ") + target + " is already " +
                  known.value_or("closed") +
                  (kind == ActionKind::kAcknowledgeIncident ? ": acknowledging it would reopen it" : "");
  return skipped;
}

void Executor::remember_status(Side side, const std::string& target, ActionKind kind, std::int64_t now_ms) {
  const auto after = sync::status_after(kind);
  if (!after) return;
  // PagerDuty's 200 is the change made; Opsgenie's 202 is a request accepted, not yet the alert's status.
  if (auto s = ledger_.save_status({side, target, std::string(*after), side == Side::kPagerDuty}, now_ms);
      !s.ok())
    spdlog::warn("could not record that {} is now {}: {}", target, *after, s.message());
}

std::optional<std::string> Executor::routing_key_of(const Action& a) const {
  if (!a.events_route || routes_ == nullptr) return std::nullopt;
  const Route* route = routes_->find(*a.events_route);
  if (route == nullptr || !route->pagerduty.events_api()) return std::nullopt;
  return route->pagerduty.routing_key;
}

Attempt Executor::run(const store::OutboxItem& item, std::int64_t now_ms) {
  switch (item.action.kind) {
    case ActionKind::kCreateIncident:
      return create_incident(item, now_ms);
    case ActionKind::kAddIncidentNote:
    case ActionKind::kAcknowledgeIncident:
    case ActionKind::kResolveIncident:
    case ActionKind::kSetIncidentPriority:
      return on_incident(item, now_ms);
    case ActionKind::kAcknowledgeAlert:
    case ActionKind::kUnacknowledgeAlert:
    case ActionKind::kAddAlertNote:
    case ActionKind::kCloseAlert:
    case ActionKind::kSetAlertPriority:
      return on_alert(item, now_ms);
    case ActionKind::kCreateAlert:
      return create_alert(item, now_ms);
  }
  return unpaired(target_of(item.action.kind), 0, "unknown action");
}

Attempt Executor::create_incident(const store::OutboxItem& item, std::int64_t now_ms) {
  const Action& a = item.action;
  const std::string key = a.incident_key.value_or(a.alert_id.value_or(""));
  int calls = 0;
  // The incident may already exist: an earlier attempt that timed out after PagerDuty created it, or an
  // incident the earlier proxy made with the same key. Look first, create only when there is none.
  const auto find = [&]() -> std::optional<clients::HttpResult> {
    return counted(calls, [&] { return pagerduty_.incidents_by_key(key); });
  };
  const auto link_to = [&](const std::string& incident_id) -> Attempt {
    if (auto r = ledger_.save_link({a.alert_id.value_or(key), incident_id, key}, now_ms); !r.ok())
      return store_failure(Side::kPagerDuty, calls, r.message());
    return done(Side::kPagerDuty, calls);
  };
  if (item.attempts > 0 || item.ambiguous) {
    const auto found = find();
    const auto c = classify(*found);
    if (c.verdict != Verdict::kSuccess) return from(c, Side::kPagerDuty, calls);
    const auto ids = clients::pagerduty_incident_ids(found->response.body);
    if (!ids.empty()) return link_to(ids.front());
  }
  if (a.events_route) {
    // Events API: the dedup_key makes a repeat harmless (a retry may also have found the incident above). The
    // incident is made asynchronously (or grouped into another by event orchestration): it is found
    // afterwards by its key, from its incident.triggered webhook or the pair's next action.
    const auto routing_key = routing_key_of(a);
    if (!routing_key) {
      Attempt gone = done(Side::kPagerDuty, calls);
      gone.kind = Attempt::kFailed;
      gone.error = "route " + *a.events_route + " is no longer an Events API route in the routes file";
      return gone;
    }
    const auto sent = counted(calls, [&] {
      return pagerduty_.enqueue(*routing_key, "trigger", key, a.title, severity_of(a.urgency), a.details);
    });
    return events_api_attempt(sent, calls);
  }
  std::optional<std::string> priority_id;
  if (!a.priority.empty() && priorities_ != nullptr) {
    // Paging comes first: an incident is never held back for its priority.
    const auto found = priorities_->find(a.priority);
    priority_id = found.id;
    if (!found.id)
      spdlog::warn("PagerDuty priority {} is {}: incident for {} is created without one",
                   printable(a.priority), found.known ? "not in the account" : "not read yet",
                   printable(key));
  }
  const auto created = counted(calls, [&] {
    return pagerduty_.create_incident(a.title, a.details, a.urgency, key, a.service_id.value_or(""),
                                      a.escalation_policy_id, priority_id);
  });
  const auto c = classify(created);
  if (c.verdict == Verdict::kSuccess) {
    const auto id = clients::pagerduty_incident_id(created.response.body);
    if (!id) {
      Attempt failed = done(Side::kPagerDuty, calls);
      failed.kind = Attempt::kRetry;
      failed.ambiguous = true;
      failed.error = "create answered without an incident id";
      return failed;
    }
    return link_to(*id);
  }
  if (created.transport == clients::Transport::kOk && is_duplicate_key(created.response)) {
    const auto found = find();
    const auto fc = classify(*found);
    if (fc.verdict != Verdict::kSuccess) return from(fc, Side::kPagerDuty, calls);
    const auto ids = clients::pagerduty_incident_ids(found->response.body);
    if (!ids.empty()) return link_to(ids.front());
    Attempt retry = done(Side::kPagerDuty, calls);
    retry.kind = Attempt::kRetry;
    retry.error = "duplicate incident key, but no incident found by it";
    return retry;
  }
  Attempt a2 = from(c, Side::kPagerDuty, calls);
  if (created.transport == clients::Transport::kOk && a2.kind == Attempt::kFailed)
    a2.error += ": " + clients::pagerduty_error_text(created.response.body);
  return a2;
}

Attempt Executor::on_incident(const store::OutboxItem& item, std::int64_t now_ms) {
  const Action& a = item.action;
  int calls = 0;
  std::optional<std::string> incident = a.incident_id;
  if (!incident && a.alert_id) {
    if (auto link = ledger_.link_by_alert(*a.alert_id)) incident = link->incident_id;
  }
  if (!incident) {
    // No link: an alert the proxy never saw created. The earlier proxy keyed incidents by alert id.
    const std::string key = a.incident_key.value_or(a.alert_id.value_or(""));
    const auto found = counted(calls, [&] { return pagerduty_.incidents_by_key(key); });
    const auto c = classify(found);
    if (c.verdict != Verdict::kSuccess) return from(c, Side::kPagerDuty, calls);
    const auto ids = clients::pagerduty_incident_ids(found.response.body);
    const auto routing_key = routing_key_of(a);
    if (ids.empty() && routing_key && a.kind != ActionKind::kAddIncidentNote &&
        a.kind != ActionKind::kSetIncidentPriority) {
      // An Events API alert grouped into an incident of another key (or not yet made): the event still
      // reaches it by dedup_key. No echo can be recorded for an incident not known.
      const auto sent = counted(calls, [&] {
        return pagerduty_.enqueue(
            *routing_key, a.kind == ActionKind::kAcknowledgeIncident ? "acknowledge" : "resolve", key);
      });
      return events_api_attempt(sent, calls);
    }
    if (ids.empty())
      return unpaired(Side::kPagerDuty, calls, "no PagerDuty incident with incident_key " + key);
    incident = ids.front();
    if (a.alert_id) {
      // A pairing that cannot be recorded would be looked up again next time, at best: do not act unrecorded.
      if (auto r = ledger_.save_link({*a.alert_id, incident, key}, now_ms); !r.ok())
        return store_failure(Side::kPagerDuty, calls, r.message());
    }
  }

  if (auto stop = check_state(Side::kPagerDuty, *incident, a.kind, calls, now_ms)) return *stop;
  if (a.kind == ActionKind::kAddIncidentNote && (item.ambiguous || item.attempts > 0)) {
    if (auto found = note_already_posted(
            Side::kPagerDuty, calls, [&] { return pagerduty_.notes(*incident); },
            clients::pagerduty_note_contents, a.note))
      return *found;
  }
  // A priority by name: its id, when the account's priorities are read and have it. Otherwise the urgency is
  // set alone (logged), as a create does: the pair's later actions are never held back for a priority.
  std::optional<std::string> priority_id;
  if (a.kind == ActionKind::kSetIncidentPriority && !a.priority.empty() && priorities_ != nullptr) {
    const auto found = priorities_->find(a.priority);
    priority_id = found.id;
    if (!found.id)
      spdlog::warn("PagerDuty priority {} is {}: incident {} gets its urgency only", printable(a.priority),
                   found.known ? "not in the account" : "not read yet", *incident);
  }
  // Only a change PagerDuty will report is an echo to expect (an urgency alone is never reported).
  const bool reported = a.kind != ActionKind::kSetIncidentPriority || priority_id.has_value();
  if (const auto echo = sync::echo_of(a, *incident); echo && reported) {
    if (auto r = ledger_.record_echo(*echo, now_ms); !r.ok())
      return store_failure(Side::kPagerDuty, calls, r.message());
  }
  clients::HttpResult result;
  if (a.kind == ActionKind::kAddIncidentNote) {
    result = counted(calls, [&] { return pagerduty_.add_note(*incident, a.note); });
  } else if (a.kind == ActionKind::kSetIncidentPriority) {
    result = counted(calls, [&] { return pagerduty_.set_priority(*incident, a.urgency, priority_id); });
  } else if (const auto routing_key = routing_key_of(a)) {
    const char* action = a.kind == ActionKind::kAcknowledgeIncident ? "acknowledge" : "resolve";
    result = counted(calls, [&] {
      return pagerduty_.enqueue(*routing_key, action, a.incident_key.value_or(a.alert_id.value_or("")));
    });
  } else {
    const char* status = a.kind == ActionKind::kAcknowledgeIncident ? "acknowledged" : "resolved";
    result = counted(calls, [&] { return pagerduty_.set_status(*incident, status); });
    const auto code = result.transport == clients::Transport::kOk
                          ? clients::pagerduty_error_code(result.response.body)
                          : std::nullopt;
    // 1001 already resolved, 1002 already acknowledged. For a resolve either leaves the state we wanted; for
    // an acknowledge, 1001 means the incident is resolved: nothing to change (and nothing was reopened).
    if (result.response.status == 400 && code == 1001 && a.kind == ActionKind::kAcknowledgeIncident) {
      if (auto s = ledger_.save_status(
              {Side::kPagerDuty, *incident, std::string(ogpd::status::kResolved), true}, now_ms);
          !s.ok())
        spdlog::warn("could not record that {} is resolved: {}", *incident, s.message());
      Attempt skipped = done(Side::kPagerDuty, calls);
      skipped.kind = Attempt::kSkipped;
      skipped.error = "incident " + *incident + " is already resolved (1001)";
      return skipped;
    }
    if (result.response.status == 400 && (code == 1001 || code == 1002)) {
      remember_status(Side::kPagerDuty, *incident, a.kind, now_ms);
      return done(Side::kPagerDuty, calls);
    }
  }
  Attempt out = from(classify(result), Side::kPagerDuty, calls);
  if (out.kind == Attempt::kDone) remember_status(Side::kPagerDuty, *incident, a.kind, now_ms);
  if (out.kind == Attempt::kFailed) out.error += ": " + clients::pagerduty_error_text(result.response.body);
  return out;
}

Attempt Executor::on_alert(const store::OutboxItem& item, std::int64_t now_ms) {
  Action a = item.action;  // a trimmed PagerDuty note gets its full text below
  int calls = 0;
  std::optional<std::string> alert = a.alert_id;
  bool linked = false;
  if (!alert && a.incident_id) {
    if (auto link = ledger_.link_by_incident(*a.incident_id)) {
      alert = link->alert_id;
      linked = true;
    }
  }
  if (!alert && a.incident_id) {
    // Neither a link nor an incident key in the webhook (incident.annotated never has one): ask PagerDuty.
    const auto got = counted(calls, [&] { return pagerduty_.incident(*a.incident_id); });
    const auto c = classify(got);
    if (c.verdict == Verdict::kRetry || c.verdict == Verdict::kRefused)
      return from(c, Side::kPagerDuty, calls);
    if (c.verdict == Verdict::kSuccess) alert = clients::pagerduty_incident_key(got.response.body);
    if (!alert)
      return unpaired(Side::kOpsgenie, calls,
                      "incident " + *a.incident_id + " has no link and no incident key");
  }
  if (!alert) return unpaired(Side::kOpsgenie, calls, "no alert id");
  if (!linked) linked = ledger_.link_by_alert(*alert).has_value();
  if (!linked) {
    // Paired only through an incident key: make sure such an alert exists before changing it (Opsgenie would
    // answer 202 either way).
    const auto got = counted(calls, [&] { return opsgenie_.alert(*alert); });
    if (got.transport == clients::Transport::kOk && got.response.status == 404)
      return unpaired(Side::kOpsgenie, calls, "no Opsgenie alert " + *alert + " (from incident_key)");
    const auto c = classify(got);
    if (c.verdict != Verdict::kSuccess) return from(c, Side::kOpsgenie, calls);
    if (a.incident_id) {
      if (auto r = ledger_.save_link({*alert, a.incident_id, a.incident_key}, now_ms); !r.ok())
        return store_failure(Side::kOpsgenie, calls, r.message());
    }
  }

  if (auto stop = check_state(Side::kOpsgenie, *alert, a.kind, calls, now_ms)) return *stop;
  if (a.kind == ActionKind::kAddAlertNote && a.full_note_id && a.incident_id) {
    // PagerDuty's webhook carried a shortened note (trimmed: true): mirror the full text (DESIGN §2.3).
    const auto got = counted(calls, [&] { return pagerduty_.notes(*a.incident_id); });
    const auto c = classify(got);
    if (c.verdict == Verdict::kRetry || c.verdict == Verdict::kRefused)
      return from(c, Side::kPagerDuty, calls);
    const auto full = c.verdict == Verdict::kSuccess
                          ? clients::pagerduty_note_content(got.response.body, *a.full_note_id)
                          : std::nullopt;
    if (full)
      a.note = sync::alert_note_from_pagerduty(a.user, *full);
    else
      spdlog::warn("note {} of incident {} was trimmed and cannot be read in full ({}): mirroring what came",
                   *a.full_note_id, *a.incident_id, c.verdict == Verdict::kSuccess ? "not listed" : c.error);
  }
  if (a.kind == ActionKind::kAddAlertNote && (item.ambiguous || item.attempts > 0)) {
    if (auto found = note_already_posted(
            Side::kOpsgenie, calls, [&] { return opsgenie_.notes(*alert); }, clients::opsgenie_note_texts,
            a.note))
      return *found;
  }
  if (const auto echo = sync::echo_of(a, *alert)) {
    if (auto r = ledger_.record_echo(*echo, now_ms); !r.ok())
      return store_failure(Side::kOpsgenie, calls, r.message());
  }
  const char* verb = a.kind == ActionKind::kAcknowledgeAlert     ? "acknowledge"
                     : a.kind == ActionKind::kUnacknowledgeAlert ? "unacknowledge"
                     : a.kind == ActionKind::kCloseAlert         ? "close"
                                                                 : "notes";
  const auto result = counted(calls, [&] {
    return a.kind == ActionKind::kSetAlertPriority ? opsgenie_.set_priority(*alert, a.priority)
                                                   : opsgenie_.alert_action(*alert, verb, a.user, a.note);
  });
  Attempt out = from(classify(result), Side::kOpsgenie, calls);
  if (out.kind == Attempt::kDone) {
    // 202 means "accepted", not "done": confirm later, without holding this pair's queue.
    if (auto request_id = clients::opsgenie_request_id(result.response.body))
      out.check = store::Check{*request_id, item.id, 0};
  } else if (out.kind == Attempt::kFailed) {
    out.error += ": " + clients::alert_error_text(result.response.body);
  }
  return out;
}

// An incident born in PagerDuty becomes an alert (DESIGN §2.1). Opsgenie answers a create with 202 and a
// request id; the request's outcome names the alert, and the pair is linked from it. Its alias (pd-<incident
// id>) makes a repeat harmless: a retry looks the alias up first, and Opsgenie folds a second create with an
// open alert's alias into that alert.
Attempt Executor::create_alert(const store::OutboxItem& item, std::int64_t now_ms) {
  const Action& a = item.action;
  int calls = 0;
  const auto link_to = [&](const std::string& alert_id) -> Attempt {
    if (auto r = ledger_.save_link({alert_id, a.incident_id, a.incident_key, std::nullopt, true}, now_ms);
        !r.ok())
      return store_failure(Side::kOpsgenie, calls, r.message());
    return done(Side::kOpsgenie, calls);
  };
  const auto not_yet = [&](std::string why) {
    Attempt later = done(Side::kOpsgenie, calls);
    later.kind = Attempt::kRetry;
    later.ambiguous = true;  // the alert may exist: look it up by alias next time
    later.wait_hint = std::chrono::seconds(1);
    later.error = std::move(why);
    return later;
  };
  if (a.incident_id)
    if (const auto link = ledger_.link_by_incident(*a.incident_id))
      return done(Side::kOpsgenie, calls);  // its Create webhook came first and linked it
  if (item.attempts > 0 || item.ambiguous) {
    const auto got = counted(calls, [&] { return opsgenie_.alert_by_alias(a.alias); });
    const auto c = classify(got);
    if (c.verdict == Verdict::kSuccess) {
      if (const auto id = clients::opsgenie_alert_id(got.response.body)) return link_to(*id);
    } else if (!(got.transport == clients::Transport::kOk && got.response.status == 404)) {
      return from(c, Side::kOpsgenie, calls);
    }
  }
  // Its Create webhook will be the proxy's own change coming back (loop guard 2), known by the alias.
  if (const auto echo = sync::echo_of(a, a.alias)) {
    if (auto r = ledger_.record_echo(*echo, now_ms); !r.ok())
      return store_failure(Side::kOpsgenie, calls, r.message());
  }
  const auto created = counted(calls, [&] {
    return opsgenie_.create_alert({a.title, a.alias, a.details, a.priority, a.user, a.tags, a.responders});
  });
  const auto c = classify(created);
  if (c.verdict != Verdict::kSuccess) {
    Attempt out = from(c, Side::kOpsgenie, calls);
    if (out.kind == Attempt::kFailed) out.error += ": " + clients::alert_error_text(created.response.body);
    return out;
  }
  const auto request_id = clients::opsgenie_request_id(created.response.body);
  if (!request_id) return not_yet("create answered without a request id");
  const auto status = counted(calls, [&] { return opsgenie_.request_status(*request_id); });
  const auto verdict = classify(status).verdict == Verdict::kSuccess
                           ? clients::opsgenie_request_status(status.response.body)
                           : std::nullopt;
  if (!verdict) return not_yet("alert " + a.alias + " requested (request " + *request_id + "), not made yet");
  if (verdict->success && !verdict->alert_id.empty()) return link_to(verdict->alert_id);
  if (verdict->success) return not_yet("request " + *request_id + " succeeded without naming its alert");
  if (classify_request_failure(verdict->status) == RequestFailure::kRetry)
    return not_yet("Opsgenie: " + verdict->status);
  Attempt failed = done(Side::kOpsgenie, calls);
  failed.kind = Attempt::kFailed;
  failed.error = "Opsgenie refused the alert: " + verdict->status;
  return failed;
}

}  // namespace ogpd::delivery
