// Retry policy: what one attempt's answer means, and when to try again. Pure functions; the randomness comes
// in as an argument, so a test asserts exact delays.
//
// Network errors, 408, 429 and 5xx are retried with exponential backoff and full jitter, never sooner than
// the vendor asked (ratelimit-reset, Retry-After, X-RateLimit-Period-In-Sec); other 4xx are final. After the
// budget (attempts or age) the action becomes a dead letter.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "clients/http_client.h"

namespace ogpd::delivery {

using std::chrono::milliseconds;

struct RetryPolicy {
  int max_attempts = 12;
  milliseconds max_age = std::chrono::hours(24);
  milliseconds base_delay = std::chrono::seconds(1);
  milliseconds max_delay = std::chrono::minutes(5);
};

// kRefused: 401/403, the credentials were refused. The operator's problem, not the action's: the vendor is
// paused and the action waits (DESIGN §3 item 7).
enum class Verdict { kSuccess, kRetry, kRefused, kFinal };

struct Classified {
  Verdict verdict = Verdict::kFinal;
  bool ambiguous = false;                 // the request may have taken effect
  std::optional<milliseconds> wait_hint;  // what the vendor asked for
  std::string error;                      // for logs and dead letters
};

Classified classify(const clients::HttpResult& result);

// The vendor's "come back after" hint, from any of the three headers; nullopt when absent or unreadable.
std::optional<milliseconds> rate_limit_hint(const clients::HttpResponse& response);

// Delay before attempt `attempts + 1` (attempts >= 1 already made). `unit` in [0, 1) is the jitter draw.
milliseconds backoff(const RetryPolicy& policy, int attempts, double unit, std::optional<milliseconds> hint);

// Whether another attempt is allowed after `attempts` attempts of an action first queued `age` ago.
bool within_budget(const RetryPolicy& policy, int attempts, milliseconds age);

}  // namespace ogpd::delivery
