#include "cli/reconcile.h"

#include <boost/json.hpp>
#include <ostream>
#include <vector>

#include "cli/daemon_settings.h"
#include "clients/apis.h"
#include "core/text.h"
#include "delivery/reconciler.h"

namespace ogpd::cli {
namespace {

namespace json = boost::json;

std::string_view repair_of(sync::Drift drift) {
  switch (drift) {
    case sync::Drift::kNone:
      return "";
    case sync::Drift::kAlertClosed:
      return "resolve the incident";
    case sync::Drift::kIncidentResolved:
      return "close the alert";
    case sync::Drift::kAlertAcknowledged:
      return "acknowledge the incident";
    case sync::Drift::kIncidentAcknowledged:
      return "acknowledge the alert";
    case sync::Drift::kIncidentUnacknowledged:
      return "unacknowledge the alert";
  }
  return "";
}

std::string status_of(const std::optional<SideReading>& r) {
  return r ? r->status : std::string("?");
}

}  // namespace

int run_reconcile(const ops::Config& config, store::PairLedger& ledger, store::Outbox& outbox, bool as_json,
                  std::ostream& out, std::ostream& err, const Clock& clock) {
  if (config.dry_run) {
    err << "ogpd-proxy: reconcile needs the vendors' credentials (these settings are a dry run)\n";
    return 2;
  }
  clients::global_http_init();
  clients::CurlHttpClient http(curl_settings(config));
  clients::PagerDutyApi pagerduty(http, pagerduty_settings(config));
  clients::OpsgenieApi opsgenie(http, opsgenie_settings(config));
  delivery::Reconciler reconciler(ledger, outbox, pagerduty, opsgenie, reconcile_settings(config), clock,
                                  /*repair=*/nullptr);
  std::vector<delivery::Finding> shown;  // drifted or unreadable pairs
  const auto summary = reconciler.pass([&](const delivery::Finding& f) {
    if (!f.problem.empty() || f.comparison.drift != sync::Drift::kNone) shown.push_back(f);
  });

  if (as_json) {
    json::array pairs;
    for (const auto& f : shown)
      pairs.push_back(
          json::object{{"alert_id", f.link.alert_id},
                       {"incident_id", f.link.incident_id.value_or("")},
                       {"alert_status", f.alert ? json::value(f.alert->status) : nullptr},
                       {"incident_status", f.incident ? json::value(f.incident->status) : nullptr},
                       {"drift", sync::to_string(f.comparison.drift)},
                       {"repair", repair_of(f.comparison.drift)},
                       {"settling", f.comparison.settling},
                       {"problem", f.problem.empty() ? json::value(nullptr) : json::value(f.problem)}});
    out << json::serialize(json::object{{"checked", summary.checked},
                                        {"drifted", summary.drifted},
                                        {"pending", summary.pending},
                                        {"unreadable", summary.unreadable},
                                        {"pairs", std::move(pairs)}})
        << "\n";
  } else {
    if (!shown.empty()) out << "ALERT\tINCIDENT\tALERT STATUS\tINCIDENT STATUS\tDRIFT\tREPAIR\n";
    for (const auto& f : shown) {
      out << printable(f.link.alert_id) << "\t" << printable(f.link.incident_id.value_or("")) << "\t"
          << status_of(f.alert) << "\t" << status_of(f.incident) << "\t";
      if (!f.problem.empty())
        out << "-\tnot read: " << printable(f.problem);
      else
        out << sync::to_string(f.comparison.drift) << "\t" << repair_of(f.comparison.drift)
            << (f.comparison.settling ? " (changed moments ago: the next pass decides)" : "");
      out << "\n";
    }
    out << summary.checked << " pairs checked, " << summary.drifted << " drifted";
    if (summary.pending > 0) out << ", " << summary.pending << " left to actions already queued";
    if (summary.unreadable > 0) out << ", " << summary.unreadable << " could not be read";
    out << " (nothing was changed)\n";
  }
  if (summary.unreadable > 0) return 2;
  return summary.drifted > 0 ? 1 : 0;
}

}  // namespace ogpd::cli
