#include "cli/routes.h"

#include <boost/json.hpp>
#include <fstream>
#include <ostream>
#include <sstream>

#include "core/text.h"
#include "sync/routes.h"
#include "webhook/opsgenie.h"

namespace ogpd::cli {
namespace {

namespace json = boost::json;

std::string list(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ", ") + v;
  return "[" + out + "]";
}

std::string conditions(const RouteMatch& m) {
  std::string out;
  const auto add = [&](const char* what, const std::vector<std::string>& values) {
    if (!values.empty()) out += std::string(out.empty() ? "" : " and ") + what + " " + list(values);
  };
  add("integration_id in", m.integration_ids);
  add("teams in", m.teams);
  add("tags all of", m.tags);
  add("priority in", m.priorities);
  add("source in", m.sources);
  return out.empty() ? "every alert" : out;
}

std::string target(const PagerDutyTarget& t) {
  // A routing key lets anyone raise incidents: only its last four characters are shown.
  std::string out =
      t.events_api()
          ? "PagerDuty Events API, routing key …" + t.routing_key.substr(t.routing_key.size() - 4)
          : "PagerDuty service " +
                (t.service_id.empty() ? std::string("(PAGERDUTY_SERVICE_ID unset)") : t.service_id);
  if (t.escalation_policy_id) out += ", escalation policy " + *t.escalation_policy_id;
  std::string urgency;
  for (const auto& [p, u] : t.urgency_by_priority) urgency += (urgency.empty() ? "" : ",") + p + "=" + u;
  out += ", urgency " + (urgency.empty() ? std::string("-") : urgency) + " else " + t.default_urgency;
  std::string priority;
  for (const auto& [p, name] : t.priority_by_priority)
    priority += (priority.empty() ? "" : ",") + p + "=" + printable(name);
  if (!priority.empty()) out += ", priority " + priority;
  return out;
}

std::string rule(const FromPagerDutyRule& r) {
  std::string out = "from PagerDuty service " + list(r.service_ids) + " -> Opsgenie alert";
  std::string who;
  for (const auto& x : r.responders)
    who += (who.empty() ? "" : ", ") + x.type + " " + printable(x.name.empty() ? x.id : x.name);
  if (!who.empty()) out += " for " + who;
  if (!r.tags.empty()) out += ", tags " + list(r.tags);
  std::string priority;
  for (const auto& [from, p] : r.priority)
    priority += (priority.empty() ? "" : ",") + printable(from) + "=" + p;
  if (!priority.empty()) out += ", priority " + priority;
  return out;
}

std::string where(const RouteTable& routes, const Route& r) {
  return routes.file ? " (" + *routes.file + ":" + std::to_string(r.line) + ")" : "";
}

}  // namespace

void print_route_table(const RouteTable& routes, std::ostream& out) {
  out << "routes"
      << (routes.file ? " (from " + *routes.file + ", first match wins)"
                      : " (no ROUTES_FILE: one route from OPSGENIE_INTEGRATION_ID and PAGERDUTY_SERVICE_ID)")
      << ":\n";
  for (const auto& r : routes.routes)
    out << "  route " << r.name << where(routes, r) << ": " << conditions(r.match) << " -> "
        << target(r.pagerduty) << "\n";
  for (const auto& r : routes.from_pagerduty)
    out << "  " << rule(r) << (routes.file ? " (" + *routes.file + ":" + std::to_string(r.line) + ")" : "")
        << "\n";
}

int run_route_explain(const RouteTable& routes, const std::string& payload_file, bool as_json,
                      std::ostream& out, std::ostream& err) {
  std::ifstream in(payload_file, std::ios::binary);
  if (!in) {
    err << "ogpd-proxy: route --explain: cannot read " << printable(payload_file) << "\n";
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  const json::value doc = json::parse(text.str(), ec);
  if (ec || !doc.is_object()) {
    err << "ogpd-proxy: route --explain: " << printable(payload_file)
        << " is not a JSON object (an Opsgenie webhook body)\n";
    return 2;
  }
  const sync::AlertFacts facts = webhook::alert_facts(doc.get_object());
  const sync::RouteChoice choice = sync::choose_route(routes, facts);
  if (as_json) {
    json::array passed;
    for (const auto& [route, why] : choice.passed_over)
      passed.push_back(json::object{{"route", route->name}, {"why", why}});
    json::object o{{"route", choice.route ? json::value(choice.route->name) : json::value(nullptr)},
                   {"passed_over", std::move(passed)}};
    if (choice.route) o["service_id"] = choice.route->pagerduty.service_id;
    out << json::serialize(o) << "\n";
  } else {
    if (choice.route)
      out << "route: " << choice.route->name << where(routes, *choice.route) << " -> "
          << target(choice.route->pagerduty) << "\n";
    else
      out << "route: none: its Create would be stored and answered 200 (no route matches this alert); no "
             "incident, and its later actions are not mirrored\n";
    for (const auto& [route, why] : choice.passed_over)
      out << "  " << route->name << ": not taken: " << printable(why) << "\n";
  }
  return choice.route ? 0 : 1;
}

}  // namespace ogpd::cli
