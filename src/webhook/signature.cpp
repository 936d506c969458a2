#include "webhook/signature.h"

#include <openssl/crypto.h>

#include <optional>

#include "core/text.h"
#include "webhook/digest.h"

namespace ogpd::webhook {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<Digest> parse_hex_digest(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  Digest out{};
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

}  // namespace

bool pagerduty_signature_valid(const std::vector<std::string>& secrets, std::string_view header,
                               std::string_view raw_body) {
  std::vector<Digest> expected;
  expected.reserve(secrets.size());
  for (const auto& secret : secrets) expected.push_back(hmac_sha256(secret, raw_body));

  bool valid = false;
  while (!header.empty()) {
    const auto comma = header.find(',');
    const std::string_view entry = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    if (entry.substr(0, 3) != "v1=") continue;
    const auto given = parse_hex_digest(entry.substr(3));
    if (!given) continue;
    // No early exit: the time taken does not depend on which entry or secret matched.
    for (const auto& e : expected) valid |= CRYPTO_memcmp(e.data(), given->data(), e.size()) == 0;
  }
  return valid;
}

bool opsgenie_token_valid(std::string_view expected, std::string_view authorization,
                          std::string_view webhook_token) {
  bool valid = false;
  authorization = trim(authorization);
  if (authorization.size() > 7 && iequals(authorization.substr(0, 7), "bearer ")) {
    valid |= equal_constant_time(trim(authorization.substr(7)), expected);
  }
  if (!webhook_token.empty()) valid |= equal_constant_time(trim(webhook_token), expected);
  return valid;
}

}  // namespace ogpd::webhook
