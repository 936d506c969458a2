#include "store/action_json.h"

#include <boost/json.hpp>

namespace ogpd::store {
namespace {

void put(boost::json::object& o, const char* key, const std::optional<std::string>& value) {
  if (value) o[key] = *value;
}
void put(boost::json::object& o, const char* key, const std::string& value) {
  if (!value.empty()) o[key] = value;
}
std::optional<std::string> get(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

}  // namespace

std::string action_to_json(const Action& a) {
  boost::json::object o;
  o["kind"] = to_string(a.kind);
  put(o, "alert_id", a.alert_id);
  put(o, "incident_id", a.incident_id);
  put(o, "incident_key", a.incident_key);
  put(o, "note", a.note);
  put(o, "user", a.user);
  put(o, "full_note_id", a.full_note_id);
  put(o, "title", a.title);
  put(o, "details", a.details);
  put(o, "urgency", a.urgency);
  put(o, "service_id", a.service_id);
  put(o, "escalation_policy_id", a.escalation_policy_id);
  put(o, "priority", a.priority);
  put(o, "events_route", a.events_route);
  put(o, "alias", a.alias);
  if (!a.tags.empty()) {
    boost::json::array tags;
    for (const auto& t : a.tags) tags.emplace_back(t);
    o["tags"] = std::move(tags);
  }
  if (!a.responders.empty()) {
    boost::json::array responders;
    for (const auto& r : a.responders) {
      boost::json::object item{{"type", r.type}};
      put(item, "name", r.name);
      put(item, "id", r.id);
      responders.emplace_back(std::move(item));
    }
    o["responders"] = std::move(responders);
  }
  return boost::json::serialize(o);
}

std::optional<Action> action_from_json(const std::string& json) {
  boost::system::error_code ec;
  const auto doc = boost::json::parse(json, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  const auto& o = doc.as_object();
  const auto kind = get(o, "kind");
  const auto parsed = kind ? action_kind_from_string(*kind) : std::nullopt;
  if (!parsed) return std::nullopt;
  Action a;
  a.kind = *parsed;
  a.alert_id = get(o, "alert_id");
  a.incident_id = get(o, "incident_id");
  a.incident_key = get(o, "incident_key");
  a.note = get(o, "note").value_or("");
  a.user = get(o, "user").value_or("");
  a.full_note_id = get(o, "full_note_id");
  a.title = get(o, "title").value_or("");
  a.details = get(o, "details").value_or("");
  a.urgency = get(o, "urgency").value_or("");
  a.service_id = get(o, "service_id");
  a.escalation_policy_id = get(o, "escalation_policy_id");
  a.priority = get(o, "priority").value_or("");
  a.events_route = get(o, "events_route");
  a.alias = get(o, "alias").value_or("");
  if (const auto* tags = o.if_contains("tags"); tags && tags->is_array())
    for (const auto& t : tags->as_array())
      if (t.is_string()) a.tags.emplace_back(t.as_string());
  if (const auto* responders = o.if_contains("responders"); responders && responders->is_array())
    for (const auto& r : responders->as_array())
      if (const auto* item = r.if_object())
        a.responders.push_back({get(*item, "type").value_or(""), get(*item, "name").value_or(""),
                                get(*item, "id").value_or("")});
  return a;
}

}  // namespace ogpd::store
