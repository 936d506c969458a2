// State rules (DESIGN §2.2): which status a webhook reports, which status an action leaves, and whether an
// action may be sent given what its target is known to be. Never make a pair worse: PagerDuty reopens a
// resolved incident that is acknowledged, so a status change onto a resolved incident or a closed alert is
// skipped, not sent. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/action.h"
#include "core/event.h"
#include "core/pair_status.h"

namespace ogpd::sync {

// The status a webhook reports for its own side (nullopt: it reports none).
std::optional<PairStatus> status_reported(const Event& event);

// The status worth recording from a webhook (nullopt: none): what it reports, except the status a pair opens
// with (an alert created, an incident triggered). Until a later report, a status never seen leads to the same
// rules (rule_for); recording it would cost every new pair a write into the status table, at a random place
// in its index, for nothing.
std::optional<PairStatus> status_to_record(const Event& event);

// The status `action` leaves its target in once done (nullopt: notes and creates change no status).
std::optional<std::string_view> status_after(ActionKind kind);

// Whether `kind` changes a status (and so must know its target's first).
bool changes_status(ActionKind kind);

enum class StateRule {
  kSend,       // go ahead
  kSkip,       // the target is closed or resolved: sending would reopen it or act on a closed pair
  kReadFirst,  // the target's status is unknown, or could have moved since: read it before deciding
};

// What to do with `kind` when its target is known to be `known` (nullopt: never seen).
StateRule rule_for(ActionKind kind, const std::optional<std::string>& known);

}  // namespace ogpd::sync
