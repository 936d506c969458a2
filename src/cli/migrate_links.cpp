#include "cli/migrate_links.h"

#include <algorithm>
#include <boost/json.hpp>
#include <ostream>
#include <vector>

#include "core/route.h"
#include "core/text.h"

namespace ogpd::cli {
namespace {

namespace json = boost::json;

enum class Verdict { kKept, kRepaired, kNotFound, kUnreadable };

std::string_view name(Verdict v) {
  switch (v) {
    case Verdict::kKept:
      return "kept";
    case Verdict::kRepaired:
      return "repaired";
    case Verdict::kNotFound:
      return "not_found";
    case Verdict::kUnreadable:
      return "unreadable";
  }
  return "";
}

struct Finding {
  Link link;
  Verdict verdict = Verdict::kKept;
  std::string new_id;              // kRepaired: the alert found
  std::string alias;               // kRepaired: the alias it was found by
  std::vector<std::string> tried;  // kNotFound: the aliases looked up
  std::string problem;             // kUnreadable, or why --apply failed for it
};

// The alias a Create webhook carried ({"alert":{"alias"}}), if any.
std::optional<std::string> alias_in(const std::string& body) {
  boost::system::error_code ec;
  const auto doc = json::parse(body, ec);
  const auto* alert = !ec && doc.is_object() ? doc.as_object().if_contains("alert") : nullptr;
  const auto* alias =
      alert != nullptr && alert->is_object() ? alert->as_object().if_contains("alias") : nullptr;
  if (alias == nullptr || !alias->is_string() || alias->as_string().empty()) return std::nullopt;
  return std::string(alias->as_string());
}

bool answered(const clients::HttpResult& r, int status) {
  return r.transport == clients::Transport::kOk && r.response.status == status;
}

std::string why(const clients::HttpResult& r) {
  if (r.transport != clients::Transport::kOk) return r.error;
  return "HTTP " + std::to_string(r.response.status) + ": " + clients::alert_error_text(r.response.body);
}

Finding look_up(store::StoreAdmin& store, clients::OpsgenieApi& alerts, const Link& link) {
  Finding f{.link = link};
  const auto own = alerts.alert(link.alert_id);
  if (answered(own, 200)) return f;
  if (!answered(own, 404)) {
    f.verdict = Verdict::kUnreadable;
    f.problem = why(own);
    return f;
  }
  std::vector<std::string> aliases;
  const auto add = [&](const std::string& a) {
    if (std::find(aliases.begin(), aliases.end(), a) == aliases.end()) aliases.push_back(a);
  };
  if (const auto body = store.create_webhook_of(link.alert_id))
    if (auto a = alias_in(*body)) add(*a);
  add(link.alert_id);
  if (link.born_in_pagerduty && link.incident_id)
    add(std::string(kBornInPagerDutyAliasPrefix) + *link.incident_id);
  for (const auto& alias : aliases) {
    const auto found = alerts.alert_by_alias(alias);
    if (answered(found, 200)) {
      if (const auto id = clients::opsgenie_alert_id(found.response.body); id && *id != link.alert_id) {
        f.verdict = Verdict::kRepaired;
        f.new_id = *id;
        f.alias = alias;
        return f;
      }
    } else if (!answered(found, 404)) {
      f.verdict = Verdict::kUnreadable;
      f.problem = why(found);
      return f;
    }
    f.tried.push_back(alias);
  }
  f.verdict = Verdict::kNotFound;
  return f;
}

}  // namespace

int run_migrate_links(store::StoreAdmin& store, clients::OpsgenieApi& alerts, bool apply, bool as_json,
                      std::ostream& out, std::ostream& err, std::int64_t now_ms) {
  if (apply) {
    const auto stats = store.queue_stats();
    std::int64_t pending = stats.events_pending;
    for (const auto& [vendor, q] : stats.vendors) pending += q.pending;
    if (pending > 0) {
      err << "ogpd-proxy: migrate-links --apply: " << pending
          << " events or actions are still pending and name the old alert ids; let them finish (ogpd-proxy "
             "status) or stop the proxy, then run it again\n";
      return 2;
    }
  }
  std::vector<Finding> findings;
  for (const auto& link : store.every_link()) findings.push_back(look_up(store, alerts, link));
  if (apply)
    for (auto& f : findings)
      if (f.verdict == Verdict::kRepaired)
        if (auto s = store.relink_alert(f.link.alert_id, f.new_id, now_ms); !s.ok()) {
          f.verdict = Verdict::kUnreadable;
          f.problem = "not re-paired: " + s.message();
        }

  int counts[4] = {};
  for (const auto& f : findings) ++counts[static_cast<int>(f.verdict)];
  const bool all_found = counts[static_cast<int>(Verdict::kNotFound)] == 0 &&
                         counts[static_cast<int>(Verdict::kUnreadable)] == 0;
  if (as_json) {
    json::array list;
    for (const auto& f : findings) {
      json::object o{{"alert_id", f.link.alert_id},
                     {"incident_id", f.link.incident_id ? json::value(*f.link.incident_id) : nullptr},
                     {"verdict", name(f.verdict)}};
      if (f.verdict == Verdict::kRepaired) {
        o["new_alert_id"] = f.new_id;
        o["alias"] = f.alias;
      }
      if (!f.problem.empty()) o["problem"] = f.problem;
      if (!f.tried.empty()) o["tried_aliases"] = json::value_from(f.tried);
      list.push_back(std::move(o));
    }
    out << json::serialize(json::object{{"applied", apply}, {"links", std::move(list)}}) << "\n";
    return all_found ? 0 : 1;
  }
  for (const auto& f : findings) {
    const std::string alert = "alert " + printable(f.link.alert_id);
    switch (f.verdict) {
      case Verdict::kKept:
        break;  // the usual case: counted below, not listed
      case Verdict::kRepaired:
        out << alert << " -> " << printable(f.new_id) << " (found by alias " << printable(f.alias) << ")"
            << (apply ? ": re-paired" : "") << "\n";
        break;
      case Verdict::kNotFound: {
        std::string tried;
        for (const auto& a : f.tried) tried += (tried.empty() ? "" : ", ") + printable(a);
        out << alert << ": NOT FOUND under its id nor by alias " << tried << "; its link is left as it is\n";
        break;
      }
      case Verdict::kUnreadable:
        out << alert << ": " << printable(f.problem) << "\n";
        break;
    }
  }
  out << findings.size() << " links: " << counts[0] << " kept, " << counts[1]
      << (apply ? " re-paired, " : " to re-pair, ") << counts[2] << " not found, " << counts[3]
      << " unreadable\n";
  if (!apply && counts[1] > 0) out << "nothing was changed: run again with --apply to re-pair them\n";
  return all_found ? 0 : 1;
}

}  // namespace ogpd::cli
