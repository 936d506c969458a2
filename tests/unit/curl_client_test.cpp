// The libcurl client against a fake vendor over loopback.
#include <gtest/gtest.h>

#include "clients/http_client.h"
#include "fakes/fake_pagerduty.h"

namespace ogpd::clients {
namespace {

TEST(CurlHttpClient, AResponseBodyOverTheCapEndsTheCallAsMaybeSent) {
  global_http_init();
  fakes::FakePagerDuty pagerduty;
  pagerduty.inject("GET /incidents", fakes::Fault{.status = 200, .body = std::string(3u << 20, 'x')});
  CurlHttpClient client({.max_response_bytes = 1u << 20});
  const auto result = client.send({.method = "GET", .url = pagerduty.url() + "/incidents"});
  EXPECT_EQ(result.transport, Transport::kMaybeSent);
  EXPECT_NE(result.error.find("larger than 1048576 bytes"), std::string::npos) << result.error;
  EXPECT_TRUE(result.response.body.empty());

  const auto normal = client.send({.method = "GET",
                                   .url = pagerduty.url() + "/incidents",
                                   .headers = {{"Authorization", "Token token=pd-test-key"}}});
  EXPECT_EQ(normal.transport, Transport::kOk) << normal.error;  // a normal answer still gets through
  EXPECT_GT(normal.response.status, 0);
}

// A vendor that applies a POST and drops the connection without answering, on a connection kept alive from
// the call before: libcurl would quietly send the POST again on a fresh connection (a second note). The
// client sends it once and reports it as maybe sent, so the action looks before it acts again.
TEST(CurlHttpClient, APostWhoseReusedConnectionDiesUnansweredIsSentOnceAndMaybeSent) {
  global_http_init();
  fakes::FakePagerDuty pagerduty;
  const std::vector<std::pair<std::string, std::string>> auth{{"Authorization", "Token token=pd-test-key"},
                                                              {"From", "bot@example.com"}};
  CurlHttpClient client({});
  const auto first = client.send({.method = "GET", .url = pagerduty.url() + "/incidents", .headers = auth});
  ASSERT_EQ(first.transport, Transport::kOk) << first.error;  // the connection stays open for the next call
  pagerduty.inject("POST /incidents/", fakes::Fault{.status = 0, .apply_then_drop = true});
  const auto note = client.send({.method = "POST",
                                 .url = pagerduty.url() + "/incidents/Q1/notes",
                                 .headers = auth,
                                 .body = R"({"note":{"content":"once"}})"});
  EXPECT_EQ(note.transport, Transport::kMaybeSent) << note.error;
  EXPECT_EQ(pagerduty.count("POST", "/incidents/"), 1u) << "sent once, never again by libcurl itself";

  // A body is still sent whole, by POST, PUT and PATCH alike.
  for (const char* method : {"POST", "PUT"}) {
    const auto sent = client.send({.method = method,
                                   .url = pagerduty.url() + "/incidents/Q1/notes",
                                   .headers = auth,
                                   .body = std::string(100'000, 'x')});
    EXPECT_EQ(sent.transport, Transport::kOk) << sent.error;
    const auto last = pagerduty.requests().back();
    EXPECT_EQ(last.method, method);
    EXPECT_EQ(last.body.size(), 100'000u);
  }
}

}  // namespace
}  // namespace ogpd::clients
