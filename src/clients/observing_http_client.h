// ObservingHttpClient: an HttpClient that times every exchange of the client it wraps and reports it to a
// CallObserver (metrics, logs), by the vendor and operation the request names. Built in main around the real
// client; a dry run, which makes no calls, is not wrapped.
//
// Thread-safe when the wrapped client and the observer are. Never throws; the result passes through as is.
#pragma once

#include <chrono>

#include "clients/http_client.h"

namespace ogpd::clients {

class CallObserver {
 public:
  virtual ~CallObserver() = default;
  virtual void on_call(const HttpRequest& request, const HttpResult& result,
                       std::chrono::microseconds took) = 0;
};

class ObservingHttpClient final : public HttpClient {
 public:
  ObservingHttpClient(HttpClient& inner, CallObserver& observer) : inner_(inner), observer_(observer) {}

  HttpResult send(const HttpRequest& request) override {
    const auto start = std::chrono::steady_clock::now();
    HttpResult result = inner_.send(request);
    observer_.on_call(
        request, result,
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start));
    return result;
  }

 private:
  HttpClient& inner_;
  CallObserver& observer_;
};

}  // namespace ogpd::clients
