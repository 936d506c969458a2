// Config: every setting of ogpd-proxy, read from command-line flags, the environment and a `.env` file, in
// that order of precedence (an already-set environment variable wins over `.env`, as python-dotenv does).
//
// Each setting is declared once, in the table setting_specs() returns: one name (the environment variable),
// one flag (`--lower-case-name`), its default, check and help. Validation turns the raw text into typed
// values or into one error line naming the setting. Secrets are never part of an error or a description. Pure
// apart from load_dotenv (reads a file); thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/route.h"
#include "core/status.h"

namespace ogpd::ops {

struct Config;

// One setting, declared once: its name (the environment variable, and --lower-case-name as a flag), its
// default, whether it is a secret, its help, how its text becomes part of a Config, and how the Config's
// value is shown by check-config. Flags, the environment, `.env`, validation, --help and describe() all come
// from this one table.
struct SettingSpec {
  std::string_view name;           // e.g. "PAGERDUTY_API_KEY"
  std::string_view default_value;  // "" = unset
  bool secret;
  std::string_view help;
  // `text` is trimmed and non-empty. A failure's message follows "NAME: " and never holds a secret.
  Status (*apply)(std::string_view text, Config& config);
  // The effective value as check-config prints it; secrets shown as "set (hidden)" or "unset".
  std::string (*show)(const Config& config);
};

// Every setting, in the order --help and check-config list them.
const std::vector<SettingSpec>& setting_specs();

// What a setting's value is, as --help shows it and check-config --json types it: INT, URL, PATH, BOOL,
// SECRET or TEXT.
std::string_view setting_type(const SettingSpec& spec);

// "PAGERDUTY_API_KEY" -> "pagerduty-api-key"
std::string flag_name(std::string_view setting);

// Raw settings by name; only names present were given somewhere.
using RawSettings = std::map<std::string, std::string, std::less<>>;

// Parses `.env` text: KEY=VALUE lines, `export KEY=...`, `#` comments, single or double quotes, inline
// ` #` comments after unquoted values. Unknown keys are kept (callers ignore them).
RawSettings parse_dotenv(std::string_view text);

// `environment` wins over `dotenv`; `flags` win over both.
RawSettings merge_settings(const RawSettings& dotenv, const RawSettings& environment,
                           const RawSettings& flags);

enum class Store { kSqlite, kPostgres };

// The dry run's own store beside `path`: data/ogpd.db -> data/ogpd.dry-run.db (other names get .dry-run).
std::string dry_run_store_path(const std::string& path);

// The effective settings. Only validate() makes a complete one: every default lives in the settings table,
// none here.
struct Config {
  std::string host;
  std::uint16_t port = 0;

  std::optional<std::string> pagerduty_api_key;
  std::optional<std::string> pagerduty_service_id;
  std::vector<std::string> pagerduty_webhook_secrets;
  std::optional<std::string> pagerduty_email;
  std::optional<std::string> pagerduty_user;
  std::optional<std::string> opsgenie_api_key;
  std::optional<std::string> opsgenie_integration_id;
  std::optional<std::string> opsgenie_webhook_token;
  std::optional<std::string> routes_file;  // ROUTES_FILE
  RouteTable routes;                       // read from routes_file, or the one route the settings above make
  std::optional<std::string> tls_cert_file;  // both or neither: HTTPS on PORT instead of plain HTTP
  std::optional<std::string> tls_key_file;
  std::string pagerduty_api_url;
  std::string pagerduty_events_url;
  std::string opsgenie_api_url;
  std::string alerts_api;  // ALERTS_API: "opsgenie" or "jsm"
  std::optional<std::string> jsm_cloud_id;
  std::optional<std::string> jsm_email;
  std::optional<std::string> jsm_api_token;
  std::string jsm_api_url;
  int jsm_requests_per_minute = 0;

  std::string database_url;
  Store store = Store::kSqlite;
  std::string sqlite_path;
  int outbox_lease_seconds = 0;      // PostgreSQL: an outbox claim's lease
  int database_max_connections = 0;  // PostgreSQL: the pool's size

  std::optional<bool> dry_run_asked;  // DRY_RUN as given; unset: on exactly when credentials are missing
  bool dry_run = false;
  std::vector<std::string> missing_credentials;  // non-empty => dry_run was switched on for this reason

  // The SQLite file the proxy uses: sqlite_path, or in a dry run its own file beside it
  // (dry_run_store_path), so a dry run never takes, "sends" or alters work a real run queued, and never
  // writes links a real run would trust.
  std::string store_path() const { return dry_run ? dry_run_store_path(sqlite_path) : sqlite_path; }

  std::string log_level;
  std::string log_format;

  std::size_t body_limit_bytes = 0;
  std::size_t max_connections = 0;
  int request_timeout_seconds = 0;
  int shutdown_grace_seconds = 0;

  std::map<std::string, std::string> urgency_by_priority;
  int retry_max_attempts = 0;
  long long retry_max_age_seconds = 0;
  int retry_base_delay_ms = 0;
  int delivery_workers = 0;
  int pagerduty_requests_per_minute = 0;
  int opsgenie_requests_per_minute = 0;
  int http_timeout_seconds = 0;
  int retention_days = 0;
  int reconcile_interval_seconds = 0;
  int reconcile_budget_percent = 0;
  int reconcile_max_age_days = 0;
  bool status_page = false;  // GET /status serves the status page
};

// Reads a DATABASE_URL into `config` (store, sqlite_path), as the setting does.
Status read_database_url(std::string_view text, Config& config);
// A DATABASE_URL with its password (user:password@, password=...) replaced by "(hidden)".
std::string redacted_database_url(const std::string& url);
// The SQLite file in use (store_path()) as an absolute path: a relative one is relative to the directory
// the command runs in, so a command run from elsewhere shows where it looked.
std::string resolved_store_path(const Config& config);
// Which store the settings name, for operators: sqlite:<the file in use, as an absolute path> or the
// redacted URL.
std::string store_label(const Config& config);

// "P1=high,P3=low" -> {P1: high, P3: low}; nullopt when malformed.
std::optional<std::map<std::string, std::string>> parse_urgency_map(const std::string& text);

// Names: whether `name` is a setting, and whether it looks like one (it starts as a setting does:
// PAGERDUTY_, OPSGENIE_, RETRY_, ...; in the environment, prefixes other programs share too, such as HTTP_,
// do not count). closest_setting: the setting at most three edits away (or only its unit left off), if
// any.
bool is_setting(std::string_view name);
bool has_our_prefix(std::string_view name, bool in_environment);
std::optional<std::string> closest_setting(std::string_view name);
// The first name in `given` (read from `where`: ".env", "the environment") that looks like a setting but is
// none, as an error with "did you mean" when one is near; ok when there is none.
Status check_names(const RawSettings& given, std::string_view where, bool in_environment);

// Every setting from `raw` or its default, checked alone and then together (TLS files in pairs, DRY_RUN
// against the credentials). A failure is one line that names the setting and never holds a secret value.
Result<Config> validate(const RawSettings& raw);

// Lines describing the effective configuration with secrets hidden ("set (hidden)" / "unset").
std::vector<std::string> describe(const Config& config);

}  // namespace ogpd::ops
