// Routes: an HTTP request -> what to do about it, as plain functions (no sockets, no waiting).
//
// route() answers every request that needs neither storage nor the metrics at once (malformed framing,
// health, 404/405, 401/400, ignored webhooks) and hands back the events to store; answer_stored() turns the
// journal's outcome into the answer. The session code (server.cpp) only reads, calls these, and writes.
// Thread-safe given a thread-safe Journal.
#pragma once

#include <boost/beast/http.hpp>
#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "store/journal.h"
#include "webhook/intake.h"

namespace ogpd::server {

namespace http = boost::beast::http;

// What became of a request, for webhook metrics and logs.
enum class Outcome {
  kOther,
  kAccepted,
  kDuplicate,
  kIgnored,
  kUnauthorized,
  kBadRequest,
  kTooLarge,
  kUnavailable,
};
inline constexpr std::size_t kOutcomeCount = 8;
std::string_view to_string(Outcome outcome);

struct Answer {
  http::status status = http::status::ok;
  std::string body;  // JSON (or Prometheus text for /metrics)
  std::string content_type = "application/json";
  std::string allow;         // for 405
  bool page = false;         // an HTML page: sent with a Content-Security-Policy and never cached
  bool retry_after = false;  // for 503: tell the sender when to come back
  bool close = false;        // end the connection after this answer (framing errors: never read on)
  Outcome outcome = Outcome::kOther;
};

struct ToStore {
  Event event;
};

// GET /metrics and GET /status: rendered off the network thread (both read the store, which on PostgreSQL
// may be slow or away), then answered with rendered_answer().
enum class Page { kMetrics, kStatus };
struct ToRender {
  Page page = Page::kMetrics;
};

using Routed = std::variant<Answer, ToStore, ToRender>;

struct RouteContext {
  const webhook::IntakeSettings& intake;
  const store::Journal& journal;
  std::function<bool()> workers_ready;       // /readyz also asks this when set
  std::function<std::string()> metrics;      // /metrics is served (ToRender) when set
  std::function<std::string()> status_page;  // /status is served (ToRender) when set
};

Routed route(const RouteContext& context, const http::request<http::string_body>& request);

// The RFC 9112 rules Beast's parser leaves to the server: HTTP/1.0 or 1.1 only, exactly one Host on 1.1, at
// most one Content-Length of digits only, no Transfer-Encoding but a lone "chunked" (none in HTTP/1.0), a
// target in origin or absolute form. A request that breaks one gets its answer here (with close set: the
// bytes after it cannot be trusted to start a request), else nullopt. route() calls it first.
std::optional<Answer> check_framing(const http::request<http::string_body>& request);

// The path of a request target: the query dropped, and an absolute-form target ("http://host/p") reduced to
// its path. Empty when the target is neither form.
std::string_view target_path(std::string_view target);

Answer answer_stored(const Event& event, const store::AppendResult& result);
// The answer to GET /metrics (the exposition `text`) or GET /status (the page), or a 500 when rendering
// failed (nullopt).
Answer rendered_answer(Page page, std::optional<std::string> text);

// Small JSON bodies of the answers.
Answer json_answer(http::status status, std::string body);
Answer error_answer(http::status status, std::string_view error);

}  // namespace ogpd::server
