#include "ops/config.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <type_traits>

#include "core/text.h"
#include "ops/routes_file.h"

namespace ogpd::ops {

std::string dry_run_store_path(const std::string& path) {
  constexpr std::string_view kDb = ".db";
  if (path.size() > kDb.size() && path.compare(path.size() - kDb.size(), kDb.size(), kDb) == 0)
    return path.substr(0, path.size() - kDb.size()) + ".dry-run.db";
  return path + ".dry-run";
}
namespace {

std::optional<std::string> get(const RawSettings& raw, std::string_view name) {
  const auto it = raw.find(name);
  if (it == raw.end() || trim(it->second).empty()) return std::nullopt;
  return std::string(trim(it->second));
}

std::optional<long long> parse_integer(std::string_view text) {
  long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<bool> parse_bool(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (text == "1" || text == "true" || text == "yes" || text == "on") return true;
  if (text == "0" || text == "false" || text == "no" || text == "off") return false;
  return std::nullopt;
}

// http(s)://host[:port][/path], no whitespace, no query or fragment.
bool is_http_url(std::string_view url) {
  std::string_view rest;
  if (url.substr(0, 8) == "https://") {
    rest = url.substr(8);
  } else if (url.substr(0, 7) == "http://") {
    rest = url.substr(7);
  } else {
    return false;
  }
  const auto host_end = rest.find('/');
  const std::string_view authority = rest.substr(0, host_end);
  if (authority.empty() || authority.front() == ':') return false;
  for (char c : url)
    if (std::isspace(static_cast<unsigned char>(c)) || c == '?' || c == '#') return false;
  const auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.back() != ']') {
    const auto port = parse_integer(authority.substr(colon + 1));
    if (!port || *port < 1 || *port > 65535) return false;
  }
  return true;
}

std::vector<std::string> split_secrets(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto part = trim(text.substr(0, comma));
    if (!part.empty()) out.emplace_back(part);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  return out;
}

constexpr std::string_view kDefaultUrgency = "P1=high,P2=high,P3=low,P4=low,P5=low";

// The kinds of setting, each a pair of functions the table points at.

template <auto Member>
Status set_text(std::string_view text, Config& c) {
  c.*Member = std::string(text);
  return {};
}

template <auto Member>
std::string show_text(const Config& c) {
  if constexpr (std::is_same_v<std::remove_cvref_t<decltype(c.*Member)>, std::string>) {
    return c.*Member;
  } else {
    return c.*Member ? *(c.*Member) : std::string("unset");
  }
}

template <auto Member>
std::string show_secret(const Config& c) {
  return (c.*Member).has_value() ? "set (hidden)" : "unset";
}

template <auto Member, long long kMin, long long kMax>
Status set_integer(std::string_view text, Config& c) {
  const auto v = parse_integer(text);
  if (!v || *v < kMin || *v > kMax)
    return Status::invalid("'" + std::string(text) + "' is not an integer in " + std::to_string(kMin) + "-" +
                           std::to_string(kMax));
  c.*Member = static_cast<std::remove_cvref_t<decltype(c.*Member)>>(*v);
  return {};
}

template <auto Member>
std::string show_integer(const Config& c) {
  return std::to_string(c.*Member);
}

template <auto Member>
Status set_url(std::string_view text, Config& c) {
  std::string url(text);
  if (!is_http_url(url)) return Status::invalid("'" + url + "' is not an http(s) URL");
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  c.*Member = url;
  return {};
}

template <auto Member, const std::string_view* kChoices, std::size_t kCount>
Status set_choice(std::string_view text, Config& c) {
  std::string list;
  for (std::size_t i = 0; i < kCount; ++i) {
    if (text == kChoices[i]) {
      c.*Member = std::string(text);
      return {};
    }
    list += (list.empty() ? "" : ", ") + std::string(kChoices[i]);
  }
  return Status::invalid("'" + std::string(text) + "' is not one of " + list);
}

constexpr std::string_view kLogLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
constexpr std::string_view kLogFormats[] = {"text", "json"};
constexpr std::string_view kAlertsApis[] = {"opsgenie", "jsm"};

Status set_host(std::string_view text, Config& c) {
  const std::string host = text == "localhost" ? "127.0.0.1" : std::string(text);
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  if (ec)
    return Status::invalid("'" + std::string(text) + "' is not an IP address (e.g. 0.0.0.0, 127.0.0.1, ::)");
  c.host = host;
  return {};
}

Status set_port(std::string_view text, Config& c) {
  const auto value = parse_integer(text);
  if (!value || *value < 1 || *value > 65535)
    return Status::invalid("'" + std::string(text) + "' is not a port number (1-65535)");
  c.port = static_cast<std::uint16_t>(*value);
  return {};
}

// PagerDuty object ids: upper-case letters and digits (PABC123, Q0RIJJZL24RC6W).
template <auto Member>
Status set_pagerduty_id(std::string_view text, Config& c) {
  const bool shaped = text.size() <= 32 && std::all_of(text.begin(), text.end(), [](char ch) {
                        return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
                      });
  if (!shaped)
    return Status::invalid("'" + std::string(text) +
                           "' is not a PagerDuty id (upper-case letters and digits, e.g. PABC123: the "
                           "last part of the service's URL)");
  c.*Member = std::string(text);
  return {};
}

// local@domain, without spaces: what PagerDuty accepts as a From header (and Atlassian as an account).
template <std::optional<std::string> Config::*Member>
Status set_email(std::string_view text, Config& c) {
  const auto at = text.find('@');
  const bool shaped = at != std::string_view::npos && at > 0 && at + 1 < text.size() &&
                      text.find('@', at + 1) == std::string_view::npos &&
                      std::none_of(text.begin(), text.end(), [](char ch) {
                        return std::isspace(static_cast<unsigned char>(ch)) || ch == ',' || ch == '<';
                      });
  if (!shaped)
    return Status::invalid("'" + std::string(text) + "' is not an email address (name@example.com)");
  c.*Member = std::string(text);
  return {};
}

// 8-4-4-4-12 hexadecimal digits.
bool is_uuid(std::string_view text) {
  bool shaped = text.size() == 36;
  for (std::size_t i = 0; shaped && i < text.size(); ++i)
    shaped = i == 8 || i == 13 || i == 18 || i == 23
                 ? text[i] == '-'
                 : std::isxdigit(static_cast<unsigned char>(text[i])) != 0;
  return shaped;
}

// A JSM site's cloud id is a UUID.
Status set_cloud_id(std::string_view text, Config& c) {
  if (!is_uuid(text))
    return Status::invalid("'" + std::string(text) +
                           "' is not a cloud id (a UUID: https://<site>.atlassian.net/_edge/tenant_info "
                           "shows it as cloudId)");
  c.jsm_cloud_id = std::string(text);
  return {};
}

// Opsgenie integration ids are UUIDs.
Status set_integration_id(std::string_view text, Config& c) {
  if (!is_uuid(text))
    return Status::invalid("'" + std::string(text) +
                           "' is not an Opsgenie integration id (a UUID, e.g. "
                           "ccb77fcc-3474-4ee3-8140-300926635ed1: the integration page's URL ends with it)");
  c.opsgenie_integration_id = std::string(text);
  return {};
}

Status set_webhook_secrets(std::string_view text, Config& c) {
  c.pagerduty_webhook_secrets = split_secrets(text);
  return {};
}

std::string show_webhook_secrets(const Config& c) {
  return c.pagerduty_webhook_secrets.empty()
             ? "unset (signatures not checked)"
             : std::to_string(c.pagerduty_webhook_secrets.size()) + " secret(s) set (hidden)";
}

Status set_database_url(std::string_view text, Config& c) {
  if (text.find_first_of(" \t\r\n") != std::string_view::npos && text.rfind("sqlite:", 0) != 0)
    return Status::invalid("a URL holds no spaces (postgresql://user:password@host:5432/database)");
  const std::string url(text);
  c.database_url = url;
  if (url.rfind("sqlite:", 0) == 0) {
    std::string path = url.substr(7);
    if (path.rfind("//", 0) == 0) path = path.substr(2);  // sqlite:///abs/path and sqlite://rel both work
    if (path.empty()) return Status::invalid("'sqlite:' needs a file path, e.g. sqlite:data/ogpd.db");
    c.store = Store::kSqlite;
    c.sqlite_path = path;
    return {};
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    c.store = Store::kPostgres;
    return {};
  }
  const auto colon = url.find(':');
  return Status::invalid("unknown scheme '" + (colon == std::string::npos ? url : url.substr(0, colon)) +
                         "' (use sqlite:<path> or postgresql://...)");
}

std::string show_database_url(const Config& c) {
  return (c.store == Store::kSqlite ? "sqlite:" + c.sqlite_path : redacted_database_url(c.database_url)) +
         (c.dry_run && c.store == Store::kSqlite ? " (dry run: its own file, " + c.store_path() + ")" : "");
}

Status set_dry_run(std::string_view text, Config& c) {
  const auto value = parse_bool(std::string(text));
  if (!value) return Status::invalid("'" + std::string(text) + "' is not a boolean (true/false)");
  c.dry_run_asked = *value;
  return {};
}

std::string show_dry_run(const Config& c) {
  return c.dry_run ? "true" : "false";
}

template <bool Config::*Member>
Status set_flag(std::string_view text, Config& c) {
  const auto value = parse_bool(std::string(text));
  if (!value) return Status::invalid("'" + std::string(text) + "' is not a boolean (true/false)");
  c.*Member = *value;
  return {};
}

template <bool Config::*Member>
std::string show_flag(const Config& c) {
  return c.*Member ? "true" : "false";
}

Status set_urgency(std::string_view text, Config& c) {
  auto base = parse_urgency_map(std::string(kDefaultUrgency));
  auto given = parse_urgency_map(std::string(text));
  if (!base || !given)
    return Status::invalid("'" + std::string(text) + "' is not a list like P1=high,P2=high,P3=low");
  for (auto& [priority, urgency] : *given) (*base)[priority] = urgency;
  c.urgency_by_priority = std::move(*base);
  return {};
}

std::string show_urgency(const Config& c) {
  std::string out;
  for (const auto& [priority, level] : c.urgency_by_priority)
    out += (out.empty() ? "" : ",") + priority + "=" + level;
  return out;
}

template <auto Member, const char* kUnset>
std::string show_or(const Config& c) {
  return c.*Member ? *(c.*Member) : std::string(kUnset);
}

constexpr char kEveryIntegration[] = "unset (every integration is synced)";
constexpr char kPlainHttp[] = "unset (plain HTTP)";
constexpr char kNoRoutesFile[] = "unset (one route: OPSGENIE_INTEGRATION_ID -> PAGERDUTY_SERVICE_ID)";

// The checks between settings, after each was read.
Status check_together(Config& c) {
  if (c.tls_cert_file.has_value() != c.tls_key_file.has_value())
    return Status::invalid(std::string(c.tls_cert_file ? "TLS_KEY_FILE" : "TLS_CERT_FILE") +
                           ": HTTPS needs both TLS_CERT_FILE and TLS_KEY_FILE");
  if (c.routes_file) {
    auto loaded = load_routes_file(*c.routes_file, c.urgency_by_priority);
    if (!loaded.ok()) return loaded.status();
    c.routes = std::move(*loaded);
  } else {
    c.routes =
        one_route(c.opsgenie_integration_id, c.pagerduty_service_id.value_or(""), c.urgency_by_priority);
  }
  c.missing_credentials.clear();
  if (!c.pagerduty_api_key) c.missing_credentials.push_back("PAGERDUTY_API_KEY");
  // With a routes file, each route names its service.
  if (!c.pagerduty_service_id && !c.routes_file) c.missing_credentials.push_back("PAGERDUTY_SERVICE_ID");
  if (!c.pagerduty_email) c.missing_credentials.push_back("PAGERDUTY_EMAIL");
  if (c.alerts_api == "jsm") {
    if (!c.jsm_cloud_id) c.missing_credentials.push_back("JSM_CLOUD_ID");
    if (!c.jsm_email) c.missing_credentials.push_back("JSM_EMAIL");
    if (!c.jsm_api_token) c.missing_credentials.push_back("JSM_API_TOKEN");
  } else if (!c.opsgenie_api_key) {
    c.missing_credentials.push_back("OPSGENIE_API_KEY");
  }
  if (c.dry_run_asked) {
    if (!*c.dry_run_asked && !c.missing_credentials.empty()) {
      std::string names;
      for (const auto& n : c.missing_credentials) names += (names.empty() ? "" : ", ") + n;
      return Status::invalid("DRY_RUN: false needs credentials, but these are not set: " + names);
    }
    c.dry_run = *c.dry_run_asked;
    c.missing_credentials.clear();  // asked for, not forced
  } else {
    c.dry_run = !c.missing_credentials.empty();
  }
  if (c.dry_run && c.store == Store::kPostgres) {
    std::string why = "DRY_RUN=true";
    if (!c.missing_credentials.empty()) {
      why = "a dry run (";
      for (std::size_t i = 0; i < c.missing_credentials.size(); ++i)
        why += (i == 0 ? "" : ", ") + c.missing_credentials[i];
      why += " not set)";
    }
    return Status::invalid("DATABASE_URL: " + why +
                           " cannot use the shared PostgreSQL store: it would mark other proxies' work done "
                           "without doing it. Set the credentials, or use DATABASE_URL=sqlite:<path> for a "
                           "dry run");
  }
  return {};
}

}  // namespace

Status read_database_url(std::string_view text, Config& config) {
  return set_database_url(text, config);
}

std::string redacted_database_url(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  const auto at = url.find('@', scheme_end + 3);
  std::string out = url;
  if (at != std::string::npos) {
    const auto colon = url.find(':', scheme_end + 3);
    if (colon != std::string::npos && colon < at) out = url.substr(0, colon) + ":(hidden)" + url.substr(at);
  }
  if (const auto password = out.find("password="); password != std::string::npos) {
    const auto end = out.find('&', password);
    out = out.substr(0, password) + "password=(hidden)" + (end == std::string::npos ? "" : out.substr(end));
  }
  return out;
}

std::string resolved_store_path(const Config& c) {
  std::error_code ec;
  const auto resolved = std::filesystem::absolute(c.store_path(), ec);
  return ec ? c.store_path() : resolved.lexically_normal().string();
}

std::string store_label(const Config& c) {
  return c.store == Store::kPostgres ? redacted_database_url(c.database_url)
                                     : "sqlite:" + resolved_store_path(c);
}

const std::vector<SettingSpec>& setting_specs() {
  using C = Config;
  static const std::vector<SettingSpec> kSpecs{
      {"HOST", "0.0.0.0", false, "address to listen on", set_host, show_text<&C::host>},
      {"PORT", "5001", false, "port to listen on (1-65535)", set_port, show_integer<&C::port>},
      {"PAGERDUTY_API_KEY", "", true, "PagerDuty REST API key", set_text<&C::pagerduty_api_key>,
       show_secret<&C::pagerduty_api_key>},
      {"PAGERDUTY_SERVICE_ID", "", false, "PagerDuty service that incidents are created on",
       set_pagerduty_id<&C::pagerduty_service_id>, show_text<&C::pagerduty_service_id>},
      {"PAGERDUTY_WEBHOOK_SECRET", "", true,
       "PagerDuty webhook signing secret(s), comma-separated; when set, /pd-webhook requires a valid "
       "signature",
       set_webhook_secrets, show_webhook_secrets},
      {"PAGERDUTY_EMAIL", "", false, "email of the PagerDuty user sent as From",
       set_email<&C::pagerduty_email>, show_text<&C::pagerduty_email>},
      {"PAGERDUTY_USER", "", false,
       "the proxy's own PagerDuty user (id or name); its events are never mirrored",
       set_text<&C::pagerduty_user>, show_text<&C::pagerduty_user>},
      {"OPSGENIE_API_KEY", "", true, "Opsgenie API key", set_text<&C::opsgenie_api_key>,
       show_secret<&C::opsgenie_api_key>},
      {"OPSGENIE_INTEGRATION_ID", "", false, "only alerts from this Opsgenie webhook integration are synced",
       set_integration_id, show_or<&C::opsgenie_integration_id, kEveryIntegration>},
      {"ROUTES_FILE", "", false,
       "YAML file of routes (Opsgenie alerts -> PagerDuty services, first match wins); unset: one route from "
       "OPSGENIE_INTEGRATION_ID to PAGERDUTY_SERVICE_ID",
       set_text<&C::routes_file>, show_or<&C::routes_file, kNoRoutesFile>},
      {"OPSGENIE_WEBHOOK_TOKEN", "", true,
       "when set, /ops-webhook requires Authorization: Bearer <token> or X-Webhook-Token: <token>",
       set_text<&C::opsgenie_webhook_token>, show_secret<&C::opsgenie_webhook_token>},
      {"PAGERDUTY_API_URL", "https://api.pagerduty.com", false, "PagerDuty REST base URL",
       set_url<&C::pagerduty_api_url>, show_text<&C::pagerduty_api_url>},
      {"PAGERDUTY_EVENTS_URL", "https://events.pagerduty.com", false,
       "PagerDuty Events API v2 base URL, for routes with a routing_key (EU: "
       "https://events.eu.pagerduty.com)",
       set_url<&C::pagerduty_events_url>, show_text<&C::pagerduty_events_url>},
      {"OPSGENIE_API_URL", "https://api.opsgenie.com", false, "Opsgenie API base URL",
       set_url<&C::opsgenie_api_url>, show_text<&C::opsgenie_api_url>},
      {"ALERTS_API", "opsgenie", false,
       "where the alerts are: opsgenie, or jsm for Jira Service Management Operations (Opsgenie's API stops "
       "on 2027-04-05; JSM_* settings then)",
       set_choice<&C::alerts_api, kAlertsApis, std::size(kAlertsApis)>, show_text<&C::alerts_api>},
      {"JSM_CLOUD_ID", "", false, "JSM: the site's cloud id (https://<site>.atlassian.net/_edge/tenant_info)",
       set_cloud_id, show_text<&C::jsm_cloud_id>},
      {"JSM_EMAIL", "", false,
       "JSM: the email of the service account the proxy acts as (its own changes are never mirrored back)",
       set_email<&C::jsm_email>, show_text<&C::jsm_email>},
      {"JSM_API_TOKEN", "", true, "JSM: that account's API token (id.atlassian.com, Security, API tokens)",
       set_text<&C::jsm_api_token>, show_secret<&C::jsm_api_token>},
      {"JSM_API_URL", "https://api.atlassian.com", false, "JSM Operations REST base URL",
       set_url<&C::jsm_api_url>, show_text<&C::jsm_api_url>},
      {"JSM_REQUESTS_PER_MINUTE", "300", false,
       "pace of JSM calls (Atlassian publishes no figure; a 429 slows it further)",
       set_integer<&C::jsm_requests_per_minute, 1, 100000>, show_integer<&C::jsm_requests_per_minute>},
      {"DATABASE_URL", "sqlite:data/ogpd.db", false, "the store: sqlite:<path> or postgresql://...",
       set_database_url, show_database_url},
      {"OUTBOX_LEASE_SECONDS", "30", false,
       "PostgreSQL store: how long an action claimed by one proxy stays its own; a proxy that dies loses "
       "its actions to the others after this",
       set_integer<&C::outbox_lease_seconds, 5, 3600>, show_integer<&C::outbox_lease_seconds>},
      {"DATABASE_MAX_CONNECTIONS", "8", false,
       "PostgreSQL store: connections each proxy opens at most (two more for notifications and "
       "reconciliation's turn)",
       set_integer<&C::database_max_connections, 2, 1000>, show_integer<&C::database_max_connections>},
      {"DRY_RUN", "", false,
       "log outbound calls instead of making them (default: true when credentials are missing)", set_dry_run,
       show_dry_run},
      {"STATUS_PAGE", "false", false,
       "serve GET /status: a read-only HTML page of the vendors' state, pending actions, dead letters, the "
       "last events and drift (no secrets; of an alert, only its title)",
       set_flag<&C::status_page>, show_flag<&C::status_page>},
      {"LOG_LEVEL", "info", false, "trace, debug, info, warn, error or off",
       set_choice<&C::log_level, kLogLevels, std::size(kLogLevels)>, show_text<&C::log_level>},
      {"LOG_FORMAT", "text", false, "text, or json for one JSON object per line",
       set_choice<&C::log_format, kLogFormats, std::size(kLogFormats)>, show_text<&C::log_format>},
      {"BODY_LIMIT_BYTES", "262144", false, "largest webhook body accepted; larger ones get 413",
       set_integer<&C::body_limit_bytes, 1024, 64LL * 1024 * 1024>, show_integer<&C::body_limit_bytes>},
      {"MAX_CONNECTIONS", "1024", false, "open connections beyond this are refused",
       set_integer<&C::max_connections, 1, 1000000>, show_integer<&C::max_connections>},
      {"REQUEST_TIMEOUT_SECONDS", "10", false,
       "time allowed to receive one request, and idle keep-alive time",
       set_integer<&C::request_timeout_seconds, 1, 3600>, show_integer<&C::request_timeout_seconds>},
      {"SHUTDOWN_GRACE_SECONDS", "10", false, "on SIGTERM, time allowed for in-flight requests to finish",
       set_integer<&C::shutdown_grace_seconds, 0, 3600>, show_integer<&C::shutdown_grace_seconds>},
      {"PRIORITY_URGENCY", kDefaultUrgency, false,
       "PagerDuty urgency for each Opsgenie priority (unlisted priorities keep their default)", set_urgency,
       show_urgency},
      {"RETRY_MAX_ATTEMPTS", "12", false, "attempts before an action becomes a dead letter",
       set_integer<&C::retry_max_attempts, 1, 1000>, show_integer<&C::retry_max_attempts>},
      {"RETRY_MAX_AGE_SECONDS", "86400", false, "age after which a failing action becomes a dead letter",
       set_integer<&C::retry_max_age_seconds, 1, 30LL * 86400>, show_integer<&C::retry_max_age_seconds>},
      {"RETRY_BASE_DELAY_MS", "1000", false,
       "first retry delay; doubles each attempt (with jitter), at most 5 minutes",
       set_integer<&C::retry_base_delay_ms, 1, 600000>, show_integer<&C::retry_base_delay_ms>},
      {"DELIVERY_WORKERS", "4", false,
       "outbound calls made at once (never two for the same alert/incident pair)",
       set_integer<&C::delivery_workers, 1, 64>, show_integer<&C::delivery_workers>},
      {"PAGERDUTY_REQUESTS_PER_MINUTE", "900", false,
       "pace of PagerDuty calls (PagerDuty allows 960 per key)",
       set_integer<&C::pagerduty_requests_per_minute, 1, 100000>,
       show_integer<&C::pagerduty_requests_per_minute>},
      {"OPSGENIE_REQUESTS_PER_MINUTE", "600", false, "pace of Opsgenie calls",
       set_integer<&C::opsgenie_requests_per_minute, 1, 100000>,
       show_integer<&C::opsgenie_requests_per_minute>},
      {"HTTP_TIMEOUT_SECONDS", "15", false, "time allowed for one outbound call",
       set_integer<&C::http_timeout_seconds, 1, 600>, show_integer<&C::http_timeout_seconds>},
      {"TLS_CERT_FILE", "", false,
       "PEM certificate chain: serve HTTPS directly (with TLS_KEY_FILE; reloaded on SIGHUP)",
       set_text<&C::tls_cert_file>, show_or<&C::tls_cert_file, kPlainHttp>},
      {"TLS_KEY_FILE", "", false, "PEM private key of TLS_CERT_FILE", set_text<&C::tls_key_file>,
       show_text<&C::tls_key_file>},
      {"RETENTION_DAYS", "30", false,
       "finished events and actions older than this are deleted (0: keep everything); links and dead letters "
       "stay",
       set_integer<&C::retention_days, 0, 36500>, show_integer<&C::retention_days>},
      {"RECONCILE_INTERVAL_SECONDS", "300", false,
       "how often open pairs are read from both vendors and drift (a missed webhook) is repaired (0: off)",
       set_integer<&C::reconcile_interval_seconds, 0, 86400>, show_integer<&C::reconcile_interval_seconds>},
      {"RECONCILE_BUDGET_PERCENT", "20", false,
       "the share of each vendor's request budget reconciliation may use",
       set_integer<&C::reconcile_budget_percent, 1, 100>, show_integer<&C::reconcile_budget_percent>},
      {"RECONCILE_MAX_AGE_DAYS", "7", false, "pairs linked longer ago than this are no longer reconciled",
       set_integer<&C::reconcile_max_age_days, 1, 3650>, show_integer<&C::reconcile_max_age_days>},
  };
  return kSpecs;
}

std::string_view setting_type(const SettingSpec& spec) {
  const std::string_view n = spec.name;
  if (spec.secret) return "SECRET";
  if (n.ends_with("_URL")) return "URL";
  if (n.ends_with("_FILE")) return "PATH";
  if (n == "DRY_RUN" || n == "STATUS_PAGE") return "BOOL";
  for (const std::string_view unit : {"_SECONDS", "_MS", "_DAYS", "_PERCENT", "_ATTEMPTS", "_BYTES",
                                      "_CONNECTIONS", "_WORKERS", "_MINUTE", "PORT"})
    if (n.ends_with(unit)) return "INT";
  return "TEXT";
}

std::string flag_name(std::string_view setting) {
  std::string out(setting);
  for (auto& c : out) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

RawSettings parse_dotenv(std::string_view text) {
  RawSettings out;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    std::string_view line = trim(text.substr(0, newline));
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    if (line.empty() || line.front() == '#') continue;
    if (line.substr(0, 7) == "export ") line = trim(line.substr(7));
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = trim(line.substr(0, eq));
    std::string_view value = trim(line.substr(eq + 1));
    if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
      const char quote = value.front();
      const auto close = value.find(quote, 1);
      value = close == std::string_view::npos ? value.substr(1) : value.substr(1, close - 1);
    } else if (const auto hash = value.find(" #"); hash != std::string_view::npos) {
      value = trim(value.substr(0, hash));
    } else if (const auto tab_hash = value.find("\t#"); tab_hash != std::string_view::npos) {
      value = trim(value.substr(0, tab_hash));
    }
    if (!key.empty()) out[std::string(key)] = std::string(value);
  }
  return out;
}

