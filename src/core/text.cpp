#include "core/text.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace ogpd {
namespace {

bool is_c0_or_del(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

}  // namespace

bool is_c1_at(std::string_view text, std::size_t i) {
  return static_cast<unsigned char>(text[i]) == 0xC2 && i + 1 < text.size() &&
         static_cast<unsigned char>(text[i + 1]) >= 0x80 && static_cast<unsigned char>(text[i + 1]) <= 0x9F;
}

bool needs_escaping(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i)
    if (is_c0_or_del(static_cast<unsigned char>(text[i])) || is_c1_at(text, i)) return true;
  return false;
}

std::string printable(std::string_view text) {
  if (!needs_escaping(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 16);
  char buf[8];
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (is_c0_or_del(c)) {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else if (is_c1_at(text, i)) {
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(text[i + 1]));
      out += buf;
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::size_t utf8_length(std::string_view text) {
  std::size_t chars = 0;
  for (const char c : text) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return chars;
}

std::string truncate_utf8(std::string_view text, std::size_t max_chars) {
  if (utf8_length(text) <= max_chars) return std::string(text);
  const std::size_t marker = utf8_length(kTruncatedMarker);
  const bool marked = max_chars > marker;  // room for the marker and at least one character of the text
  const std::size_t keep = marked ? max_chars - marker : max_chars;
  // The byte where character number `keep` starts: everything before it is whole characters.
  std::size_t end = 0, chars = 0;
  for (; end < text.size(); ++end) {
    if ((static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) continue;
    if (chars == keep) break;
    ++chars;
  }
  std::string out(text.substr(0, end));
  if (marked) out += kTruncatedMarker;
  return out;
}

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < in.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, in.size() - i);
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 3; ++k) v = v << 8 | (k < n ? static_cast<unsigned char>(in[i + k]) : 0u);
    for (std::size_t k = 0; k < 4; ++k) out += k <= n ? kAlphabet[(v >> (18 - 6 * k)) & 63] : '=';
  }
  return out;
}

}  // namespace ogpd
