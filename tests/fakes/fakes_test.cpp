// Tests of the fake vendors themselves, over loopback with a real HTTP client.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "core/text.h"
#include "e2e/proxy_process.h"
#include "fakes/fake_opsgenie.h"
#include "fakes/fake_pagerduty.h"

namespace ogpd::fakes {
namespace {

namespace json = boost::json;
using ogpd::testing::Headers;
using ogpd::testing::http_request;
using ogpd::testing::HttpReply;
using namespace std::chrono_literals;

json::value parse(const std::string& body) {
  json::error_code ec;
  json::value value = json::parse(body, ec);
  EXPECT_FALSE(ec) << "not JSON: " << body;
  return value;
}

std::string str(const json::value& value, std::initializer_list<std::string_view> path) {
  const json::value* at = &value;
  for (auto key : path) {
    const auto* object = at->if_object();
    at = object ? object->if_contains(key) : nullptr;
    if (!at) return "<missing>";
  }
  return at->is_string() ? std::string(at->get_string()) : json::serialize(*at);
}

Headers pd_headers() {
  return {{"Authorization", "Token token=pd-test-key"},
          {"Accept", "application/vnd.pagerduty+json;version=2"},
          {"From", "ogpd-bot@example.com"},
          {"Content-Type", "application/json"}};
}

HttpReply pd_call(const FakePagerDuty& pd, const std::string& method, const std::string& target,
                  const std::string& body = {}, Headers headers = pd_headers()) {
  return http_request(pd.port(), method, target, body, headers);
}

std::string create_body(const std::string& key, const std::string& title = "disk full") {
  return json::serialize(
      json::object{{"incident",
                    {{"type", "incident"},
                     {"title", title},
                     {"service", {{"id", "PSVC001"}, {"type", "service_reference"}}},
                     {"urgency", "high"},
                     {"incident_key", key},
                     {"body", {{"type", "incident_body"}, {"details", "from opsgenie"}}}}}});
}

std::string status_body(const std::string& status) {
  return json::serialize(json::object{{"incident", {{"type", "incident_reference"}, {"status", status}}}});
}

HttpReply og_call(const FakeOpsgenie& og, const std::string& method, const std::string& target,
                  const std::string& body = {}, const std::string& key = "og-test-key") {
  return http_request(og.port(), method, target, body, {{"Authorization", "GenieKey " + key}});
}

// ---- PagerDuty ----

TEST(FakePagerDuty, ListensOnAnEphemeralLoopbackPort) {
  FakePagerDuty pd;
  EXPECT_NE(pd.port(), 0);
  EXPECT_EQ(pd.url(), "http://127.0.0.1:" + std::to_string(pd.port()));
}

TEST(FakePagerDuty, WrongTokenIsRefusedWith401AndNothingIsCreated) {
  FakePagerDuty pd;
  Headers headers = pd_headers();
  headers[0].second = "Token token=wrong";
  const auto reply = pd_call(pd, "POST", "/incidents", create_body("k1"), headers);
  EXPECT_EQ(reply.status, 401);
  EXPECT_EQ(reply.header("content-type"), "application/json");
  EXPECT_EQ(str(parse(reply.body), {"error", "code"}), "2006");
  EXPECT_EQ(str(parse(reply.body), {"error", "message"}), "Unauthorized");
  headers[0].second = "Bearer pd-test-key";
  EXPECT_EQ(pd_call(pd, "GET", "/incidents", "", headers).status, 401);
  EXPECT_TRUE(pd.incidents().empty());
  EXPECT_EQ(pd.count("POST", "/incidents"), 1u);
}

TEST(FakePagerDuty, MissingVersionedAcceptIs406) {
  FakePagerDuty pd;
  Headers headers = pd_headers();
  headers[1].second = "application/json";
  const auto reply = pd_call(pd, "GET", "/incidents", "", headers);
  EXPECT_EQ(reply.status, 406);
  EXPECT_NE(str(parse(reply.body), {"error", "message"}), "<missing>");
}

TEST(FakePagerDuty, CreateIs201ThenADuplicateOpenKeyIs400) {
  FakePagerDuty pd;
  const auto created = pd_call(pd, "POST", "/incidents", create_body("key-1"));
  ASSERT_EQ(created.status, 201) << created.body;
  const auto incident = parse(created.body);
  const std::string id = str(incident, {"incident", "id"});
  EXPECT_EQ(id.size(), 14u);
  EXPECT_EQ(id[0], 'Q');
  EXPECT_EQ(str(incident, {"incident", "status"}), "triggered");
  EXPECT_EQ(str(incident, {"incident", "incident_key"}), "key-1");
  EXPECT_EQ(str(incident, {"incident", "service", "id"}), "PSVC001");
  EXPECT_EQ(str(incident, {"incident", "incident_number"}), "1");
  EXPECT_EQ(pd.incident(id)->details, "from opsgenie");

  const auto duplicate = pd_call(pd, "POST", "/incidents", create_body("key-1"));
  EXPECT_EQ(duplicate.status, 400);
  const auto error = parse(duplicate.body);
  EXPECT_EQ(str(error, {"error", "code"}), "2001");
  EXPECT_EQ(str(error, {"error", "message"}), "Invalid Input Provided");
  EXPECT_EQ(json::serialize(error.at("error").at("errors")),
            R"(["Open incident with matching dedup key already exists on this service"])");
  EXPECT_EQ(pd.incidents_with_key("key-1").size(), 1u);
}

TEST(FakePagerDuty, CreateWithoutKeyGetsAGeneratedKeyAndDefaultUrgency) {
  FakePagerDuty pd;
  const auto reply = pd_call(
      pd, "POST", "/incidents",
      R"({"incident":{"type":"incident","title":"t","service":{"id":"PSVC001","type":"service_reference"}}})");
  ASSERT_EQ(reply.status, 201) << reply.body;
  const auto incident = parse(reply.body);
  EXPECT_EQ(str(incident, {"incident", "incident_key"}).size(), 32u);
  EXPECT_EQ(str(incident, {"incident", "urgency"}), "high");
}

TEST(FakePagerDuty, InvalidCreatesAre400WithAReason) {
  FakePagerDuty pd;
  const auto missing_title =
      pd_call(pd, "POST", "/incidents",
              R"({"incident":{"type":"incident","service":{"id":"PSVC001","type":"service_reference"}}})");
  EXPECT_EQ(missing_title.status, 400);
  EXPECT_NE(missing_title.body.find("title"), std::string::npos);
  EXPECT_EQ(pd_call(pd, "POST", "/incidents", R"({"incident":)").status, 400);
  EXPECT_EQ(str(parse(pd_call(pd, "POST", "/incidents", "{not json").body), {"error", "code"}), "2001");
  EXPECT_EQ(
      pd_call(
          pd, "POST", "/incidents",
          R"({"incident":{"type":"incident","title":"t","service":{"id":"POTHER","type":"service_reference"}}})")
          .status,
      400);
  EXPECT_EQ(
      pd_call(
          pd, "POST", "/incidents",
          R"({"incident":{"type":"incident","title":"t","urgency":"urgent","service":{"id":"PSVC001","type":"service_reference"}}})")
          .status,
      400);
  EXPECT_TRUE(pd.incidents().empty());
}

TEST(FakePagerDuty, WritesNeedTheFromUser) {
  FakePagerDuty pd;
  Headers headers = pd_headers();
  headers[2].second = "someone@else.com";
  const auto reply = pd_call(pd, "POST", "/incidents", create_body("k"), headers);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(str(parse(reply.body), {"error", "code"}), "2001");
  EXPECT_EQ(json::serialize(parse(reply.body).at("error").at("errors")), R"(["Requester User Not Found"])");
  headers.erase(headers.begin() + 2);
  EXPECT_EQ(pd_call(pd, "POST", "/incidents", create_body("k"), headers).status, 400);
  EXPECT_EQ(pd_call(pd, "GET", "/incidents", "", headers).status, 200);  // reads do not need it
  EXPECT_TRUE(pd.incidents().empty());
}

TEST(FakePagerDuty, LookupByKeyFindsTheIncident) {
  FakePagerDuty pd;
  const std::string id =
      str(parse(pd_call(pd, "POST", "/incidents", create_body("key-A")).body), {"incident", "id"});
  pd_call(pd, "POST", "/incidents", create_body("key-B"));
  const auto reply = pd_call(pd, "GET", "/incidents?incident_key=key-A&date_range=all");
  ASSERT_EQ(reply.status, 200);
  const auto list = parse(reply.body);
  ASSERT_EQ(list.at("incidents").as_array().size(), 1u);
  EXPECT_EQ(str(list, {"incidents"}).find(id) != std::string::npos, true);
  EXPECT_EQ(str(list, {"more"}), "false");
  EXPECT_EQ(str(list, {"limit"}), "25");
  EXPECT_EQ(parse(pd_call(pd, "GET", "/incidents").body).at("incidents").as_array().size(), 2u);
  EXPECT_EQ(parse(pd_call(pd, "GET", "/incidents?incident_key=nope").body).at("incidents").as_array().size(),
            0u);
  EXPECT_EQ(pd.count("GET", "/incidents"), 3u);
  const auto recorded = pd.requests();
  EXPECT_EQ(recorded[2].query.at("incident_key"), "key-A");
  EXPECT_EQ(recorded[2].path, "/incidents");
  EXPECT_EQ(recorded[2].headers.at("from"), "ogpd-bot@example.com");
}

TEST(FakePagerDuty, GetUnknownIncidentIs404) {
  FakePagerDuty pd;
  const auto reply = pd_call(pd, "GET", "/incidents/QNOTTHERE00000");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(str(parse(reply.body), {"error", "code"}), "2100");
  EXPECT_EQ(pd_call(pd, "PUT", "/incidents/QNOTTHERE00000", status_body("resolved")).status, 404);
  EXPECT_EQ(pd_call(pd, "POST", "/incidents/QNOTTHERE00000/notes", R"({"note":{"content":"x"}})").status,
            404);
  EXPECT_EQ(pd_call(pd, "GET", "/schedules").status, 404);
}

TEST(FakePagerDuty, ServicesAreListedInPages) {
  FakePagerDuty pd;
  const auto first = parse(pd_call(pd, "GET", "/services?limit=2").body);
  EXPECT_EQ(first.at("services").as_array().size(), 2u);
  EXPECT_TRUE(first.at("more").as_bool());
  const auto rest = parse(pd_call(pd, "GET", "/services?limit=2&offset=2").body);
  EXPECT_EQ(rest.at("services").as_array().size(), 1u);
  EXPECT_FALSE(rest.at("more").as_bool());
}

TEST(FakePagerDuty, NoteIsAnswered200AsTheOwnUser) {
  FakePagerDuty pd;
  const std::string id = pd.add_incident({.title = "seeded"});
  const auto reply = pd_call(pd, "POST", "/incidents/" + id + "/notes", R"({"note":{"content":"hello"}})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto note = parse(reply.body);
  EXPECT_EQ(str(note, {"note", "content"}), "hello");
  EXPECT_EQ(str(note, {"note", "user", "id"}), "PBOT001");
  EXPECT_EQ(str(note, {"note", "user", "summary"}), "ogpd bot");
  EXPECT_EQ(pd.incident(id)->notes.size(), 1u);
  EXPECT_EQ(pd_call(pd, "POST", "/incidents/" + id + "/notes", R"({"note":{}})").status, 400);
  const auto listed = parse(pd_call(pd, "GET", "/incidents/" + id + "/notes").body);
  ASSERT_EQ(listed.at("notes").as_array().size(), 1u);
  EXPECT_EQ(str(listed.at("notes").at(0), {"content"}), "hello");
}

TEST(FakePagerDuty, ResolvingTwiceIs1001AndAcknowledgingTwiceIs1002) {
  FakePagerDuty pd;
  const std::string id = pd.add_incident({.title = "t", .incident_key = "k"});
  EXPECT_EQ(pd_call(pd, "PUT", "/incidents/" + id, status_body("acknowledged")).status, 200);
  const auto again = pd_call(pd, "PUT", "/incidents/" + id, status_body("acknowledged"));
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(str(parse(again.body), {"error", "code"}), "1002");
  const auto resolved = pd_call(pd, "PUT", "/incidents/" + id, status_body("resolved"));
  ASSERT_EQ(resolved.status, 200);
  EXPECT_EQ(str(parse(resolved.body), {"incident", "status"}), "resolved");
  const auto twice = pd_call(pd, "PUT", "/incidents/" + id, status_body("resolved"));
  EXPECT_EQ(twice.status, 400);
  EXPECT_EQ(str(parse(twice.body), {"error", "code"}), "1001");
  EXPECT_EQ(str(parse(twice.body), {"error", "message"}), "Incident Already Resolved");
  EXPECT_EQ(pd.incident(id)->status, "resolved");
}

TEST(FakePagerDuty, AcknowledgingAResolvedIncidentReopensIt) {
  FakePagerDuty pd;
  const std::string id = pd.add_incident({.title = "t", .status = "resolved"});
  EXPECT_EQ(pd_call(pd, "PUT", "/incidents/" + id, status_body("acknowledged")).status, 200);
  EXPECT_EQ(pd.incident(id)->status, "acknowledged");
  EXPECT_EQ(pd_call(pd, "PUT", "/incidents/" + id, status_body("triggered")).status, 400);
}

TEST(FakePagerDuty, AResolvedIncidentDoesNotBlockANewOneWithItsKey) {
  FakePagerDuty pd;
  pd.add_incident({.title = "old", .status = "resolved", .incident_key = "k"});
  EXPECT_EQ(pd_call(pd, "POST", "/incidents", create_body("k")).status, 201);
  EXPECT_EQ(pd.incidents_with_key("k").size(), 2u);
}

// As PagerDuty's: the query matches parts of names and emails, so a lookalike comes first.
TEST(FakePagerDuty, UsersQueryMatchesLooselyWithALookalikeFirst) {
  FakePagerDuty pd;
  const auto found = parse(pd_call(pd, "GET", "/users?query=ogpd-bot%40example.com").body);
  ASSERT_EQ(found.at("users").as_array().size(), 2u);
  EXPECT_EQ(str(found.at("users").at(0), {"email"}), "old.ogpd-bot@example.com");
  EXPECT_EQ(str(found.at("users").at(1), {"id"}), "PBOT001");
  EXPECT_EQ(parse(pd_call(pd, "GET", "/users?query=OGPD%20BOT").body).at("users").as_array().size(), 2u);
  EXPECT_EQ(parse(pd_call(pd, "GET", "/users?query=nobody").body).at("users").as_array().size(), 0u);
  EXPECT_EQ(pd_call(pd, "GET", "/users/me").status, 400);  // an account-level key has no user
}

TEST(FakePagerDuty, InjectedFaultsAreAnsweredInOrderThenNormalHandlingResumes) {
  FakePagerDuty pd;
  pd.inject("POST /incidents", Fault{}, 2);
  const auto first = pd_call(pd, "POST", "/incidents", create_body("k"));
  EXPECT_EQ(first.status, 500);
  EXPECT_NE(str(parse(first.body), {"error", "message"}), "<missing>");
  EXPECT_EQ(pd_call(pd, "POST", "/incidents", create_body("k")).status, 500);
  EXPECT_TRUE(pd.incidents().empty());
  EXPECT_EQ(pd_call(pd, "POST", "/incidents", create_body("k")).status, 201);
  EXPECT_EQ(pd.incidents().size(), 1u);
  EXPECT_EQ(pd.count("POST", "/incidents"), 3u);
}

TEST(FakePagerDuty, FaultOnlyHitsItsRouteAndCarriesItsHeadersAndBody) {
  FakePagerDuty pd;
  pd.inject("PUT /incidents/", Fault{.status = 503, .headers = {{"Retry-After", "7"}}, .body = "busy"});
  EXPECT_EQ(pd_call(pd, "POST", "/incidents", create_body("k")).status, 201);
  const std::string id = pd.incidents().at(0).id;
  const auto reply = pd_call(pd, "PUT", "/incidents/" + id, status_body("resolved"));
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.header("retry-after"), "7");
  EXPECT_EQ(reply.body, "busy");
  EXPECT_EQ(pd.incident(id)->status, "triggered");
  EXPECT_THROW(pd.inject("POST", Fault{}), std::invalid_argument);
}

TEST(FakePagerDuty, ApplyThenDropClosesWithoutAnswerButTheIncidentExists) {
  FakePagerDuty pd;
  pd.inject("POST /incidents", Fault{.apply_then_drop = true});
  const auto reply = pd_call(pd, "POST", "/incidents", create_body("k"));
  EXPECT_EQ(reply.status, 0);
  EXPECT_EQ(pd.incidents_with_key("k").size(), 1u);
  // The retry meets the incident the lost answer created.
  EXPECT_EQ(pd_call(pd, "POST", "/incidents", create_body("k")).status, 400);
}

TEST(FakePagerDuty, DropBeforeClosesWithoutAnswerAndWithoutEffect) {
  FakePagerDuty pd;
  pd.inject("POST /incidents", Fault{.drop_before = true});
  EXPECT_EQ(pd_call(pd, "POST", "/incidents", create_body("k")).status, 0);
  EXPECT_TRUE(pd.incidents().empty());
  EXPECT_EQ(pd.count("POST", "/incidents"), 1u);
}

TEST(FakePagerDuty, FaultDelayPostponesTheAnswer) {
  FakePagerDuty pd;
  pd.inject("POST /incidents", Fault{.status = 0, .delay = 150ms});
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(pd_call(pd, "POST", "/incidents", create_body("k")).status, 201);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 150ms);
}

TEST(FakePagerDuty, RateLimitAnswers429WithItsHeaders) {
  FakePagerDuty pd;
  pd.set_rate_limit(0.5, 2);
  const auto first = pd_call(pd, "GET", "/incidents");
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.header("ratelimit-limit"), "2");
  EXPECT_EQ(first.header("ratelimit-remaining"), "1");
  EXPECT_FALSE(first.header("ratelimit-reset").empty());
  EXPECT_EQ(pd_call(pd, "GET", "/incidents").status, 200);
  const auto limited = pd_call(pd, "GET", "/incidents");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.header("ratelimit-remaining"), "0");
  EXPECT_EQ(limited.header("ratelimit-limit"), "2");
  EXPECT_GE(std::stoi(limited.header("ratelimit-reset")), 1);
  EXPECT_EQ(str(parse(limited.body), {"error", "code"}), "2020");
  EXPECT_EQ(str(parse(limited.body), {"error", "message"}), "Rate Limit Exceeded");
  EXPECT_EQ(pd.rate_limited(), 1u);
  pd.set_rate_limit(0, 0);
  EXPECT_EQ(pd_call(pd, "GET", "/incidents").status, 200);
}

