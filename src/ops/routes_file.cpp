#include "ops/routes_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/text.h"

namespace ogpd::ops {
namespace {

// Thrown inside the parse only, caught in parse_routes: the first problem, with where it is.
struct Problem {
  int line;
  std::string message;
};

int line_of(const YAML::Node& node) {
  return node.Mark().is_null() ? 0 : node.Mark().line + 1;
}

[[noreturn]] void fail(const YAML::Node& at, std::string message) {
  throw Problem{line_of(at), std::move(message)};
}

void only_keys(const YAML::Node& map, std::string_view where, std::initializer_list<std::string_view> allowed,
               std::initializer_list<std::pair<std::string_view, std::string_view>> not_yet = {}) {
  if (!map.IsMap()) fail(map, std::string(where) + " must be a mapping (key: value)");
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const std::string key = printable(it->first.Scalar());
    if (!seen.insert(key).second) fail(it->first, "'" + key + "' is given twice in " + std::string(where));
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    for (const auto& [name, why] : not_yet)
      if (name == key) fail(it->first, key + " in " + std::string(where) + ": " + std::string(why));
    std::string expected;
    for (const auto k : allowed) expected += (expected.empty() ? "" : ", ") + std::string(k);
    fail(it->first,
         "unknown key '" + key + "' in " + std::string(where) + " (expected one of: " + expected + ")");
  }
}

std::string scalar(const YAML::Node& node, std::string_view what) {
  if (!node.IsScalar() || node.Scalar().empty()) fail(node, std::string(what) + " must be a non-empty text");
  if (needs_escaping(node.Scalar())) fail(node, std::string(what) + " must not hold control characters");
  return node.Scalar();
}

// A scalar or a list of scalars.
std::vector<std::string> list(const YAML::Node& node, std::string_view what) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(scalar(node, what));
  } else if (node.IsSequence()) {
    for (const auto& item : node) out.push_back(scalar(item, std::string(what) + " items"));
    if (out.empty())
      fail(node, std::string(what) + " is an empty list: leave the key out to place no condition");
  } else {
    fail(node, std::string(what) + " must be a text or a list of texts");
  }
  return out;
}

std::string priority(const YAML::Node& node, std::string_view what) {
  std::string p = scalar(node, what);
  if (p.size() == 1) p = "P" + p;
  if (p.size() != 2 || (p[0] != 'P' && p[0] != 'p') || p[1] < '1' || p[1] > '5')
    fail(node, std::string(what) + " '" + node.Scalar() + "' is not an Opsgenie priority (P1 to P5)");
  p[0] = 'P';
  return p;
}

std::string urgency(const YAML::Node& node, std::string_view what) {
  const std::string u = scalar(node, what);
  if (u != "high" && u != "low") fail(node, std::string(what) + " '" + u + "' must be high or low");
  return u;
}

// PagerDuty object ids: upper-case letters and digits (PABC123).
std::string pagerduty_id(const YAML::Node& node, std::string_view what) {
  const std::string id = scalar(node, what);
  const bool ok = id.size() >= 2 && id.size() <= 20 && std::all_of(id.begin(), id.end(), [](char c) {
                    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
                  });
  if (!ok)
    fail(node, std::string(what) + " '" + id +
                   "' is not a PagerDuty id (upper-case letters and digits, e.g. PABC123)");
  return id;
}

bool valid_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

