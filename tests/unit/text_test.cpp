#include "core/text.h"

#include <gtest/gtest.h>

namespace ogpd {
namespace {

TEST(Printable, PlainTextAndUtf8AreKeptAsTheyAre) {
  EXPECT_EQ(printable("alert-42 by Zoë 🚨"), "alert-42 by Zoë 🚨");
  EXPECT_FALSE(needs_escaping("alert-42 by Zoë 🚨"));
}

TEST(Printable, LineBreaksTabsAndControlBytesBecomeEscapes) {
  EXPECT_EQ(printable("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(printable(std::string("\x1b[2J\x00\x7f", 6)), "\\x1b[2J\\x00\\x7f");
}

TEST(Printable, C1ControlsInUtf8AreEscapedWithoutBreakingOtherCharacters) {
  EXPECT_EQ(printable("x\xc2\x9b"
                      "31my"),
            "x\\u009b31my");                     // CSI
  EXPECT_EQ(printable("\xc2\xa9"), "\xc2\xa9");  // © is not a control
  EXPECT_TRUE(needs_escaping("\xc2\x85"));
}

TEST(Printable, ALoneLeadByteAtTheEndIsKept) {
  EXPECT_EQ(printable("end\xc2"), "end\xc2");
}

TEST(Utf8, LengthCountsCharactersNotBytes) {
  EXPECT_EQ(utf8_length(""), 0u);
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("\xc3\xa9"), 1u);          // é, 2 bytes
  EXPECT_EQ(utf8_length("\xe2\x82\xac"), 1u);      // €, 3 bytes
  EXPECT_EQ(utf8_length("\xf0\x9f\x9a\xa8"), 1u);  // 🚨, 4 bytes
  EXPECT_EQ(utf8_length(kTruncatedMarker), 13u);
}

// Each character width exactly at the cut: the text keeps whole characters only, and the result is exactly
// the limit in characters with the marker at its end.
TEST(Utf8, TruncationCutsOnACharacterBoundaryAndSaysSo) {
  struct Case {
    const char* name;
    std::string character;  // repeated to fill the text
  };
  const std::size_t limit = 100;
  for (const Case& c : {Case{"ASCII", "a"}, Case{"2-byte", "\xc3\xa9"}, Case{"3-byte", "\xe2\x82\xac"},
                        Case{"4-byte", "\xf0\x9f\x9a\xa8"}}) {
    std::string text;
    for (std::size_t i = 0; i < limit; ++i) text += c.character;
    EXPECT_EQ(truncate_utf8(text, limit), text) << c.name << ": at the limit, kept whole";
    text += c.character;  // one character over
    const std::string cut = truncate_utf8(text, limit);
    EXPECT_EQ(utf8_length(cut), limit) << c.name;
    ASSERT_GE(cut.size(), kTruncatedMarker.size()) << c.name;
    EXPECT_EQ(cut.substr(cut.size() - kTruncatedMarker.size()), kTruncatedMarker) << c.name;
    const std::string kept = cut.substr(0, cut.size() - kTruncatedMarker.size());
    EXPECT_EQ(kept.size() % c.character.size(), 0u) << c.name << ": a character was split";
    EXPECT_EQ(utf8_length(kept), limit - utf8_length(kTruncatedMarker)) << c.name;
  }
}

TEST(Utf8, ALimitSmallerThanTheMarkerKeepsWholeCharactersWithoutIt) {
  EXPECT_EQ(truncate_utf8("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 3), "\xc3\xa9\xc3\xa9\xc3\xa9");
  EXPECT_EQ(truncate_utf8("abcdef", 0), "");
}

}  // namespace
}  // namespace ogpd
