#include "delivery/retry.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace ogpd::delivery {
namespace {

std::optional<long long> seconds_in(const std::string& text) {
  long long value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  while (begin < end && *begin == ' ') ++begin;
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc{} || ptr == begin || value < 0) return std::nullopt;
  return value;
}

}  // namespace

std::optional<milliseconds> rate_limit_hint(const clients::HttpResponse& response) {
  for (const char* name : {"ratelimit-reset", "retry-after", "x-ratelimit-period-in-sec"}) {
    if (auto s = seconds_in(response.header(name))) return std::chrono::seconds(std::max(*s, 1LL));
  }
  return std::nullopt;
}

Classified classify(const clients::HttpResult& result) {
  using clients::Transport;
  if (result.transport == Transport::kNotSent) return {Verdict::kRetry, false, std::nullopt, result.error};
  if (result.transport == Transport::kMaybeSent) return {Verdict::kRetry, true, std::nullopt, result.error};
  const int status = result.response.status;
  if (status >= 200 && status < 300) return {Verdict::kSuccess, false, std::nullopt, {}};
  const std::string error = "HTTP " + std::to_string(status);
  if (status == 408 || status == 429 || status >= 500)
    return {Verdict::kRetry, status != 429 && status != 503, rate_limit_hint(result.response), error};
  if (status == 401 || status == 403) return {Verdict::kRefused, false, std::nullopt, error};
  return {Verdict::kFinal, false, std::nullopt, error};
}

milliseconds backoff(const RetryPolicy& policy, int attempts, double unit, std::optional<milliseconds> hint) {
  const double exponent = std::min(attempts - 1, 30);
  const double ceiling = std::min(static_cast<double>(policy.max_delay.count()),
                                  policy.base_delay.count() * std::pow(2.0, exponent));
  // "Equal jitter": at least half the exponential delay, so retries spread out but never bunch up at zero.
  auto delay = milliseconds(static_cast<long long>(ceiling / 2 + unit * ceiling / 2));
  if (hint && *hint > delay) delay = *hint;
  return delay;
}

bool within_budget(const RetryPolicy& policy, int attempts, milliseconds age) {
  return attempts < policy.max_attempts && age < policy.max_age;
}

}  // namespace ogpd::delivery
