// libFuzzer target: PagerDuty signature headers and Opsgenie tokens. The input is split into a secret, a
// header and a body; a forged header must never pass, and the true one always must.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/text.h"
#include "webhook/digest.h"
#include "webhook/signature.h"

namespace {

// Takes the next part: one length byte, then that many bytes (or what is left).
std::string_view take(std::string_view& rest) {
  if (rest.empty()) return {};
  const std::size_t n = std::min<std::size_t>(static_cast<unsigned char>(rest.front()), rest.size() - 1);
  const std::string_view part = rest.substr(1, n);
  rest.remove_prefix(1 + n);
  return part;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ogpd::webhook;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const std::string secret(take(rest));
  // Settings are trimmed when read, so a secret never starts or ends with white space.
  if (ogpd::trim(secret) != secret) return 0;
  const std::string_view header = take(rest);
  const std::string_view body = rest;
  const std::string truth = "v1=" + to_hex(hmac_sha256(secret, body));

  const bool accepted = pagerduty_signature_valid({secret}, header, body);
  // Accepted only when some v1= entry of the header is the true signature (hex in either case).
  std::string lowered(header);
  for (auto& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (accepted && lowered.find(truth) == std::string::npos) std::abort();
  if (!pagerduty_signature_valid({"other", secret}, std::string(header) + "," + truth, body)) std::abort();
  if (pagerduty_signature_valid({}, header, body)) std::abort();

  if (!secret.empty()) {
    // A token is accepted only when one of the two headers carries it.
    const bool token = opsgenie_token_valid(secret, header, body);
    if (token && header.find(secret) == std::string_view::npos && body.find(secret) == std::string_view::npos)
      std::abort();
    if (!opsgenie_token_valid(secret, "Bearer " + secret, {})) std::abort();
  }
  return 0;
}
