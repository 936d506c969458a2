#include "ops/config.h"

#include <boost/asio/ip/address.hpp>
#include <cctype>
#include <charconv>

#include "core/text.h"

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

struct Bounded {
  std::string_view name;
  long long min;
  long long max;
};

}  // namespace

const std::vector<SettingSpec>& setting_specs() {
  static const std::vector<SettingSpec> kSpecs{
      {"HOST", "0.0.0.0", false, "address to listen on"},
      {"PORT", "5001", false, "port to listen on (1-65535)"},
      {"PAGERDUTY_API_KEY", "", true, "PagerDuty REST API key"},
      {"PAGERDUTY_SERVICE_ID", "", false, "PagerDuty service that incidents are created on"},
      {"PAGERDUTY_WEBHOOK_SECRET", "", true,
       "PagerDuty webhook signing secret(s), comma-separated; when set, /pd-webhook requires a valid "
       "signature"},
      {"PAGERDUTY_EMAIL", "", false, "email of the PagerDuty user sent as From"},
      {"PAGERDUTY_USER", "", false,
       "the proxy's own PagerDuty user (id or name); its events are never mirrored"},
      {"OPSGENIE_API_KEY", "", true, "Opsgenie API key"},
      {"OPSGENIE_INTEGRATION_ID", "", false, "only alerts from this Opsgenie webhook integration are synced"},
      {"OPSGENIE_WEBHOOK_TOKEN", "", true,
       "when set, /ops-webhook requires Authorization: Bearer <token> or X-Webhook-Token: <token>"},
      {"PAGERDUTY_API_URL", "https://api.pagerduty.com", false, "PagerDuty REST base URL"},
      {"OPSGENIE_API_URL", "https://api.opsgenie.com", false, "Opsgenie API base URL"},
      {"DATABASE_URL", "sqlite:data/ogpd.db", false, "the store: sqlite:<path> or postgresql://..."},
      {"DRY_RUN", "", false,
       "log outbound calls instead of making them (default: true when credentials are missing)"},
      {"LOG_LEVEL", "info", false, "trace, debug, info, warn, error or off"},
      {"LOG_FORMAT", "text", false, "text, or json for one JSON object per line"},
      {"BODY_LIMIT_BYTES", "262144", false, "largest webhook body accepted; larger ones get 413"},
      {"MAX_CONNECTIONS", "1024", false, "open connections beyond this are refused"},
      {"REQUEST_TIMEOUT_SECONDS", "10", false,
       "time allowed to receive one request, and idle keep-alive time"},
      {"SHUTDOWN_GRACE_SECONDS", "10", false, "on SIGTERM, time allowed for in-flight requests to finish"},
      {"PRIORITY_URGENCY", "P1=high,P2=high,P3=low,P4=low,P5=low", false,
       "PagerDuty urgency for each Opsgenie priority (unlisted priorities keep their default)"},
      {"RETRY_MAX_ATTEMPTS", "12", false, "attempts before an action becomes a dead letter"},
      {"RETRY_MAX_AGE_SECONDS", "86400", false, "age after which a failing action becomes a dead letter"},
      {"RETRY_BASE_DELAY_MS", "1000", false,
       "first retry delay; doubles each attempt (with jitter), at most 5 minutes"},
      {"DELIVERY_WORKERS", "4", false,
       "outbound calls made at once (never two for the same alert/incident pair)"},
      {"PAGERDUTY_REQUESTS_PER_MINUTE", "900", false,
       "pace of PagerDuty calls (PagerDuty allows 960 per key)"},
      {"OPSGENIE_REQUESTS_PER_MINUTE", "600", false, "pace of Opsgenie calls"},
      {"HTTP_TIMEOUT_SECONDS", "15", false, "time allowed for one outbound call"},
      {"TLS_CERT_FILE", "", false,
       "PEM certificate chain: serve HTTPS directly (with TLS_KEY_FILE; reloaded on SIGHUP)"},
      {"TLS_KEY_FILE", "", false, "PEM private key of TLS_CERT_FILE"},
      {"RETENTION_DAYS", "30", false,
       "finished events and actions older than this are deleted (0: keep everything); links and dead letters "
       "stay"},
  };
  return kSpecs;
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

std::variant<Config, ConfigError> validate(const RawSettings& raw) {
  Config c;
  if (auto host = get(raw, "HOST")) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(*host == "localhost" ? "127.0.0.1" : *host, ec);
    if (ec) return ConfigError{"HOST: '" + *host + "' is not an IP address (e.g. 0.0.0.0, 127.0.0.1, ::)"};
    c.host = *host == "localhost" ? "127.0.0.1" : *host;
  }
  if (auto port = get(raw, "PORT")) {
    const auto value = parse_integer(*port);
    if (!value || *value < 1 || *value > 65535)
      return ConfigError{"PORT: '" + *port + "' is not a port number (1-65535)"};
    c.port = static_cast<std::uint16_t>(*value);
  }

  c.pagerduty_api_key = get(raw, "PAGERDUTY_API_KEY");
  c.pagerduty_service_id = get(raw, "PAGERDUTY_SERVICE_ID");
  if (auto secrets = get(raw, "PAGERDUTY_WEBHOOK_SECRET"))
    c.pagerduty_webhook_secrets = split_secrets(*secrets);
  c.pagerduty_email = get(raw, "PAGERDUTY_EMAIL");
  c.pagerduty_user = get(raw, "PAGERDUTY_USER");
  c.opsgenie_api_key = get(raw, "OPSGENIE_API_KEY");
  c.opsgenie_integration_id = get(raw, "OPSGENIE_INTEGRATION_ID");
  c.opsgenie_webhook_token = get(raw, "OPSGENIE_WEBHOOK_TOKEN");
  c.tls_cert_file = get(raw, "TLS_CERT_FILE");
  c.tls_key_file = get(raw, "TLS_KEY_FILE");
  if (c.tls_cert_file.has_value() != c.tls_key_file.has_value())
    return ConfigError{std::string(c.tls_cert_file ? "TLS_KEY_FILE" : "TLS_CERT_FILE") +
                       ": HTTPS needs both TLS_CERT_FILE and TLS_KEY_FILE"};

  for (auto [name, target] : {std::pair{"PAGERDUTY_API_URL", &c.pagerduty_api_url},
                              std::pair{"OPSGENIE_API_URL", &c.opsgenie_api_url}}) {
    if (auto url = get(raw, name)) {
      if (!is_http_url(*url))
        return ConfigError{std::string(name) + ": '" + *url + "' is not an http(s) URL"};
      while (url->size() > 1 && url->back() == '/') url->pop_back();
      *target = *url;
    }
  }

  if (auto url = get(raw, "DATABASE_URL")) {
    c.database_url = *url;
    if (url->rfind("sqlite:", 0) == 0) {
      std::string path = url->substr(7);
      if (path.rfind("//", 0) == 0) path = path.substr(2);  // sqlite:///abs/path and sqlite://rel both work
      if (path.empty())
        return ConfigError{"DATABASE_URL: 'sqlite:' needs a file path, e.g. sqlite:data/ogpd.db"};
      c.store = Store::kSqlite;
      c.sqlite_path = path;
    } else if (url->rfind("postgresql://", 0) == 0 || url->rfind("postgres://", 0) == 0) {
      c.store = Store::kPostgres;
    } else {
      const auto colon = url->find(':');
      return ConfigError{"DATABASE_URL: unknown scheme '" +
                         (colon == std::string::npos ? *url : url->substr(0, colon)) +
                         "' (use sqlite:<path> or postgresql://...)"};
    }
  }

  if (!c.pagerduty_api_key) c.missing_credentials.push_back("PAGERDUTY_API_KEY");
  if (!c.pagerduty_service_id) c.missing_credentials.push_back("PAGERDUTY_SERVICE_ID");
  if (!c.pagerduty_email) c.missing_credentials.push_back("PAGERDUTY_EMAIL");
  if (!c.opsgenie_api_key) c.missing_credentials.push_back("OPSGENIE_API_KEY");
  if (auto dry = get(raw, "DRY_RUN")) {
    const auto value = parse_bool(*dry);
    if (!value) return ConfigError{"DRY_RUN: '" + *dry + "' is not a boolean (true/false)"};
    if (!*value && !c.missing_credentials.empty()) {
      std::string names;
      for (const auto& n : c.missing_credentials) names += (names.empty() ? "" : ", ") + n;
      return ConfigError{"DRY_RUN: false needs credentials, but these are not set: " + names};
    }
    c.dry_run = *value;
  } else {
    c.dry_run = !c.missing_credentials.empty();
  }
  if (c.dry_run && get(raw, "DRY_RUN")) c.missing_credentials.clear();  // asked for, not forced

  if (auto level = get(raw, "LOG_LEVEL")) {
    static constexpr std::string_view kLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
    bool known = false;
    for (auto l : kLevels) known |= *level == l;
    if (!known)
      return ConfigError{"LOG_LEVEL: '" + *level + "' is not one of trace, debug, info, warn, error, off"};
    c.log_level = *level;
  }
  if (auto format = get(raw, "LOG_FORMAT")) {
    if (*format != "text" && *format != "json")
      return ConfigError{"LOG_FORMAT: '" + *format + "' is not text or json"};
    c.log_format = *format;
  }

  static constexpr Bounded kBounded[] = {{"BODY_LIMIT_BYTES", 1024, 64LL * 1024 * 1024},
                                         {"MAX_CONNECTIONS", 1, 1000000},
                                         {"REQUEST_TIMEOUT_SECONDS", 1, 3600},
                                         {"SHUTDOWN_GRACE_SECONDS", 0, 3600},
                                         {"RETRY_MAX_ATTEMPTS", 1, 1000},
                                         {"RETRY_MAX_AGE_SECONDS", 1, 30LL * 86400},
                                         {"DELIVERY_WORKERS", 1, 64},
                                         {"PAGERDUTY_REQUESTS_PER_MINUTE", 1, 100000},
                                         {"OPSGENIE_REQUESTS_PER_MINUTE", 1, 100000},
                                         {"HTTP_TIMEOUT_SECONDS", 1, 600},
                                         {"RETRY_BASE_DELAY_MS", 1, 600000},
                                         {"RETENTION_DAYS", 0, 36500}};
  long long values[std::size(kBounded)];
  for (std::size_t i = 0; i < std::size(kBounded); ++i) {
    const auto& b = kBounded[i];
    values[i] = -1;
    if (auto text = get(raw, b.name)) {
      const auto v = parse_integer(*text);
      if (!v || *v < b.min || *v > b.max)
        return ConfigError{std::string(b.name) + ": '" + *text + "' is not an integer in " +
                           std::to_string(b.min) + "-" + std::to_string(b.max)};
      values[i] = *v;
    }
  }
  if (values[0] >= 0) c.body_limit_bytes = static_cast<std::size_t>(values[0]);
  if (values[1] >= 0) c.max_connections = static_cast<std::size_t>(values[1]);
  if (values[2] >= 0) c.request_timeout_seconds = static_cast<int>(values[2]);
  if (values[3] >= 0) c.shutdown_grace_seconds = static_cast<int>(values[3]);
  if (values[4] >= 0) c.retry_max_attempts = static_cast<int>(values[4]);
  if (values[5] >= 0) c.retry_max_age_seconds = values[5];
  if (values[6] >= 0) c.delivery_workers = static_cast<int>(values[6]);
  if (values[7] >= 0) c.pagerduty_requests_per_minute = static_cast<int>(values[7]);
  if (values[8] >= 0) c.opsgenie_requests_per_minute = static_cast<int>(values[8]);
  if (values[9] >= 0) c.http_timeout_seconds = static_cast<int>(values[9]);
  if (values[10] >= 0) c.retry_base_delay_ms = static_cast<int>(values[10]);
  if (values[11] >= 0) c.retention_days = static_cast<int>(values[11]);
  if (auto map = get(raw, "PRIORITY_URGENCY")) {
    auto parsed = parse_urgency_map(*map);
    if (!parsed)
      return ConfigError{"PRIORITY_URGENCY: '" + *map + "' is not a list like P1=high,P2=high,P3=low"};
    c.urgency_by_priority = std::move(*parsed);
  }
  return c;
}

