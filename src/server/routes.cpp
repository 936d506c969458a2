#include "server/routes.h"

#include <boost/json.hpp>

#include "core/text.h"
#include "ops/log.h"

namespace ogpd::server {
namespace {

std::string_view header(const http::request<http::string_body>& request, std::string_view name) {
  const auto it = request.find(boost::beast::string_view(name.data(), name.size()));
  if (it == request.end()) return {};
  return {it->value().data(), it->value().size()};
}

Answer ignored(std::string_view reason, std::int64_t event_id = 0) {
  std::string body = "{\"status\":\"ignored\",\"reason\":" + ops::json_quote(reason);
  if (event_id > 0) body += ",\"event_id\":" + std::to_string(event_id);
  Answer a = json_answer(http::status::ok, body + "}");
  a.outcome = Outcome::kIgnored;
  return a;
}

Answer malformed(http::status status, std::string_view error) {
  Answer a = error_answer(status, error);
  a.close = true;
  return a;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

Routed webhook(const RouteContext& context, const http::request<http::string_body>& request, bool opsgenie) {
  if (request.method() != http::verb::post) {
    Answer a = error_answer(http::status::method_not_allowed, "use POST");
    a.allow = "POST";
    return a;
  }
  const webhook::WebhookRequest parts{
      .body = request.body(),
      .authorization = header(request, "Authorization"),
      .webhook_token = header(request, "X-Webhook-Token"),
      .pagerduty_signature = header(request, "X-PagerDuty-Signature"),
      .webhook_id = header(request, "X-Webhook-Id"),
  };
  webhook::Verdict verdict = opsgenie ? webhook::receive_opsgenie(context.intake, parts)
                                      : webhook::receive_pagerduty(context.intake, parts);
  if (auto* store = std::get_if<webhook::Store>(&verdict)) return ToStore{std::move(store->event)};
  if (auto* ignore = std::get_if<webhook::Ignore>(&verdict)) return ignored(ignore->reason);
  const auto& reject = std::get<webhook::Reject>(verdict);
  Answer a = error_answer(static_cast<http::status>(reject.status), reject.error);
  a.outcome = reject.status == 401 ? Outcome::kUnauthorized : Outcome::kBadRequest;
  return a;
}

}  // namespace

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOther:
      return "other";
    case Outcome::kAccepted:
      return "accepted";
    case Outcome::kDuplicate:
      return "duplicate";
    case Outcome::kIgnored:
      return "ignored";
    case Outcome::kUnauthorized:
      return "unauthorized";
    case Outcome::kBadRequest:
      return "bad_request";
    case Outcome::kTooLarge:
      return "too_large";
    case Outcome::kUnavailable:
      return "unavailable";
  }
  return "other";
}

Answer json_answer(http::status status, std::string body) {
  Answer a;
  a.status = status;
  a.body = std::move(body);
  return a;
}

Answer error_answer(http::status status, std::string_view error) {
  Answer a = json_answer(status, "{\"error\":" + ops::json_quote(error) + "}");
  a.retry_after = status == http::status::service_unavailable;
  return a;
}

