// RateGate with a clock driven by hand: every delay is asserted exactly.
#include "delivery/rate_gate.h"

#include <gtest/gtest.h>

namespace ogpd::delivery {
namespace {

constexpr std::int64_t kStart = 1'700'000'000'000;

TEST(RateGate, OneCallAtOnceThenOneEveryIntervalAtTheConfiguredPace) {
  RateGate gate(10);  // 10 per second: one every 100 ms
  EXPECT_EQ(gate.wait_ms(kStart), 0);
  EXPECT_TRUE(gate.take(kStart));
  EXPECT_FALSE(gate.take(kStart));
  EXPECT_EQ(gate.wait_ms(kStart), 101);      // a whole token is 100 ms away (rounded up past it)
  EXPECT_EQ(gate.wait_ms(kStart + 50), 51);  // half of it has come back
  EXPECT_FALSE(gate.take(kStart + 99));
  EXPECT_TRUE(gate.take(kStart + 100));
}

TEST(RateGate, AnIdleGateAllowsAtMostOneSecondsWorthAtOnce) {
  RateGate gate(10);
  EXPECT_TRUE(gate.take(kStart));
  const std::int64_t later = kStart + 60'000;  // a minute idle
  int taken = 0;
  while (gate.take(later)) ++taken;
  EXPECT_EQ(taken, 10);
  EXPECT_EQ(gate.wait_ms(later), 101);
}

TEST(RateGate, APauseHoldsEveryCallUntilItEndsAndIsNeverShortened) {
  RateGate gate(1000);
  gate.pause_until(kStart + 5'000);
  gate.pause_until(kStart + 2'000);  // an earlier end does not shorten it
  EXPECT_FALSE(gate.take(kStart + 4'999));
  EXPECT_EQ(gate.wait_ms(kStart + 1'000), 4'000);
  EXPECT_TRUE(gate.take(kStart + 5'000));
}

TEST(RateGate, ZeroMeansNoPaceButPausesStillHold) {
  RateGate gate(0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(gate.take(kStart));
  gate.pause_until(kStart + 10);
  EXPECT_FALSE(gate.take(kStart + 9));
  EXPECT_EQ(gate.wait_ms(kStart + 9), 1);
  EXPECT_TRUE(gate.take(kStart + 10));
}

}  // namespace
}  // namespace ogpd::delivery
