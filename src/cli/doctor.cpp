#include "cli/doctor.h"

#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <ostream>

#include "cli/daemon_settings.h"
#include "clients/apis.h"
#include "core/text.h"
#include "store/postgres/pg.h"

namespace ogpd::cli {
namespace {

namespace json = boost::json;

DoctorCheck passed(std::string name, std::string detail) {
  return {std::move(name), true, std::move(detail), {}};
}
DoctorCheck failed(std::string name, std::string detail, std::string fix) {
  return {std::move(name), false, std::move(detail), std::move(fix)};
}

// Why a call got no usable answer: the network (host named), or the status.
std::string no_answer(const clients::HttpResult& r) {
  if (r.transport != clients::Transport::kOk) return "no answer: " + printable(r.error);
  return "answered " + std::to_string(r.response.status);
}

std::optional<json::object> object_of(const std::string& body) {
  boost::system::error_code ec;
  auto doc = json::parse(body, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  return std::move(doc.as_object());
}

std::string text_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

bool refused(const clients::HttpResult& r) {
  return r.transport == clients::Transport::kOk && (r.response.status == 401 || r.response.status == 403);
}

}  // namespace

const std::vector<std::string>& required_pagerduty_events() {
  static const std::vector<std::string> kEvents{"incident.acknowledged", "incident.unacknowledged",
                                                "incident.resolved", "incident.annotated"};
  return kEvents;
}

DoctorCheck check_pagerduty_key(const clients::HttpResult& r) {
  const std::string name = "PagerDuty API key";
  if (refused(r))
    return failed(
        name, "PagerDuty refuses it (" + std::to_string(r.response.status) + ")",
        "create a REST API key (Integrations > API Access Keys) and set PAGERDUTY_API_KEY; an EU account "
        "needs PAGERDUTY_API_URL=https://api.eu.pagerduty.com");
  if (r.transport != clients::Transport::kOk || r.response.status != 200)
    return failed(name, no_answer(r), "check PAGERDUTY_API_URL and the network path to it");
  return passed(name, "accepted");
}

DoctorCheck check_pagerduty_service(const clients::HttpResult& r, const std::string& service_id) {
  const std::string name = "PagerDuty service";
  if (r.transport == clients::Transport::kOk && r.response.status == 404)
    return failed(name, "no service " + printable(service_id),
                  "PAGERDUTY_SERVICE_ID is the last part of the service's URL (…/service-directory/PABC123)");
  if (r.transport != clients::Transport::kOk || r.response.status != 200)
    return failed(name, "could not read " + printable(service_id) + ": " + no_answer(r),
                  "check the key's access to the service");
  const auto doc = object_of(r.response.body);
  const auto* service = doc ? doc->if_contains("service") : nullptr;
  const std::string service_name =
      service != nullptr && service->is_object() ? text_at(service->get_object(), "name") : "";
  return passed(name,
                printable(service_id) + (service_name.empty() ? "" : " (" + printable(service_name) + ")"));
}

DoctorCheck check_pagerduty_email(const clients::HttpResult& r, const std::string& email) {
  const std::string name = "PAGERDUTY_EMAIL";
  if (r.transport != clients::Transport::kOk || r.response.status != 200)
    return failed(name, "could not list users: " + no_answer(r), "check PAGERDUTY_API_KEY");
  const auto id = clients::pagerduty_user_id_with_email(r.response.body, email);
  if (!id)
    return failed(
        name, "no PagerDuty user has the email " + printable(email),
        "set PAGERDUTY_EMAIL to the email of the user the proxy acts as (a dedicated user is best)");
  return passed(name, printable(email) + " is user " + printable(*id));
}

DoctorCheck check_webhook_subscription(const clients::HttpResult& r, const std::string& service_id) {
  const std::string name = "PagerDuty webhook subscription";
  const std::string fix_create =
      "in PagerDuty: Integrations > Generic Webhooks (v3) > New Webhook, scope: service " +
      printable(service_id) +
      ", URL https://<this proxy>/pd-webhook, events incident.acknowledged, .unacknowledged, .resolved, "
      ".annotated; put its signing secret in PAGERDUTY_WEBHOOK_SECRET";
  if (r.transport != clients::Transport::kOk || r.response.status != 200)
    return failed(name, "could not list subscriptions: " + no_answer(r),
                  "the key needs read access to webhooks");
  const auto doc = object_of(r.response.body);
  const auto* list = doc ? doc->if_contains("webhook_subscriptions") : nullptr;
  if (list == nullptr || !list->is_array()) return failed(name, "unreadable answer", fix_create);
  std::string best_problem = "none points at a URL ending in /pd-webhook";
  for (const auto& item : list->get_array()) {
    if (!item.is_object()) continue;
    const auto& w = item.get_object();
    const auto* delivery = w.if_contains("delivery_method");
    const json::object empty;
    const json::object& d = delivery != nullptr && delivery->is_object() ? delivery->get_object() : empty;
    const std::string url = text_at(d, "url");
    if (!url.ends_with("/pd-webhook")) continue;
    // Scoped to this service, or to the whole account (a team scope cannot be told from here: skipped).
    if (const auto* filter = w.if_contains("filter"); filter != nullptr && filter->is_object()) {
      const std::string type = text_at(filter->get_object(), "type");
      if (type != "account_reference" &&
          !(type == "service_reference" && text_at(filter->get_object(), "id") == service_id))
        continue;
    }
    std::vector<std::string> missing;
    for (const auto& wanted : required_pagerduty_events()) {
      bool found = false;
      if (const auto* events = w.if_contains("events"); events != nullptr && events->is_array())
        for (const auto& e : events->get_array()) found |= e.is_string() && e.get_string() == wanted;
      if (!found) missing.push_back(wanted);
    }
    const auto* off = d.if_contains("temporarily_disabled");
    const bool disabled = off != nullptr && off->is_bool() && off->get_bool();
    const auto* on = w.if_contains("active");
    const bool inactive = on != nullptr && on->is_bool() && !on->get_bool();
    if (missing.empty() && !disabled && !inactive)
      return passed(name, printable(text_at(w, "id")) + " -> " + printable(url));
    if (disabled || inactive) {
      best_problem = printable(text_at(w, "id")) + " -> " + printable(url) +
                     (disabled ? " is TEMPORARILY DISABLED (PagerDuty does so after three dropped deliveries)"
                               : " is not active");
    } else {
      std::string list_text;
      for (const auto& m : missing) list_text += (list_text.empty() ? "" : ", ") + m;
      best_problem = printable(text_at(w, "id")) + " -> " + printable(url) + " lacks " + list_text;
    }
  }
  return failed(name, best_problem, fix_create);
}

DoctorCheck check_opsgenie_key(const clients::HttpResult& r) {
  const std::string name = "Opsgenie API key";
  if (r.transport == clients::Transport::kOk && r.response.status == 403)
    return passed(name, "accepted, without Configuration access (the integration cannot be checked)");
  if (refused(r))
    return failed(
        name, "Opsgenie refuses it (" + std::to_string(r.response.status) + ")",
        "use an API integration's key with Read, Create and Update access (and Configuration access "
        "to list integrations); an EU account needs OPSGENIE_API_URL=https://api.eu.opsgenie.com");
  if (r.transport != clients::Transport::kOk || r.response.status != 200)
    return failed(name, no_answer(r), "check OPSGENIE_API_URL and the network path to it");
  return passed(name, "accepted");
}

DoctorCheck check_opsgenie_integration(const clients::HttpResult& r, const std::string& integration_id) {
  const std::string name = "Opsgenie integration";
  if (r.transport != clients::Transport::kOk || r.response.status != 200)
    return failed(
        name, "could not list integrations: " + no_answer(r),
        r.transport == clients::Transport::kOk && r.response.status == 403
            ? "give the API integration Configuration access, or check OPSGENIE_INTEGRATION_ID by hand "
              "(Settings > Integrations: the id is in its page's URL)"
            : "see the API key check");
  for (const auto& i : clients::opsgenie_named(r.response.body))
    if (i.id == integration_id)
      return passed(name,
                    printable(integration_id) + " (" + printable(i.name) + ", " + printable(i.type) + ")");
  return failed(name, "no integration " + printable(integration_id),
                "OPSGENIE_INTEGRATION_ID is the id of the Webhook integration that posts to /ops-webhook "
                "(Settings > Integrations: the id is in its page's URL)");
}

DoctorCheck check_jsm_access(const clients::HttpResult& r, const std::string& cloud_id) {
  const std::string name = "JSM Operations access";
  if (r.transport != clients::Transport::kOk)
    return failed(name, no_answer(r), "check JSM_API_URL and the network path to it");
  const int status = r.response.status;
  const std::string said = printable(clients::alert_error_text(r.response.body));
  if (status == 200)
    return passed(name, "the service account's token reads alerts on cloud " + printable(cloud_id));
  if (status == 401 && said.find("scope") != std::string::npos)
    return failed(name, "the token lacks the alert scopes (" + said + ")",
                  "use an Atlassian account API token (it carries read and write:ops-alert:jira-service-"
                  "management), not a scoped OAuth token");
  if (status == 401)
    return failed(name, "JSM refuses JSM_EMAIL + JSM_API_TOKEN (" + said + ")",
                  "create an API token for the service account at id.atlassian.com > Security > API tokens");
  if (status == 403)
    return failed(name, "the account has no Operations access (" + said + ")",
                  "give the service account Operations access and membership of the teams whose alerts are "
                  "synced");
  if (status == 404)
    return failed(name, "no JSM Operations site has cloud id " + printable(cloud_id),
                  "https://<site>.atlassian.net/_edge/tenant_info shows the site's cloudId");
  return failed(name, no_answer(r), "see JSM's status page; try again later");
}

std::vector<DoctorCheck> run_checks(const ops::Config& c, clients::HttpClient& http) {
  std::vector<DoctorCheck> checks;
  for (const auto& missing : c.missing_credentials)
    checks.push_back(
        failed(missing, "not set", "set it (see check-config); without it the proxy is a dry run"));
  if (c.pagerduty_api_key) {
    clients::PagerDutyApi pagerduty(
        http, {c.pagerduty_api_url, *c.pagerduty_api_key, c.pagerduty_email.value_or(""),
               c.pagerduty_service_id.value_or(""), c.pagerduty_events_url});
    const auto users = pagerduty.users(c.pagerduty_email.value_or("@"));
    checks.push_back(check_pagerduty_key(users));
    if (checks.back().ok) {
      // Every service incidents are made on: the setting's, and each route's.
      std::vector<std::string> services;
      if (c.pagerduty_service_id) services.push_back(*c.pagerduty_service_id);
      for (const auto& route : c.routes.routes)
        if (!route.pagerduty.service_id.empty()) services.push_back(route.pagerduty.service_id);
      std::sort(services.begin(), services.end());
      services.erase(std::unique(services.begin(), services.end()), services.end());
      for (const auto& service : services) {
        checks.push_back(check_pagerduty_service(pagerduty.service(service), service));
        checks.push_back(check_webhook_subscription(pagerduty.webhook_subscriptions(), service));
      }
      if (c.pagerduty_email) checks.push_back(check_pagerduty_email(users, *c.pagerduty_email));
    }
  }
  if (c.alerts_api == "jsm" && c.jsm_cloud_id && c.jsm_email && c.jsm_api_token) {
    clients::OpsgenieApi jsm(http, opsgenie_settings(c));
    checks.push_back(check_jsm_access(jsm.first_alert(), *c.jsm_cloud_id));
    if (checks.back().ok && c.opsgenie_integration_id) {
      DoctorCheck integration = check_opsgenie_integration(jsm.integrations(), *c.opsgenie_integration_id);
      integration.name = "JSM integration";
      checks.push_back(std::move(integration));
    }
  } else if (c.alerts_api != "jsm" && c.opsgenie_api_key) {
    clients::OpsgenieApi opsgenie(http, {c.opsgenie_api_url, *c.opsgenie_api_key});
    const auto integrations = opsgenie.integrations();
    checks.push_back(check_opsgenie_key(integrations));
    if (checks.back().ok && c.opsgenie_integration_id)
      checks.push_back(check_opsgenie_integration(integrations, *c.opsgenie_integration_id));
  }
  // The store: an existing one must be writable; a new one needs a writable directory to be made in.
  if (c.store == ops::Store::kSqlite) {
    const std::filesystem::path file = ops::resolved_store_path(c);
    std::error_code ec;
    const bool exists = std::filesystem::exists(file, ec);
    std::filesystem::path where = exists ? file : file.parent_path();
    while (!exists && !where.empty() && !std::filesystem::exists(where, ec) && where != where.root_path())
      where = where.parent_path();
    if (::access(where.c_str(), W_OK) == 0)
      checks.push_back(passed("store", "sqlite:" + printable(file.string()) +
                                           (exists ? " is writable" : " will be created at start")));
    else
      checks.push_back(failed("store", "sqlite:" + printable(file.string()) + " is not writable",
                              "run as a user who may write there, or set DATABASE_URL"));
  } else {
    // Read-only: connect and read the schema's version; never migrate (a newer binary's doctor must not
    // upgrade the schema under running proxies).
    auto connection = store::pg::Connection::open(c.database_url);
    if (!connection.ok()) {
      checks.push_back(failed("store", ops::store_label(c) + ": " + printable(connection.error()),
                              "check DATABASE_URL and that the server takes connections"));
    } else {
      auto version = connection->query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
      checks.push_back(passed(
          "store", ops::store_label(c) + " is reachable" +
                       (version.ok() ? " (schema version " + std::to_string(version->integer(0, 0)) + ")"
                                     : " (empty: the proxy creates the schema)")));
    }
  }
  return checks;
}

int run_doctor(const ops::Config& config, bool as_json, std::ostream& out) {
  clients::CurlHttpClient http({});
  const auto checks = run_checks(config, http);
  const bool all_ok = std::all_of(checks.begin(), checks.end(), [](const DoctorCheck& c) { return c.ok; });
  if (as_json) {
    json::array list;
    for (const auto& c : checks)
      list.push_back(json::object{{"name", c.name}, {"ok", c.ok}, {"detail", c.detail}, {"fix", c.fix}});
    out << json::serialize(json::object{{"ok", all_ok}, {"checks", std::move(list)}}) << "\n";
  } else {
    for (const auto& c : checks) {
      out << (c.ok ? "\u2713 " : "\u2717 ") << c.name << ": " << c.detail << "\n";
      if (!c.ok) out << "    fix: " << c.fix << "\n";
    }
    out << (all_ok ? "all checks passed\n" : "some checks failed\n");
  }
  return all_ok ? 0 : 1;
}

}  // namespace ogpd::cli
