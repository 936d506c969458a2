#include "clients/apis.h"

#include <boost/json.hpp>

#include "core/text.h"
#include "core/time.h"

namespace ogpd::clients {
namespace {

namespace json = boost::json;

std::optional<json::value> parse(const std::string& body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec) return std::nullopt;
  return v;
}

const json::value* at(const json::value& v, std::string_view key) {
  const auto* o = v.if_object();
  return o ? o->if_contains(key) : nullptr;
}

std::optional<std::string> string_at(const json::value* v, std::string_view key) {
  if (v == nullptr) return std::nullopt;
  const auto* field = at(*v, key);
  if (field == nullptr || !field->is_string()) return std::nullopt;
  return std::string(field->as_string());
}

template <class F>
void each(const std::string& body, std::string_view list, F&& f) {
  const auto doc = parse(body);
  if (!doc) return;
  const auto* items = at(*doc, list);
  if (items == nullptr || !items->is_array()) return;
  for (const auto& item : items->as_array()) f(item);
}

// A vendor timestamp: an ISO 8601 string, or a number (Opsgenie's webhooks count nanoseconds; milliseconds
// are taken as they are).
std::optional<std::int64_t> time_at(const json::value* v, std::string_view key) {
  const auto* field = v ? at(*v, key) : nullptr;
  if (field == nullptr) return std::nullopt;
  if (field->is_string()) return parse_iso8601_ms(field->as_string());
  if (field->is_int64() || field->is_uint64()) {
    const auto n = field->is_int64() ? field->as_int64() : static_cast<std::int64_t>(field->as_uint64());
    return n > 100'000'000'000'000'000 ? n / 1'000'000 : n;
  }
  return std::nullopt;
}

// An object's own fields, or those inside its "data" (Opsgenie wraps an answer in it; JSM does not).
const json::value* unwrapped(const json::value& doc) {
  const auto* data = at(doc, "data");
  return data != nullptr && data->is_object() ? data : &doc;
}

}  // namespace

