// Event: one authenticated, parsed webhook delivery, as the rest of ogpd-proxy sees it.
//
// Owns nothing but values. Produced by src/webhook (parsing), stored by src/store (the journal), read by the
// sync engine. Plain data: copy it freely between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ogpd {

enum class Source { kOpsgenie, kPagerDuty };

// What happened, in the words of the side that sent it. Kinds the engine does not act on are kept (and
// stored) as kOther / kTriggered / kPing so they stay visible in the journal, logs and metrics.
enum class EventKind {
  // Opsgenie alert actions
  kAlertCreated,
  kAlertNoteAdded,
  kAlertAcknowledged,
  kAlertUnacknowledged,
  kAlertClosed,
  kAlertPriorityUpdated,
  // PagerDuty incident events
  kIncidentTriggered,
  kIncidentAcknowledged,
  kIncidentUnacknowledged,
  kIncidentAnnotated,
  kIncidentResolved,
  kIncidentPriorityUpdated,
  kPing,
  // Anything else from either side: stored, never acted on.
  kOther,
};

std::string_view to_string(Source source);
std::string_view to_string(EventKind kind);
std::optional<Source> source_from_string(std::string_view text);
std::optional<EventKind> kind_from_string(std::string_view text);

// True for the kinds the sync engine mirrors to the other side.
bool is_actionable(EventKind kind);

struct Event {
  Source source = Source::kOpsgenie;
  EventKind kind = EventKind::kOther;
  std::string type;  // the vendor's own name: Opsgenie `action`, PagerDuty `event_type`

  // Dedupe: the same delivery twice is processed once. `dedupe_key` is always set; `delivery_id` is the
  // transport's id when there is one (PagerDuty `X-Webhook-Id`).
  std::string dedupe_key;
  std::optional<std::string> delivery_id;

  std::optional<std::string> alert_id;      // Opsgenie alert id
  std::optional<std::string> incident_id;   // PagerDuty incident id
  std::optional<std::string> incident_key;  // PagerDuty incident key (the earlier proxy used the alert id)

  std::optional<std::string> actor_id;    // who did it: Opsgenie userId, PagerDuty agent id
  std::optional<std::string> actor_name;  // Opsgenie username, PagerDuty agent summary

  std::optional<std::string> note;  // note text for AddNote / incident.annotated
  // incident.annotated with `trimmed: true`: the note's id. The webhook carried a shortened text; the full
  // one is fetched (GET /incidents/{id}/notes) before it is mirrored (DESIGN §2.3).
  std::optional<std::string> trimmed_note_id;
  // Opsgenie Create: the route that took the alert (core/route.h), which says where its incident goes.
  std::optional<std::string> route;
  std::optional<std::string> title;        // Opsgenie message, PagerDuty incident title
  std::optional<std::string> description;  // Opsgenie description
  // Opsgenie: the alert's priority normalised to "P1".."P5". PagerDuty: the incident's priority name
  // (data.priority.summary), when it has one.
  std::optional<std::string> priority;
  // PagerDuty incident events: the service (data.service.id), urgency (data.urgency) and page
  // (data.html_url). Opsgenie events: the alert's alias.
  std::optional<std::string> service_id;
  std::optional<std::string> urgency;
  std::optional<std::string> url;
  std::optional<std::string> alias;
  std::optional<std::string>
      occurred_at;  // vendor timestamp as sent (Opsgenie updatedAt, PagerDuty occurred_at)

  friend bool operator==(const Event&, const Event&) = default;
};

}  // namespace ogpd
