// Link: the pair of one Opsgenie alert and one PagerDuty incident, as the store keeps it.
//
// Made when the proxy plans the incident's creation (incident id still unknown), completed when PagerDuty
// answers. Plain value.
#pragma once

#include <optional>
#include <string>

namespace ogpd {

struct Link {
  std::string alert_id;
  std::optional<std::string> incident_id;   // empty while the create is pending
  std::optional<std::string> incident_key;  // what the incident was created with (the alert id)
  // The route whose target made the incident (core/route.h): an Events API route's pairs are acknowledged
  // and resolved through the Events API. Unset: REST, or an incident the proxy did not make.
  std::optional<std::string> route;
  // The incident came first and the proxy made the alert (DESIGN §2.1, from_pagerduty). Its actions, both
  // ways, queue under the incident, as its first ones did before the alert existed: one pair, one order.
  bool born_in_pagerduty = false;

  friend bool operator==(const Link&, const Link&) = default;
};

}  // namespace ogpd