TEST(FakePagerDuty, StateEndpointIsOpenAndNotRecorded) {
  FakePagerDuty pd;
  pd_call(pd, "POST", "/incidents", create_body("k"));
  pd_call(pd, "POST", "/incidents", create_body("k2"));
  const auto reply = http_request(pd.port(), "GET", "/_fake/state");
  ASSERT_EQ(reply.status, 200);
  const auto state = parse(reply.body);
  EXPECT_EQ(state.at("requests").to_number<int>(), 2);
  EXPECT_EQ(state.at("rate_limited").to_number<int>(), 0);
  EXPECT_EQ(state.at("incidents").as_array().size(), 2u);
  EXPECT_LE(state.at("first_create_ms").to_number<long long>(),
            state.at("last_create_ms").to_number<long long>());
  EXPECT_EQ(pd.requests().size(), 2u);
}

TEST(FakePagerDuty, KeepAliveConnectionServesSeveralRequests) {
  FakePagerDuty pd;
  ogpd::testing::HttpConnection connection(pd.port());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(
        connection.send("POST", "/incidents", create_body("k" + std::to_string(i)), pd_headers()).status,
        201);
  }
  EXPECT_TRUE(connection.open());
  EXPECT_EQ(pd.incidents().size(), 3u);
}

TEST(FakePagerDuty, WaitUntilSeesARequestFromAnotherThreadAndTimesOut) {
  FakePagerDuty pd;
  auto client =
      std::async(std::launch::async, [&] { return pd_call(pd, "POST", "/incidents", create_body("k")); });
  EXPECT_TRUE(pd.wait_until([&] { return pd.incidents().size() == 1; }, 5s));
  EXPECT_EQ(client.get().status, 201);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(pd.wait_until([] { return false; }, 50ms));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 50ms);
}

