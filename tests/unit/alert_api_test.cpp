// The alert side's two APIs (DESIGN §2.4): every call the proxy makes, as Opsgenie and as JSM Operations
// take it (method, path, auth, body), and the answer and error shapes of both (reference/jsm-operations.md).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <functional>

#include "clients/apis.h"
#include "core/pair_status.h"

namespace ogpd::clients {
namespace {

// Keeps the last request and answers 200 {}.
class Recorder final : public HttpClient {
 public:
  HttpResult send(const HttpRequest& request) override {
    last = request;
    HttpResult r;
    r.response.status = 200;
    r.response.body = "{}";
    return r;
  }
  std::string header(const std::string& name) const {
    for (const auto& [n, v] : last.headers)
      if (n == name) return v;
    return {};
  }
  HttpRequest last;
};

constexpr const char* kCloud = "a436116f-02ce-4520-8fbb-7301462a1674";

OpsgenieSettings opsgenie() {
  return {.base_url = "https://api.opsgenie.com", .api_key = "genie"};
}
OpsgenieSettings jsm() {
  return {.base_url = "https://api.atlassian.com",
          .api = AlertsApi::kJsm,
          .cloud_id = kCloud,
          .email = "bot@example.com",
          .api_token = "tok"};
}

struct Call {
  const char* name;
  std::function<void(OpsgenieApi&)> make;
  const char* opsgenie_method;
  const char* opsgenie_path;  // after the base URL
  const char* jsm_method;
  const char* jsm_path;  // after https://api.atlassian.com/jsm/ops/api/{cloud}/v1
};

const std::vector<Call>& calls() {
  static const std::vector<Call> table{
      {"acknowledge", [](OpsgenieApi& a) { a.alert_action("A 1", "acknowledge", "Human One", ""); }, "POST",
       "/v2/alerts/A%201/acknowledge?identifierType=id", "POST", "/alerts/A%201/acknowledge"},
      {"unacknowledge", [](OpsgenieApi& a) { a.alert_action("A1", "unacknowledge", "", ""); }, "POST",
       "/v2/alerts/A1/unacknowledge?identifierType=id", "POST", "/alerts/A1/unacknowledge"},
      {"close", [](OpsgenieApi& a) { a.alert_action("A1", "close", "Human One", "why"); }, "POST",
       "/v2/alerts/A1/close?identifierType=id", "POST", "/alerts/A1/close"},
      {"note", [](OpsgenieApi& a) { a.alert_action("A1", "notes", "Human One", "hello"); }, "POST",
       "/v2/alerts/A1/notes?identifierType=id", "POST", "/alerts/A1/notes"},
      {"get", [](OpsgenieApi& a) { a.alert("A1"); }, "GET", "/v2/alerts/A1?identifierType=id", "GET",
       "/alerts/A1"},
      {"get by alias", [](OpsgenieApi& a) { a.alert_by_alias("pd-P 1"); }, "GET",
       "/v2/alerts/pd-P%201?identifierType=alias", "GET", "/alerts/alias?alias=pd-P%201"},
      {"priority", [](OpsgenieApi& a) { a.set_priority("A1", "P2"); }, "PUT",
       "/v2/alerts/A1/priority?identifierType=id", "PATCH", "/alerts/A1/priority"},
      {"create",
       [](OpsgenieApi& a) {
         a.create_alert({"title", "pd-P1", "d", "P1", "Human One", {}, {}});
       },
       "POST", "/v2/alerts", "POST", "/alerts"},
      {"notes", [](OpsgenieApi& a) { a.notes("A1"); }, "GET",
       "/v2/alerts/A1/notes?identifierType=id&limit=100&order=desc", "GET",
       "/alerts/A1/notes?limit=100&order=desc"},
      {"request status", [](OpsgenieApi& a) { a.request_status("R1"); }, "GET", "/v2/alerts/requests/R1",
       "GET", "/alerts/requests/R1"},
      {"integrations", [](OpsgenieApi& a) { a.integrations(); }, "GET", "/v2/integrations", "GET",
       "/integrations"},
  };
  return table;
}

TEST(AlertApis, EveryCallHasItsOpsgenieAndItsJsmForm) {
  const std::string jsm_base = std::string("https://api.atlassian.com/jsm/ops/api/") + kCloud + "/v1";
  for (const auto& call : calls()) {
    Recorder http;
    OpsgenieApi og(http, opsgenie());
    call.make(og);
    EXPECT_EQ(http.last.method, call.opsgenie_method) << call.name;
    EXPECT_EQ(http.last.url, std::string("https://api.opsgenie.com") + call.opsgenie_path) << call.name;
    EXPECT_EQ(http.header("Authorization"), "GenieKey genie") << call.name;
    EXPECT_EQ(http.last.vendor, Side::kOpsgenie);

    OpsgenieApi j(http, jsm());
    call.make(j);
    EXPECT_EQ(http.last.method, call.jsm_method) << call.name;
    EXPECT_EQ(http.last.url, jsm_base + call.jsm_path) << call.name;
    EXPECT_EQ(http.header("Authorization"), "Basic Ym90QGV4YW1wbGUuY29tOnRvaw==") << call.name;  // bot@..:tok
    EXPECT_EQ(http.last.vendor, Side::kOpsgenie) << "one alert side, one budget";
    EXPECT_FALSE(http.last.operation.empty());
  }
}

TEST(AlertApis, JsmGetsNoUserOrSourceOnActionsAndANoteIsItsTextAlone) {
  Recorder http;
  OpsgenieApi og(http, opsgenie());
  og.alert_action("A1", "notes", "Human One", "hello");
  EXPECT_EQ(boost::json::parse(http.last.body),
            boost::json::parse(R"({"source":"ogpd-proxy","user":"Human One","note":"hello"})"));
  OpsgenieApi j(http, jsm());
  j.alert_action("A1", "notes", "Human One", "hello");
  EXPECT_EQ(boost::json::parse(http.last.body), boost::json::parse(R"({"note":"hello"})"));
  j.alert_action("A1", "acknowledge", "Human One", "");
  EXPECT_EQ(http.last.body, "{}");
  j.create_alert({"title", "pd-P1", "", "P1", "Human One", {}, {}});
  EXPECT_FALSE(boost::json::parse(http.last.body).as_object().contains("user"))
      << "CreateAlertRequest has no user";
}

TEST(AlertApis, ErrorsAreReadInEveryShapeEitherSideSends) {
  EXPECT_EQ(alert_error_text(R"({"message":"Alert does not exist","took":0.002,"requestId":"r"})"),
            "Alert does not exist");
  EXPECT_EQ(alert_error_text(R"({"code":401,"message":"Unauthorized; scope does not match"})"),
            "Unauthorized; scope does not match");
  EXPECT_EQ(alert_error_text(R"({"errors":[{"title":"Alert not found","code":"NOT_FOUND"},{"title":"x"}]})"),
            "Alert not found; x");
  EXPECT_EQ(
      alert_error_text(R"({"message":"Request body is not processable.","errors":{"note":"too long"}})"),
      "Request body is not processable.; note: too long");
  EXPECT_EQ(alert_error_text("<html>Bad gateway</html>"), "<html>Bad gateway</html>");
  EXPECT_EQ(alert_error_text("[1,2]"), "[1,2]");
}

TEST(AlertApis, JsmAnswersAreReadUnwrappedWithTheirNewStates) {
  const auto reading = [](const std::string& status, const std::string& more = "") {
    return opsgenie_alert_reading(R"({"id":"A1","status":")" + status +
                                  R"(","acknowledged":false,"createdAt":"2026-11-20T10:00:00.000Z")" + more +
                                  "}");
  };
  ASSERT_TRUE(reading("open"));
  EXPECT_EQ(reading("open")->status, status::kOpen);
  const auto acked = reading("acked", R"(,"ackTime":"2026-11-20T10:05:00.000Z")");
  ASSERT_TRUE(acked);
  EXPECT_EQ(acked->status, status::kAcknowledged);
  EXPECT_EQ(acked->changed_at_ms, 1'795'169'100'000);
  EXPECT_EQ(reading("snoozed")->status, status::kOpen) << "snoozed is open until it wakes";
  const auto resolved = reading("resolved", R"(,"closeTime":"2026-11-20T11:00:00.000Z")");
  ASSERT_TRUE(resolved);
  EXPECT_EQ(resolved->status, status::kClosed) << "resolved: nothing is changed on it any more";
  EXPECT_EQ(resolved->changed_at_ms, 1'795'172'400'000);
  EXPECT_EQ(reading("closed")->status, status::kClosed);
  EXPECT_FALSE(reading("exploded")) << "an unknown state is not guessed";

  const auto done = opsgenie_request_status(
      R"({"action":"Create","isSuccess":true,"status":"Created alert","alertId":"A9","alias":"pd-P1"})");
  ASSERT_TRUE(done);
  EXPECT_TRUE(done->success);
  EXPECT_EQ(done->alert_id, "A9");
  EXPECT_EQ(opsgenie_alert_id(R"({"id":"A9","status":"open"})"), "A9");
  EXPECT_EQ(opsgenie_alert_id(R"({"data":{"id":"A8"}})"), "A8") << "Opsgenie's shape still";
  EXPECT_EQ(opsgenie_note_texts(R"({"values":[{"note":"a"},{"note":"b"}]})"),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(opsgenie_request_id(R"({"result":"Request will be processed","requestId":"R1","took":0.1})"),
            "R1");
  EXPECT_FALSE(opsgenie_request_id(R"({"id":"N1","note":"hello","owner":"bot@example.com"})"))
      << "a JSM note answers with itself: nothing to poll";
}

}  // namespace
}  // namespace ogpd::clients