std::string_view target_path(std::string_view target) {
  target = target.substr(0, target.find('?'));
  for (const std::string_view scheme : {"http://", "https://"}) {
    if (target.size() > scheme.size() && iequals(target.substr(0, scheme.size()), scheme)) {
      target.remove_prefix(scheme.size());
      const auto slash = target.find('/');
      return slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
  }
  return !target.empty() && target.front() == '/' ? target : std::string_view();
}

std::optional<Answer> check_framing(const http::request<http::string_body>& request) {
  // The parser itself refuses every version but 1.0 and 1.1; this keeps the rule true for any request.
  if (request.version() != 10 && request.version() != 11)
    return malformed(http::status::http_version_not_supported, "only HTTP/1.0 and HTTP/1.1 are served");
  std::size_t hosts = 0, lengths = 0;
  for (const auto& field : request) {
    if (field.name() == http::field::host) ++hosts;
    if (field.name() == http::field::content_length) {
      ++lengths;
      if (!all_digits(std::string_view(field.value().data(), field.value().size())))
        return malformed(http::status::bad_request, "malformed Content-Length");
    }
    if (field.name() == http::field::transfer_encoding) {
      // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message is faulty framing.
      if (request.version() == 10)
        return malformed(http::status::bad_request, "Transfer-Encoding is not allowed in HTTP/1.0");
      if (!iequals(trim(std::string_view(field.value().data(), field.value().size())), "chunked"))
        return malformed(http::status::bad_request, "unsupported Transfer-Encoding (only chunked)");
    }
  }
  if (lengths > 1) return malformed(http::status::bad_request, "more than one Content-Length");
  if (hosts > 1 || (hosts == 0 && request.version() == 11))
    return malformed(http::status::bad_request, "a request needs exactly one Host header");
  const std::string_view target(request.target().data(), request.target().size());
  if (target_path(target).empty())
    return malformed(http::status::bad_request, "the request target must be a path");
  return std::nullopt;
}

Routed route(const RouteContext& context, const http::request<http::string_body>& request) {
  if (auto bad = check_framing(request)) return std::move(*bad);
  const std::string_view target = target_path({request.target().data(), request.target().size()});

  if (target == "/ops-webhook") return webhook(context, request, true);
  if (target == "/pd-webhook") return webhook(context, request, false);

  const bool read = request.method() == http::verb::get || request.method() == http::verb::head;
  if (target == "/healthz" || target == "/readyz" || target == "/metrics" || target == "/status") {
    if (!read) {
      Answer a = error_answer(http::status::method_not_allowed, "use GET");
      a.allow = "GET, HEAD";
      return a;
    }
    if (target == "/healthz") return json_answer(http::status::ok, "{\"status\":\"ok\"}");
    if (target == "/metrics") {
      if (!context.metrics) return error_answer(http::status::not_found, "metrics are not enabled");
      return ToRender{Page::kMetrics};
    }
    if (target == "/status") {
      if (!context.status_page)
        return error_answer(http::status::not_found, "the status page is off (STATUS_PAGE=true turns it on)");
      return ToRender{Page::kStatus};
    }
    // Readiness to take webhooks: the store and the delivery loop, never the vendors (a vendor being down
    // is what the outbox is for; `ogpd-proxy status` shows it). The body says what was checked.
    const auto not_ready = [](std::string_view check, const std::string& why) {
      Answer a =
          json_answer(http::status::service_unavailable,
                      boost::json::serialize(boost::json::object{{"error", why}, {"failed_check", check}}));
      return a;
    };
    if (auto health = context.journal.health(); !health.ok()) return not_ready("store", health.message());
    if (context.workers_ready && !context.workers_ready())
      return not_ready("delivery_loop", "delivery workers have stalled");
    return json_answer(http::status::ok,
                       R"({"status":"ready","checked":{"store":"ok","delivery_loop":)" +
                           std::string(context.workers_ready ? R"("ok")" : R"("not running")") +
                           R"(},"not_checked":"the vendors: see ogpd-proxy status"})");
  }
  return error_answer(http::status::not_found, "no such endpoint: " + std::string(target));
}

Answer rendered_answer(Page page, std::optional<std::string> text) {
  if (!text)
    return error_answer(http::status::internal_server_error, page == Page::kMetrics
                                                                 ? "the metrics could not be rendered"
                                                                 : "the status page could not be rendered");
  Answer a = json_answer(http::status::ok, std::move(*text));
  if (page == Page::kMetrics) {
    a.content_type = "text/plain; version=0.0.4; charset=utf-8";
  } else {
    a.content_type = "text/html; charset=utf-8";
    a.page = true;
  }
  return a;
}

Answer answer_stored(const Event& event, const store::AppendResult& result) {
  const std::string id = std::to_string(result.event_id);
  switch (result.outcome) {
    case store::AppendOutcome::kStored:
      if (result.plan_outcome == "no_route")
        return ignored(event.kind == EventKind::kAlertCreated ? "no route matches this alert"
                                                              : "no route took this alert",
                       result.event_id);
      // incident.triggered is planned (an incident born in PagerDuty may become an alert), but answered as
      // before when it does not.
      if (is_actionable(event.kind) &&
          (event.kind != EventKind::kIncidentTriggered || result.plan_outcome == "mirrored")) {
        Answer a = json_answer(http::status::accepted, "{\"status\":\"accepted\",\"event_id\":" + id + "}");
        a.outcome = Outcome::kAccepted;
        return a;
      }
      return ignored(event.kind == EventKind::kPing ? "ping" : "no action for " + event.type,
                     result.event_id);
    case store::AppendOutcome::kDuplicate: {
      Answer a = json_answer(http::status::ok, "{\"status\":\"duplicate\",\"event_id\":" + id + "}");
      a.outcome = Outcome::kDuplicate;
      return a;
    }
    case store::AppendOutcome::kUnavailable:
      break;
  }
  Answer a = error_answer(http::status::service_unavailable, "the event could not be stored; retry later");
  a.outcome = Outcome::kUnavailable;
  return a;
}

}  // namespace ogpd::server