std::vector<std::string> describe(const Config& c) {
  const auto secret = [](bool set) { return std::string(set ? "set (hidden)" : "unset"); };
  const auto plain = [](const std::optional<std::string>& v) { return v ? *v : std::string("unset"); };
  std::string urgency;
  for (const auto& [priority, level] : c.urgency_by_priority)
    urgency += (urgency.empty() ? "" : ",") + priority + "=" + level;
  std::vector<std::string> lines{
      "HOST=" + c.host,
      "PORT=" + std::to_string(c.port),
      "PAGERDUTY_API_KEY=" + secret(c.pagerduty_api_key.has_value()),
      "PAGERDUTY_SERVICE_ID=" + plain(c.pagerduty_service_id),
      "PAGERDUTY_WEBHOOK_SECRET=" +
          (c.pagerduty_webhook_secrets.empty()
               ? std::string("unset (signatures not checked)")
               : std::to_string(c.pagerduty_webhook_secrets.size()) + " secret(s) set (hidden)"),
      "PAGERDUTY_EMAIL=" + plain(c.pagerduty_email),
      "PAGERDUTY_USER=" + plain(c.pagerduty_user),
      "OPSGENIE_API_KEY=" + secret(c.opsgenie_api_key.has_value()),
      "OPSGENIE_INTEGRATION_ID=" + (c.opsgenie_integration_id
                                        ? *c.opsgenie_integration_id
                                        : std::string("unset (every integration is synced)")),
      "OPSGENIE_WEBHOOK_TOKEN=" + secret(c.opsgenie_webhook_token.has_value()),
      "PAGERDUTY_API_URL=" + c.pagerduty_api_url,
      "OPSGENIE_API_URL=" + c.opsgenie_api_url,
      "DATABASE_URL=" +
          std::string(c.store == Store::kSqlite ? "sqlite:" + c.sqlite_path : "postgresql://(hidden)") +
          (c.dry_run && c.store == Store::kSqlite ? " (dry run: its own file, " + c.store_path() + ")" : ""),
      "DRY_RUN=" + std::string(c.dry_run ? "true" : "false"),
      "LOG_LEVEL=" + c.log_level,
      "LOG_FORMAT=" + c.log_format,
      "BODY_LIMIT_BYTES=" + std::to_string(c.body_limit_bytes),
      "MAX_CONNECTIONS=" + std::to_string(c.max_connections),
      "REQUEST_TIMEOUT_SECONDS=" + std::to_string(c.request_timeout_seconds),
      "SHUTDOWN_GRACE_SECONDS=" + std::to_string(c.shutdown_grace_seconds),
      "PRIORITY_URGENCY=" + urgency,
      "RETRY_MAX_ATTEMPTS=" + std::to_string(c.retry_max_attempts),
      "RETRY_MAX_AGE_SECONDS=" + std::to_string(c.retry_max_age_seconds),
      "RETRY_BASE_DELAY_MS=" + std::to_string(c.retry_base_delay_ms),
      "DELIVERY_WORKERS=" + std::to_string(c.delivery_workers),
      "PAGERDUTY_REQUESTS_PER_MINUTE=" + std::to_string(c.pagerduty_requests_per_minute),
      "OPSGENIE_REQUESTS_PER_MINUTE=" + std::to_string(c.opsgenie_requests_per_minute),
      "HTTP_TIMEOUT_SECONDS=" + std::to_string(c.http_timeout_seconds),
      "TLS_CERT_FILE=" + (c.tls_cert_file ? *c.tls_cert_file : std::string("unset (plain HTTP)")),
      "TLS_KEY_FILE=" + (c.tls_key_file ? *c.tls_key_file : std::string("unset")),
      "RETENTION_DAYS=" + std::to_string(c.retention_days),
  };
  return lines;
}

std::optional<std::map<std::string, std::string>> parse_urgency_map(const std::string& text) {
  std::map<std::string, std::string> out = Config{}.urgency_by_priority;
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
