// Small ASCII text helpers shared by the parsers and the configuration. Pure; thread-safe.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace ogpd {

// Without leading and trailing white space (spaces, tabs, CR, LF).
inline std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Equal ignoring ASCII case.
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

// `text` safe to print on one line of a log or a terminal: control characters (C0, DEL, and C1 as UTF-8) are
// written as escapes (\n, \r, \t, \xNN, \u00NN), so untrusted text can neither forge a line nor drive the
// terminal. Everything else, UTF-8 included, is kept as it is.
std::string printable(std::string_view text);
// True when text[i] starts a C1 control (U+0080..U+009F) encoded in UTF-8 (0xC2 0x80..0x9F).
bool is_c1_at(std::string_view text, std::size_t i);
// True when printable(text) would change it.
bool needs_escaping(std::string_view text);

// `in` in base64 (RFC 4648, with padding): HTTP Basic credentials.
std::string base64(std::string_view in);

// Characters (Unicode code points) in UTF-8 `text`: every byte that is not a continuation byte (10xxxxxx).
std::size_t utf8_length(std::string_view text);

// What a cut text ends with, so a reader sees it was cut (13 characters).
inline constexpr std::string_view kTruncatedMarker = "\u2026 [truncated]";

// `text` when it has at most `max_chars` characters; else its start, cut on a code-point boundary, followed
// by kTruncatedMarker, the whole at most `max_chars` characters. Vendors refuse longer values (DESIGN §2.3).
std::string truncate_utf8(std::string_view text, std::size_t max_chars);

}  // namespace ogpd
