#include "core/event.h"

#include <array>
#include <utility>

namespace ogpd {
namespace {

constexpr std::array<std::pair<EventKind, std::string_view>, 14> kKindNames{{
    {EventKind::kAlertCreated, "alert.created"},
    {EventKind::kAlertNoteAdded, "alert.note_added"},
    {EventKind::kAlertAcknowledged, "alert.acknowledged"},
    {EventKind::kAlertUnacknowledged, "alert.unacknowledged"},
    {EventKind::kAlertClosed, "alert.closed"},
    {EventKind::kAlertPriorityUpdated, "alert.priority_updated"},
    {EventKind::kIncidentTriggered, "incident.triggered"},
    {EventKind::kIncidentAcknowledged, "incident.acknowledged"},
    {EventKind::kIncidentUnacknowledged, "incident.unacknowledged"},
    {EventKind::kIncidentAnnotated, "incident.annotated"},
    {EventKind::kIncidentResolved, "incident.resolved"},
    {EventKind::kIncidentPriorityUpdated, "incident.priority_updated"},
    {EventKind::kPing, "ping"},
    {EventKind::kOther, "other"},
}};

}  // namespace

std::string_view to_string(Source source) {
  return source == Source::kOpsgenie ? "opsgenie" : "pagerduty";
}

std::optional<Source> source_from_string(std::string_view text) {
  if (text == "opsgenie") return Source::kOpsgenie;
  if (text == "pagerduty") return Source::kPagerDuty;
  return std::nullopt;
}

std::string_view to_string(EventKind kind) {
  for (const auto& [k, name] : kKindNames)
    if (k == kind) return name;
  return "other";
}

std::optional<EventKind> kind_from_string(std::string_view text) {
  for (const auto& [k, name] : kKindNames)
    if (!name.empty() && name == text) return k;
  return std::nullopt;
}

bool is_actionable(EventKind kind) {
  switch (kind) {
    case EventKind::kAlertCreated:
    case EventKind::kAlertNoteAdded:
    case EventKind::kAlertAcknowledged:
    case EventKind::kAlertUnacknowledged:
    case EventKind::kAlertClosed:
    case EventKind::kAlertPriorityUpdated:
    case EventKind::kIncidentTriggered:  // planned: an incident born in PagerDuty may become an alert
    case EventKind::kIncidentAcknowledged:
    case EventKind::kIncidentUnacknowledged:
    case EventKind::kIncidentAnnotated:
    case EventKind::kIncidentResolved:
    case EventKind::kIncidentPriorityUpdated:
      return true;
    default:
      return false;
  }
}

}  // namespace ogpd