Route read_route(const YAML::Node& node, const std::map<std::string, std::string>& urgency_by_priority) {
  if (!node.IsMap()) fail(node, "each route must be a mapping with name, match and pagerduty");
  only_keys(node, "a route", {"name", "match", "pagerduty"});
  Route r;
  r.line = line_of(node);
  if (!node["name"]) fail(node, "this route has no name (add name: <lower-case-letters-digits-dashes>)");
  r.name = scalar(node["name"], "name");
  if (!valid_name(r.name))
    fail(node["name"],
         "route name '" + r.name + "' must be lower-case letters, digits, '-' or '_' (at most 64)");

  const YAML::Node match = node["match"];
  if (!match) fail(node, "route " + r.name + " has no match (write match: {} to take every alert)");
  if (!match.IsMap())
    fail(match, "match of route " + r.name + " must be a mapping (match: {} takes every alert)");
  only_keys(match, "match", {"integration_id", "teams", "tags", "priority", "source"});
  if (match["integration_id"])
    r.match.integration_ids = list(match["integration_id"], "match.integration_id");
  if (match["teams"]) r.match.teams = list(match["teams"], "match.teams");
  if (match["tags"]) r.match.tags = list(match["tags"], "match.tags");
  if (match["source"]) r.match.sources = list(match["source"], "match.source");
  if (const YAML::Node p = match["priority"]) {
    if (p.IsSequence()) {
      for (const auto& item : p) r.match.priorities.push_back(priority(item, "match.priority"));
      if (r.match.priorities.empty()) fail(p, "match.priority is an empty list: leave the key out");
    } else {
      r.match.priorities.push_back(priority(p, "match.priority"));
    }
  }

  const YAML::Node target = node["pagerduty"];
  if (!target) fail(node, "route " + r.name + " has no pagerduty target (add pagerduty: {service_id: P...})");
  only_keys(target, "pagerduty",
            {"service_id", "routing_key", "escalation_policy_id", "urgency", "default_urgency", "priority"});
  if (target["service_id"] && target["routing_key"])
    fail(target["routing_key"], "route " + r.name +
                                    " gives both service_id and routing_key: one target per route (a service "
                                    "for REST incidents, or an Events API routing key)");
  if (!target["service_id"] && !target["routing_key"])
    fail(target, "route " + r.name +
                     " has no pagerduty.service_id (or routing_key for an Events API v2 integration)");
  if (target["service_id"])
    r.pagerduty.service_id = pagerduty_id(target["service_id"], "pagerduty.service_id");
  if (target["routing_key"]) {
    r.pagerduty.routing_key = scalar(target["routing_key"], "pagerduty.routing_key");
    const auto& k = r.pagerduty.routing_key;
    if (k.size() < 20 || k.size() > 64 ||
        !std::all_of(k.begin(), k.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); }))
      fail(target["routing_key"],
           "pagerduty.routing_key is not an Events API v2 integration key (32 letters and digits, from the "
           "service's Events API v2 integration)");
    if (target["escalation_policy_id"])
      fail(target["escalation_policy_id"],
           "escalation_policy_id needs a service_id: an Events API integration escalates by its own service");
  }
  if (const YAML::Node p = target["priority"]) {
    if (!p.IsMap()) fail(p, "pagerduty.priority must be a mapping like {P1: \"P1\", P2: \"SEV-2\"}");
    for (auto it = p.begin(); it != p.end(); ++it) {
      const std::string og = priority(it->first, "pagerduty.priority key");
      if (r.pagerduty.priority_by_priority.count(og) > 0)
        fail(it->first, "pagerduty.priority gives " + og + " twice");
      r.pagerduty.priority_by_priority[og] = scalar(it->second, "pagerduty.priority value");
    }
  }
  if (target["escalation_policy_id"])
    r.pagerduty.escalation_policy_id =
        pagerduty_id(target["escalation_policy_id"], "pagerduty.escalation_policy_id");
  r.pagerduty.urgency_by_priority = urgency_by_priority;
  if (const YAML::Node u = target["urgency"]) {
    if (!u.IsMap()) fail(u, "pagerduty.urgency must be a mapping like {P1: high, P3: low}");
    r.pagerduty.urgency_by_priority.clear();
    for (auto it = u.begin(); it != u.end(); ++it) {
      const std::string p = priority(it->first, "pagerduty.urgency key");
      if (r.pagerduty.urgency_by_priority.count(p) > 0)
        fail(it->first, "pagerduty.urgency gives " + p + " twice");
      r.pagerduty.urgency_by_priority[p] = urgency(it->second, "pagerduty.urgency value");
    }
  }
  if (target["default_urgency"])
    r.pagerduty.default_urgency = urgency(target["default_urgency"], "pagerduty.default_urgency");
  return r;
}

Responder read_responder(const YAML::Node& node) {
  only_keys(node, "a responder", {"type", "name", "id"});
  Responder r;
  if (!node["type"]) fail(node, "a responder needs a type (team, user, escalation or schedule)");
  r.type = scalar(node["type"], "responder type");
  if (r.type != "team" && r.type != "user" && r.type != "escalation" && r.type != "schedule")
    fail(node["type"], "responder type '" + r.type + "' must be team, user, escalation or schedule");
  if (node["name"]) r.name = scalar(node["name"], "responder name");
  if (node["id"]) r.id = scalar(node["id"], "responder id");
  if (r.name.empty() == r.id.empty()) fail(node, "a responder is named by exactly one of name or id");
  return r;
}

