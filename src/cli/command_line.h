// The command line of ogpd-proxy: its subcommands and options, parsed into an Invocation (a value), and the
// settings it gives (flags over the environment over `.env`, ops/config.h), validated.
//
// Grammar: `ogpd-proxy [--setting-name VALUE]... [--env-file F] [SUBCOMMAND [ARGS]]`; without a subcommand
// the daemon runs. One handler per subcommand lives beside this file (check_config.h, inspect.h,
// dead_letters.h, reconcile.h, migrate_store.h, migrate_links.h); main.cpp runs the daemon. Pure apart from reading the
// environment and the
// `.env` file.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>

#include "cli/dead_letters.h"
#include "cli/simulate.h"
#include "core/status.h"
#include "ops/config.h"

namespace ogpd::cli {

enum class Command {
  kServe,
  kCheckConfig,
  kStatus,
  kLinks,
  kEvents,
  kDeadLetters,
  kReconcile,
  kRouteExplain,
  kRoutesSuggest,
  kMigrateStore,
  kMigrateLinks,
  kSimulate,
  kDoctor
};

struct Invocation {
  Command command = Command::kServe;
  std::string env_file = ".env";
  bool env_file_named = false;  // --env-file was given: the file must exist
  ops::RawSettings flags;       // settings given as --flags, by setting name
  bool json = false;
  int watch_seconds = 0;                   // status --watch [SECONDS] (0: once)
  int watch_count = 0;                     // status --watch --count N (0: until interrupted)
  std::optional<std::string> alert_id;     // links --alert
  std::optional<std::string> incident_id;  // links --incident
  std::size_t last = 20;                   // events --last
  std::string explain_file;                // route --explain
  DeadLetterCommand dead_letter;
  std::string migrate_from;  // migrate-store --from
  std::string migrate_to;    // migrate-store --to
  bool apply = false;        // migrate-links --apply
  SimulateRequest simulate;
};

// What parsing decided: run `invocation`, or exit with `exit_code` (after --help, --version or a usage error,
// whose text went to `out` or `err`).
struct Parsed {
  std::optional<Invocation> invocation;
  int exit_code = 0;
};

Parsed parse_command_line(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

// The settings of `invocation`: its flags, else the environment, else its `.env` file, else the defaults.
Result<ops::Config> read_settings(const Invocation& invocation);

}  // namespace ogpd::cli
