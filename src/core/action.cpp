#include "core/action.h"

#include <array>
#include <utility>

namespace ogpd {
namespace {

constexpr std::array<std::pair<ActionKind, std::string_view>, kActionKinds> kNames{{
    {ActionKind::kCreateIncident, "pagerduty.create_incident"},
    {ActionKind::kAddIncidentNote, "pagerduty.add_note"},
    {ActionKind::kAcknowledgeIncident, "pagerduty.acknowledge"},
    {ActionKind::kResolveIncident, "pagerduty.resolve"},
    {ActionKind::kSetIncidentPriority, "pagerduty.set_priority"},
    {ActionKind::kAcknowledgeAlert, "opsgenie.acknowledge"},
    {ActionKind::kUnacknowledgeAlert, "opsgenie.unacknowledge"},
    {ActionKind::kAddAlertNote, "opsgenie.add_note"},
    {ActionKind::kCloseAlert, "opsgenie.close"},
    {ActionKind::kSetAlertPriority, "opsgenie.set_priority"},
    {ActionKind::kCreateAlert, "opsgenie.create_alert"},
}};
static_assert(kNames.back().first == ActionKind::kCreateAlert, "every action kind has a name, in order");

}  // namespace

std::string_view to_string(Side side) {
  return side == Side::kOpsgenie ? "opsgenie" : "pagerduty";
}

std::string_view to_string(ActionKind kind) {
  for (const auto& [k, name] : kNames)
    if (k == kind) return name;
  return "unknown";
}

std::optional<ActionKind> action_kind_from_string(std::string_view text) {
  for (const auto& [k, name] : kNames)
    if (name == text) return k;
  return std::nullopt;
}

Side target_of(ActionKind kind) {
  switch (kind) {
    case ActionKind::kCreateIncident:
    case ActionKind::kAddIncidentNote:
    case ActionKind::kAcknowledgeIncident:
    case ActionKind::kResolveIncident:
    case ActionKind::kSetIncidentPriority:
      return Side::kPagerDuty;
    default:
      return Side::kOpsgenie;
  }
}

}  // namespace ogpd
