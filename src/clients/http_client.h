// HttpClient: the one way ogpd-proxy talks to the vendors' APIs, behind a small interface so tests and dry
// runs can stand in for the network.
//
// Thread-safe: send() may be called from several threads at once. Never throws: transport failures are
// values, and they say whether the request may have reached the server (a timeout after sending) or surely
// did not (connection refused) — which decides whether a retry could double an effect.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/action.h"

namespace ogpd::clients {

struct HttpRequest {
  std::string method;  // GET, POST, PUT
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // What the request is for, for metrics and logs (never sent): the vendor, and the operation's name.
  Side vendor = Side::kPagerDuty;
  std::string operation;
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;

  std::string header(const std::string& lower_name) const {
    const auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

enum class Transport {
  kOk,         // a response arrived (any status)
  kNotSent,    // could not connect or resolve: the server never saw the request
  kMaybeSent,  // timed out or lost after sending: the effect may have happened
};

struct HttpResult {
  Transport transport = Transport::kOk;
  std::string error;  // for transport failures; never contains headers (they hold the keys)
  HttpResponse response;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual HttpResult send(const HttpRequest& request) = 0;
};

struct CurlSettings {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{15000};
  // A response body larger than this ends the call as a transport failure (kMaybeSent: the request went
  // out), so a misbehaving or hostile endpoint cannot grow the process's memory without bound.
  std::size_t max_response_bytes = 8u << 20;
};

// libcurl, one easy handle per calling thread so connections (and TLS sessions) are reused. TLS is verified;
// HTTPS_PROXY / HTTP_PROXY / NO_PROXY are honoured as libcurl does.
class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(CurlSettings settings);
  HttpResult send(const HttpRequest& request) override;

 private:
  CurlSettings settings_;
};

// Call once at start-up, before threads start.
void global_http_init();

}  // namespace ogpd::clients
