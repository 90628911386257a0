// escape_text: the one escaping rule for untrusted bytes in text output (README, "Untrusted bytes").
#include <gtest/gtest.h>

#include "photon_dct/text.hpp"

namespace {

using photon_dct::escape_text;

TEST(EscapeText, PrintableAsciiIsUnchanged) {
    EXPECT_EQ(escape_text("device.spark.io:5683 ~!{}"), "device.spark.io:5683 ~!{}");
    EXPECT_EQ(escape_text(""), "");
}

TEST(EscapeText, ControlsBackslashAndHighBytesAreVisible) {
    EXPECT_EQ(escape_text("\x1b[2J"), "\\x1b[2J");
    EXPECT_EQ(escape_text("a\r\nb\tc"), "a\\r\\nb\\tc");
    EXPECT_EQ(escape_text("back\\slash"), "back\\\\slash");
    EXPECT_EQ(escape_text(std::string("\x00\x7f\x80\xff", 4)), "\\x00\\x7f\\x80\\xff");
    EXPECT_EQ(escape_text("\xc3\xbc"), "\\xc3\\xbc"); // UTF-8 too: the output is ASCII only
}

TEST(EscapeText, OutputIsPrintableAsciiForEveryByte) {
    std::string all;
    for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
    const auto out = escape_text(all);
    for (const char c : out) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << int{c};
    // Escaping is reversible: 95 printable bytes stay one byte (backslash becomes two), the rest four.
    EXPECT_EQ(out.size(), 94u + 2u + 3u * 2u + (256u - 95u - 3u) * 4u);
}

} // namespace
