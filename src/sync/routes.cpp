#include "sync/routes.h"

#include <algorithm>

namespace ogpd::sync {
namespace {

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string joined(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& v : list) out += (out.empty() ? "" : ", ") + v;
  return out.empty() ? "(none)" : out;
}

// Why `route` does not take `alert`; empty when it does.
std::string mismatch(const RouteMatch& m, const AlertFacts& alert) {
  if (!m.integration_ids.empty() &&
      !(alert.integration_id && contains(m.integration_ids, *alert.integration_id)))
    return "integration " + alert.integration_id.value_or("(none)") + " is not one of " +
           joined(m.integration_ids);
  if (!m.teams.empty() && std::none_of(alert.teams.begin(), alert.teams.end(),
                                       [&](const auto& t) { return contains(m.teams, t); }))
    return "teams " + joined(alert.teams) + " include none of " + joined(m.teams);
  for (const auto& tag : m.tags)
    if (!contains(alert.tags, tag)) return "tag " + tag + " is missing (tags: " + joined(alert.tags) + ")";
  if (!m.priorities.empty() && !(alert.priority && contains(m.priorities, *alert.priority)))
    return "priority " + alert.priority.value_or("(none)") + " is not one of " + joined(m.priorities);
  if (!m.sources.empty() && !(alert.source && contains(m.sources, *alert.source)))
    return "source " + alert.source.value_or("(none)") + " is not one of " + joined(m.sources);
  return {};
}

}  // namespace

RouteChoice choose_route(const RouteTable& table, const AlertFacts& alert) {
  RouteChoice choice;
  for (const auto& route : table.routes) {
    std::string why = mismatch(route.match, alert);
    if (why.empty()) {
      choice.route = &route;
      return choice;
    }
    choice.passed_over.emplace_back(&route, std::move(why));
  }
  return choice;
}

bool integration_routed(const RouteTable& table, const std::optional<std::string>& integration_id) {
  return std::any_of(table.routes.begin(), table.routes.end(), [&](const Route& r) {
    return r.match.integration_ids.empty() ||
           (integration_id && contains(r.match.integration_ids, *integration_id));
  });
}

}  // namespace ogpd::sync
