// RateGate with a clock driven by hand: every delay is asserted exactly.
#include "delivery/rate_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "delivery/lookups.h"
#include "delivery/pacer.h"

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

class HandClock final : public Clock {
 public:
  std::int64_t now_ms() const override { return now; }
  std::atomic<std::int64_t> now{1'000'000};  // moved by the test while a caller waits on another thread
};

class CountingHttp final : public clients::HttpClient {
 public:
  clients::HttpResult send(const clients::HttpRequest&) override {
    ++calls;
    clients::HttpResult r;
    r.response.status = 200;
    return r;
  }
  std::atomic<int> calls{0};
};

// DESIGN §3 item 8: the budget counts HTTP calls. Three calls a second: after a second's worth of tokens,
// three calls go out at once, the next waits for a token (the clock does not move), and stop() sends it back
// unsent.
TEST(Pacer, EveryCallTakesATokenAndAWaitingCallEndsOnStop) {
  HandClock clock;
  Pacer pacer(3, 3, clock);
  CountingHttp inner;
  PacedHttpClient http(inner, pacer);
  clients::HttpRequest request;
  request.vendor = Side::kPagerDuty;
  EXPECT_EQ(http.send(request).response.status, 200);  // the one token a gate starts with
  clock.now += 1000;                                   // a second: the bucket is full (3)
  for (int i = 0; i < 3; ++i) EXPECT_EQ(http.send(request).response.status, 200);
  EXPECT_EQ(pacer.gate(Side::kPagerDuty).available(clock.now), 0);
  EXPECT_EQ(pacer.gate(Side::kOpsgenie).available(clock.now), 1) << "each vendor has a budget of its own";

  std::promise<clients::HttpResult> fourth;
  std::thread caller([&] { fourth.set_value(http.send(request)); });
  pacer.stop();
  const auto result = fourth.get_future().get();
  caller.join();
  EXPECT_EQ(result.transport, clients::Transport::kNotSent);
  EXPECT_EQ(inner.calls, 4);
}

TEST(Pacer, AWaitingCallGoesOutOnceATokenIsBack) {
  HandClock clock;
  Pacer pacer(2, 2, clock);
  CountingHttp inner;
  PacedHttpClient http(inner, pacer);
  clients::HttpRequest request;
  request.vendor = Side::kOpsgenie;
  EXPECT_EQ(http.send(request).response.status, 200);  // the one token a gate starts with
  std::promise<clients::HttpResult> second;
  std::thread caller([&] { second.set_value(http.send(request)); });
  clock.now += 500;  // one token at 2 per second; the waiting call looks again within a second
  EXPECT_EQ(second.get_future().get().response.status, 200);
  caller.join();
  EXPECT_EQ(inner.calls, 2);
}

// DESIGN §3 item 6: what Opsgenie's failure status says decides the action's outcome.
TEST(OpsgenieVerdict, FailuresThatMayPassAreRetriedMissingAlertsUnpairedTheRestFinal) {
  EXPECT_EQ(classify_request_failure("Internal error, please try again"), RequestFailure::kRetry);
  EXPECT_EQ(classify_request_failure("Request timed out"), RequestFailure::kRetry);
  EXPECT_EQ(classify_request_failure("Service Temporarily Unavailable"), RequestFailure::kRetry);
  EXPECT_EQ(classify_request_failure("Alert does not exist"), RequestFailure::kUnpaired);
  EXPECT_EQ(classify_request_failure("User [x] is not a valid user"), RequestFailure::kFinal);
  EXPECT_EQ(classify_request_failure(""), RequestFailure::kFinal);
}

}  // namespace
}  // namespace ogpd::delivery
