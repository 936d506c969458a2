// ogpd-proxy: wiring only. Parses the command line (cli/command_line.h), runs an operator subcommand, or
// builds the daemon's graph — store -> journal + engine + housekeeping -> server — and runs it until SIGTERM.
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <boost/asio.hpp>
#include <csignal>
#include <future>
#include <iostream>
#include <thread>

#include "cli/check_config.h"
#include "cli/command_line.h"
#include "cli/daemon_settings.h"
#include "cli/dead_letters.h"
#include "cli/doctor.h"
#include "cli/inspect.h"
#include "cli/migrate_links.h"
#include "cli/migrate_store.h"
#include "cli/open_store.h"
#include "cli/operator_store.h"
#include "cli/reconcile.h"
#include "cli/routes.h"
#include "cli/routes_suggest.h"
#include "cli/simulate.h"
#include "cli/status_page.h"
#include "clients/apis.h"
#include "clients/dry_run_client.h"
#include "clients/observing_http_client.h"
#include "core/clock.h"
#include "core/text.h"
#include "delivery/engine.h"
#include "delivery/housekeeping.h"
#include "delivery/metrics_observer.h"
#include "delivery/pacer.h"
#include "delivery/reconciler.h"
#include "ops/config.h"
#include "ops/log.h"
#include "ops/ogpd_metrics.h"
#include "server/server.h"
#include "store/spaced_summary.h"
#include "store/sqlite/owner_lock.h"

#ifndef OGPD_VERSION
#define OGPD_VERSION "0.0.0"
#endif

// libcurl and libpq link librtmp and libldap, which link GnuTLS, whose library constructor initialises it
// (entropy, p11-kit modules, ASN.1 tables: ~0.8 MiB resident) in every process that loads it. The proxy never
// speaks RTMP or LDAP, and libcurl initialises GnuTLS itself where it is its TLS backend; this is the hook
// GnuTLS documents for a program that does not want the implicit initialisation (GNUTLS_SKIP_GLOBAL_INIT in
// <gnutls/gnutls.h>). Exported from the executable by CMakeLists.txt, so the library finds it.
extern "C" int _gnutls_global_init_skip() {
  return 1;
}

namespace {

using ogpd::ops::Config;

void warn_about_settings(const Config& config) {
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
  if (config.routes_file)
    spdlog::info("routes from {}: {} route(s), first match wins", config.routes_file->c_str(),
                 config.routes.routes.size());
  else if (!config.opsgenie_integration_id)
    spdlog::warn("OPSGENIE_INTEGRATION_ID is not set: alerts from every Opsgenie integration are accepted");
  if (config.pagerduty_webhook_secrets.empty())
    spdlog::warn("PAGERDUTY_WEBHOOK_SECRET is not set: /pd-webhook accepts unsigned deliveries");
  if (!config.opsgenie_webhook_token)
    spdlog::warn(
        "OPSGENIE_WEBHOOK_TOKEN is not set: /ops-webhook accepts deliveries from anyone who can reach it");
}

std::vector<std::string> route_names(const Config& config) {
  std::vector<std::string> names;
  for (const auto& route : config.routes.routes) names.push_back(route.name);
  return names;
}

// Each connection is a descriptor: take what the hard limit allows (connections are then kept within it).
std::uint64_t raise_open_files_limit() {
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) != 0) return RLIM_INFINITY;
  if (files.rlim_cur < files.rlim_max) {
    rlimit raised = files;
    raised.rlim_cur = files.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) files = raised;
  }
  return files.rlim_cur;
}

