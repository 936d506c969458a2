#include "cli/status_page.h"

#include <algorithm>
#include <string_view>

#include "core/text.h"
#include "sync/reconcile.h"

namespace ogpd::cli {
namespace {

// The whole stylesheet: light and dark, one column on a phone. Nothing in it comes from input.
constexpr std::string_view kStyle = R"(
:root{color-scheme:light dark;--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--dim:#6e7781;--line:#d0d7de}
@media (prefers-color-scheme:dark){:root{--ok:#3fb950;--bad:#f85149;--warn:#d29922;--dim:#8b949e;--line:#30363d}}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:64rem;padding:.75rem}
h1{font-size:1.3rem;margin:.2rem 0}h2{font-size:1.05rem;margin:1.2rem 0 .4rem;border-bottom:1px solid var(--line)}
h3{font-size:1rem;margin:0 0 .3rem}.meta,.none,.hint{color:var(--dim);font-size:.85rem}
.banner{border:2px solid var(--warn);padding:.4rem .6rem;border-radius:6px;font-weight:600}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:.6rem}
.card{border:1px solid var(--line);border-left:6px solid var(--ok);border-radius:6px;padding:.5rem .7rem}
.card.bad{border-left-color:var(--bad)}.card.warn{border-left-color:var(--warn)}
.state{font-weight:600;margin:.1rem 0 .4rem}.bad .state{color:var(--bad)}.warn .state{color:var(--warn)}
dl{display:grid;grid-template-columns:auto 1fr;gap:.1rem .8rem;margin:0}dt{color:var(--dim)}dd{margin:0}
ul{padding-left:1.1rem;margin:.2rem 0}li{margin:.2rem 0;overflow-wrap:anywhere}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.88rem}
th,td{text-align:left;padding:.25rem .4rem;border-bottom:1px solid var(--line);vertical-align:top}
td.title{overflow-wrap:anywhere;min-width:10rem}code{font-size:.85em}
.o-mirrored{color:var(--ok)}.o-failed,.o-dead{color:var(--bad)}
)";

std::string vendor_title(const std::string& name) {
  if (name == "pagerduty") return "PagerDuty";
  if (name == "opsgenie") return "Opsgenie";
  return html_escaped(name);
}

// "12 s ago", "5 min ago", "3 h ago", "2 d ago".
std::string ago(std::int64_t then_ms, std::int64_t now_ms) {
  const std::int64_t s = std::max<std::int64_t>(0, (now_ms - then_ms) / 1000);
  if (s < 120) return std::to_string(s) + " s ago";
  if (s < 7200) return std::to_string(s / 60) + " min ago";
  if (s < 172800) return std::to_string(s / 3600) + " h ago";
  return std::to_string(s / 86400) + " d ago";
}

std::string when(std::int64_t then_ms, std::int64_t now_ms) {
  return "<time datetime=\"" + iso_now(then_ms) + "\" title=\"" + iso_now(then_ms) + "\">" +
         ago(then_ms, now_ms) + "</time>";
}

std::string counted(std::int64_t n, std::string_view noun) {
  return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

// A class name made of [a-z_] only, from an outcome ("mirrored" -> "o-mirrored").
std::string outcome_class(std::string_view outcome) {
  std::string out = "o-";
  for (const char c : outcome)
    if ((c >= 'a' && c <= 'z') || c == '_') out += c;
  return out;
}

constexpr std::size_t kTitleShown = 130;  // an Opsgenie message's own limit

std::string shortened(const std::string& text) {
  if (utf8_length(text) <= kTitleShown) return text;
  std::size_t chars = 0, at = 0;
  for (; at < text.size(); ++at)
    if ((static_cast<unsigned char>(text[at]) & 0xC0) != 0x80 && chars++ == kTitleShown) break;
  return text.substr(0, at) + "\u2026";
}

// The first pending action for `vendor` whose last attempt failed, if any.
const store::OutboxItem* first_failing(const std::vector<store::OutboxItem>& pending,
                                       const std::string& vendor) {
  for (const auto& a : pending)
    if (to_string(target_of(a.action.kind)) == vendor && a.attempts > 0 && !a.last_error.empty()) return &a;
  return nullptr;
}

void vendor_card(std::string& html, const std::string& name, const store::VendorQueue& q,
                 const StatusPageView& view) {
  const RateLimited* limited = nullptr;
  for (const auto& r : view.rate_limited)
    if (r.vendor == name && r.until_ms > view.now_ms) limited = &r;
  std::string state, tone;
  if (q.paused_reason) {
    tone = "bad";
    state = "PAUSED since " + html_escaped(iso_now(q.paused_since_ms.value_or(0))) + ": " +
            (*q.paused_reason == "credentials" ? std::string("it refuses the API key")
                                               : html_escaped(*q.paused_reason)) +
            "; actions wait, none is dead-lettered";
  } else if (limited != nullptr) {
    tone = "warn";
    state = "RATE LIMITED: its 429 asked to wait " +
            std::to_string((limited->until_ms - view.now_ms + 999) / 1000) + " s more";
  } else if (const store::OutboxItem* failing = first_failing(view.pending, name)) {
    tone = "warn";
    state = "RETRYING: its last attempt failed (" + html_escaped(failing->last_error) + ")";
  } else if (q.dead > 0) {
    tone = "warn";
    state = "working; " + counted(q.dead, "dead letter") + " to look at";
  } else {
    state = "working";
  }
  html += "<article class=\"card " + tone + "\" id=\"vendor-" + html_escaped(name) + "\"><h3>" +
          vendor_title(name) + "</h3><p class=\"state\">" + state + "</p><dl>";
  html += "<dt>pending</dt><dd>" + std::to_string(q.pending);
  if (q.oldest_pending_ms) html += " (oldest queued " + when(*q.oldest_pending_ms, view.now_ms) + ")";
  html += "</dd><dt>dead letters</dt><dd>" + std::to_string(q.dead) + "</dd>";
  html += "<dt>unpaired</dt><dd>" + std::to_string(q.unpaired) + "</dd>";
  html += "<dt>last success</dt><dd>" +
          (q.last_success_ms ? when(*q.last_success_ms, view.now_ms) : std::string("never")) + "</dd>";
  if (q.paused_reason && q.last_error)
    html += "<dt>last error</dt><dd>" + html_escaped(*q.last_error) + "</dd>";
  if (q.identity)
    html +=
        "<dt>own user</dt><dd>" +
        (q.identity->starts_with("not found: ") ? "NOT FOUND (" + html_escaped(q.identity->substr(11)) + ")"
                                                : html_escaped(*q.identity)) +
        "</dd>";
  html += "</dl></article>";
}

void action_list(std::string& html, const std::vector<store::OutboxItem>& items, bool more, bool dead,
                 std::int64_t now_ms) {
  if (items.empty()) {
    html += "<p class=\"none\">none</p>";
    return;
  }
  html += "<ul>";
  for (const auto& a : items) {
    std::string line = describe_pending(a, now_ms);
    if (dead) line.replace(0, std::string_view("pending").size(), "dead letter");
    html += "<li id=\"action-" + std::to_string(a.id) + "\">" + html_escaped(line) + "</li>";
  }
  html += "</ul>";
  if (more) html += "<p class=\"hint\">and more: <code>ogpd-proxy status</code> lists them</p>";
}

void event_table(std::string& html, const StatusPageView& view) {
  if (view.events.empty()) {
    html += "<p class=\"none\">no events yet</p>";
    return;
  }
  html +=
      "<div class=\"scroll\"><table><thead><tr><th>#</th><th>received</th><th>from</th><th>type</th>"
      "<th>outcome</th><th>alert</th><th>incident</th><th>title</th></tr></thead><tbody>";
  for (const auto& s : view.events) {
    const Event& e = s.event;
    const bool repair = e.type == sync::kReconcileType;
    const std::string outcome = s.outcome.empty() ? s.status : s.outcome;
    html += "<tr id=\"event-" + std::to_string(s.id) + "\"><td>" + std::to_string(s.id) + "</td><td>" +
            when(s.received_at_ms, view.now_ms) + "</td><td>" +
            (repair ? std::string("reconciliation") : std::string(to_string(e.source))) + "</td><td>" +
            html_escaped(repair ? "repair: " + std::string(to_string(e.kind)) : e.type) +
            "</td><td class=\"" + outcome_class(outcome) + "\">" + html_escaped(outcome) + "</td><td>" +
            html_escaped(e.alert_id.value_or("")) + "</td><td>" + html_escaped(e.incident_id.value_or("")) +
            "</td><td class=\"title\">" + html_escaped(shortened(e.title.value_or(""))) + "</td></tr>";
  }
  html += "</tbody></table></div>";
}

void drift_section(std::string& html, const StatusPageView& view) {
  const DriftGlance& d = view.drift;
  if (!d.on) {
    html += "<p class=\"none\">off (RECONCILE_INTERVAL_SECONDS=0, or a dry run)</p>";
    return;
  }
  if (!d.last_pass_at_ms) {
    html += "<p class=\"none\">no pass finished yet since start</p>";
    return;
  }
  html += "<p>last pass " + when(*d.last_pass_at_ms, view.now_ms) + ": " + counted(d.checked, "pair") +
          " checked, " + std::to_string(d.drifted) + " drifted, " + std::to_string(d.repaired) +
          " repaired.</p><p>since start: " + std::to_string(d.drifted_since_start) + " drift found, " +
          std::to_string(d.repaired_since_start) + " repaired.</p>";
}

}  // namespace

std::string html_escaped(std::string_view text) {
  const std::string safe = printable(text);
  std::string out;
  out.reserve(safe.size());
  for (const char c : safe) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

StatusPageView gather_status_page(store::StoreAdmin& store, store::QueueStats queue, const Mode& mode,
                                  std::int64_t now_ms) {
  StatusPageView view;
  view.now_ms = now_ms;
  view.mode = mode;
  view.queue = std::move(queue);
  view.pending = store.actions_in_state(store::ActionState::kPending, kPageRows + 1);
  view.more_pending = view.pending.size() > kPageRows;
  if (view.more_pending) view.pending.resize(kPageRows);
  view.dead = store.actions_in_state(store::ActionState::kDead, kPageRows);
  view.events = store.recent_events(kPageRows);
  return view;
}

std::string render_status_page(const StatusPageView& view) {
  std::int64_t pending = 0, dead = 0;
  bool paused = false;
  for (const auto& [name, q] : view.queue.vendors) {
    pending += q.pending;
    dead += q.dead;
    paused = paused || q.paused_reason.has_value();
  }
  const std::string summary = (paused ? std::string("PAUSED, ") : std::string()) + std::to_string(pending) +
                              " pending, " + counted(dead, "dead letter");

  std::string html;
  html.reserve(16 * 1024);
  html +=
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "<meta http-equiv=\"refresh\" content=\"" +
      std::to_string(kRefreshSeconds) + "\"><title>ogpd-proxy: " + summary + "</title><style>";
  html += kStyle;
  html += "</style></head><body><header><h1>ogpd-proxy</h1><p class=\"meta\">" + summary + " · updated " +
          html_escaped(iso_now(view.now_ms)) + " · refreshes every " + std::to_string(kRefreshSeconds) +
          " s · store " + html_escaped(view.mode.store) + "</p></header>";
  if (view.mode.dry_run)
    html += "<p class=\"banner\" id=\"dry-run\">DRY RUN: nothing is sent to PagerDuty or Opsgenie</p>";

  html += "<section id=\"vendors\"><h2>Vendors</h2><div class=\"cards\">";
  for (const auto& [name, q] : view.queue.vendors) vendor_card(html, name, q, view);
  html += "</div>";
  if (view.queue.events_pending > 0)
    html += "<p class=\"hint\">" + counted(view.queue.events_pending, "event") + " waiting to be planned</p>";
  html += "</section>";

  html += "<section id=\"pending\"><h2>Pending actions (" + std::to_string(pending) + ")</h2>";
  action_list(html, view.pending, view.more_pending, false, view.now_ms);
  html += "</section><section id=\"dead-letters\"><h2>Dead letters (" + std::to_string(dead) + ")</h2>";
  action_list(html, view.dead, dead > static_cast<std::int64_t>(view.dead.size()), true, view.now_ms);
  if (dead > 0)
    html +=
        "<p class=\"hint\"><code>ogpd-proxy dead-letters show ID</code>, then <code>replay ID</code> or "
        "<code>discard ID</code></p>";
  html += "</section><section id=\"events\"><h2>Last events</h2>";
  event_table(html, view);
  html += "</section><section id=\"drift\"><h2>Drift (reconciliation)</h2>";
  drift_section(html, view);
  html +=
      "</section><footer class=\"meta\">read-only · the same in a terminal: <code>ogpd-proxy status</code>, "
      "<code>ogpd-proxy events</code></footer></body></html>\n";
  return html;
}

}  // namespace ogpd::cli
