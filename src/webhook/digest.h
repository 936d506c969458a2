// Small cryptographic helpers over OpenSSL: SHA-256, HMAC-SHA256, hex, constant-time comparison.
// Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace ogpd::webhook {

using Digest = std::array<std::uint8_t, 32>;

Digest sha256(std::string_view data);
Digest hmac_sha256(std::string_view key, std::string_view data);
std::string to_hex(const Digest& digest);

// Compares two strings without leaking where they differ or how long the expected one is.
bool equal_constant_time(std::string_view a, std::string_view b);

}  // namespace ogpd::webhook