TEST(FakePagerDuty, ConcurrentCreatesWithOneKeyMakeExactlyOneIncident) {
  FakePagerDuty pd;
  std::vector<std::future<int>> clients;
  for (int i = 0; i < 8; ++i) {
    clients.push_back(std::async(std::launch::async, [&] {
      return pd_call(pd, "POST", "/incidents", create_body("same-key")).status;
    }));
  }
  int created = 0, refused = 0;
  for (auto& c : clients) {
    const int status = c.get();
    created += status == 201;
    refused += status == 400;
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(refused, 7);
  EXPECT_EQ(pd.incidents_with_key("same-key").size(), 1u);
  EXPECT_EQ(pd.requests().size(), 8u);
}

TEST(FakePagerDuty, DestructionCutsShortASlowAnswer) {
  std::future<HttpReply> client;
  const auto started = std::chrono::steady_clock::now();
  {
    FakePagerDuty pd;
    pd.set_latency(30s);
    client = std::async(std::launch::async, [port = pd.port()] {
      return http_request(port, "POST", "/incidents", create_body("k"), pd_headers());
    });
    ASSERT_TRUE(pd.wait_until([&] { return pd.count("POST", "/incidents") == 1; }, 5s));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  ASSERT_EQ(client.wait_for(5s), std::future_status::ready);
  client.get();
}

// ---- Opsgenie ----

TEST(FakeOpsgenie, WrongKeyIsRefusedWith401InOpsgeniesShape) {
  FakeOpsgenie og;
  og.add_alert("a1");
  const auto reply = og_call(og, "POST", "/v2/alerts/a1/acknowledge", "{}", "wrong");
  EXPECT_EQ(reply.status, 401);
  const auto body = parse(reply.body);
  EXPECT_EQ(str(body, {"message"}), "Key format is not valid!");
  EXPECT_EQ(str(body, {"requestId"}).size(), 36u);
  EXPECT_TRUE(body.at("took").is_number());
  EXPECT_FALSE(og.alert("a1")->acknowledged);
  EXPECT_EQ(http_request(og.port(), "GET", "/v2/alerts/a1").status, 401);
}

TEST(FakeOpsgenie, MissingAlertIsAccepted202ThenItsRequestFailsAfterAPendingPoll) {
  FakeOpsgenie og;
  const auto accepted =
      og_call(og, "POST", "/v2/alerts/missing/acknowledge?identifierType=id", R"({"user":"ogpd"})");
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  const auto body = parse(accepted.body);
  EXPECT_EQ(str(body, {"result"}), "Request will be processed");
  const std::string request_id = str(body, {"requestId"});
  const auto pending = og_call(og, "GET", "/v2/alerts/requests/" + request_id);
  EXPECT_EQ(pending.status, 404);
  EXPECT_EQ(str(parse(pending.body), {"message"}), "Request not found. It might not be processed yet.");
  const auto done = og_call(og, "GET", "/v2/alerts/requests/" + request_id);
  ASSERT_EQ(done.status, 200) << done.body;
  const auto outcome = parse(done.body);
  EXPECT_EQ(str(outcome, {"data", "isSuccess"}), "false");
  EXPECT_EQ(str(outcome, {"data", "success"}), "false");
  EXPECT_EQ(str(outcome, {"data", "status"}), "Alert does not exist");
  EXPECT_EQ(str(outcome, {"data", "action"}), "Acknowledge");
  ASSERT_EQ(og.request_outcomes().size(), 1u);
  EXPECT_EQ(og.request_outcomes()[0].request_id, request_id);
}

TEST(FakeOpsgenie, AcknowledgeAppliesAndItsRequestSucceeds) {
  FakeOpsgenie og({.request_status_pending_polls = 0});
  og.add_alert("a1", "disk full");
  const auto accepted =
      og_call(og, "POST", "/v2/alerts/a1/acknowledge", R"({"user":"ogpd","source":"ogpd"})");
  ASSERT_EQ(accepted.status, 202);
  EXPECT_TRUE(og.alert("a1")->acknowledged);
  const auto outcome =
      parse(og_call(og, "GET", "/v2/alerts/requests/" + str(parse(accepted.body), {"requestId"})).body);
  EXPECT_EQ(str(outcome, {"data", "isSuccess"}), "true");
  EXPECT_EQ(str(outcome, {"data", "alertId"}), "a1");
  EXPECT_EQ(str(outcome, {"data", "status"}), "Alert acknowledged");
  EXPECT_EQ(og_call(og, "POST", "/v2/alerts/a1/unacknowledge").status, 202);
  EXPECT_FALSE(og.alert("a1")->acknowledged);
  EXPECT_EQ(og_call(og, "POST", "/v2/alerts/a1/close", R"({"note":"done"})").status, 202);
  EXPECT_EQ(og.alert("a1")->status, "closed");
  const auto shown = parse(og_call(og, "GET", "/v2/alerts/a1").body);
  EXPECT_EQ(str(shown, {"data", "status"}), "closed");
  EXPECT_EQ(str(shown, {"data", "message"}), "disk full");
}

TEST(FakeOpsgenie, UnknownRequestIdIsAlways404) {
  FakeOpsgenie og({.request_status_pending_polls = 0});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(og_call(og, "GET", "/v2/alerts/requests/nope").status, 404);
}

TEST(FakeOpsgenie, NoteWithoutNoteIs422) {
  FakeOpsgenie og;
  og.add_alert("a1");
  const auto reply = og_call(og, "POST", "/v2/alerts/a1/notes", R"({"user":"ogpd"})");
  EXPECT_EQ(reply.status, 422);
  const auto body = parse(reply.body);
  EXPECT_EQ(str(body, {"message"}), "Request body is not processable. Please check the errors.");
  EXPECT_EQ(str(body, {"errors", "note"}), "must not be empty");
  EXPECT_TRUE(og.alert("a1")->notes.empty());
  EXPECT_TRUE(og.request_outcomes().empty());
  EXPECT_EQ(og_call(og, "POST", "/v2/alerts/a1/notes", "{broken").status, 400);
}

TEST(FakeOpsgenie, NoteIsAddedWithItsOwnerAndListed) {
  FakeOpsgenie og;
  og.add_alert("a1");
  EXPECT_EQ(og_call(og, "POST", "/v2/alerts/a1/notes", R"({"note":"from pd","user":"alice"})").status, 202);
  EXPECT_EQ(og_call(og, "POST", "/v2/alerts/a1/notes", R"({"note":"second"})").status, 202);
  const auto alert = og.alert("a1");
  ASSERT_EQ(alert->notes.size(), 2u);
  EXPECT_EQ(alert->notes[0].owner, "alice");
  EXPECT_EQ(alert->notes[1].owner, "API");
  const auto listed = parse(og_call(og, "GET", "/v2/alerts/a1/notes").body);
  ASSERT_EQ(listed.at("data").as_array().size(), 2u);
  EXPECT_EQ(str(listed.at("data").at(0), {"note"}), "from pd");
  EXPECT_EQ(og_call(og, "GET", "/v2/alerts/missing/notes").status, 404);
  EXPECT_EQ(str(parse(og_call(og, "GET", "/v2/alerts/missing").body), {"message"}), "Alert does not exist");
}

TEST(FakeOpsgenie, IdAndAliasIdentifiersAreSupportedTinyIsNot) {
  FakeOpsgenie og;
  og.add_alert("a1");
  EXPECT_EQ(og_call(og, "POST", "/v2/alerts/a1/acknowledge?identifierType=tiny").status, 400);
  EXPECT_FALSE(og.alert("a1")->acknowledged);
  EXPECT_EQ(og_call(og, "GET", "/v2/alerts/nope?identifierType=alias").status, 404);
  EXPECT_EQ(og_call(og, "POST", "/v2/alerts/a1/acknowledge?identifierType=alias").status, 202);
  EXPECT_TRUE(og.alert("a1")->acknowledged);
}

// The fake finds alerts through indexes (as Opsgenie does, at any count); what it finds must not change:
// by alias, the open alert before a closed one, else the earliest; after a rename, by the new id only.
TEST(FakeOpsgenie, AliasesFindTheOpenAlertFirstAndARenamedAlertAnswersToItsNewId) {
  FakeOpsgenie og(FakeOpsgenie::Options{.request_status_pending_polls = 0});
  og.add_alert("x1", "first", "shared");
  og.change_alert("x1", "Close", "someone");
  EXPECT_EQ(og_call(og, "POST", "/v2/alerts", R"({"message":"second","alias":"shared"})").status, 202);
  ASSERT_EQ(og.alerts().size(), 2u) << "a closed alert's alias does not fold a create";
  const std::string second = og.alerts().back().id;
  EXPECT_EQ(og.alert_with_alias("shared")->id, "x1") << "the earliest with that alias";
  EXPECT_EQ(og_call(og, "POST", "/v2/alerts", R"({"message":"third","alias":"shared"})").status, 202);
  EXPECT_EQ(og.alerts().size(), 2u) << "folded into the open one";
  EXPECT_EQ(og_call(og, "POST", "/v2/alerts/shared/acknowledge?identifierType=alias").status, 202);
  EXPECT_TRUE(og.alert(second)->acknowledged) << "an action by alias reaches the open alert";
  EXPECT_FALSE(og.alert("x1")->acknowledged);

  og.rename_alert(second, "renamed");
  EXPECT_FALSE(og.alert(second));
  ASSERT_TRUE(og.alert("renamed"));
  EXPECT_EQ(og.alert("renamed")->message, "second");
  EXPECT_EQ(og_call(og, "GET", "/v2/alerts/renamed").status, 200);
  EXPECT_EQ(og_call(og, "GET", "/v2/alerts/" + second).status, 404);
}

TEST(FakeOpsgenie, ACreateIsNamedByItsRequestAndAnOpenAliasFoldsARepeat) {
  FakeOpsgenie og(FakeOpsgenie::Options{.request_status_pending_polls = 0});
  const auto body = R"({"message":"m","alias":"pd-Q1","priority":"P2","tags":["t"],)"
                    R"("responders":[{"type":"team","name":"payments"}]})";
  const auto first = og_call(og, "POST", "/v2/alerts", body);
  ASSERT_EQ(first.status, 202);
  const auto request = boost::json::parse(first.body).as_object().at("requestId").as_string();
  const auto status = og_call(og, "GET", "/v2/alerts/requests/" + std::string(request));
  ASSERT_EQ(status.status, 200);
  const auto alert_id = boost::json::parse(status.body).at("data").at("alertId").as_string();
  ASSERT_TRUE(og.alert_with_alias("pd-Q1"));
  EXPECT_EQ(og.alert_with_alias("pd-Q1")->id, alert_id);
  EXPECT_EQ(og.alert_with_alias("pd-Q1")->priority, "P2");
  EXPECT_EQ(og_call(og, "POST", "/v2/alerts", body).status, 202);
  EXPECT_EQ(og.alerts().size(), 1u) << "a repeat with an open alert's alias makes no second alert";
  EXPECT_EQ(og_call(og, "POST", "/v2/alerts", R"({"alias":"x"})").status, 422);
  EXPECT_EQ(
      og_call(og, "PUT", "/v2/alerts/" + std::string(alert_id) + "/priority", R"({"priority":"P9"})").status,
      422);
  EXPECT_EQ(
      og_call(og, "PUT", "/v2/alerts/" + std::string(alert_id) + "/priority", R"({"priority":"P4"})").status,
      202);
  EXPECT_EQ(og.alert(std::string(alert_id))->priority, "P4");
}

TEST(FakeOpsgenie, RateLimitAnswers429WithItsHeaders) {
  FakeOpsgenie og;
  og.set_rate_limit(0.5, 1);
  EXPECT_EQ(og_call(og, "POST", "/v2/alerts/a1/close").status, 202);
  const auto limited = og_call(og, "POST", "/v2/alerts/a1/close");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.header("x-ratelimit-state"), "THROTTLED");
  EXPECT_EQ(limited.header("x-ratelimit-reason"), "ACCOUNT");
  EXPECT_EQ(limited.header("x-ratelimit-period-in-sec"), "1");
  EXPECT_EQ(str(parse(limited.body), {"message"}),
            "You are making too many requests! To avoid errors, we recommend you limit requests.");
  EXPECT_EQ(og.rate_limited(), 1u);
  EXPECT_EQ(og.request_outcomes().size(), 1u);
}

TEST(FakeOpsgenie, InjectedFaultUsesOpsgeniesErrorShape) {
  FakeOpsgenie og;
  og.add_alert("a1");
  og.inject("POST /v2/alerts/", Fault{.status = 502});
  const auto reply = og_call(og, "POST", "/v2/alerts/a1/acknowledge");
  EXPECT_EQ(reply.status, 502);
  EXPECT_EQ(str(parse(reply.body), {"requestId"}).size(), 36u);
  EXPECT_FALSE(og.alert("a1")->acknowledged);
  const auto state = parse(http_request(og.port(), "GET", "/_fake/state").body);
  EXPECT_EQ(state.at("requests").to_number<int>(), 1);
  EXPECT_EQ(state.at("alerts").as_array().size(), 1u);
}

// ---- FakeOpsgenie in JSM Operations mode ----

FakeOpsgenie::Options jsm_options() {
  FakeOpsgenie::Options o;
  o.jsm = true;
  o.request_status_pending_polls = 0;
  return o;
}

HttpReply jsm_call(const FakeOpsgenie& og, const std::string& method, const std::string& rest,
                   const std::string& body = {}, const std::string& token = "jsm-test-token") {
  return http_request(og.port(), method, "/jsm/ops/api/" + og.options().jsm_cloud_id + "/v1" + rest, body,
                      {{"Authorization", "Basic " + base64(og.options().jsm_email + ":" + token)}});
}

TEST(FakeJsm, AuthIsTheServiceAccountsBasicAndTheCloudIdIsPartOfThePath) {
  FakeOpsgenie og(jsm_options());
  og.add_alert("a1");
  const auto wrong = jsm_call(og, "GET", "/alerts/a1", "", "wrong");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(str(parse(wrong.body), {"code"}), "401") << "JSM's 401 shape: code and message";
  EXPECT_EQ(og_call(og, "GET", "/v2/alerts/a1").status, 401) << "no GenieKey in JSM mode";
  const auto elsewhere =
      http_request(og.port(), "GET", "/jsm/ops/api/00000000-0000-4000-8000-000000000000/v1/alerts/a1", "",
                   {{"Authorization", "Basic " + base64("ogpd-bot@example.com:jsm-test-token")}});
  EXPECT_EQ(elsewhere.status, 404);
  EXPECT_NE(elsewhere.body.find(R"("errors":[{"title")"), std::string::npos) << elsewhere.body;
  const auto got = jsm_call(og, "GET", "/alerts/a1");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(str(parse(got.body), {"id"}), "a1") << "unwrapped: no data";
  EXPECT_EQ(str(parse(got.body), {"status"}), "open");
}

TEST(FakeJsm, ANoteIsMadeAtOnceAndCreditedToTheServiceAccount) {
  FakeOpsgenie og(jsm_options());
  og.add_alert("a1");
  const auto note = jsm_call(og, "POST", "/alerts/a1/notes", R"({"note":"hello"})");
  ASSERT_EQ(note.status, 200) << note.body;
  EXPECT_EQ(str(parse(note.body), {"note"}), "hello");
  EXPECT_EQ(str(parse(note.body), {"requestId"}), "<missing>") << "nothing to poll";
  ASSERT_EQ(og.alert("a1")->notes.size(), 1u);
  EXPECT_EQ(og.alert("a1")->notes[0].owner, "ogpd-bot@example.com");
  EXPECT_EQ(jsm_call(og, "POST", "/alerts/nope/notes", R"({"note":"x"})").status, 404);
  EXPECT_TRUE(og.request_outcomes().empty());
  EXPECT_NE(str(parse(jsm_call(og, "GET", "/alerts/a1/notes").body), {"values"}).find("hello"),
            std::string::npos);
}

TEST(FakeJsm, ActionsAre202CreateIs200PriorityIsPatchAndStatesAreJsms) {
  FakeOpsgenie og(jsm_options());
  og.add_alert("a1");
  const auto ack = jsm_call(og, "POST", "/alerts/a1/acknowledge", R"({"user":"Jane"})");
  ASSERT_EQ(ack.status, 202);
  EXPECT_EQ(og.alert("a1")->acknowledged_by, "ogpd-bot@example.com") << "whatever user the call names";
  EXPECT_EQ(str(parse(jsm_call(og, "GET", "/alerts/a1").body), {"status"}), "acked");
  EXPECT_NE(str(parse(jsm_call(og, "GET", "/alerts/a1").body), {"ackTime"}), "<missing>");
  const auto status = jsm_call(og, "GET", "/alerts/requests/" + str(parse(ack.body), {"requestId"}));
  ASSERT_EQ(status.status, 200);
  EXPECT_EQ(str(parse(status.body), {"isSuccess"}), "true") << "unwrapped";

  EXPECT_EQ(jsm_call(og, "PUT", "/alerts/a1/priority", R"({"priority":"P1"})").status, 405);
  EXPECT_EQ(jsm_call(og, "PATCH", "/alerts/a1/priority", R"({"priority":"P1"})").status, 202);
  EXPECT_EQ(og.alert("a1")->priority, "P1");

  const auto created = jsm_call(og, "POST", "/alerts", R"({"message":"m","alias":"pd-Q1"})");
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(str(parse(created.body), {"alertId"}), "<missing>");
  const auto by_alias = jsm_call(og, "GET", "/alerts/alias?alias=pd-Q1");
  ASSERT_EQ(by_alias.status, 200) << by_alias.body;
  EXPECT_EQ(jsm_call(og, "GET", "/alerts/a1?identifierType=alias").status, 404) << "ids only";

  og.change_alert("a1", "Resolve");
  EXPECT_EQ(str(parse(jsm_call(og, "GET", "/alerts/a1").body), {"status"}), "resolved");
}

TEST(FakeJsm, RateLimitAnswers429WithRetryAfterInJsmsShape) {
  FakeOpsgenie og(jsm_options());
  og.set_rate_limit(0.5, 1);
  og.add_alert("a1");
  EXPECT_EQ(jsm_call(og, "GET", "/alerts/a1").status, 200);
  const auto limited = jsm_call(og, "GET", "/alerts/a1");
  EXPECT_EQ(limited.status, 429);
  EXPECT_FALSE(limited.header("retry-after").empty());
  EXPECT_NE(limited.body.find("\"errors\""), std::string::npos) << limited.body;
}

// ---- ogpd-fake-vendors ----

TEST(FakeVendorsBinary, PrintsBothUrlsServesAndExitsZeroOnSigterm) {
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::execl(OGPD_FAKE_VENDORS_BINARY, OGPD_FAKE_VENDORS_BINARY, "--pagerduty-rate", "100",
            "--pagerduty-burst", "5", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char chunk[256];
    const auto n = ::read(out[0], chunk, sizeof chunk);
    if (n <= 0) break;
    line.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  const auto pd_at = line.find("pagerduty=http://127.0.0.1:");
  const auto og_at = line.find(" opsgenie=http://127.0.0.1:");
  EXPECT_EQ(pd_at, 0u) << line;
  ASSERT_NE(og_at, std::string::npos) << line;
  const auto pd_port = static_cast<unsigned short>(std::stoi(line.substr(27, og_at - 27)));
  const auto og_port = static_cast<unsigned short>(std::stoi(line.substr(og_at + 27)));
  const auto created = http_request(pd_port, "POST", "/incidents", create_body("k"), pd_headers());
  EXPECT_EQ(created.status, 201);
  EXPECT_EQ(created.header("ratelimit-limit"), "5");
  EXPECT_EQ(
      http_request(og_port, "POST", "/v2/alerts/x/close", "{}", {{"Authorization", "GenieKey og-test-key"}})
          .status,
      202);
  ::kill(pid, SIGTERM);
  int status = 0;
  bool exited = false;
  for (int i = 0; i < 100 && !exited; ++i) {
    exited = ::waitpid(pid, &status, WNOHANG) == pid;
    if (!exited) std::this_thread::sleep_for(50ms);
  }
  if (!exited) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    FAIL() << "ogpd-fake-vendors did not stop on SIGTERM";
  }
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace ogpd::fakes
