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

}  // namespace
}  // namespace ogpd::clients
