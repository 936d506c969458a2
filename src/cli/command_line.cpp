#include "cli/command_line.h"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <ostream>
#include <sstream>
#include <vector>

#include "cli/shell_help.h"
#include "core/text.h"

#ifndef OGPD_VERSION
#define OGPD_VERSION "0.0.0"
#endif

extern char** environ;  // POSIX: the process environment

namespace ogpd::cli {
namespace {

// The settings in the environment, and every other variable named like one (checked by check_names).
ops::RawSettings read_environment() {
  ops::RawSettings env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view name = text.substr(0, eq);
    if (ops::is_setting(name) || ops::has_our_prefix(name, /*in_environment=*/true))
      env[std::string(name)] = std::string(text.substr(eq + 1));
  }
  return env;
}

// The .env file; a missing one is no settings, unless it was named with --env-file.
Result<ops::RawSettings> read_dotenv(const std::string& path, bool named) {
  std::ifstream in(path);
  if (!in) {
    if (!named) return ops::RawSettings{};
    std::error_code ec;
    return Status::invalid("--env-file: cannot read '" + printable(path) + "' (" +
                           (std::filesystem::exists(path, ec) ? "not readable" : "no such file") + ")");
  }
  std::stringstream text;
  text << in.rdbuf();
  return ops::parse_dotenv(text.str());
}

}  // namespace

