// Echo: a change the proxy made on one side, as that side's webhook will report it back.
// Recorded in the store's ledger before the change is made (loop guard 2). Plain value.
#pragma once

#include <string>

#include "core/action.h"

namespace ogpd {

struct Echo {
  Side side = Side::kPagerDuty;
  std::string target_id;  // the alert id (Opsgenie) or incident id (PagerDuty) the change was made on
  std::string verb;       // acknowledge | unacknowledge | resolve | close | note | create | priority
  // hex SHA-256 of the note text for notes; the new priority (P2, or PagerDuty's name) for priorities;
  // else empty
  std::string note_digest;

  friend bool operator==(const Echo&, const Echo&) = default;
};

}  // namespace ogpd
