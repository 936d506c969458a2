// Config: every setting of ogpd-proxy, read from command-line flags, the environment and a `.env` file, in
// that order of precedence (an already-set environment variable wins over `.env`, as python-dotenv does).
//
// Each setting has one name (the environment variable) and one flag (`--lower-case-name`). Validation turns
// the raw text into typed values or into one error line naming the setting. Secrets are never part of an
// error or a description. Pure apart from load_dotenv (reads a file); thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ogpd::ops {

struct SettingSpec {
  std::string_view name;           // environment variable, e.g. "PAGERDUTY_API_KEY"
  std::string_view default_value;  // "" = unset
  bool secret;
  std::string_view help;
};

// Every setting, in the order --help and check-config list them.
const std::vector<SettingSpec>& setting_specs();

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

struct Config {
  std::string host = "0.0.0.0";
  std::uint16_t port = 5001;

  std::optional<std::string> pagerduty_api_key;
  std::optional<std::string> pagerduty_service_id;
  std::vector<std::string> pagerduty_webhook_secrets;
  std::optional<std::string> pagerduty_email;
  std::optional<std::string> pagerduty_user;
  std::optional<std::string> opsgenie_api_key;
  std::optional<std::string> opsgenie_integration_id;
  std::optional<std::string> opsgenie_webhook_token;
  std::optional<std::string> tls_cert_file;  // both or neither: HTTPS on PORT instead of plain HTTP
  std::optional<std::string> tls_key_file;
  std::string pagerduty_api_url = "https://api.pagerduty.com";
  std::string opsgenie_api_url = "https://api.opsgenie.com";

  std::string database_url = "sqlite:data/ogpd.db";
  Store store = Store::kSqlite;
  std::string sqlite_path = "data/ogpd.db";

  bool dry_run = false;
  std::vector<std::string> missing_credentials;  // non-empty => dry_run was switched on for this reason

  // The SQLite file the proxy uses: sqlite_path, or in a dry run its own file beside it
  // (dry_run_store_path), so a dry run never takes, "sends" or alters work a real run queued, and never
  // writes links a real run would trust.
  std::string store_path() const { return dry_run ? dry_run_store_path(sqlite_path) : sqlite_path; }

  std::string log_level = "info";
  std::string log_format = "text";

  std::size_t body_limit_bytes = 256 * 1024;
  std::size_t max_connections = 1024;
  int request_timeout_seconds = 10;
  int shutdown_grace_seconds = 10;

  std::map<std::string, std::string> urgency_by_priority{
      {"P1", "high"}, {"P2", "high"}, {"P3", "low"}, {"P4", "low"}, {"P5", "low"}};
  int retry_max_attempts = 12;
  long long retry_max_age_seconds = 86400;
  int retry_base_delay_ms = 1000;
  int delivery_workers = 4;
  int pagerduty_requests_per_minute = 900;
  int opsgenie_requests_per_minute = 600;
  int http_timeout_seconds = 15;
  int retention_days = 30;
};

// "P1=high,P3=low" -> the default map with those entries replaced; nullopt when malformed.
std::optional<std::map<std::string, std::string>> parse_urgency_map(const std::string& text);

struct ConfigError {
  std::string message;  // one line, names the setting, never a secret value
};

std::variant<Config, ConfigError> validate(const RawSettings& raw);

// Lines describing the effective configuration with secrets hidden ("set (hidden)" / "unset").
std::vector<std::string> describe(const Config& config);

}  // namespace ogpd::ops
