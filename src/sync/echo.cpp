#include "sync/echo.h"

#include <openssl/evp.h>

#include <array>

namespace ogpd::sync {
namespace {

std::string digest(const std::string& text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), md.data(), &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xF];
  }
  return out;
}

}  // namespace

std::optional<Echo> echo_of(const Action& action, const std::string& target_id) {
  const Side side = target_of(action.kind);
  switch (action.kind) {
    case ActionKind::kCreateIncident:
      return Echo{side, target_id, "create", {}};
    case ActionKind::kAcknowledgeIncident:
    case ActionKind::kAcknowledgeAlert:
      return Echo{side, target_id, "acknowledge", {}};
    case ActionKind::kResolveIncident:
      return Echo{side, target_id, "resolve", {}};
    case ActionKind::kUnacknowledgeAlert:
      return Echo{side, target_id, "unacknowledge", {}};
    case ActionKind::kCloseAlert:
      return Echo{side, target_id, "close", {}};
    case ActionKind::kAddIncidentNote:
    case ActionKind::kAddAlertNote:
      return Echo{side, target_id, "note", digest(action.note)};
    case ActionKind::kSetIncidentPriority:
    case ActionKind::kSetAlertPriority:
      // Only a priority change is reported back (PagerDuty sends nothing for an urgency change).
      if (action.priority.empty()) return std::nullopt;
      return Echo{side, target_id, "priority", action.priority};
    case ActionKind::kCreateAlert:
      // The alert's id is not known before Opsgenie makes it: its Create webhook is expected by alias.
      return Echo{side, action.alias, "create", {}};
  }
  return std::nullopt;
}

std::optional<Echo> echo_of(const Event& event) {
  const auto note_echo = [&](Side side, const std::optional<std::string>& id) -> std::optional<Echo> {
    if (!id || !event.note) return std::nullopt;
    return Echo{side, *id, "note", digest(*event.note)};
  };
  const auto status_echo = [&](Side side, const std::optional<std::string>& id,
                               const char* verb) -> std::optional<Echo> {
    if (!id) return std::nullopt;
    return Echo{side, *id, verb, {}};
  };
  switch (event.kind) {
    case EventKind::kAlertCreated:
      // Only the proxy's own creates are echoes, and only those carry its alias (pd-<incident id>).
      if (!event.alias || !event.alias->starts_with(kBornInPagerDutyAliasPrefix)) return std::nullopt;
      return Echo{Side::kOpsgenie, *event.alias, "create", {}};
    case EventKind::kAlertAcknowledged:
      return status_echo(Side::kOpsgenie, event.alert_id, "acknowledge");
    case EventKind::kAlertUnacknowledged:
      return status_echo(Side::kOpsgenie, event.alert_id, "unacknowledge");
    case EventKind::kAlertClosed:
      return status_echo(Side::kOpsgenie, event.alert_id, "close");
    case EventKind::kAlertNoteAdded:
      return note_echo(Side::kOpsgenie, event.alert_id);
    case EventKind::kIncidentAcknowledged:
      return status_echo(Side::kPagerDuty, event.incident_id, "acknowledge");
    case EventKind::kIncidentResolved:
      return status_echo(Side::kPagerDuty, event.incident_id, "resolve");
    case EventKind::kIncidentAnnotated:
      return note_echo(Side::kPagerDuty, event.incident_id);
    case EventKind::kAlertPriorityUpdated:
    case EventKind::kIncidentPriorityUpdated: {
      const Side side = event.kind == EventKind::kAlertPriorityUpdated ? Side::kOpsgenie : Side::kPagerDuty;
      const auto& id = side == Side::kOpsgenie ? event.alert_id : event.incident_id;
      if (!id || !event.priority) return std::nullopt;
      return Echo{side, *id, "priority", *event.priority};
    }
    default:
      return std::nullopt;
  }
}

}  // namespace ogpd::sync
