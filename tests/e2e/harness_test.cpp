// The harness the end-to-end tests stand on: a test must talk to the proxy it started, never to another
// test's proxy that happens to answer on the same port.
#include <gtest/gtest.h>

#include <string>

#include "e2e/proxy_process.h"

namespace ogpd::testing {
namespace {

TEST(Harness, AProxyWhosePortAnotherTookStartsOnANewPortOfItsOwn) {
  WorkDir late_dir, early_dir;
  ProxyProcess late(late_dir.path(), {});  // its port chosen by free_port(), not bound yet
  const unsigned short taken = late.port();
  // (Given as PORT, the port is the test's to keep: should a test running beside this one take it first, this
  // start fails. free_port() lets the kernel pick among thousands, so that takes two picks of the same port
  // within milliseconds.)
  ProxyProcess early(early_dir.path(), {{"PORT", std::to_string(taken)}});
  ASSERT_TRUE(early.start()) << early.output();

  ASSERT_TRUE(late.start()) << late.output();
  EXPECT_NE(late.port(), taken);
  // The second answers on a port of its own: the first one gone, it still does.
  EXPECT_EQ(early.stop(), 0);
  EXPECT_EQ(http_request(late.port(), "GET", "/healthz").status, 200);
}

TEST(Harness, AProxyGivenAPortAnotherHoldsDoesNotCountAsStarted) {
  WorkDir first_dir, second_dir;
  ProxyProcess first(first_dir.path(), {});
  ASSERT_TRUE(first.start()) << first.output();
  ProxyProcess second(second_dir.path(), {{"PORT", std::to_string(first.port())}});
  EXPECT_FALSE(second.start());
}

}  // namespace
}  // namespace ogpd::testing
