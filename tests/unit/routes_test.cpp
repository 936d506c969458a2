#include "server/routes.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace ogpd::server {
namespace {

class FixedJournal : public store::Journal {
 public:
  void append(store::Received, Done) override {}
  Status health() const override { return ready_ ? Status() : Status::unavailable("store is not writable"); }
  bool ready_ = true;
};

http::request<http::string_body> request(http::verb verb, std::string target, std::string body = {}) {
  http::request<http::string_body> r{verb, target, 11};
  r.set(http::field::host, "127.0.0.1");
  r.body() = std::move(body);
  r.prepare_payload();
  return r;
}

Answer answer_of(const Routed& routed) {
  if (const auto* a = std::get_if<Answer>(&routed)) return *a;
  ADD_FAILURE() << "expected an immediate answer";
  return {};
}

class Routes : public ::testing::Test {
 protected:
  webhook::IntakeSettings intake;
  FixedJournal journal;
  Routed go(http::verb verb, std::string target, std::string body = {}) {
    return route({intake, journal}, request(verb, std::move(target), std::move(body)));
  }
};

TEST_F(Routes, HealthIsAlwaysOkAndReadinessFollowsTheStore) {
  EXPECT_EQ(answer_of(go(http::verb::get, "/healthz")).status, http::status::ok);
  const Answer ready = answer_of(go(http::verb::get, "/readyz"));
  EXPECT_EQ(ready.status, http::status::ok);
  // It says what it checked, and that the vendors are not part of it (a vendor down is the outbox's job).
  const auto said = boost::json::parse(ready.body).as_object();
  EXPECT_EQ(said.at("status"), "ready");
  EXPECT_EQ(said.at("checked").at("store"), "ok");
  EXPECT_NE(std::string(said.at("not_checked").as_string()).find("the vendors"), std::string::npos);
  journal.ready_ = false;
  EXPECT_EQ(answer_of(go(http::verb::get, "/healthz")).status, http::status::ok);
  const Answer not_ready = answer_of(go(http::verb::get, "/readyz"));
  EXPECT_EQ(not_ready.status, http::status::service_unavailable);
  EXPECT_NE(not_ready.body.find("error"), std::string::npos);
  EXPECT_EQ(boost::json::parse(not_ready.body).at("failed_check"), "store") << not_ready.body;
}

TEST_F(Routes, UnknownPathsAre404AndWrongMethods405WithAllow) {
  EXPECT_EQ(answer_of(go(http::verb::get, "/nope")).status, http::status::not_found);
  EXPECT_EQ(answer_of(go(http::verb::post, "/")).status, http::status::not_found);
  const Answer a = answer_of(go(http::verb::get, "/ops-webhook"));
  EXPECT_EQ(a.status, http::status::method_not_allowed);
  EXPECT_EQ(a.allow, "POST");
  EXPECT_EQ(answer_of(go(http::verb::put, "/pd-webhook")).status, http::status::method_not_allowed);
  EXPECT_EQ(answer_of(go(http::verb::post, "/healthz")).status, http::status::method_not_allowed);
}

// GET /status is off unless the page is configured; then it is rendered off the network thread, like
// /metrics, and answered as a page (HTML, with the page's security headers).
TEST_F(Routes, TheStatusPageIsServedOnlyWhenOnAndOnlyToReads) {
  EXPECT_EQ(answer_of(go(http::verb::get, "/status")).status, http::status::not_found);
  const auto page = [] { return std::string("<!doctype html>"); };
  const auto with_page = [&](http::verb verb) {
    return route({intake, journal, {}, {}, page}, request(verb, "/status"));
  };
  const Routed get = with_page(http::verb::get);
  const auto* render = std::get_if<ToRender>(&get);
  ASSERT_NE(render, nullptr);
  EXPECT_EQ(render->page, Page::kStatus);
  EXPECT_TRUE(std::holds_alternative<ToRender>(with_page(http::verb::head)));
  const Answer post = answer_of(with_page(http::verb::post));
  EXPECT_EQ(post.status, http::status::method_not_allowed);
  EXPECT_EQ(post.allow, "GET, HEAD");

  const Answer rendered = rendered_answer(Page::kStatus, std::string("<!doctype html>"));
  EXPECT_EQ(rendered.status, http::status::ok);
  EXPECT_EQ(rendered.content_type, "text/html; charset=utf-8");
  EXPECT_TRUE(rendered.page);
  EXPECT_FALSE(rendered_answer(Page::kMetrics, std::string("ogpd_up 1\n")).page);
  EXPECT_EQ(rendered_answer(Page::kStatus, std::nullopt).status, http::status::internal_server_error);
}

TEST_F(Routes, QueryStringsDoNotChangeTheRoute) {
  EXPECT_EQ(answer_of(go(http::verb::get, "/healthz?x=1")).status, http::status::ok);
  EXPECT_TRUE(std::holds_alternative<ToStore>(
      go(http::verb::post, "/ops-webhook?src=og", R"({"action":"Create","alert":{"alertId":"a"}})")));
}

TEST_F(Routes, WebhookVerdictsMapOntoTheContractsStatusCodes) {
  EXPECT_TRUE(std::holds_alternative<ToStore>(
      go(http::verb::post, "/ops-webhook", R"({"action":"Create","alert":{"alertId":"a"}})")));
  EXPECT_EQ(answer_of(go(http::verb::post, "/ops-webhook", "{")).status, http::status::bad_request);
  EXPECT_EQ(answer_of(go(http::verb::post, "/pd-webhook", "")).status, http::status::bad_request);
  intake.routes = one_route("mine");
  const Answer ignored = answer_of(go(http::verb::post, "/ops-webhook", R"({"integrationId":"other"})"));
  EXPECT_EQ(ignored.status, http::status::ok);
  EXPECT_NE(ignored.body.find("\"status\":\"ignored\""), std::string::npos);
  intake.pagerduty_secrets = {"s"};
  EXPECT_EQ(answer_of(go(http::verb::post, "/pd-webhook", "{}")).status, http::status::unauthorized);
}

TEST(StoredAnswers, EachOutcomeHasItsAnswer) {
  Event create;
  create.kind = EventKind::kAlertCreated;
  Event ping;
  ping.kind = EventKind::kPing;
  Event other;
  other.kind = EventKind::kOther;
  other.type = "AddTags";

  const Answer accepted = answer_stored(create, {store::AppendOutcome::kStored, 7, {}, {}});
  EXPECT_EQ(accepted.status, http::status::accepted);
  EXPECT_EQ(accepted.body, R"({"status":"accepted","event_id":7})");

  const Answer pinged = answer_stored(ping, {store::AppendOutcome::kStored, 8, {}, {}});
  EXPECT_EQ(pinged.status, http::status::ok);
  EXPECT_EQ(pinged.body, R"({"status":"ignored","reason":"ping","event_id":8})");

  const Answer unsupported = answer_stored(other, {store::AppendOutcome::kStored, 9, {}, {}});
  EXPECT_EQ(unsupported.status, http::status::ok);
  EXPECT_EQ(unsupported.body, R"({"status":"ignored","reason":"no action for AddTags","event_id":9})");

  const Answer unrouted = answer_stored(create, {store::AppendOutcome::kStored, 10, {}, "no_route"});
  EXPECT_EQ(unrouted.status, http::status::ok);
  EXPECT_EQ(unrouted.body, R"({"status":"ignored","reason":"no route matches this alert","event_id":10})");

  const Answer duplicate = answer_stored(create, {store::AppendOutcome::kDuplicate, 7, {}, {}});
  EXPECT_EQ(duplicate.status, http::status::ok);
  EXPECT_EQ(duplicate.body, R"({"status":"duplicate","event_id":7})");

  const Answer unavailable =
      answer_stored(create, {store::AppendOutcome::kUnavailable, 0, "disk I/O error", {}});
  EXPECT_EQ(unavailable.status, http::status::service_unavailable);
  EXPECT_TRUE(unavailable.retry_after);
  EXPECT_EQ(unavailable.body.find("disk"), std::string::npos);  // internals stay in the log
}

}  // namespace
}  // namespace ogpd::server
