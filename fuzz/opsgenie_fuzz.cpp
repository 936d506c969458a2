// libFuzzer target: any bytes as an Opsgenie webhook body, through the intake /ops-webhook uses, with a
// routes file's table (teams, tags, priorities, sources; no catch-all, so some Creates match no route). Every
// input must end in a well-formed verdict: a stored event has its required fields, and a stored Create names
// a route of the table or none (unrouted).
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "webhook/intake.h"

namespace {

ogpd::webhook::IntakeSettings routed() {
  ogpd::Route teams{.name = "teams", .match = {.teams = {"payments", "ops"}, .tags = {"prod"}}};
  ogpd::Route urgent{.name = "urgent", .match = {.priorities = {"P1", "P2"}, .sources = {"Zabbix"}}};
  return {.routes = ogpd::RouteTable{{teams, urgent}, "fuzz.yaml"}};  // no catch-all: some Creates match none
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ogpd::webhook::IntakeSettings settings = routed();
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto verdict = ogpd::webhook::receive_opsgenie(settings, {.body = body});
  if (const auto* store = std::get_if<ogpd::webhook::Store>(&verdict)) {
    if (!store->event.alert_id || store->event.alert_id->empty() || store->event.dedupe_key.empty())
      std::abort();
    if (store->event.kind == ogpd::EventKind::kAlertCreated && store->event.route &&
        settings.routes.find(*store->event.route) == nullptr)
      std::abort();
  } else if (const auto* reject = std::get_if<ogpd::webhook::Reject>(&verdict)) {
    if (reject->status < 400 || reject->status > 499 || reject->error.empty()) std::abort();
  }
  return 0;
}