Parsed parse_command_line(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "ogpd-proxy: keeps Opsgenie alerts and PagerDuty incidents in sync, both ways.\n"
      "Every setting is read from its flag, else the environment, else ./.env, else its default."};
  app.set_version_flag("--version", std::string("ogpd-proxy ") + OGPD_VERSION);
  Invocation inv;
  auto* env_file =
      app.add_option("--env-file", inv.env_file, "the .env file to read (when named, it must exist)")
          ->capture_default_str();

  std::map<std::string, std::string> flag_values;
  std::vector<std::pair<std::string, CLI::Option*>> flag_options;
  for (const auto& spec : ops::setting_specs()) {
    const std::string name(spec.name);
    std::string help = std::string(spec.help) + " [" + name + "]";
    if (!spec.default_value.empty()) help += " (default: " + std::string(spec.default_value) + ")";
    flag_options.emplace_back(name, app.add_option("--" + ops::flag_name(spec.name), flag_values[name], help)
                                        ->type_name(std::string(ops::setting_type(spec))));
  }

  auto* check =
      app.add_subcommand("check-config", "validate the configuration, print it (secrets hidden), exit");
  check->add_flag("--json", inv.json, "JSON output");
  auto* doctor = app.add_subcommand(
      "doctor",
      "check the settings against both vendors, read-only: keys, service, user, integration, "
      "PagerDuty's webhook subscription, the store (exit 1 when a check fails)");
  doctor->add_flag("--json", inv.json, "JSON output");
  auto* status =
      app.add_subcommand("status", "queue depth, oldest pending action, dead letters, last success");
  status->add_flag("--json", inv.json, "JSON output");
  status->add_option("--watch", inv.watch_seconds, "refresh in place every SECONDS (Ctrl-C ends it)")
      ->expected(0, 1)
      ->default_str("2")
      ->check(CLI::Range(1, 3600));
  status->add_option("--count", inv.watch_count, "with --watch: stop after this many refreshes")
      ->check(CLI::Range(1, 1000000));
  auto* links = app.add_subcommand("links", "the alert <-> incident pairs (all, or one)");
  links->add_option("--alert", inv.alert_id, "an Opsgenie alert id");
  links->add_option("--incident", inv.incident_id, "a PagerDuty incident id");
  links->add_flag("--json", inv.json, "JSON output");
  auto* events = app.add_subcommand("events", "the most recent webhooks in the journal, newest first");
  events->add_option("--last", inv.last, "how many")->capture_default_str()->check(CLI::Range(1, 100000));
  events->add_flag("--json", inv.json, "JSON output");
  auto* route =
      app.add_subcommand("route", "which route an Opsgenie payload takes, and why the others did not");
  route->add_option("--explain", inv.explain_file, "an Opsgenie webhook body (JSON file)")->required();
  route->add_flag("--json", inv.json, "JSON output");
  auto* routes = app.add_subcommand("routes", "routes: suggest a starting routes file from both vendors");
  routes->require_subcommand(1);
  auto* suggest = routes->add_subcommand(
      "suggest",
      "print a routes file matching Opsgenie's webhook integrations to PagerDuty services by name");
  auto* reconcile = app.add_subcommand(
      "reconcile", "read every open pair from both vendors now and list the drift the daemon would repair");
  bool look_only = false;
  reconcile->add_flag("--dry-run", look_only, "list only (required: the daemon repairs by itself)")
      ->required();
  reconcile->add_flag("--json", inv.json, "JSON output");
  auto* relink = app.add_subcommand(
      "migrate-links",
      "after the move to JSM Operations: find each linked alert, by alias when its id changed, and re-pair "
      "(a dry run unless --apply)");
  relink->add_flag("--apply", inv.apply,
                   "re-pair the links found under a new id (refused while actions are pending)");
  relink->add_flag("--json", inv.json, "JSON output");
  auto* migrate = app.add_subcommand(
      "migrate-store",
      "copy a stopped proxy's SQLite store into an empty PostgreSQL database (one box to many)");
  migrate->add_option("--from", inv.migrate_from, "the SQLite store, sqlite:<path>")->required();
  migrate->add_option("--to", inv.migrate_to,
                      "the PostgreSQL database, postgresql://... (default: DATABASE_URL, which keeps the "
                      "password off the command line)");
  auto* simulate = app.add_subcommand(
      "simulate", "post a realistic, correctly signed webhook to a running proxy (to try a round trip)");
  simulate->require_subcommand(1);
  auto* simulate_og =
      simulate->add_subcommand("opsgenie", "an Opsgenie alert action, with the webhook token");
  simulate_og
      ->add_option("action", inv.simulate.action, "Create, AddNote, Acknowledge, UnAcknowledge or Close")
      ->required();
  simulate_og->add_option("--alert", inv.simulate.alert_id, "the alert id")->required();
  simulate_og->add_option("--message", inv.simulate.message, "Create: the alert's message");
  simulate_og->add_option("--note", inv.simulate.note, "AddNote: the note");
  auto* simulate_pd = simulate->add_subcommand(
      "pagerduty", "a PagerDuty incident event, signed with PAGERDUTY_WEBHOOK_SECRET");
  simulate_pd
      ->add_option("event", inv.simulate.action,
                   "triggered, acknowledged, unacknowledged, resolved or annotated")
      ->required();
  auto* incident_option = simulate_pd->add_option("--incident", inv.simulate.incident_id, "the incident id");
  simulate_pd
      ->add_option("--alert", inv.simulate.alert_id,
                   "instead of --incident: the alert whose linked incident is meant (read from the store)")
      ->excludes(incident_option);
  simulate_pd->add_option("--note", inv.simulate.note, "annotated: the note");
  for (auto* sub : {simulate_og, simulate_pd}) {
    sub->add_option("--url", inv.simulate.url, "the proxy (default: http://127.0.0.1:PORT)");
    sub->callback([&inv, sub] { inv.simulate.vendor = sub->get_name(); });
  }
  std::string shell;
  auto* completion = app.add_subcommand("completion", "print a shell completion script (bash or zsh)");
  completion->add_option("shell", shell, "bash or zsh")->required()->check(CLI::IsMember({"bash", "zsh"}));
  auto* man = app.add_subcommand("man", "print the ogpd-proxy(1) manual page (roff)");
  auto* dead =
      app.add_subcommand("dead-letters", "list, show, replay or discard actions that could not be delivered");
  dead->require_subcommand(1);
  for (const std::string verb : {"list", "show", "replay", "discard"}) {
    auto* sub = dead->add_subcommand(verb, verb + " dead letters");
    sub->add_flag("--json", inv.dead_letter.json, "JSON output");
    if (verb == "show" || verb == "discard") sub->add_option("id", inv.dead_letter.id)->required();
    if (verb == "replay") {
      sub->add_option("id", inv.dead_letter.id, "the action id (see list)");
      sub->add_flag("--all", inv.dead_letter.all, "replay every dead letter");
    }
    sub->callback([&inv, verb] { inv.dead_letter.verb = verb; });
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return {std::nullopt, app.exit(e, out, err)};
  }
  if (completion->parsed()) {
    out << completion_script(app, shell);
    return {std::nullopt, 0};
  }
  if (man->parsed()) {
    out << man_page(app, OGPD_VERSION);
    return {std::nullopt, 0};
  }
  inv.env_file_named = env_file->count() > 0;
  for (const auto& [name, option] : flag_options)
    if (option->count() > 0) inv.flags[name] = flag_values[name];
  if (check->parsed()) inv.command = Command::kCheckConfig;
  if (doctor->parsed()) inv.command = Command::kDoctor;
  if (status->parsed()) inv.command = Command::kStatus;
  if (links->parsed()) inv.command = Command::kLinks;
  if (events->parsed()) inv.command = Command::kEvents;
  if (reconcile->parsed()) inv.command = Command::kReconcile;
  if (route->parsed()) inv.command = Command::kRouteExplain;
  if (suggest->parsed()) inv.command = Command::kRoutesSuggest;
  if (migrate->parsed()) inv.command = Command::kMigrateStore;
  if (relink->parsed()) inv.command = Command::kMigrateLinks;
  if (simulate->parsed()) {
    inv.command = Command::kSimulate;
    if (inv.simulate.vendor == "pagerduty" && inv.simulate.incident_id.empty() &&
        inv.simulate.alert_id.empty()) {
      err << "ogpd-proxy: simulate pagerduty needs --incident or --alert\n";
      return {std::nullopt, 2};
    }
  }
  if (dead->parsed()) {
    inv.command = Command::kDeadLetters;
    if (inv.dead_letter.verb == "replay" && !inv.dead_letter.all && inv.dead_letter.id.empty()) {
      err << "ogpd-proxy: dead-letters replay needs an action id or --all\n";
      return {std::nullopt, 2};
    }
  }
  return {std::move(inv), 0};
}

Result<ops::Config> read_settings(const Invocation& invocation) {
  auto dotenv = read_dotenv(invocation.env_file, invocation.env_file_named);
  if (!dotenv.ok()) return dotenv.status();
  const ops::RawSettings environment = read_environment();
  if (auto s = ops::check_names(*dotenv, invocation.env_file, /*in_environment=*/false); !s.ok()) return s;
  // The environment is shared with the platform (Kubernetes adds DATABASE_PORT for a Service named
  // "database"; Terraform reads PAGERDUTY_TOKEN): a name there that looks like ours is a warning, not an
  // error.
  if (auto s = ops::check_names(environment, "the environment", /*in_environment=*/true); !s.ok())
    std::cerr << "ogpd-proxy: warning: " << s.message() << "\n";
  return ops::validate(ops::merge_settings(*dotenv, environment, invocation.flags));
}

}  // namespace ogpd::cli
