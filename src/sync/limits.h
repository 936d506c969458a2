// The vendors' field limits (DESIGN §2.3), in characters, and where the sync rules apply them: a value over a
// limit is refused with a 400/422, and an action must not become a dead letter for that alone. Pure.
#pragma once

#include <cstddef>

namespace ogpd::sync {

inline constexpr std::size_t kOpsgenieNoteChars = 25'000;
inline constexpr std::size_t kOpsgenieUserChars = 100;
inline constexpr std::size_t kOpsgenieSourceChars = 100;
inline constexpr std::size_t kOpsgenieMessageChars = 130;
inline constexpr std::size_t kOpsgenieAliasChars = 512;
inline constexpr std::size_t kOpsgenieDescriptionChars = 15'000;
inline constexpr std::size_t kPagerDutyTitleChars = 1'024;
inline constexpr std::size_t kPagerDutyNoteChars = 25'000;

}  // namespace ogpd::sync