std::string url_encode(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

HttpResult PagerDutyApi::call(const char* operation, const std::string& method, const std::string& path,
                              const std::string& body, bool from) {
  HttpRequest r{method, s_.base_url + path, {}, body, Side::kPagerDuty, operation};
  r.headers = {{"Authorization", "Token token=" + s_.api_key},
               {"Accept", "application/vnd.pagerduty+json;version=2"}};
  if (!body.empty()) r.headers.emplace_back("Content-Type", "application/json");
  if (from) r.headers.emplace_back("From", s_.from_email);
  return http_.send(r);
}

HttpResult PagerDutyApi::create_incident(const std::string& title, const std::string& details,
                                         const std::string& urgency, const std::string& incident_key,
                                         const std::string& service_id,
                                         const std::optional<std::string>& escalation_policy_id,
                                         const std::optional<std::string>& priority_id) {
  json::object incident{{"type", "incident"},
                        {"title", title},
                        {"service", json::object{{"id", service_id.empty() ? s_.service_id : service_id},
                                                 {"type", "service_reference"}}},
                        {"incident_key", incident_key}};
  if (escalation_policy_id)
    incident["escalation_policy"] =
        json::object{{"id", *escalation_policy_id}, {"type", "escalation_policy_reference"}};
  if (!urgency.empty()) incident["urgency"] = urgency;
  if (priority_id) incident["priority"] = json::object{{"id", *priority_id}, {"type", "priority_reference"}};
  if (!details.empty()) incident["body"] = json::object{{"type", "incident_body"}, {"details", details}};
  return call("create_incident", "POST", "/incidents", json::serialize(json::object{{"incident", incident}}),
              true);
}

HttpResult PagerDutyApi::incidents_by_key(const std::string& incident_key) {
  return call("find_incident", "GET",
              "/incidents?incident_key=" + url_encode(incident_key) + "&date_range=all", "", false);
}

HttpResult PagerDutyApi::incident(const std::string& id) {
  return call("get_incident", "GET", "/incidents/" + url_encode(id), "", false);
}

HttpResult PagerDutyApi::add_note(const std::string& incident_id, const std::string& content) {
  return call("add_note", "POST", "/incidents/" + url_encode(incident_id) + "/notes",
              json::serialize(json::object{{"note", json::object{{"content", content}}}}), true);
}

HttpResult PagerDutyApi::notes(const std::string& incident_id) {
  return call("list_notes", "GET", "/incidents/" + url_encode(incident_id) + "/notes", "", false);
}

HttpResult PagerDutyApi::set_status(const std::string& incident_id, const std::string& status) {
  return call(
      status == "acknowledged" ? "acknowledge" : "resolve", "PUT", "/incidents/" + url_encode(incident_id),
      json::serialize(
          json::object{{"incident", json::object{{"type", "incident_reference"}, {"status", status}}}}),
      true);
}

HttpResult PagerDutyApi::set_priority(const std::string& incident_id, const std::string& urgency,
                                      const std::optional<std::string>& priority_id) {
  json::object incident{{"type", "incident_reference"}};
  if (!urgency.empty()) incident["urgency"] = urgency;
  if (priority_id) incident["priority"] = json::object{{"id", *priority_id}, {"type", "priority_reference"}};
  return call("set_priority", "PUT", "/incidents/" + url_encode(incident_id),
              json::serialize(json::object{{"incident", incident}}), true);
}

HttpResult PagerDutyApi::priorities() {
  return call("list_priorities", "GET", "/priorities?limit=100", "", false);
}

HttpResult PagerDutyApi::enqueue(const std::string& routing_key, const std::string& event_action,
                                 const std::string& dedup_key, const std::string& summary,
                                 const std::string& severity, const std::string& details) {
  json::object event{{"routing_key", routing_key}, {"event_action", event_action}, {"dedup_key", dedup_key}};
  if (event_action == "trigger") {
    json::object payload{{"summary", summary}, {"source", "Opsgenie"}, {"severity", severity}};
    if (!details.empty()) payload["custom_details"] = json::object{{"description", details}};
    event["payload"] = std::move(payload);
    event["client"] = "ogpd-proxy";
  }
  HttpRequest r{"POST",
                s_.events_url + "/v2/enqueue",
                {{"Content-Type", "application/json"}},
                json::serialize(event),
                Side::kPagerDuty,
                event_action == "trigger"       ? "enqueue_trigger"
                : event_action == "acknowledge" ? "enqueue_acknowledge"
                                                : "enqueue_resolve"};
  return http_.send(r);
}

HttpResult PagerDutyApi::current_user() {
  return call("get_current_user", "GET", "/users/me", "", false);
}

HttpResult PagerDutyApi::users(const std::string& query) {
  return call("find_user", "GET", "/users?query=" + url_encode(query), "", false);
}

HttpResult PagerDutyApi::services(int offset) {
  return call("list_services", "GET", "/services?limit=100&offset=" + std::to_string(offset), "", false);
}

HttpResult PagerDutyApi::service(const std::string& id) {
  return call("get_service", "GET", "/services/" + url_encode(id), "", false);
}

HttpResult PagerDutyApi::webhook_subscriptions() {
  // All of them (one page of 100): a subscription scoped to the account serves the service too.
  return call("list_webhook_subscriptions", "GET", "/webhook_subscriptions?limit=100", "", false);
}

HttpResult OpsgenieApi::call(const char* operation, const std::string& method, const std::string& path,
                             const std::string& body) {
  const bool jsm = s_.api == AlertsApi::kJsm;
  HttpRequest r{
      method,
      s_.base_url + (jsm ? "/jsm/ops/api/" + url_encode(s_.cloud_id) + "/v1" : "/v2") + path,
      {{"Authorization", jsm ? "Basic " + base64(s_.email + ":" + s_.api_token) : "GenieKey " + s_.api_key}},
      body,
      Side::kOpsgenie,
      operation};
  if (jsm) r.headers.emplace_back("Accept", "application/json");
  if (!body.empty()) r.headers.emplace_back("Content-Type", "application/json");
  return http_.send(r);
}

std::string OpsgenieApi::alert_path(const std::string& alert_id, const std::string& rest,
                                    const std::string& query) const {
  std::string q = s_.api == AlertsApi::kOpsgenie ? "identifierType=id" : "";
  if (!query.empty()) q += (q.empty() ? "" : "&") + query;
  return "/alerts/" + url_encode(alert_id) + rest + (q.empty() ? "" : "?" + q);
}

HttpResult OpsgenieApi::alert_action(const std::string& alert_id, const std::string& verb,
                                     const std::string& user, const std::string& note) {
  json::object body;
  if (s_.api == AlertsApi::kOpsgenie) {
    body["source"] = "ogpd-proxy";
    if (!user.empty()) body["user"] = user;
  }
  if (!note.empty()) body["note"] = note;
  return call(verb.c_str(), "POST", alert_path(alert_id, "/" + verb), json::serialize(body));
}

HttpResult OpsgenieApi::alert(const std::string& alert_id) {
  return call("get_alert", "GET", alert_path(alert_id, ""), "");
}

HttpResult OpsgenieApi::alert_by_alias(const std::string& alias) {
  if (s_.api == AlertsApi::kJsm)
    return call("get_alert", "GET", "/alerts/alias?alias=" + url_encode(alias), "");
  return call("get_alert", "GET", "/alerts/" + url_encode(alias) + "?identifierType=alias", "");
}

HttpResult OpsgenieApi::set_priority(const std::string& alert_id, const std::string& priority) {
  const json::object body{{"priority", priority}};
  return call("set_priority", s_.api == AlertsApi::kJsm ? "PATCH" : "PUT", alert_path(alert_id, "/priority"),
              json::serialize(body));
}

HttpResult OpsgenieApi::create_alert(const NewAlert& a) {
  json::object body{{"message", a.message}, {"alias", a.alias}, {"source", "ogpd-proxy"}};
  if (!a.description.empty()) body["description"] = a.description;
  if (!a.priority.empty()) body["priority"] = a.priority;
  if (!a.user.empty() && s_.api == AlertsApi::kOpsgenie) body["user"] = a.user;
  if (!a.tags.empty()) {
    json::array tags;
    for (const auto& t : a.tags) tags.emplace_back(t);
    body["tags"] = std::move(tags);
  }
  if (!a.responders.empty()) {
    json::array responders;
    for (const auto& r : a.responders) {
      json::object o{{"type", r.type}};
      if (!r.id.empty()) o["id"] = r.id;
      if (!r.name.empty()) o[r.type == "user" ? "username" : "name"] = r.name;
      responders.emplace_back(std::move(o));
    }
    body["responders"] = std::move(responders);
  }
  return call("create_alert", "POST", "/alerts", json::serialize(body));
}

HttpResult OpsgenieApi::notes(const std::string& alert_id) {
  return call("list_notes", "GET", alert_path(alert_id, "/notes", "limit=100&order=desc"), "");
}

HttpResult OpsgenieApi::request_status(const std::string& request_id) {
  return call("request_status", "GET", "/alerts/requests/" + url_encode(request_id), "");
}

HttpResult OpsgenieApi::integrations() {
  return call("list_integrations", "GET", "/integrations", "");
}

HttpResult OpsgenieApi::first_alert() {
  return call("list_alerts", "GET", s_.api == AlertsApi::kJsm ? "/alerts?size=1" : "/alerts?limit=1", "");
}

HttpResult OpsgenieApi::teams() {
  return call("list_teams", "GET", "/teams", "");
}

std::vector<Named> pagerduty_services(const std::string& body, bool& more) {
  std::vector<Named> out;
  each(body, "services", [&](const json::value& v) {
    auto id = string_at(&v, "id");
    if (id) out.push_back({std::move(*id), string_at(&v, "name").value_or(""), "", ""});
  });
  const auto doc = parse(body);
  const auto* m = doc ? at(*doc, "more") : nullptr;
  more = m != nullptr && m->is_bool() && m->as_bool();
  return out;
}

std::vector<Named> opsgenie_named(const std::string& body) {
  std::vector<Named> out;
  for (const std::string_view list : {"data", "values"})  // Opsgenie, JSM
    each(body, list, [&](const json::value& v) {
      auto id = string_at(&v, "id");
      if (id)
        out.push_back({std::move(*id), string_at(&v, "name").value_or(""), string_at(&v, "type").value_or(""),
                       string_at(&v, "teamId").value_or("")});
    });
  return out;
}

std::optional<std::string> pagerduty_incident_id(const std::string& body) {
  const auto doc = parse(body);
  return doc ? string_at(at(*doc, "incident"), "id") : std::nullopt;
}

std::optional<std::string> pagerduty_incident_status(const std::string& body) {
  const auto doc = parse(body);
  return doc ? string_at(at(*doc, "incident"), "status") : std::nullopt;
}

std::optional<SideReading> pagerduty_incident_reading(const std::string& body) {
  const auto doc = parse(body);
  const auto* incident = doc ? at(*doc, "incident") : nullptr;
  auto status = string_at(incident, "status");
  if (!status ||
      (*status != status::kTriggered && *status != status::kAcknowledged && *status != status::kResolved))
    return std::nullopt;
  SideReading r{std::move(*status), time_at(incident, "last_status_change_at"), std::nullopt, std::nullopt};
  if (!r.changed_at_ms) r.changed_at_ms = time_at(incident, "updated_at");
  r.changed_by = string_at(at(*incident, "last_status_change_by"), "summary");
  r.changed_by_id = string_at(at(*incident, "last_status_change_by"), "id");
  return r;
}

std::optional<std::string> pagerduty_incident_key(const std::string& body) {
  const auto doc = parse(body);
  return doc ? string_at(at(*doc, "incident"), "incident_key") : std::nullopt;
}

std::vector<std::string> pagerduty_incident_ids(const std::string& body) {
  std::vector<std::string> out;
  each(body, "incidents", [&](const json::value& v) {
    if (auto id = string_at(&v, "id")) out.push_back(*id);
  });
  return out;
}

std::vector<std::string> pagerduty_note_contents(const std::string& body) {
  std::vector<std::string> out;
  each(body, "notes", [&](const json::value& v) {
    if (auto c = string_at(&v, "content")) out.push_back(*c);
  });
  return out;
}

std::optional<std::string> pagerduty_note_content(const std::string& body, const std::string& note_id) {
  std::optional<std::string> out;
  each(body, "notes", [&](const json::value& v) {
    if (!out && string_at(&v, "id") == note_id) out = string_at(&v, "content");
  });
  return out;
}

std::optional<std::string> pagerduty_current_user_id(const std::string& body) {
  const auto doc = parse(body);
  return doc ? string_at(at(*doc, "user"), "id") : std::nullopt;
}

std::optional<std::string> pagerduty_user_id_with_email(const std::string& body, const std::string& email) {
  std::optional<std::string> out;
  each(body, "users", [&](const json::value& v) {
    const auto address = string_at(&v, "email");
    if (!out && address && iequals(*address, email)) out = string_at(&v, "id");
  });
  return out;
}

std::optional<int> pagerduty_error_code(const std::string& body) {
  const auto doc = parse(body);
  if (!doc) return std::nullopt;
  const auto* error = at(*doc, "error");
  const auto* code = error ? at(*error, "code") : nullptr;
  if (code == nullptr || !code->is_int64()) return std::nullopt;
  return static_cast<int>(code->as_int64());
}

std::string pagerduty_error_text(const std::string& body) {
  const auto doc = parse(body);
  if (!doc) return body.substr(0, 200);
  const auto* error = at(*doc, "error");
  std::string text = string_at(error, "message").value_or("");
  if (const auto* errors = error ? at(*error, "errors") : nullptr; errors && errors->is_array()) {
    for (const auto& e : errors->as_array())
      if (e.is_string()) text += std::string(text.empty() ? "" : ": ") + std::string(e.as_string());
  }
  return text;
}

std::optional<std::string> opsgenie_request_id(const std::string& body) {
  const auto doc = parse(body);
  return doc ? string_at(&*doc, "requestId") : std::nullopt;
}

std::string alert_error_text(const std::string& body) {
  const auto doc = parse(body);
  if (!doc || !doc->is_object()) return body.substr(0, 200);
  std::string text = string_at(&*doc, "message").value_or("");
  const auto add = [&](const std::string& more) {
    if (!more.empty()) text += (text.empty() ? "" : "; ") + more;
  };
  if (const auto* errors = at(*doc, "errors")) {
    if (errors->is_array()) {  // JSM: [{"title","code"}]
      for (const auto& e : errors->as_array()) add(string_at(&e, "title").value_or(""));
    } else if (errors->is_object()) {  // Opsgenie's 422: {"field": "why"}
      for (const auto& [field, why] : errors->as_object())
        if (why.is_string()) add(std::string(field) + ": " + std::string(why.as_string()));
    }
  }
  return text.empty() ? body.substr(0, 200) : text;
}

std::optional<SideReading> opsgenie_alert_reading(const std::string& body) {
  const auto doc = parse(body);
  const auto* data = doc ? unwrapped(*doc) : nullptr;
  const auto status = string_at(data, "status");
  // Opsgenie: open | closed, with "acknowledged". JSM adds acked, snoozed (open until it wakes) and
  // resolved (closed for the proxy: nothing is changed on it any more).
  if (!status || (*status != status::kOpen && *status != status::kClosed && *status != "acked" &&
                  *status != "snoozed" && *status != "resolved"))
    return std::nullopt;
  const auto* acked = at(*data, "acknowledged");
  const bool acknowledged = (acked != nullptr && acked->is_bool() && acked->as_bool()) || *status == "acked";
  SideReading r;
  r.status = *status == status::kClosed || *status == "resolved" ? status::kClosed
             : acknowledged                                      ? status::kAcknowledged
                                                                 : status::kOpen;
  // When the status last changed: creation + report.closeTime / report.ackTime (milliseconds after
  // creation). updatedAt moves with every note, so it cannot say which side changed its status last. An open
  // alert that was acknowledged once (ackTime set) was un-acknowledged at a time no field gives.
  const auto* report = at(*data, "report");
  const auto created = time_at(data, "createdAt");
  const auto after_creation = [&](std::string_view field) -> std::optional<std::int64_t> {
    const auto* v = report ? at(*report, field) : nullptr;
    if (v == nullptr) return time_at(data, field);  // JSM: ackTime / closeTime as times of their own
    if (!created || !(v->is_int64() || v->is_uint64())) return std::nullopt;
    return *created + (v->is_int64() ? v->as_int64() : static_cast<std::int64_t>(v->as_uint64()));
  };
  if (r.status == status::kClosed) {
    r.changed_at_ms = after_creation("closeTime");
    r.changed_by = string_at(report, "closedBy");
  } else if (r.status == status::kAcknowledged) {
    r.changed_at_ms = after_creation("ackTime");
    r.changed_by = string_at(report, "acknowledgedBy");
  } else if (!after_creation("ackTime")) {
    r.changed_at_ms = created;  // never acknowledged: open since it was created
  }
  if (!r.changed_at_ms && r.status == status::kClosed) r.changed_at_ms = time_at(data, "updatedAt");
  return r;
}

std::vector<std::string> opsgenie_note_texts(const std::string& body) {
  std::vector<std::string> out;
  for (const std::string_view list : {"data", "values"})
    each(body, list, [&](const json::value& v) {
      if (auto n = string_at(&v, "note")) out.push_back(*n);
    });
  return out;
}

std::optional<OpsgenieRequestStatus> opsgenie_request_status(const std::string& body) {
  const auto doc = parse(body);
  if (!doc) return std::nullopt;
  const auto* data = unwrapped(*doc);
  const auto* ok = at(*data, "isSuccess");
  if (ok == nullptr) ok = at(*data, "success");
  if (ok == nullptr || !ok->is_bool()) return std::nullopt;
  return OpsgenieRequestStatus{ok->as_bool(), string_at(data, "status").value_or(""),
                               string_at(data, "alertId").value_or("")};
}

std::optional<std::string> opsgenie_alert_id(const std::string& body) {
  const auto doc = parse(body);
  return doc ? string_at(unwrapped(*doc), "id") : std::nullopt;
}

std::optional<std::map<std::string, std::string>> pagerduty_priorities(const std::string& body) {
  const auto doc = parse(body);
  const auto* list = doc ? at(*doc, "priorities") : nullptr;
  if (list == nullptr || !list->is_array()) return std::nullopt;
  std::map<std::string, std::string> out;
  for (const auto& item : list->as_array()) {
    auto id = string_at(&item, "id");
    auto name = string_at(&item, "name");
    if (!name) name = string_at(&item, "summary");
    if (id && name) out.emplace(std::move(*name), std::move(*id));
  }
  return out;
}

}  // namespace ogpd::clients
