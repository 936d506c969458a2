#include "cli/routes_suggest.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <ostream>
#include <set>

#include "cli/daemon_settings.h"
#include "clients/apis.h"
#include "core/text.h"
#include "delivery/retry.h"
#include "ops/log.h"

namespace ogpd::cli {
namespace {

// Letters and digits only, lower case: "Payments API" -> "paymentsapi".
std::string squeeze(const std::string& name) {
  std::string out;
  for (const unsigned char c : name)
    if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
  return out;
}

// A route name from a team or integration name: lower case, runs of anything else as one '-'.
std::string slug(const std::string& name) {
  std::string out;
  for (const unsigned char c : name) {
    if (std::isalnum(c))
      out += static_cast<char>(std::tolower(c));
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.size() > 48) out.resize(48);
  return out.empty() ? "route" : out;
}

// The service named most like `name`: the same letters and digits, else the shortest whose name contains
// it or is contained in it. nullptr: none.
const clients::Named* best_service(const std::vector<clients::Named>& services, const std::string& name) {
  const std::string wanted = squeeze(name);
  if (wanted.empty()) return nullptr;
  const clients::Named* best = nullptr;
  for (const auto& s : services) {
    const std::string have = squeeze(s.name);
    if (have.empty()) continue;
    if (have == wanted) return &s;
    const bool near = have.find(wanted) != std::string::npos || wanted.find(have) != std::string::npos;
    if (near && (best == nullptr || s.name.size() < best->name.size())) best = &s;
  }
  return best;
}

bool read_ok(const clients::HttpResult& r, const char* what, std::ostream& err) {
  const auto c = delivery::classify(r);
  if (c.verdict == delivery::Verdict::kSuccess) return true;
  err << "ogpd-proxy: routes suggest: " << what << ": " << printable(c.error) << "\n";
  return false;
}

}  // namespace

int run_routes_suggest(const ops::Config& config, std::ostream& out, std::ostream& err) {
  if (config.alerts_api == "jsm") {
    err << "ogpd-proxy: routes suggest reads Opsgenie's integrations and teams, which JSM Operations does "
           "not "
           "list the same way: run it with ALERTS_API=opsgenie before the move, or write the routes file by "
           "hand\n";
    return 2;
  }
  if (!config.pagerduty_api_key || !config.opsgenie_api_key) {
    err << "ogpd-proxy: routes suggest reads both vendors: it needs PAGERDUTY_API_KEY and OPSGENIE_API_KEY\n";
    return 2;
  }
  clients::global_http_init();
  clients::CurlHttpClient http(curl_settings(config));
  clients::PagerDutyApi pagerduty(http, pagerduty_settings(config));
  clients::OpsgenieApi opsgenie(http, opsgenie_settings(config));

  const auto integrations = opsgenie.integrations();
  if (!read_ok(integrations, "Opsgenie GET /v2/integrations", err)) return 2;
  const auto teams = opsgenie.teams();
  if (!read_ok(teams, "Opsgenie GET /v2/teams", err)) return 2;
  std::vector<clients::Named> services;
  bool more = true;
  for (int page = 0; more && page < 100; ++page) {
    const auto listed = pagerduty.services(static_cast<int>(services.size()));
    if (!read_ok(listed, "PagerDuty GET /services", err)) return 2;
    auto got = clients::pagerduty_services(listed.response.body, more);
    if (got.empty()) break;
    services.insert(services.end(), got.begin(), got.end());
  }
  std::map<std::string, std::string> team_names;
  for (const auto& t : clients::opsgenie_named(teams.response.body)) team_names[t.id] = t.name;
  std::vector<clients::Named> webhooks;
  for (auto& i : clients::opsgenie_named(integrations.response.body))
    if (iequals(i.type, "Webhook")) webhooks.push_back(std::move(i));

  out << "# A starting routes file, from Opsgenie (" << webhooks.size() << " webhook integrations, "
      << team_names.size() << " teams) and PagerDuty (" << services.size() << " services).\n"
      << "# Review every route: order (the first match wins), conditions, and each service. Then:\n"
      << "#   ogpd-proxy --routes-file routes.yaml check-config\n";
  if (webhooks.empty()) {
    out << "# No Opsgenie webhook integration was found: create one (Settings > Integrations > Webhook)\n"
        << "# that posts to https://<this proxy>/ops-webhook, then run this again.\n"
        << "routes:\n  - name: everything\n    match: {}\n    pagerduty: {service_id: FILL-IN}\n";
    return 0;
  }
  out << "routes:\n";
  std::set<std::string> used;
  for (const auto& i : webhooks) {
    const auto team = team_names.find(i.team_id);
    const std::string label = team != team_names.end() && !team->second.empty() ? team->second : i.name;
    std::string name = slug(label);
    for (int n = 2; !used.insert(name).second; ++n) name = slug(label) + "-" + std::to_string(n);
    const clients::Named* service = best_service(services, label);
    out << "  - name: " << name << "    # Opsgenie integration " << ops::json_quote(printable(i.name));
    if (team != team_names.end()) out << ", team " << ops::json_quote(printable(team->second));
    out << "\n    match:\n      integration_id: [" << ops::json_quote(i.id) << "]\n    pagerduty:\n";
    if (service)
      out << "      service_id: " << ops::json_quote(service->id) << "    # PagerDuty service "
          << ops::json_quote(printable(service->name)) << ", matched by name\n";
    else
      out << "      service_id: FILL-IN    # no PagerDuty service is named like "
          << ops::json_quote(printable(label)) << "\n";
  }
  return 0;
}

}  // namespace ogpd::cli
