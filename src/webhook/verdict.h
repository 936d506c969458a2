// Verdict: what an inbound webhook request turns into, before anything is stored.
//
// Pure values, produced by the intake functions (intake.h) and consumed by the server, which maps them onto
// HTTP answers (DESIGN §1): Store -> journal, then 202 (or 200 when the event needs no action); Ignore ->
// 200; Reject -> 400/401 with the error text.
#pragma once

#include <string>
#include <variant>

#include "core/event.h"

namespace ogpd::webhook {

struct Store {
  Event event;
};

struct Ignore {
  std::string reason;
};

struct Reject {
  int status = 400;  // 400 (malformed) or 401 (unauthenticated)
  std::string error;
};

using Verdict = std::variant<Store, Ignore, Reject>;

}  // namespace ogpd::webhook
