#include "clients/dry_run_client.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

namespace ogpd::clients {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// An Events API routing key is a secret: only its last four characters are ever logged. Note texts are
// replaced by their length at info level (the request is logged with them at debug level).
void redact(boost::json::value& v, bool notes) {
  if (auto* o = v.if_object()) {
    for (auto& [key, field] : *o) {
      if (key == "routing_key" && field.is_string()) {
        const std::string_view k = field.as_string();
        field = "…" + std::string(k.substr(k.size() > 4 ? k.size() - 4 : k.size()));
      } else if (notes && (key == "content" || key == "note") && field.is_string()) {
        field = "<" + std::to_string(field.as_string().size()) + " characters>";
      } else {
        redact(field, notes);
      }
    }
  } else if (auto* a = v.if_array()) {
    for (auto& item : *a) redact(item, notes);
  }
}

std::string for_log(const std::string& body, bool notes) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(body, ec);
  if (ec) return "<" + std::to_string(body.size()) + " bytes>";
  redact(doc, notes);
  return boost::json::serialize(doc);
}

HttpResult answer(int status, std::string body) {
  HttpResult r;
  r.response.status = status;
  r.response.headers["content-type"] = "application/json";
  r.response.body = std::move(body);
  return r;
}

}  // namespace

HttpResult DryRunHttpClient::send(const HttpRequest& request) {
  std::string path = request.url;
  if (const auto scheme = path.find("://"); scheme != std::string::npos) {
    const auto slash = path.find('/', scheme + 3);
    path = slash == std::string::npos ? "/" : path.substr(slash);
  }
  const std::string plain = path.substr(0, path.find('?'));
  if (request.method != "GET") {
    if (spdlog::should_log(spdlog::level::debug)) {
      spdlog::debug("dry-run: would send {} {} {}", request.method, request.url,
                    for_log(request.body, false));
    } else {
      spdlog::info("dry-run: would send {} {} {}", request.method, request.url, for_log(request.body, true));
    }
  } else {
    spdlog::debug("dry-run: would send {} {}", request.method, request.url);
  }

  if (plain.rfind("/v2/alerts", 0) == 0) {
    if (request.method == "POST")
      return answer(202, R"({"result":"Request will be processed","took":0,"requestId":"dry-run"})");
    if (plain.rfind("/v2/alerts/requests/", 0) == 0)
      return answer(
          200, R"({"data":{"success":true,"isSuccess":true,"status":"dry run","alertId":"dry-run-alert"}})");
    if (ends_with(plain, "/notes")) return answer(200, R"({"data":[]})");
    return answer(200, R"({"data":{}})");
  }
  if (request.method == "POST" && plain == "/incidents") {
    boost::system::error_code ec;
    const auto body = boost::json::parse(request.body, ec);
    std::string key = "unknown";
    const auto* incident = !ec && body.is_object() ? body.as_object().if_contains("incident") : nullptr;
    const auto* k =
        incident && incident->is_object() ? incident->as_object().if_contains("incident_key") : nullptr;
    if (k != nullptr && k->is_string()) key = std::string(k->as_string());
    return answer(201,
                  boost::json::serialize(boost::json::object{
                      {"incident", boost::json::object{{"id", "dry-run-" + key}, {"incident_key", key}}}}));
  }
  if (request.method == "GET" && plain == "/incidents") return answer(200, R"({"incidents":[]})");
  if (plain == "/v2/enqueue") return answer(202, R"({"status":"success","message":"Event processed"})");
  if (request.method == "GET" && plain == "/priorities") return answer(200, R"({"priorities":[]})");
  if (request.method == "GET" && plain == "/users") return answer(200, R"({"users":[]})");
  if (ends_with(plain, "/notes"))
    return answer(200, request.method == "GET" ? R"({"notes":[]})" : R"({"note":{}})");
  return answer(200, R"({"incident":{}})");
}

}  // namespace ogpd::clients
