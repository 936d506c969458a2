// Test support: what both fake vendors (FakePagerDuty, FakeOpsgenie) share. A fake listens on
// 127.0.0.1 (port 0 = ephemeral), records every request, and before handing a request to the vendor's own
// handler applies, in this order: an injected Fault for the route, else the token-bucket rate limit (429
// in the vendor's shape); then it adds the configured latency. GET /_fake/state answers the counters and
// the vendor's state as JSON, unauthenticated and unrecorded (for tests of the real binary, benchmarks).
//
// Thread-safety: every public method may be called from any thread while requests are being served.
// Failure: the constructor throws when the port cannot be bound; everything else reports by return value.
// Destruction stops the server: in-flight delays are cut short, sockets closed, all threads joined.
//
// Subclasses call start() at the end of their constructor and stop() first thing in their destructor, so
// that no request is handled on a half-built or half-destroyed object; they should be `final`.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fakes/fake_http_server.h"

namespace ogpd::fakes {

struct Fault {
  int status = 500;  // answer this instead of handling (no effect applied); 0: handle normally (delay only)
  Headers headers;   // ... with these headers
  std::string body;  // ... and body (default: a vendor-shaped error body)
  std::chrono::milliseconds delay{0};  // sleep this long before answering (works with any mode)
  bool apply_then_drop =
      false;  // handle normally (effect applied!), then close the connection without any response
  bool drop_before = false;  // close the connection without effect and without response
};

// The rate limiter's view when a request arrives (only meaningful while a limit is set).
struct RateLimitInfo {
  int limit = 0;          // bucket size
  int remaining = 0;      // whole tokens left after this request
  int reset_seconds = 1;  // 429: seconds until the next token; else until the bucket is full (at least 1)
};

class FakeVendor {
 public:
  virtual ~FakeVendor();
  FakeVendor(const FakeVendor&) = delete;
  FakeVendor& operator=(const FakeVendor&) = delete;

  unsigned short port() const;
  std::string url() const;  // "http://127.0.0.1:<port>"

  // `route` is "METHOD /path-prefix" ("POST /incidents", "POST /v2/alerts/"; METHOD "*" matches any).
  // Faults queue FIFO; each is consumed by one matching request. Throws std::invalid_argument on a bad route.
  void inject(const std::string& route, Fault fault, int times = 1);
  std::vector<RecordedRequest> requests() const;
  std::size_t count(const std::string& method, const std::string& path_prefix) const;
  std::size_t rate_limited() const;  // 429s answered by the rate limiter (not injected ones)
  // Polls `predicate` every 5 ms (without holding any lock of the fake); false when `timeout` passes first.
  bool wait_until(std::function<bool()> predicate, std::chrono::milliseconds timeout) const;
  // Token bucket of `burst` tokens refilled at `requests_per_second`; 0 = unlimited (the default).
  void set_rate_limit(double requests_per_second, int burst);
  void set_latency(std::chrono::milliseconds latency);  // added to every answer
  // Every request is answered 401 (the vendor's own body, no effect) for the next `window`, as after a key
  // was rotated or revoked, until the new one is in place.
  void refuse_credentials_for(std::chrono::milliseconds window);

 protected:
  FakeVendor() = default;
  void start(unsigned short port);
  void stop();

  // The vendor's own answer (authentication included) to a request no fault or rate limit intercepted.
  virtual Response handle(const RecordedRequest& request) = 0;
  // The vendor's 429 answer when the rate limiter refuses a request.
  virtual Response throttled(const RateLimitInfo& info) const = 0;
  // The vendor's error body for an injected fault with this status and no body of its own.
  virtual std::string error_body(int status) const = 0;
  // Adds the vendor's state ("incidents", "alerts", ...) to the /_fake/state document.
  virtual void describe(boost::json::object& state) const = 0;
  // Headers the vendor adds to every handled answer while a rate limit is set.
  virtual Headers rate_limit_headers(const RateLimitInfo&) const { return {}; }
  // POST /_fake/<what> with a JSON body: gives the fake an alert or an incident (README's walk-through);
  // nullopt when `what` is not the vendor's.
  virtual std::optional<Response> seed(const std::string& what, const boost::json::object& body) = 0;

 private:
  struct PendingFault {
    std::string method, path_prefix;
    Fault fault;
  };

  Response dispatch(const RecordedRequest& request);
  Response state() const;
  std::optional<Fault> take_fault(const RecordedRequest& request);  // requires mu_
  std::optional<RateLimitInfo> take_token(bool& refused);           // requires mu_
  void pause(std::chrono::milliseconds duration);

  mutable std::mutex mu_;
  std::condition_variable stopped_cv_;
  bool stopping_ = false;                                   // guarded by mu_
  std::vector<RecordedRequest> requests_;                   // guarded by mu_
  std::deque<PendingFault> faults_;                         // guarded by mu_
  std::size_t rate_limited_ = 0;                            // guarded by mu_
  std::chrono::milliseconds latency_{0};                    // guarded by mu_
  std::chrono::steady_clock::time_point refusing_until_{};  // guarded by mu_
  double rate_ = 0;                                    // guarded by mu_; tokens per second, 0 = unlimited
  double burst_ = 0;                                   // guarded by mu_
  double tokens_ = 0;                                  // guarded by mu_
  std::chrono::steady_clock::time_point refilled_at_;  // guarded by mu_
  std::unique_ptr<HttpServer> server_;                 // set by start(), before any request
};

// Helpers for the vendors' bodies. In a request body: the object at `key` (nullptr when absent or not an
// object); the string at `key` (nullopt when absent or null; sets `bad` when present but not a string).
const boost::json::object* object_at(const boost::json::object& parent, std::string_view key);
std::optional<std::string> string_at(const boost::json::object& parent, std::string_view key, bool& bad);
std::string iso8601_now();  // "2024-05-01T12:34:56.789Z"
std::string random_uuid();  // version 4
std::string random_string(std::size_t length, std::string_view alphabet);
std::string reason_phrase(int status);  // "Internal Server Error"
long long steady_ms(
    std::chrono::steady_clock::time_point at);  // steady clock in ms, as /_fake/state reports it

}  // namespace ogpd::fakes
