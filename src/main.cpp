// ogpd-proxy: wiring only. Reads the configuration, builds the graph (store -> server), runs until SIGTERM.
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/dead_letters.h"
#include "cli/inspect.h"
#include "delivery/engine.h"
#include "delivery/metrics_observer.h"
#include "ops/config.h"
#include "ops/log.h"
#include "ops/metrics.h"
#include "server/server.h"
#include "store/sqlite_store.h"
#include "store/sqlite_sync_store.h"
#include "clients/apis.h"
#include "clients/dry_run_client.h"

#ifndef OGPD_VERSION
#define OGPD_VERSION "0.0.0"
#endif

namespace {

using ogpd::ops::Config;
using ogpd::ops::RawSettings;

RawSettings read_environment() {
  RawSettings env;
  for (const auto& spec : ogpd::ops::setting_specs()) {
    const std::string name(spec.name);
    if (const char* value = std::getenv(name.c_str())) env[name] = value;
  }
  return env;
}

RawSettings read_dotenv(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::stringstream text;
  text << in.rdbuf();
  return ogpd::ops::parse_dotenv(text.str());
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Opens the daemon's store for an operator command (migrating it first, as the daemon would) and runs
// `command`.
int with_store(const Config& config, const std::function<int(ogpd::store::SyncStore&)>& command) {
  if (config.store == ogpd::ops::Store::kPostgres) {
    std::cerr << "ogpd-proxy: DATABASE_URL: the PostgreSQL store is not available in this version\n";
    return 2;
  }
  // An operator command reads the store a daemon with these settings uses; it never creates one, so settings
  // that differ from the daemon's (no credentials: a dry run, with a store of its own) are an error, not an
  // empty answer.
  if (!std::filesystem::exists(config.store_path())) {
    std::cerr << "ogpd-proxy: no store at " << config.store_path()
              << (config.dry_run
                      ? " (these settings are a dry run, whose store is its own: run with the daemon's "
                        "settings, credentials included)"
                      : "")
              << "\n";
    return 1;
  }
  std::string error;
  auto journal = ogpd::store::SqliteStore::open(config.store_path(), &error);  // applies pending migrations
  if (journal) journal->stop();
  auto store = journal ? ogpd::store::SqliteSyncStore::open(config.store_path(), &error) : nullptr;
  if (!store) {
    std::cerr << "ogpd-proxy: DATABASE_URL: " << error << "\n";
    return 1;
  }
  return command(*store);
}

int serve(const Config& config) {
  // `systemctl reload` during start-up must not end the process: SIGHUP is ignored until its handler is in.
  std::signal(SIGHUP, SIG_IGN);
  ogpd::ops::configure_logging(config.log_level, config.log_format);
  spdlog::info("ogpd-proxy {} starting", OGPD_VERSION);
  if (config.store == ogpd::ops::Store::kPostgres) {
    spdlog::critical(
        "DATABASE_URL: the PostgreSQL store is not available in this version; use sqlite:<path>");
    return 2;
  }
  if (!config.missing_credentials.empty()) {
    std::string names;
    for (const auto& n : config.missing_credentials) names += (names.empty() ? "" : ", ") + n;
    spdlog::warn("**********************************************************************");
    spdlog::warn("DRY RUN: {} not set. Webhooks are accepted and stored, but NOTHING is", names);
    spdlog::warn("sent to PagerDuty or Opsgenie. Set the credentials (or DRY_RUN=true to silence this).");
    spdlog::warn("**********************************************************************");
  } else if (config.dry_run) {
    spdlog::warn("DRY_RUN=true: nothing will be sent to PagerDuty or Opsgenie");
  }
  if (!config.opsgenie_integration_id)
    spdlog::warn("OPSGENIE_INTEGRATION_ID is not set: alerts from every Opsgenie integration are accepted");
  if (config.pagerduty_webhook_secrets.empty())
    spdlog::warn("PAGERDUTY_WEBHOOK_SECRET is not set: /pd-webhook accepts unsigned deliveries");
  if (!config.opsgenie_webhook_token)
    spdlog::warn(
        "OPSGENIE_WEBHOOK_TOKEN is not set: /ops-webhook accepts deliveries from anyone who can reach it");

  std::string error;
  auto store = ogpd::store::SqliteStore::open(config.store_path(), &error);
  if (!store) {
    spdlog::critical("DATABASE_URL: {}", error);
    return 1;
  }
  spdlog::info("store sqlite:{} schema version {}", config.store_path(), store->schema_version());
  if (config.dry_run)
    spdlog::warn("DRY RUN uses its own store, {}: work queued in {} by a run with credentials is left alone",
                 config.store_path(), config.sqlite_path);
  auto sync_store = ogpd::store::SqliteSyncStore::attach(*store);

  ogpd::clients::global_http_init();
  std::unique_ptr<ogpd::clients::HttpClient> http;
  if (config.dry_run) {
    http = std::make_unique<ogpd::clients::DryRunHttpClient>();
  } else {
    http = std::make_unique<ogpd::clients::CurlHttpClient>(
        ogpd::clients::CurlSettings{.total_timeout = std::chrono::seconds(config.http_timeout_seconds)});
  }
  ogpd::clients::PagerDutyApi pagerduty(*http, {.base_url = config.pagerduty_api_url,
                                               .api_key = config.pagerduty_api_key.value_or(""),
                                               .from_email = config.pagerduty_email.value_or(""),
                                               .service_id = config.pagerduty_service_id.value_or("")});
  ogpd::clients::OpsgenieApi opsgenie(
      *http, {.base_url = config.opsgenie_api_url, .api_key = config.opsgenie_api_key.value_or("")});
  ogpd::delivery::SystemClock clock;
  ogpd::delivery::EngineSettings engine_settings;
  engine_settings.sync.urgency_by_priority = config.urgency_by_priority;
  engine_settings.sync.own_user = config.pagerduty_user;
  engine_settings.retry.max_attempts = config.retry_max_attempts;
  engine_settings.retry.max_age = std::chrono::seconds(config.retry_max_age_seconds);
  engine_settings.retry.base_delay = std::chrono::milliseconds(config.retry_base_delay_ms);
  engine_settings.workers = config.delivery_workers;
  engine_settings.retention = std::chrono::hours(24 * config.retention_days);
  engine_settings.pagerduty_per_second = config.pagerduty_requests_per_minute / 60.0;
  engine_settings.opsgenie_per_second = config.opsgenie_requests_per_minute / 60.0;
  if (!config.dry_run) engine_settings.own_email = config.pagerduty_email;
  ogpd::ops::Metrics metrics;
  ogpd::ops::describe_ogpd_metrics(metrics, OGPD_VERSION);
  metrics.set("ogpd_dry_run", {}, config.dry_run ? 1 : 0);
  ogpd::delivery::MetricsObserver observer(metrics);
  if (!config.dry_run) ogpd::delivery::set_call_observer(&observer);  // dry runs make no calls to count
  ogpd::delivery::Engine engine(*sync_store, pagerduty, opsgenie, engine_settings, clock, &observer);
  store->set_planner(&engine.planner());
  store->set_on_commit([&engine] { engine.wake(); });
  engine.start();

  // Each connection is a descriptor: take what the hard limit allows, and never promise more connections
  // than descriptors (past that, accept() fails with EMFILE).
  std::size_t max_connections = config.max_connections;
  if (rlimit files{}; ::getrlimit(RLIMIT_NOFILE, &files) == 0) {
    if (files.rlim_cur < files.rlim_max) {
      rlimit raised = files;
      raised.rlim_cur = files.rlim_max;
      if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) files = raised;
    }
    max_connections = ogpd::server::connections_within(config.max_connections, files.rlim_cur);
    if (max_connections < config.max_connections)
      spdlog::warn("MAX_CONNECTIONS={} lowered to {}: this process may open only {} files (ulimit -n)",
                   config.max_connections, max_connections, files.rlim_cur);
  }

  boost::asio::io_context io(1);
  ogpd::server::Server server(
      io,
      {.body_bytes = config.body_limit_bytes,
       .connections = max_connections,
       .request_timeout = std::chrono::seconds(config.request_timeout_seconds),
       .shutdown_grace = std::chrono::seconds(config.shutdown_grace_seconds)},
      {.opsgenie_integration_id = config.opsgenie_integration_id,
       .opsgenie_webhook_token = config.opsgenie_webhook_token,
       .pagerduty_secrets = config.pagerduty_webhook_secrets},
      *store,
      {.metrics = &metrics,
       .render_metrics =
           [&] {
             return metrics.render([&](std::string& out) {
               ogpd::delivery::render_queue_metrics(sync_store->queue_stats(), clock.now_ms(), out);
               ogpd::ops::render_process_metrics(out);
             });
           },
       .workers_ready = [&] { return engine.running() && clock.now_ms() - engine.last_loop_ms() < 30'000; }});
  const bool tls = config.tls_cert_file.has_value();
  const ogpd::server::TlsFiles tls_files{config.tls_cert_file.value_or(""), config.tls_key_file.value_or("")};
  if (tls) {
    if (auto failed = server.use_tls(tls_files); !failed.empty()) {
      spdlog::critical("{}", failed);
      return 1;
    }
  }
  if (auto failed = server.listen(config.host, config.port); !failed.empty()) {
    spdlog::critical("{}", failed);
    return 1;
  }
  spdlog::info(
      "listening on {}:{} ({}; POST /ops-webhook, POST /pd-webhook, GET /healthz, GET /readyz, GET /metrics)",
      config.host, server.port(), tls ? "HTTPS" : "plain HTTP");

  // SIGHUP: reload the certificate and key (renewed by certbot or the like) for new connections.
  boost::asio::signal_set hangups(io, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_hangup =
      [&](const boost::system::error_code& ec, int) {
        if (ec) return;
        try {
          if (!tls) {
            spdlog::info("SIGHUP: no TLS_CERT_FILE, nothing to reload");
          } else if (auto failed = server.use_tls(tls_files); !failed.empty()) {
            spdlog::error("SIGHUP: {}; the previous certificate stays in use", failed);
          } else {
            spdlog::info("SIGHUP: TLS certificate and key reloaded from {}", tls_files.cert_file);
          }
        } catch (const std::exception& e) {
          spdlog::error("SIGHUP: {}; the previous certificate stays in use", e.what());
        }
        hangups.async_wait(on_hangup);
      };
  hangups.async_wait(on_hangup);

  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: no longer accepting; finishing in-flight requests", signal);
    boost::system::error_code ignored;
    hangups.cancel(ignored);
    server.shutdown();
  });
  // Connections catch their own exceptions (server.h); anything else escaping a handler is logged and the
  // loop goes on rather than taking the process down.
  for (;;) {
    try {
      io.run();
      break;
    } catch (const std::exception& e) {
      spdlog::error("unexpected error in the network loop: {}", e.what());
    }
  }
  store->stop();
  engine.stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "ogpd-proxy: keeps Opsgenie alerts and PagerDuty incidents in sync, both ways.\n"
      "Every setting is read from its flag, else the environment, else ./.env, else its default."};
  app.set_version_flag("--version", std::string("ogpd-proxy ") + OGPD_VERSION);
  std::string env_file = ".env";
  app.add_option("--env-file", env_file, "the .env file to read")->capture_default_str();

  std::map<std::string, std::string> flag_values;
  std::vector<std::pair<std::string, CLI::Option*>> flag_options;
  for (const auto& spec : ogpd::ops::setting_specs()) {
    const std::string name(spec.name);
    std::string help = std::string(spec.help) + " [" + name + "]";
    if (!spec.default_value.empty()) help += " (default: " + std::string(spec.default_value) + ")";
    auto* option = app.add_option("--" + ogpd::ops::flag_name(spec.name), flag_values[name], help);
    flag_options.emplace_back(name, option);
  }
  auto* check =
      app.add_subcommand("check-config", "validate the configuration, print it (secrets hidden), exit");

  ogpd::cli::DeadLetterCommand dead_letter;
  auto* dead =
      app.add_subcommand("dead-letters", "list, show, replay or discard actions that could not be delivered");
  dead->require_subcommand(1);
  for (const char* verb : {"list", "show", "replay", "discard"}) {
    auto* sub = dead->add_subcommand(verb, std::string(verb) + " dead letters");
    sub->add_flag("--json", dead_letter.json, "JSON output");
    if (std::string(verb) == "show" || std::string(verb) == "discard")
      sub->add_option("id", dead_letter.id)->required();
    if (std::string(verb) == "replay") {
      sub->add_option("id", dead_letter.id, "the action id (see list)");
      sub->add_flag("--all", dead_letter.all, "replay every dead letter");
    }
    sub->callback([&dead_letter, verb] { dead_letter.verb = verb; });
  }
  bool json_output = false;
  auto* status =
      app.add_subcommand("status", "queue depth, oldest pending action, dead letters, last success");
  status->add_flag("--json", json_output, "JSON output");
  std::optional<std::string> link_alert, link_incident;
  auto* links = app.add_subcommand("links", "the alert <-> incident pairs (all, or one)");
  links->add_option("--alert", link_alert, "an Opsgenie alert id");
  links->add_option("--incident", link_incident, "a PagerDuty incident id");
  links->add_flag("--json", json_output, "JSON output");
  std::size_t last_events = 20;
  auto* events = app.add_subcommand("events", "the most recent webhooks in the journal, newest first");
  events->add_option("--last", last_events, "how many")->capture_default_str()->check(CLI::Range(1, 100000));
  events->add_flag("--json", json_output, "JSON output");
  CLI11_PARSE(app, argc, argv);

  RawSettings flags;
  for (const auto& [name, option] : flag_options)
    if (option->count() > 0) flags[name] = flag_values[name];
  const RawSettings raw = ogpd::ops::merge_settings(read_dotenv(env_file), read_environment(), flags);

  auto validated = ogpd::ops::validate(raw);
  if (auto* error = std::get_if<ogpd::ops::ConfigError>(&validated)) {
    std::cerr << "ogpd-proxy: configuration error: " << error->message << "\n";
    return 2;
  }
  const auto& config = std::get<Config>(validated);
  if (check->parsed()) {
    for (const auto& line : ogpd::ops::describe(config)) std::cout << line << "\n";
    if (config.store == ogpd::ops::Store::kPostgres) {
      std::cerr
          << "ogpd-proxy: configuration error: DATABASE_URL: the PostgreSQL store is not available in this "
             "version; use sqlite:<path>\n";
      return 2;
    }
    if (!config.missing_credentials.empty()) std::cout << "note: credentials missing, so DRY_RUN is on\n";
    std::cout << "configuration OK\n";
    return 0;
  }
  if (status->parsed() || links->parsed() || events->parsed()) {
    return with_store(config, [&](ogpd::store::SyncStore& store) {
      if (status->parsed())
        return ogpd::cli::run_status(store, {config.dry_run, "sqlite:" + config.store_path()}, json_output,
                                     std::cout, now_ms());
      if (links->parsed())
        return ogpd::cli::run_links(store, link_alert, link_incident, json_output, std::cout, std::cerr);
      return ogpd::cli::run_events(store, last_events, json_output, std::cout);
    });
  }
  if (dead->parsed()) {
    if (dead_letter.verb == "replay" && !dead_letter.all && dead_letter.id.empty()) {
      std::cerr << "ogpd-proxy: dead-letters replay needs an action id or --all\n";
      return 2;
    }
    return with_store(config, [&](ogpd::store::SyncStore& store) {
      return ogpd::cli::run_dead_letters(store, dead_letter, std::cout, std::cerr, now_ms());
    });
  }
  return serve(config);
}
