#include "delivery/retry.h"

#include <gtest/gtest.h>

namespace ogpd::delivery {
namespace {

using namespace std::chrono_literals;

clients::HttpResult reply(int status, std::map<std::string, std::string> headers = {}) {
  clients::HttpResult r;
  r.response.status = status;
  r.response.headers = std::move(headers);
  return r;
}

TEST(Classify, StatusCodesDecideRetryOrFinal) {
  struct Case {
    int status;
    Verdict verdict;
  };
  for (const auto& c : std::vector<Case>{{200, Verdict::kSuccess},
                                         {201, Verdict::kSuccess},
                                         {202, Verdict::kSuccess},
                                         {400, Verdict::kFinal},
                                         {401, Verdict::kRefused},
                                         {403, Verdict::kRefused},
                                         {404, Verdict::kFinal},
                                         {422, Verdict::kFinal},
                                         {408, Verdict::kRetry},
                                         {429, Verdict::kRetry},
                                         {500, Verdict::kRetry},
                                         {502, Verdict::kRetry},
                                         {503, Verdict::kRetry}}) {
    EXPECT_EQ(classify(reply(c.status)).verdict, c.verdict) << c.status;
  }
}

TEST(Classify, TransportFailuresAreRetriedAndSayWhetherTheyMayHaveTakenEffect) {
  clients::HttpResult refused{clients::Transport::kNotSent, "connection refused", {}};
  clients::HttpResult lost{clients::Transport::kMaybeSent, "timeout", {}};
  EXPECT_EQ(classify(refused).verdict, Verdict::kRetry);
  EXPECT_FALSE(classify(refused).ambiguous);
  EXPECT_EQ(classify(lost).verdict, Verdict::kRetry);
  EXPECT_TRUE(classify(lost).ambiguous);
  EXPECT_TRUE(classify(reply(500)).ambiguous);
  EXPECT_FALSE(classify(reply(429)).ambiguous);
}

TEST(RateLimitHint, EachVendorHeaderIsHonoured) {
  EXPECT_EQ(rate_limit_hint(reply(429, {{"ratelimit-reset", "7"}}).response), 7000ms);
  EXPECT_EQ(rate_limit_hint(reply(429, {{"retry-after", "3"}}).response), 3000ms);
  EXPECT_EQ(rate_limit_hint(reply(429, {{"x-ratelimit-period-in-sec", "60"}}).response), 60000ms);
  EXPECT_EQ(rate_limit_hint(reply(429, {{"ratelimit-reset", "0"}}).response), 1000ms);  // never a busy loop
  EXPECT_EQ(rate_limit_hint(reply(429, {{"retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"}}).response),
            std::nullopt);
  EXPECT_EQ(rate_limit_hint(reply(429).response), std::nullopt);
  EXPECT_EQ(classify(reply(429, {{"ratelimit-reset", "5"}})).wait_hint, 5000ms);
}

TEST(Backoff, GrowsExponentiallyWithJitterAndIsCapped) {
  const RetryPolicy policy;  // 1 s base, 5 min cap
  EXPECT_EQ(backoff(policy, 1, 0.0, std::nullopt), 500ms);
  EXPECT_EQ(backoff(policy, 1, 0.999999, std::nullopt).count(), 999);
  EXPECT_EQ(backoff(policy, 2, 0.5, std::nullopt), 1500ms);
  EXPECT_EQ(backoff(policy, 4, 0.0, std::nullopt), 4000ms);
  EXPECT_EQ(backoff(policy, 20, 0.0, std::nullopt), 150000ms);
  EXPECT_EQ(backoff(policy, 20, 1.0, std::nullopt), 300000ms);
}

TEST(Backoff, TheVendorsHintIsAFloor) {
  const RetryPolicy policy;
  EXPECT_EQ(backoff(policy, 1, 0.0, 30000ms), 30000ms);
  EXPECT_EQ(backoff(policy, 12, 0.0, 1000ms), 150000ms);
}

TEST(Budget, AttemptsAndAgeBothBound) {
  const RetryPolicy policy{.max_attempts = 3, .max_age = 60s};
  EXPECT_TRUE(within_budget(policy, 2, 10s));
  EXPECT_FALSE(within_budget(policy, 3, 10s));
  EXPECT_FALSE(within_budget(policy, 1, 61s));
}

}  // namespace
}  // namespace ogpd::delivery
