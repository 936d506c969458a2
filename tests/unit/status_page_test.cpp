// The status page's HTML from a known view: what each state shows, that webhook text is escaped, and that
// nothing of an alert but its title appears.
#include "cli/status_page.h"

#include <gtest/gtest.h>

namespace ogpd::cli {
namespace {

constexpr std::int64_t kNow = 1'780'000'000'000;  // 2026-05-28T20:26:40Z

store::VendorQueue working() {
  store::VendorQueue q;
  q.last_success_ms = kNow - 30'000;
  return q;
}

StatusPageView a_view() {
  StatusPageView view;
  view.now_ms = kNow;
  view.mode = {false, "sqlite:/var/lib/ogpd/ogpd.db", {}};
  view.queue.vendors["pagerduty"] = working();
  view.queue.vendors["opsgenie"] = working();
  return view;
}

store::StoredEvent event(std::int64_t id, const std::string& title) {
  store::StoredEvent s;
  s.id = id;
  s.received_at_ms = kNow - 5'000;
  s.status = "done";
  s.outcome = "mirrored";
  s.event.source = Source::kOpsgenie;
  s.event.kind = EventKind::kAlertCreated;
  s.event.type = "Create";
  s.event.alert_id = "alert-1";
  s.event.title = title;
  s.event.description = "the database password is hunter2";
  s.event.note = "a private note";
  return s;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(StatusPage, AQuietProxyShowsBothVendorsWorkingAndEmptyLists) {
  const std::string html = render_status_page(a_view());
  EXPECT_EQ(html.rfind("<!doctype html>", 0), 0u);
  EXPECT_NE(html.find("<meta http-equiv=\"refresh\" content=\"10\">"), std::string::npos);
  EXPECT_NE(html.find("name=\"viewport\""), std::string::npos) << "readable on a phone";
  EXPECT_NE(html.find("<title>ogpd-proxy: 0 pending, 0 dead letters</title>"), std::string::npos) << html;
  EXPECT_NE(html.find("id=\"vendor-pagerduty\"><h3>PagerDuty</h3><p class=\"state\">working</p>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("id=\"vendor-opsgenie\""), std::string::npos);
  EXPECT_NE(html.find("30 s ago"), std::string::npos) << "last success, relative";
  EXPECT_NE(html.find("no events yet"), std::string::npos);
  EXPECT_EQ(html.find("DRY RUN"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos) << "no script at all";
  EXPECT_EQ(html.find("http://"), std::string::npos) << "no external resource";
  EXPECT_EQ(html.find("https://"), std::string::npos);
}

TEST(StatusPage, PausesRateLimitsDryRunPendingAndDeadLettersAreEachShown) {
  StatusPageView view = a_view();
  view.mode.dry_run = true;
  auto& pd = view.queue.vendors["pagerduty"];
  pd.paused_reason = "credentials";
  pd.paused_since_ms = kNow - 60'000;
  pd.last_error = "PagerDuty 401: Invalid API key";
  pd.pending = 2;
  pd.oldest_pending_ms = kNow - 600'000;
  view.queue.vendors["opsgenie"].dead = 1;
  view.rate_limited = {{"opsgenie", kNow + 4'500}};
  store::OutboxItem waiting;
  waiting.id = 41;
  waiting.action.kind = ActionKind::kCreateIncident;
  waiting.pair_key = "alert:a-1";
  waiting.attempts = 3;
  waiting.next_attempt_at_ms = kNow + 20'000;
  waiting.last_error = "connection refused (api.pagerduty.com)";
  view.pending = {waiting};
  store::OutboxItem dead = waiting;
  dead.id = 7;
  dead.action.kind = ActionKind::kAddAlertNote;
  dead.state = store::ActionState::kDead;
  view.dead = {dead};
  view.drift = {.on = true,
                .last_pass_at_ms = kNow - 120'000,
                .checked = 12,
                .drifted = 1,
                .repaired = 1,
                .drifted_since_start = 3,
                .repaired_since_start = 2};

  const std::string html = render_status_page(view);
  EXPECT_NE(html.find("<title>ogpd-proxy: PAUSED, 2 pending, 1 dead letter</title>"), std::string::npos)
      << html;
  EXPECT_NE(html.find("id=\"dry-run\""), std::string::npos);
  EXPECT_NE(html.find("class=\"card bad\" id=\"vendor-pagerduty\""), std::string::npos) << html;
  EXPECT_NE(html.find("PAUSED since 2026-05-28T20:25:40Z: it refuses the API key"), std::string::npos)
      << html;
  EXPECT_NE(html.find("PagerDuty 401: Invalid API key"), std::string::npos);
  EXPECT_NE(html.find("(oldest queued <time"), std::string::npos);
  EXPECT_NE(html.find("RATE LIMITED: its 429 asked to wait 5 s more"), std::string::npos) << html;
  EXPECT_NE(
      html.find("<li id=\"action-41\">pending #41 pagerduty.create_incident alert:a-1: 3 attempts, next "
                "in 20 s; last error: connection refused (api.pagerduty.com)</li>"),
      std::string::npos)
      << html;
  EXPECT_NE(html.find("<li id=\"action-7\">dead letter #7 opsgenie.add_note"), std::string::npos) << html;
  EXPECT_NE(html.find("class=\"card warn\" id=\"vendor-opsgenie\""), std::string::npos) << html;
  EXPECT_NE(html.find("dead-letters show ID"), std::string::npos);
  EXPECT_NE(html.find("12 pairs checked, 1 drifted, 1 repaired."), std::string::npos) << html;
  EXPECT_NE(html.find("since start: 3 drift found, 2 repaired."), std::string::npos);
}

TEST(StatusPage, AVendorWhoseLastAttemptFailedIsRetryingNotWorking) {
  StatusPageView view = a_view();
  store::OutboxItem waiting;
  waiting.id = 3;
  waiting.action.kind = ActionKind::kCloseAlert;
  waiting.pair_key = "alert:a-1";
  view.pending = {waiting};
  EXPECT_NE(
      render_status_page(view).find("id=\"vendor-opsgenie\"><h3>Opsgenie</h3><p class=\"state\">working"),
      std::string::npos)
      << "not tried yet is not failing";
  view.pending[0].attempts = 2;
  view.pending[0].last_error = "Opsgenie 503: <b>busy</b>";
  const std::string html = render_status_page(view);
  EXPECT_NE(
      html.find("class=\"card warn\" id=\"vendor-opsgenie\"><h3>Opsgenie</h3><p class=\"state\">RETRYING: "
                "its last attempt failed (Opsgenie 503: &lt;b&gt;busy&lt;/b&gt;)"),
      std::string::npos)
      << html;
  EXPECT_NE(html.find("id=\"vendor-pagerduty\"><h3>PagerDuty</h3><p class=\"state\">working"),
            std::string::npos);
}

TEST(StatusPage, WebhookTextIsEscapedAndOnlyTheTitleOfAnAlertIsShown) {
  StatusPageView view = a_view();
  view.events = {event(9, "<script>alert('x')</script> & \"quoted\"\x1b[31m")};
  view.events[0].event.alert_id = "a\"><img src=x>";
  const std::string html = render_status_page(view);
  EXPECT_EQ(html.find("<script>"), std::string::npos) << html;
  EXPECT_EQ(html.find("<img"), std::string::npos) << html;
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;\\x1b[31m"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("a&quot;&gt;&lt;img src=x&gt;"), std::string::npos) << html;
  EXPECT_EQ(html.find("hunter2"), std::string::npos) << "the description never appears";
  EXPECT_EQ(html.find("private note"), std::string::npos) << "nor a note";
  EXPECT_NE(html.find("<td class=\"o-mirrored\">mirrored</td>"), std::string::npos) << html;
}

TEST(StatusPage, ALongTitleIsCutOnACharacterAndListsStopAtTheirRows) {
  StatusPageView view = a_view();
  std::string title;
  for (int i = 0; i < 200; ++i) title += "\u00e9";  // two bytes each
  view.events = {event(1, title)};
  view.more_pending = true;
  view.pending.resize(1);
  view.pending[0].id = 5;
  const std::string html = render_status_page(view);
  EXPECT_EQ(count(html, "\u00e9"), 130u);
  EXPECT_NE(html.find("\u00e9\u2026</td>"), std::string::npos);
  EXPECT_NE(html.find("<code>ogpd-proxy status</code> lists them"), std::string::npos);
}

TEST(StatusPage, ReconciliationOffOrNotYetRunIsSaid) {
  StatusPageView view = a_view();
  EXPECT_NE(render_status_page(view).find("off (RECONCILE_INTERVAL_SECONDS=0, or a dry run)"),
            std::string::npos);
  view.drift.on = true;
  EXPECT_NE(render_status_page(view).find("no pass finished yet since start"), std::string::npos);
}

TEST(HtmlEscaped, EscapesMarkupQuotesAndControlCharacters) {
  EXPECT_EQ(html_escaped("a<b>&\"'\n"), "a&lt;b&gt;&amp;&quot;&#39;\\n");
  EXPECT_EQ(html_escaped("caf\u00e9"), "caf\u00e9");
}

}  // namespace
}  // namespace ogpd::cli
