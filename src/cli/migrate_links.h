// `ogpd-proxy migrate-links [--apply] [--json]`: after the move from Opsgenie to JSM Operations (or any move
// that gave alerts new ids), keeps every pair. Each linked alert is read from the alert side under its id;
// one that is not found there is looked up by alias — the alias its Create webhook carried (while the journal
// holds it), the old id (Opsgenie's default alias), and pd-<incident> for an alert born in PagerDuty — and,
// with --apply, its link is re-paired to the alert found. Without --apply nothing is written (the dry run,
// which is the default). --apply refuses while actions are pending: they still name the old ids.
#pragma once

#include <cstdint>
#include <iosfwd>

#include "clients/apis.h"
#include "store/admin.h"

namespace ogpd::cli {

// Exit code: 0 every link kept or re-paired (or to be, in a dry run); 1 some alert not found or unreadable
// (each listed); 2 --apply refused.
int run_migrate_links(store::StoreAdmin& store, clients::OpsgenieApi& alerts, bool apply, bool as_json,
                      std::ostream& out, std::ostream& err, std::int64_t now_ms);

}  // namespace ogpd::cli