FromPagerDutyRule read_from_pagerduty(const YAML::Node& node) {
  if (!node.IsMap()) fail(node, "each from_pagerduty rule must be a mapping with match and opsgenie");
  only_keys(node, "a from_pagerduty rule", {"match", "opsgenie"});
  FromPagerDutyRule rule;
  rule.line = line_of(node);
  const YAML::Node match = node["match"];
  if (!match) fail(node, "this from_pagerduty rule has no match (match: {service_id: [P...]})");
  only_keys(match, "from_pagerduty match", {"service_id"});
  if (!match["service_id"])
    fail(match,
         "from_pagerduty match needs service_id: the PagerDuty services whose incidents become alerts");
  if (match["service_id"].IsSequence()) {
    for (const auto& id : match["service_id"])
      rule.service_ids.push_back(pagerduty_id(id, "match.service_id"));
    if (rule.service_ids.empty()) fail(match["service_id"], "match.service_id is an empty list");
  } else {
    rule.service_ids.push_back(pagerduty_id(match["service_id"], "match.service_id"));
  }
  const YAML::Node opsgenie = node["opsgenie"];
  if (!opsgenie) return rule;
  only_keys(opsgenie, "opsgenie", {"responders", "priority", "tags"});
  if (const YAML::Node responders = opsgenie["responders"]) {
    if (!responders.IsSequence()) fail(responders, "opsgenie.responders must be a list of {type, name}");
    for (const auto& r : responders) rule.responders.push_back(read_responder(r));
  }
  if (opsgenie["tags"]) rule.tags = list(opsgenie["tags"], "opsgenie.tags");
  if (const YAML::Node p = opsgenie["priority"]) {
    if (!p.IsMap())
      fail(p,
           "opsgenie.priority must be a mapping like {high: P2, low: P4} (urgency or PagerDuty priority "
           "name -> Opsgenie priority)");
    for (auto it = p.begin(); it != p.end(); ++it) {
      const std::string from = scalar(it->first, "opsgenie.priority key");
      if (rule.priority.count(from) > 0) fail(it->first, "opsgenie.priority gives " + from + " twice");
      rule.priority[from] = priority(it->second, "opsgenie.priority value");
    }
  }
  return rule;
}

}  // namespace

Result<RouteTable> parse_routes(std::string_view yaml, const std::string& file_name,
                                const std::map<std::string, std::string>& urgency_by_priority) {
  const auto where = [&](int line) {
    return "ROUTES_FILE " + file_name + (line > 0 ? ":" + std::to_string(line) : "") + ": ";
  };
  try {
    const auto documents = YAML::LoadAll(std::string(yaml));
    if (documents.size() > 1)
      return Status::invalid(where(0) + "holds " + std::to_string(documents.size()) +
                             " YAML documents (---); write one");
    const YAML::Node root = documents.empty() ? YAML::Node() : documents.front();
    if (root.IsNull()) return Status::invalid(where(0) + "the file is empty (it needs a routes: list)");
    if (!root.IsMap())
      return Status::invalid(where(line_of(root)) + "the file must be a mapping with a routes: list");
    only_keys(root, "the file", {"routes", "from_pagerduty"});
    const YAML::Node routes = root["routes"];
    if (!routes) return Status::invalid(where(0) + "no routes: list (each route: name, match, pagerduty)");
    if (!routes.IsSequence() || routes.size() == 0)
      return Status::invalid(where(line_of(routes)) + "routes must be a non-empty list");
    RouteTable table;
    table.file = file_name;
    std::set<std::string> names;
    for (const auto& node : routes) {
      Route r = read_route(node, urgency_by_priority);
      if (!names.insert(r.name).second) fail(node["name"], "route name '" + r.name + "' is used twice");
      table.routes.push_back(std::move(r));
    }
    if (const YAML::Node from = root["from_pagerduty"]) {
      if (!from.IsSequence()) fail(from, "from_pagerduty must be a list of rules (match, opsgenie)");
      std::set<std::string> services;
      for (const auto& node : from) {
        FromPagerDutyRule rule = read_from_pagerduty(node);
        for (const auto& id : rule.service_ids)
          if (!services.insert(id).second)
            fail(node, "service " + id + " is in two from_pagerduty rules: one rule per service");
        table.from_pagerduty.push_back(std::move(rule));
      }
    }
    return table;
  } catch (const Problem& p) {
    return Status::invalid(where(p.line) + p.message);
  } catch (const YAML::Exception& e) {
    return Status::invalid(where(e.mark.is_null() ? 0 : e.mark.line + 1) + "not valid YAML: " + e.msg);
  }
}

Result<RouteTable> load_routes_file(const std::string& path,
                                    const std::map<std::string, std::string>& urgency_by_priority) {
  constexpr std::uintmax_t kMaxBytes = 1 << 20;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return Status::invalid("ROUTES_FILE: " + printable(path) + " is not a file");
  if (std::filesystem::file_size(path, ec) > kMaxBytes || ec)
    return Status::invalid("ROUTES_FILE: " + printable(path) + " is larger than 1 MiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::invalid("ROUTES_FILE: cannot read " + printable(path));
  std::stringstream text;
  text << in.rdbuf();
  return parse_routes(text.str(), printable(path), urgency_by_priority);
}
}  // namespace ogpd::ops
