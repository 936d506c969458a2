#include "webhook/opsgenie.h"

#include <array>
#include <cctype>
#include <utility>

#include "core/text.h"
#include "webhook/digest.h"
#include "webhook/json_fields.h"

namespace ogpd::webhook {
namespace {

std::string key_part(std::string_view part) {
  std::string out;
  out.reserve(part.size());
  for (const char c : part) {
    if (c == '%')
      out += "%25";
    else if (c == ':')
      out += "%3A";
    else
      out += c;
  }
  return out;
}

// Opsgenie's priority-change action is unconfirmed by name and shape (reference/opsgenie.md): any action that
// reads as "update priority", ignoring case and punctuation.
bool reads_as_update_priority(std::string_view action) {
  std::string letters;
  for (const char c : action)
    if (std::isalnum(static_cast<unsigned char>(c)) != 0)
      letters += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return letters == "updatepriority";
}

EventKind kind_of(std::string_view action) {
  if (reads_as_update_priority(action)) return EventKind::kAlertPriorityUpdated;
  static constexpr std::array<std::pair<std::string_view, EventKind>, 5> kActions{{
      {"Create", EventKind::kAlertCreated},
      {"AddNote", EventKind::kAlertNoteAdded},
      {"Acknowledge", EventKind::kAlertAcknowledged},
      {"UnAcknowledge", EventKind::kAlertUnacknowledged},
      {"Close", EventKind::kAlertClosed},
  }};
  for (const auto& [name, kind] : kActions)
    if (iequals(action, name)) return kind;
  return EventKind::kOther;
}

}  // namespace

std::optional<std::string> normalise_priority(const boost::json::value* priority) {
  if (priority == nullptr) return std::nullopt;
  std::int64_t level = 0;
  if (const auto* i = priority->if_int64()) {
    level = *i;
  } else if (const auto* u = priority->if_uint64()) {
    level = *u > 9 ? 0 : static_cast<std::int64_t>(*u);
  } else if (const auto* s = priority->if_string()) {
    std::string_view text = *s;
    if (!text.empty() && (text.front() == 'P' || text.front() == 'p')) text.remove_prefix(1);
    if (text.size() != 1 || text[0] < '0' || text[0] > '9') return std::nullopt;
    level = text[0] - '0';
  }
  if (level < 1 || level > 5) return std::nullopt;
  return std::string{'P', static_cast<char>('0' + level)};
}

sync::AlertFacts alert_facts(const boost::json::object& root) {
  sync::AlertFacts facts;
  facts.integration_id = nonempty_text_at(&root, "integrationId");
  const auto* alert = object_at(&root, "alert");
  if (alert == nullptr) return facts;
  const auto texts = [&](std::string_view key, std::vector<std::string>& out) {
    if (const auto* list = alert->if_contains(key); list && list->is_array())
      for (const auto& item : list->get_array())
        if (item.is_string() && !item.get_string().empty()) out.emplace_back(item.get_string());
  };
  texts("teams", facts.teams);  // ids
  if (auto team = nonempty_text_at(alert, "team")) facts.teams.push_back(std::move(*team));
  if (const auto* responders = alert->if_contains("responders"); responders && responders->is_array()) {
    for (const auto& r : responders->get_array()) {
      const auto* o = r.if_object();
      if (o == nullptr) continue;
      const auto type = text_at(o, "type");
      if (type && *type != "team") continue;  // users, schedules, escalations are not teams
      for (const char* key : {"name", "id"})
        if (auto v = nonempty_text_at(o, key)) facts.teams.push_back(std::move(*v));
    }
  }
  texts("tags", facts.tags);
  facts.priority = normalise_priority(alert->if_contains("priority"));
  facts.source = nonempty_text_at(alert, "source");
  return facts;
}

Verdict parse_opsgenie(std::string_view body, const std::optional<std::string>& integration_id) {
  return parse_opsgenie(body, one_route(integration_id));
}

Verdict parse_opsgenie(std::string_view body, const RouteTable& routes) {
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(body, ec);
  if (ec) return Reject{400, "body is not valid JSON: " + ec.message()};
  const auto* root = doc.if_object();
  if (root == nullptr) return Reject{400, "body is not a JSON object"};

  const sync::AlertFacts facts = alert_facts(*root);
  if (!routes.file) {  // the earlier proxy's one integration, and its answers
    const auto& wanted = routes.routes.front().match.integration_ids;
    if (!wanted.empty()) {
      const auto sender = text_at(root, "integrationId");
      if (!sender) return Ignore{"no integrationId: not from the configured Opsgenie integration"};
      if (*sender != wanted.front())
        return Ignore{"integrationId " + *sender + " is not the configured integration"};
    }
  } else if (!sync::integration_routed(routes, facts.integration_id)) {
    return Ignore{"no route takes integration " + facts.integration_id.value_or("(none)")};
  }

  const auto action = nonempty_text_at(root, "action");
  if (!action) return Reject{400, "missing field: action"};
  const auto* alert = object_at(root, "alert");
  if (alert == nullptr) return Reject{400, "missing field: alert"};
  auto alert_id = nonempty_text_at(alert, "alertId");
  if (!alert_id) return Reject{400, "missing field: alert.alertId"};

  Event event;
  event.source = Source::kOpsgenie;
  event.kind = kind_of(*action);
  event.type = *action;
  event.alert_id = std::move(alert_id);
  event.actor_id = nonempty_text_at(alert, "userId");
  event.actor_name = nonempty_text_at(alert, "username");
  if (!event.actor_name) event.actor_name = nonempty_text_at(alert, "userFullName");
  event.title = nonempty_text_at(alert, "message");
  event.description = nonempty_text_at(alert, "description");
  event.priority = normalise_priority(alert->if_contains("priority"));
  event.note = nonempty_text_at(alert, "note");
  if (!event.note) event.note = nonempty_text_at(root, "note");  // the earlier proxy's simplified shape
  event.occurred_at = nonempty_text_at(alert, "updatedAt");
  event.alias = nonempty_text_at(alert, "alias");
  // A Create's route says where its incident goes; an UpdatePriority's, which priority map applies.
  if (event.kind == EventKind::kAlertCreated || event.kind == EventKind::kAlertPriorityUpdated) {
    // An alert no route takes is still stored (route unset), so its later actions are known to be
    // unrouted too; the plan says so (sync::Outcome::kNoRoute) and the answer is 200 ignored.
    if (const auto choice = sync::choose_route(routes, facts); choice.route != nullptr)
      event.route = choice.route->name;
  }

  // Opsgenie sends no delivery id: alert + action + updatedAt names one change; without updatedAt (the
  // earlier proxy's examples) the body itself is the identity.
  // The parts are joined by ':', so a ':' (or the escape's own '%') inside one is escaped: "a:b" + "c" and
  // "a" + "b:c" are different keys. Ids without either keep the key they always had.
  event.dedupe_key = event.occurred_at ? "og:" + key_part(*event.alert_id) + ":" + key_part(*action) + ":" +
                                             key_part(*event.occurred_at)
                                       : "og:sha256:" + to_hex(sha256(body));
  return Store{std::move(event)};
}

}  // namespace ogpd::webhook