int serve(const Config& config, const ogpd::Clock& clock) {
  // `systemctl reload` during start-up must not end the process: SIGHUP is ignored until its handler is in.
  std::signal(SIGHUP, SIG_IGN);
  ogpd::ops::configure_logging(config.log_level, config.log_format);
  spdlog::info("ogpd-proxy {} starting", OGPD_VERSION);
  warn_about_settings(config);

  // One daemon per SQLite store, held until exit (DESIGN §6); taken before the store is opened, so a second
  // daemon never even migrates it. A PostgreSQL store is shared by design: its outbox leases keep the
  // daemons apart.
  std::optional<ogpd::store::StoreOwner> owner;
  if (config.store == ogpd::ops::Store::kSqlite) {
    auto acquired = ogpd::store::StoreOwner::acquire(config.store_path());
    if (!acquired.ok()) {
      spdlog::critical("DATABASE_URL: {}", acquired.error());
      return 1;
    }
    owner.emplace(std::move(*acquired));
  }
  auto opened = ogpd::cli::open_store(config, clock, /*create=*/true);
  if (!opened.ok()) {
    spdlog::critical("DATABASE_URL: {}", opened.error());
    return 1;
  }
  ogpd::store::Store& store = **opened;
  spdlog::info("store {}", store.describe());
  if (config.dry_run)
    spdlog::warn("DRY RUN uses its own store, {}: work queued in {} by a run with credentials is left alone",
                 config.store_path(), config.sqlite_path);

  ogpd::ops::OgpdMetrics metrics(OGPD_VERSION, config.alerts_api);
  metrics.dry_run.with().set(config.dry_run ? 1 : 0);
  ogpd::delivery::MetricsObserver observer(metrics, route_names(config));

  ogpd::clients::global_http_init();
  ogpd::clients::CurlHttpClient curl(ogpd::cli::curl_settings(config));
  ogpd::clients::ObservingHttpClient observed(curl, observer);
  ogpd::clients::DryRunHttpClient dry_run;  // a dry run makes no calls, so none is observed
  // Every call, dry or not, takes a token from its vendor's budget: a dry run drains as a real one would.
  ogpd::delivery::Pacer pacer(ogpd::cli::pagerduty_calls_per_second(config),
                              ogpd::cli::opsgenie_calls_per_second(config), clock);
  ogpd::delivery::PacedHttpClient http(
      config.dry_run ? static_cast<ogpd::clients::HttpClient&>(dry_run) : observed, pacer);
  ogpd::clients::PagerDutyApi pagerduty(http, ogpd::cli::pagerduty_settings(config));
  ogpd::clients::OpsgenieApi opsgenie(http, ogpd::cli::opsgenie_settings(config));

  ogpd::delivery::Engine engine(store.outbox, store.ledger, pagerduty, opsgenie, pacer,
                                ogpd::cli::engine_settings(config), clock, &observer);
  auto journal = store.start_journal(
      {.planner = &engine.planner(),
       .on_commit = [&engine] { engine.wake(); },
       .on_warning = [](const std::string& why) { spdlog::warn("journal: {}", ogpd::printable(why)); }});
  engine.start();
  store.on_work_elsewhere([&engine] { engine.wake(); });
  ogpd::delivery::Housekeeping housekeeping(store.ledger, store.admin,
                                            ogpd::cli::housekeeping_settings(config), clock);
  housekeeping.start();
  ogpd::delivery::ReconcileMetrics reconcile_metrics(metrics);
  // A repair is the missed event, journaled like a webhook (and so planned by the same rules).
  const auto journal_repair = [&](const ogpd::Event& missed, const std::string& raw) -> ogpd::Result<bool> {
    std::promise<ogpd::store::AppendResult> appended;
    auto result = appended.get_future();
    journal->append({missed, raw, clock.now_ms()},
                    [&appended](ogpd::store::AppendResult r) { appended.set_value(std::move(r)); });
    const auto r = result.get();
    if (r.outcome == ogpd::store::AppendOutcome::kUnavailable) return ogpd::Status::unavailable(r.error);
    return r.outcome == ogpd::store::AppendOutcome::kStored;
  };
  ogpd::delivery::Reconciler reconciler(store.ledger, store.outbox, pagerduty, opsgenie,
                                        ogpd::cli::reconcile_settings(config), clock, journal_repair,
                                        &reconcile_metrics);
  if (config.dry_run)
    spdlog::info("reconciliation is off in a dry run: there is nothing real to compare");
  else if (config.reconcile_interval_seconds == 0)
    spdlog::info("reconciliation is off (RECONCILE_INTERVAL_SECONDS=0)");
  else
    reconciler.start([&] {
      // One pass per interval among all the proxies sharing the store (a little slack for their clocks).
      return store.take_turn(ogpd::store::SingletonJob::kReconciliation, clock.now_ms(),
                             config.reconcile_interval_seconds * 900LL);
    });

  const std::uint64_t fd_limit = raise_open_files_limit();
  const ogpd::server::Limits limits = ogpd::cli::server_limits(config, fd_limit);
  if (limits.connections < config.max_connections)
    spdlog::warn("MAX_CONNECTIONS={} lowered to {}: this process may open only {} files (ulimit -n)",
                 config.max_connections, limits.connections, fd_limit);

  // The queue summary for /metrics and the status page, read no more often than its cost allows
  // (store/spaced_summary.h).
  ogpd::store::SpacedSummary queue_summary([&] { return store.admin.queue_stats(); });
  // GET /status (STATUS_PAGE=true): what `status` shows, with what only this process knows (a vendor's 429
  // pause, reconciliation's last pass).
  const auto render_status_page = [&] {
    auto view = ogpd::cli::gather_status_page(
        store.admin, queue_summary.get(),
        {config.dry_run, ogpd::ops::store_label(config), route_names(config)}, clock.now_ms());
    for (const auto side : {ogpd::Side::kPagerDuty, ogpd::Side::kOpsgenie})
      view.rate_limited.push_back({std::string(ogpd::to_string(side)), pacer.gate(side).paused_until_ms()});
    view.drift.on = !config.dry_run && config.reconcile_interval_seconds > 0;
    if (const auto last = reconcile_metrics.last_pass()) {
      view.drift.last_pass_at_ms = last->finished_at_ms;
      view.drift.checked = last->summary.checked;
      view.drift.drifted = last->summary.drifted;
      view.drift.repaired = last->summary.repaired;
      view.drift.drifted_since_start = last->drifted_since_start;
      view.drift.repaired_since_start = last->repaired_since_start;
    }
    return ogpd::cli::render_status_page(view);
  };
  boost::asio::io_context io(1);
  ogpd::server::Server server(
      io, limits, ogpd::cli::intake_settings(config), *journal, clock,
      {.metrics = &metrics,
       .render_metrics =
           [&] {
             return metrics.registry.render([&](std::string& out) {
               ogpd::delivery::render_queue_metrics(queue_summary.get(), clock.now_ms(), out);
               ogpd::ops::render_process_metrics(out);
             });
           },
       .render_status_page = config.status_page ? std::function<std::string()>(render_status_page) : nullptr,
       .workers_ready = [&] { return engine.running() && clock.now_ms() - engine.last_loop_ms() < 30'000; }});
  const bool tls = config.tls_cert_file.has_value();
  const ogpd::server::TlsFiles tls_files{config.tls_cert_file.value_or(""), config.tls_key_file.value_or("")};
  if (tls) {
    if (auto s = server.use_tls(tls_files); !s.ok()) {
      spdlog::critical("{}", s.message());
      return 1;
    }
  }
  if (auto s = server.listen(config.host, config.port); !s.ok()) {
    spdlog::critical("{}", s.message());
    return 1;
  }
  spdlog::info(
      "listening on {}:{} ({}; POST /ops-webhook, POST /pd-webhook, GET /healthz, GET /readyz, GET "
      "/metrics{})",
      config.host, server.port(), tls ? "HTTPS" : "plain HTTP", config.status_page ? ", GET /status" : "");

  // SIGHUP: reload the certificate and key (renewed by certbot or the like) for new connections.
  boost::asio::signal_set hangups(io, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_hangup =
      [&](const boost::system::error_code& ec, int) {
        if (ec) return;
        try {
          if (!tls) {
            spdlog::info("SIGHUP: no TLS_CERT_FILE, nothing to reload");
          } else if (auto s = server.use_tls(tls_files); !s.ok()) {
            spdlog::error("SIGHUP: {}; the previous certificate stays in use", s.message());
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
  store.stop_waking();  // its notifications wake the engine, which goes first
  pacer.stop();  // ends every wait for a token (a 429 or a refused key), so nothing below hangs behind one
  reconciler.stop();
  journal->stop();
  housekeeping.stop();
  engine.stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto parsed = ogpd::cli::parse_command_line(argc, argv, std::cout, std::cerr);
  if (!parsed.invocation) return parsed.exit_code;
  const ogpd::cli::Invocation& invocation = *parsed.invocation;

  auto settings = ogpd::cli::read_settings(invocation);
  if (!settings.ok()) {
    ogpd::cli::print_settings_error(settings.error(),
                                    invocation.command == ogpd::cli::Command::kCheckConfig && invocation.json,
                                    std::cout, std::cerr);
    return 2;
  }
  const Config& config = *settings;
  const ogpd::SystemClock clock;
  using ogpd::cli::Command;
  switch (invocation.command) {
    case Command::kServe:
      return serve(config, clock);
    case Command::kCheckConfig:
      return ogpd::cli::run_check_config(config, invocation.json, std::cout, std::cerr);
    case Command::kRoutesSuggest:
      return ogpd::cli::run_routes_suggest(config, std::cout, std::cerr);
    case Command::kRouteExplain:
      return ogpd::cli::run_route_explain(config.routes, invocation.explain_file, invocation.json, std::cout,
                                          std::cerr);
    case Command::kMigrateStore:
      return ogpd::cli::run_migrate_store(
          invocation.migrate_from,
          invocation.migrate_to.empty() ? config.database_url : invocation.migrate_to, clock, std::cout,
          std::cerr);
    case Command::kDoctor:
      return ogpd::cli::run_doctor(config, invocation.json, std::cout);
    case Command::kSimulate:
      if (invocation.simulate.vendor == "opsgenie" || !invocation.simulate.incident_id.empty())
        return ogpd::cli::run_simulate(invocation.simulate, config, std::cout, std::cerr);
      break;  // the incident is found from the alert's link, in the store
    case Command::kStatus:
    case Command::kLinks:
    case Command::kEvents:
    case Command::kDeadLetters:
    case Command::kReconcile:
    case Command::kMigrateLinks:
      break;
  }
  // Operator commands print their answer on stdout; only warnings and errors are logged, to stderr.
  ogpd::ops::configure_logging("warn", config.log_format);
  return ogpd::cli::with_operator_store(config, clock, std::cerr, [&](ogpd::cli::OperatorStore& opened) {
    ogpd::store::StoreAdmin& store = opened.admin;
    switch (invocation.command) {
      case Command::kStatus: {
        const ogpd::cli::Mode mode{config.dry_run, ogpd::ops::store_label(config), route_names(config)};
        if (invocation.watch_seconds == 0)
          return ogpd::cli::run_status(store, mode, invocation.json, std::cout, clock.now_ms());
        // Refreshed in place, as `watch` does: the screen is cleared and the status drawn again.
        for (int shown = 0; invocation.watch_count == 0 || shown < invocation.watch_count; ++shown) {
          if (shown > 0) std::this_thread::sleep_for(std::chrono::seconds(invocation.watch_seconds));
          std::cout << "\x1b[H\x1b[2J" << ogpd::cli::iso_now(clock.now_ms()) << "  every "
                    << invocation.watch_seconds << " s (Ctrl-C ends)\n";
          (void)ogpd::cli::run_status(store, mode, invocation.json, std::cout, clock.now_ms());
          std::cout.flush();
        }
        return 0;
      }
      case Command::kLinks:
        return ogpd::cli::run_links(store, invocation.alert_id, invocation.incident_id, invocation.json,
                                    std::cout, std::cerr);
      case Command::kEvents:
        return ogpd::cli::run_events(store, invocation.last, invocation.json, std::cout);
      case Command::kSimulate: {
        ogpd::cli::SimulateRequest request = invocation.simulate;
        // The proxy mirrors a Create within moments: wait for its link a little, as a person typing would.
        auto links = store.links(request.alert_id, std::nullopt);
        for (int i = 0; i < 100 && (links.empty() || !links.front().incident_id); ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
          links = store.links(request.alert_id, std::nullopt);
        }
        if (links.empty() || !links.front().incident_id) {
          std::cerr << "ogpd-proxy: simulate pagerduty: no incident is linked to alert "
                    << ogpd::printable(request.alert_id)
                    << " yet (has the proxy mirrored its Create? see: ogpd-proxy links)\n";
          return 1;
        }
        request.incident_id = *links.front().incident_id;
        return ogpd::cli::run_simulate(request, config, std::cout, std::cerr);
      }
      case Command::kReconcile:
        return ogpd::cli::run_reconcile(config, opened.ledger, opened.outbox, invocation.json, std::cout,
                                        std::cerr, clock);
      case Command::kMigrateLinks: {
        if (config.dry_run) {
          std::cerr << "ogpd-proxy: migrate-links reads the alert side: it needs its credentials (these "
                       "settings are a dry run)\n";
          return 2;
        }
        // Paced like the daemon's calls, so a large store does not run into the alert side's limit.
        ogpd::clients::global_http_init();
        ogpd::clients::CurlHttpClient curl(ogpd::cli::curl_settings(config));
        ogpd::delivery::Pacer pacer(ogpd::cli::pagerduty_calls_per_second(config),
                                    ogpd::cli::opsgenie_calls_per_second(config), clock);
        ogpd::delivery::PacedHttpClient http(curl, pacer);
        ogpd::clients::OpsgenieApi alerts(http, ogpd::cli::opsgenie_settings(config));
        return ogpd::cli::run_migrate_links(store, alerts, invocation.apply, invocation.json, std::cout,
                                            std::cerr, clock.now_ms());
      }
      default:
        return ogpd::cli::run_dead_letters(store, invocation.dead_letter, std::cout, std::cerr,
                                           clock.now_ms());
    }
  });
}
