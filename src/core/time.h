// Vendor timestamps: ISO 8601 / RFC 3339 date-times as both vendors write them ("2015-10-06T21:38:23Z",
// "2017-05-15T12:20:39.123Z", "2024-01-17T10:30:00+01:00"), read as Unix milliseconds. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ogpd {

// Milliseconds since the Unix epoch; nullopt for anything that is not a complete date-time with a zone
// ("Z" or ±HH:MM). Fractions of a second beyond milliseconds are cut, not rounded.
std::optional<std::int64_t> parse_iso8601_ms(std::string_view text);

}  // namespace ogpd
