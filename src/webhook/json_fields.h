// Lenient field access over Boost.JSON values for the webhook parsers: a missing field, a null, or a field of
// another type reads as "absent" instead of throwing. Pure; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace ogpd::webhook {

inline const boost::json::object* object_at(const boost::json::object* parent, std::string_view key) {
  if (parent == nullptr) return nullptr;
  const auto* value = parent->if_contains(key);
  return value == nullptr ? nullptr : value->if_object();
}

// A string field as text; numbers are rendered exactly (Opsgenie's 19-digit updatedAt must not lose digits).
inline std::optional<std::string> text_at(const boost::json::object* parent, std::string_view key) {
  if (parent == nullptr) return std::nullopt;
  const auto* value = parent->if_contains(key);
  if (value == nullptr) return std::nullopt;
  if (const auto* s = value->if_string()) return std::string(*s);
  if (const auto* i = value->if_int64()) return std::to_string(*i);
  if (const auto* u = value->if_uint64()) return std::to_string(*u);
  return std::nullopt;
}

// Like text_at, but an empty string also reads as absent.
inline std::optional<std::string> nonempty_text_at(const boost::json::object* parent, std::string_view key) {
  auto text = text_at(parent, key);
  if (text && text->empty()) return std::nullopt;
  return text;
}

}  // namespace ogpd::webhook
