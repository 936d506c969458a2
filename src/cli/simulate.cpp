#include "cli/simulate.h"

#include <boost/json.hpp>
#include <chrono>
#include <ctime>
#include <ostream>
#include <random>

#include "clients/http_client.h"
#include "core/text.h"
#include "webhook/digest.h"

namespace ogpd::cli {
namespace {

namespace json = boost::json;

constexpr const char* kDemoIntegration = "ccb77fcc-3474-4ee3-8140-300926635ed1";
constexpr const char* kOpsgenieActions[] = {"Create", "AddNote", "Acknowledge", "UnAcknowledge", "Close"};
constexpr const char* kPagerDutyEvents[] = {"triggered", "acknowledged", "unacknowledged", "resolved",
                                            "annotated"};

std::string iso8601(std::int64_t ms) {
  const std::time_t seconds = ms / 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  char millis[8];
  std::snprintf(millis, sizeof millis, ".%03dZ", static_cast<int>(ms % 1000));
  return std::string(text) + millis;
}

std::string proxy_base(const SimulateRequest& r, const ops::Config& c) {
  if (!r.url.empty()) return r.url.back() == '/' ? r.url.substr(0, r.url.size() - 1) : r.url;
  std::string host = c.host == "0.0.0.0" ? "127.0.0.1" : c.host == "::" ? "::1" : c.host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return std::string(c.tls_cert_file ? "https://" : "http://") + host + ":" + std::to_string(c.port);
}

// The PagerDuty service an incident of this proxy's is on: the setting, else the first route's.
std::string service_of(const ops::Config& c) {
  if (c.pagerduty_service_id) return *c.pagerduty_service_id;
  for (const auto& route : c.routes.routes)
    if (!route.pagerduty.service_id.empty()) return route.pagerduty.service_id;
  return "PSVC001";
}

json::object opsgenie_body(const SimulateRequest& r, const ops::Config& c, std::int64_t now_ms) {
  json::object alert{{"alertId", r.alert_id},
                     {"message", r.message.empty() ? "Simulated alert " + r.alert_id : r.message},
                     {"alias", r.alert_id},
                     {"tinyId", "1"},
                     {"entity", ""},
                     {"source", "ogpd-proxy simulate"},
                     {"tags", json::array{}},
                     {"username", "demo.user@example.com"},
                     {"userId", "5b3a7c52-0000-4000-8000-00000000de30"},
                     {"createdAt", now_ms},
                     {"updatedAt", now_ms * 1'000'000}};
  if (r.action == "Create") alert["priority"] = "P3";
  if (r.action == "AddNote") alert["note"] = r.note.empty() ? "A simulated note" : r.note;
  return json::object{{"action", r.action},
                      {"alert", std::move(alert)},
                      {"source", json::object{{"name", ""}, {"type", "web"}}},
                      {"integrationId", c.opsgenie_integration_id.value_or(kDemoIntegration)},
                      {"integrationName", "Webhook"}};
}

json::object pagerduty_body(const SimulateRequest& r, const ops::Config& c, std::int64_t now_ms,
                            const std::string& event_id) {
  const std::string self = "https://api.pagerduty.com/incidents/" + r.incident_id;
  json::object data;
  if (r.action == "annotated") {
    data = {{"incident", json::object{{"id", r.incident_id}, {"type", "incident_reference"}, {"self", self}}},
            {"id", "PN" + event_id.substr(0, 5)},
            {"content", r.note.empty() ? "A simulated note" : r.note},
            {"trimmed", false},
            {"type", "incident_note"}};
  } else {
    const std::string status = r.action == "unacknowledged" ? "triggered" : r.action;
    data = {{"id", r.incident_id},
            {"type", "incident"},
            {"self", self},
            {"status", status},
            {"title", "Simulated incident " + r.incident_id},
            {"urgency", "high"},
            {"service", json::object{{"id", service_of(c)}, {"type", "service_reference"}}}};
    if (!r.alert_id.empty()) data["incident_key"] = r.alert_id;
  }
  return json::object{
      {"event", json::object{{"id", event_id},
                             {"event_type", "incident." + r.action},
                             {"resource_type", "incident"},
                             {"occurred_at", iso8601(now_ms)},
                             {"agent", json::object{{"id", "PDEMO01"},
                                                    {"type", "user_reference"},
                                                    {"summary", "Demo User"},
                                                    {"self", "https://api.pagerduty.com/users/PDEMO01"}}},
                             {"client", nullptr},
                             {"data", std::move(data)}}}};
}

template <std::size_t N>
bool one_of(const std::string& value, const char* const (&choices)[N]) {
  for (const char* choice : choices)
    if (value == choice) return true;
  return false;
}

template <std::size_t N>
std::string listed(const char* const (&choices)[N]) {
  std::string out;
  for (const char* choice : choices) out += (out.empty() ? "" : ", ") + std::string(choice);
  return out;
}

std::string new_event_id() {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";  // a ULID's
  std::random_device random;
  std::string id;
  for (int i = 0; i < 26; ++i) id += kAlphabet[random() % 32];
  return id;
}

}  // namespace

Result<SimulatedWebhook> build_simulated_webhook(const SimulateRequest& r, const ops::Config& c,
                                                 std::int64_t now_ms, const std::string& event_id) {
  SimulatedWebhook out;
  out.headers.emplace_back("Content-Type", "application/json");
  if (r.vendor == "opsgenie") {
    if (!one_of(r.action, kOpsgenieActions))
      return Status::invalid("simulate opsgenie: '" + printable(r.action) + "' is not one of " +
                             listed(kOpsgenieActions));
    if (r.alert_id.empty()) return Status::invalid("simulate opsgenie: --alert is required");
    out.url = proxy_base(r, c) + "/ops-webhook";
    out.body = json::serialize(opsgenie_body(r, c, now_ms));
    if (c.opsgenie_webhook_token)
      out.headers.emplace_back("Authorization", "Bearer " + *c.opsgenie_webhook_token);
    return out;
  }
  if (r.vendor == "pagerduty") {
    if (!one_of(r.action, kPagerDutyEvents))
      return Status::invalid("simulate pagerduty: '" + printable(r.action) + "' is not one of " +
                             listed(kPagerDutyEvents));
    if (r.incident_id.empty())
      return Status::invalid("simulate pagerduty: --incident is required (or --alert of a linked alert)");
    out.url = proxy_base(r, c) + "/pd-webhook";
    out.body = json::serialize(pagerduty_body(r, c, now_ms, event_id));
    out.headers.emplace_back("X-Webhook-Id", event_id);
    if (!c.pagerduty_webhook_secrets.empty())
      out.headers.emplace_back(
          "X-PagerDuty-Signature",
          "v1=" + webhook::to_hex(webhook::hmac_sha256(c.pagerduty_webhook_secrets.front(), out.body)));
    return out;
  }
  return Status::invalid("simulate: '" + printable(r.vendor) + "' is not opsgenie or pagerduty");
}

int run_simulate(const SimulateRequest& request, const ops::Config& config, std::ostream& out,
                 std::ostream& err) {
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  auto webhook = build_simulated_webhook(request, config, now_ms, new_event_id());
  if (!webhook.ok()) {
    err << "ogpd-proxy: " << webhook.error() << "\n";
    return 2;
  }
  clients::CurlHttpClient http(
      {.connect_timeout = std::chrono::seconds(5), .total_timeout = std::chrono::seconds(15)});
  const auto result = http.send({.method = "POST",
                                 .url = webhook->url,
                                 .headers = webhook->headers,
                                 .body = webhook->body,
                                 .vendor = request.vendor == "opsgenie" ? Side::kOpsgenie : Side::kPagerDuty,
                                 .operation = "simulate"});
  if (result.transport != clients::Transport::kOk) {
    err << "ogpd-proxy: simulate: cannot reach the proxy at " << printable(webhook->url) << ": "
        << printable(result.error) << " (is it running? --url names another)\n";
    return 1;
  }
  out << "POST " << webhook->url << " -> " << result.response.status << " " << printable(result.response.body)
      << "\n";
  return result.response.status >= 200 && result.response.status < 300 ? 0 : 1;
}

}  // namespace ogpd::cli
