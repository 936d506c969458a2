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

}  // namespace
}  // namespace ogpd
