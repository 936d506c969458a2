// libFuzzer target: any bytes as an Opsgenie webhook body, through the intake /ops-webhook uses.
// Every input must end in a well-formed verdict: a stored event has its required fields.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "webhook/intake.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ogpd::webhook::IntakeSettings settings{.opsgenie_integration_id = std::nullopt};
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto verdict = ogpd::webhook::receive_opsgenie(settings, {.body = body});
  if (const auto* store = std::get_if<ogpd::webhook::Store>(&verdict)) {
    if (!store->event.alert_id || store->event.alert_id->empty() || store->event.dedupe_key.empty())
      std::abort();
  } else if (const auto* reject = std::get_if<ogpd::webhook::Reject>(&verdict)) {
    if (reject->status < 400 || reject->status > 499 || reject->error.empty()) std::abort();
  }
  return 0;
}
