// libFuzzer target: any bytes as a PagerDuty Webhooks V3 body, through the intake /pd-webhook uses.
// Every input must end in a well-formed verdict: a stored event has a dedupe key and a type.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "webhook/intake.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ogpd::webhook::IntakeSettings settings{};
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto verdict =
      ogpd::webhook::receive_pagerduty(settings, {.body = body, .webhook_id = "fuzz-delivery"});
  if (const auto* store = std::get_if<ogpd::webhook::Store>(&verdict)) {
    if (store->event.dedupe_key.empty() || store->event.type.empty()) std::abort();
  } else if (const auto* reject = std::get_if<ogpd::webhook::Reject>(&verdict)) {
    if (reject->status < 400 || reject->status > 499 || reject->error.empty()) std::abort();
  }
  return 0;
}