RawSettings merge_settings(const RawSettings& dotenv, const RawSettings& environment,
                           const RawSettings& flags) {
  RawSettings out = dotenv;
  for (const auto& [k, v] : environment) out[k] = v;
  for (const auto& [k, v] : flags) out[k] = v;
  return out;
}

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Prefixes other programs' variables commonly share (HTTP_PROXY, LOG_DIR, MAX_...): an unknown name with one
// is flagged only in a .env file, which is ours alone.
constexpr std::string_view kSharedPrefixes[] = {"HTTP_", "LOG_", "MAX_", "REQUEST_", "BODY_"};

}  // namespace

bool is_setting(std::string_view name) {
  return std::any_of(setting_specs().begin(), setting_specs().end(),
                     [&](const SettingSpec& spec) { return spec.name == name; });
}

bool has_our_prefix(std::string_view name, bool in_environment) {
  const auto word_end = name.find('_');
  for (const auto& spec : setting_specs()) {
    const auto underscore = spec.name.find('_');
    if (underscore == std::string_view::npos) continue;
    const std::string_view prefix = spec.name.substr(0, underscore + 1);
    // A misspelt first word counts too (PAGERDTY_API_KEY): one edit in a word of six or seven letters, two
    // in a longer one. Shorter words (LOG, MAX, RETRY) are too near to other programs' names.
    const std::size_t letters = prefix.size() - 1;
    const bool misspelt =
        word_end != std::string_view::npos && letters >= 6 &&
        edit_distance(name.substr(0, word_end), prefix.substr(0, letters)) <= (letters >= 8 ? 2u : 1u);
    if (!name.starts_with(prefix) && !misspelt) continue;
    if (in_environment && std::find(std::begin(kSharedPrefixes), std::end(kSharedPrefixes), prefix) !=
                              std::end(kSharedPrefixes))
      continue;
    return true;
  }
  return false;
}

