// Operator commands on dead letters, run against the same store the daemon uses (safe while it runs: the
// daemon picks replayed actions up within a second). Output is human-readable, or JSON with --json.
#pragma once

#include <iosfwd>
#include <string>

#include "store/admin.h"

namespace ogpd::cli {

struct DeadLetterCommand {
  std::string verb;  // list | show | replay | discard
  std::string id;    // for show/replay/discard; "--all" or all=true for replay
  bool all = false;
  bool json = false;
};

// Returns the process exit code: 0 done, 1 nothing matched or the store failed.
int run_dead_letters(store::StoreAdmin& store, const DeadLetterCommand& command, std::ostream& out,
                     std::ostream& err, std::int64_t now_ms);

}  // namespace ogpd::cli
