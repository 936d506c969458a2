#include "webhook/pagerduty.h"

#include <array>
#include <utility>

#include "webhook/digest.h"
#include "webhook/json_fields.h"

namespace ogpd::webhook {
namespace {

EventKind kind_of(std::string_view event_type) {
  static constexpr std::array<std::pair<std::string_view, EventKind>, 7> kTypes{{
      {"incident.triggered", EventKind::kIncidentTriggered},
      {"incident.acknowledged", EventKind::kIncidentAcknowledged},
      {"incident.unacknowledged", EventKind::kIncidentUnacknowledged},
      {"incident.annotated", EventKind::kIncidentAnnotated},
      {"incident.resolved", EventKind::kIncidentResolved},
      {"incident.priority_updated", EventKind::kIncidentPriorityUpdated},
      {"pagey.ping", EventKind::kPing},
  }};
  for (const auto& [name, kind] : kTypes)
    if (event_type == name) return kind;
  return EventKind::kOther;
}

}  // namespace

Verdict parse_pagerduty(std::string_view body, std::string_view webhook_id) {
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(body, ec);
  if (ec) return Reject{400, "body is not valid JSON: " + ec.message()};
  const auto* root = doc.if_object();
  if (root == nullptr) return Reject{400, "body is not a JSON object"};
  const auto* envelope = object_at(root, "event");
  if (envelope == nullptr) return Reject{400, "missing field: event"};
  const auto event_type = nonempty_text_at(envelope, "event_type");
  if (!event_type) return Reject{400, "missing field: event.event_type"};

  Event event;
  event.source = Source::kPagerDuty;
  event.kind = kind_of(*event_type);
  event.type = *event_type;
  event.occurred_at = nonempty_text_at(envelope, "occurred_at");
  if (!webhook_id.empty()) event.delivery_id = "pd:" + std::string(webhook_id);

  if (const auto* agent = object_at(envelope, "agent")) {
    event.actor_id = nonempty_text_at(agent, "id");
    event.actor_name = nonempty_text_at(agent, "summary");
    if (!event.actor_name) event.actor_name = nonempty_text_at(agent, "name");
  }

  const auto* data = object_at(envelope, "data");
  const auto data_type = text_at(data, "type");
  if (data_type == "incident" || (!data_type && data != nullptr && data->contains("incident_key"))) {
    event.incident_id = nonempty_text_at(data, "id");
    event.incident_key = nonempty_text_at(data, "incident_key");
    event.title = nonempty_text_at(data, "title");
    event.service_id = nonempty_text_at(object_at(data, "service"), "id");
    event.urgency = nonempty_text_at(data, "urgency");
    event.url = nonempty_text_at(data, "html_url");
    event.priority = nonempty_text_at(object_at(data, "priority"), "summary");  // null: no priority
  } else {
    event.incident_id = nonempty_text_at(object_at(data, "incident"), "id");
  }

  if (event.kind == EventKind::kIncidentAnnotated) {
    event.note = nonempty_text_at(data, "content");  // the real shape
    if (const auto* trimmed = data ? data->if_contains("trimmed") : nullptr;
        trimmed && trimmed->is_bool() && trimmed->as_bool())
      event.trimmed_note_id = nonempty_text_at(data, "id");
  }
  if (const auto* note = object_at(envelope, "note")) {  // the earlier proxy's shape
    if (!event.note) event.note = nonempty_text_at(note, "content");
    if (!event.actor_name) event.actor_name = nonempty_text_at(object_at(note, "user"), "summary");
  }

  if (is_actionable(event.kind)) {
    if (!event.incident_id && !event.incident_key)
      return Reject{400, event.kind == EventKind::kIncidentAnnotated ? "missing field: event.data.incident.id"
                                                                     : "missing field: event.data.id"};
    if (event.kind == EventKind::kIncidentAnnotated && !event.note)
      return Reject{400, "missing field: event.data.content"};
  }

  const auto event_id = nonempty_text_at(envelope, "id");
  event.dedupe_key = event_id ? "pd:" + *event_id : "pd:sha256:" + to_hex(sha256(body));
  return Store{std::move(event)};
}

}  // namespace ogpd::webhook
