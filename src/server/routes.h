// Routes: an HTTP request -> what to do about it, as plain functions (no sockets, no waiting).
//
// route() answers every request that needs no storage at once (health, 404/405, 401/400, ignored webhooks)
// and hands back the events to store; answer_stored() turns the journal's outcome into the answer. The
// session code (server.h) only reads, calls these, and writes. Thread-safe given a thread-safe Journal.
#pragma once

#include <boost/beast/http.hpp>
#include <functional>
#include <string>
#include <variant>

#include "store/journal.h"
#include "webhook/intake.h"

namespace ogpd::server {

namespace http = boost::beast::http;

struct Answer {
  http::status status = http::status::ok;
  std::string body;  // JSON (or Prometheus text for /metrics)
  std::string content_type = "application/json";
  std::string allow;         // for 405
  bool retry_after = false;  // for 503: tell the sender when to come back
};

struct ToStore {
  Event event;
};

using Routed = std::variant<Answer, ToStore>;

struct RouteContext {
  const webhook::IntakeSettings& intake;
  const store::Journal& journal;
  std::function<bool()> workers_ready;   // /readyz also asks this when set
  std::function<std::string()> metrics;  // /metrics renders this when set
};

Routed route(const RouteContext& context, const http::request<http::string_body>& request);

Answer answer_stored(const Event& event, const store::AppendResult& result);

// Small JSON bodies of the answers.
Answer json_answer(http::status status, std::string body);
Answer error_answer(http::status status, std::string_view error);

}  // namespace ogpd::server