std::optional<std::string> closest_setting(std::string_view name) {
  std::optional<std::string> best;
  std::size_t best_distance = 4;  // at most three edits away
  for (const auto& spec : setting_specs()) {
    // A name without its unit (RECONCILE_INTERVAL for RECONCILE_INTERVAL_SECONDS) is as near as one edit.
    const bool unit_left_off = spec.name.starts_with(name) &&
                               spec.name.substr(name.size()).starts_with("_") &&
                               spec.name.find('_', name.size() + 1) == std::string_view::npos;
    const std::size_t d = unit_left_off ? 1 : edit_distance(name, spec.name);
    if (d < best_distance) {
      best_distance = d;
      best = std::string(spec.name);
    }
  }
  return best;
}

Status check_names(const RawSettings& given, std::string_view where, bool in_environment) {
  for (const auto& [name, value] : given) {
    if (is_setting(name) || !has_our_prefix(name, in_environment)) continue;
    std::string message = printable(name) + " (" + std::string(where) + "): not a setting of ogpd-proxy";
    if (auto near = closest_setting(name)) message += "; did you mean " + *near + "?";
    return Status::invalid(message + " (ogpd-proxy --help lists every setting)");
  }
  return {};
}

Result<Config> validate(const RawSettings& raw) {
  Config c;
  for (const auto& spec : setting_specs()) {
    const auto given = get(raw, spec.name);
    const std::string_view text = given ? std::string_view(*given) : spec.default_value;
    if (text.empty()) continue;
    if (auto s = spec.apply(text, c); !s.ok()) return s.prefixed(std::string(spec.name) + ": ");
  }
  if (auto s = check_together(c); !s.ok()) return s;
  return c;
}

std::vector<std::string> describe(const Config& c) {
  std::vector<std::string> lines;
  for (const auto& spec : setting_specs()) lines.push_back(std::string(spec.name) + "=" + spec.show(c));
  return lines;
}

std::optional<std::map<std::string, std::string>> parse_urgency_map(const std::string& text) {
  std::map<std::string, std::string> out;
  std::string_view rest = text;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string priority(item.substr(0, eq));
    const std::string urgency(item.substr(eq + 1));
    if (priority.size() == 1 && priority[0] >= '1' && priority[0] <= '5') priority = "P" + priority;
    if (priority.size() != 2 || (priority[0] != 'P' && priority[0] != 'p') || priority[1] < '1' ||
        priority[1] > '5')
      return std::nullopt;
    priority[0] = 'P';
    if (urgency != "high" && urgency != "low") return std::nullopt;
    out[priority] = urgency;
  }
  return out;
}

}  // namespace ogpd::ops
