// Pacer: each vendor's RateGate, and PacedHttpClient, the HttpClient that takes one token for every call it
// passes on — actions, lookups, request-status polls, reconciliation — so the budgets
// (PAGERDUTY_REQUESTS_PER_MINUTE, OPSGENIE_REQUESTS_PER_MINUTE) count HTTP calls, not actions (DESIGN §3
// item 8).
//
// The engine asks the pacer before it dispatches (a vendor with no token, or paused by a 429 or refused
// credentials, gets nothing new) and pauses a vendor; the client waits for a token on the calling worker's
// thread. Thread-safe. stop() ends every wait at once: a call still waiting is answered "not sent", so a
// shutdown never hangs behind a pause.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "clients/http_client.h"
#include "core/clock.h"
#include "delivery/rate_gate.h"

namespace ogpd::delivery {

class Pacer {
 public:
  Pacer(double pagerduty_per_second, double opsgenie_per_second, const Clock& clock)
      : pagerduty_(pagerduty_per_second), opsgenie_(opsgenie_per_second), clock_(clock) {}

  RateGate& gate(Side side) { return side == Side::kPagerDuty ? pagerduty_ : opsgenie_; }
  const Clock& clock() const { return clock_; }

  // Takes a token for one call to `side`, waiting for it; false when stopped first.
  bool acquire(Side side);
  void stop();
  bool stopped();

 private:
  RateGate pagerduty_;
  RateGate opsgenie_;
  const Clock& clock_;
  std::mutex mu_;
  std::condition_variable stopped_cv_;
  bool stopped_ = false;  // guarded by mu_
};

class PacedHttpClient final : public clients::HttpClient {
 public:
  PacedHttpClient(clients::HttpClient& inner, Pacer& pacer) : inner_(inner), pacer_(pacer) {}

  clients::HttpResult send(const clients::HttpRequest& request) override {
    if (!pacer_.acquire(request.vendor)) {
      clients::HttpResult stopped;
      stopped.transport = clients::Transport::kNotSent;
      stopped.error = "shutting down";
      return stopped;
    }
    return inner_.send(request);
  }

 private:
  clients::HttpClient& inner_;
  Pacer& pacer_;
};

}  // namespace ogpd::delivery
