#include <gtest/gtest.h>

#include "photon_dct/dfu/memory_layout.hpp"
#include "photon_dct/error.hpp"
#include "scripted_transport.hpp"

using namespace photon_dct;
using namespace photon_dct::dfu;
using namespace photon_dct::dfu::testing;

TEST(MemoryLayout, EveryTypeLetterGivesItsBits) {
    const std::string letters = "abcdefg";
    for (std::size_t i = 0; i < letters.size(); ++i) {
        const std::string text = std::string("@M/0x00000000/1*1K") + letters[i];
        const MemoryLayout m = parse_memory_layout(text);
        ASSERT_EQ(m.segments.size(), 1u) << text;
        EXPECT_EQ(m.segments[0].attributes, i + 1) << text;
    }
    const auto a = parse_memory_layout("@M/0x0/1*1Ka").segments[0];
    EXPECT_TRUE(a.readable());
    EXPECT_FALSE(a.erasable());
    EXPECT_FALSE(a.writable());
    const auto e = parse_memory_layout("@M/0x0/1*1Ke").segments[0];
    EXPECT_TRUE(e.readable());
    EXPECT_FALSE(e.erasable());
    EXPECT_TRUE(e.writable());
    const auto g = parse_memory_layout("@M/0x0/1*1Kg").segments[0];
    EXPECT_TRUE(g.readable() && g.erasable() && g.writable());
    const auto f = parse_memory_layout("@M/0x0/1*1Kf").segments[0];
    EXPECT_FALSE(f.readable());
    EXPECT_TRUE(f.erasable() && f.writable());
}

TEST(MemoryLayout, PhotonInternalFlashAlt0) {
    const MemoryLayout m = parse_memory_layout(kPhotonAlt0);
    EXPECT_EQ(m.name, "Internal Flash");
    ASSERT_EQ(m.segments.size(), 4u);
    EXPECT_EQ(m.segments[0].start, 0x08000000u);
    EXPECT_EQ(m.segments[0].page_count, 3u);
    EXPECT_EQ(m.segments[0].page_size, 16384u);
    EXPECT_EQ(m.segments[0].attributes, kMemReadable);
    EXPECT_EQ(m.segments[1].start, 0x0800C000u);
    EXPECT_EQ(m.segments[1].size(), 16384u);
    EXPECT_EQ(m.segments[1].attributes, 7);
    EXPECT_EQ(m.segments[2].start, 0x08010000u);
    EXPECT_EQ(m.segments[2].page_size, 65536u);
    EXPECT_EQ(m.segments[3].start, 0x08020000u);
    EXPECT_EQ(m.segments[3].page_count, 7u);
    EXPECT_EQ(m.segments[3].page_size, 131072u);
    EXPECT_EQ(m.segments[3].end(), 0x08100000u);
    // The bootloader sectors are read-only.
    EXPECT_TRUE(m.covers(0x08000000, 16, kMemReadable));
    EXPECT_FALSE(m.covers(0x08000000, 16, kMemWritable));
    EXPECT_TRUE(m.covers(0x080A0000, 5000, kMemWritable));
    EXPECT_FALSE(m.covers(0x080FFFFF, 2, kMemReadable)); // runs past the end
    EXPECT_EQ(m.find(0x0800C123), &m.segments[1]);
    EXPECT_EQ(m.find(0x07FFFFFF), nullptr);
}

TEST(MemoryLayout, PhotonDctAlt1AndP1SerialFlashAlt2) {
    const MemoryLayout dct = parse_memory_layout(kPhotonAlt1);
    EXPECT_EQ(dct.name, "DCT Flash");
    ASSERT_EQ(dct.segments.size(), 1u);
    EXPECT_EQ(dct.segments[0].start, 0u);
    EXPECT_EQ(dct.segments[0].size(), 16384u);
    EXPECT_EQ(dct.segments[0].attributes, 7);
    EXPECT_TRUE(dct.covers(0, 16384, kMemReadable | kMemWritable));
    EXPECT_FALSE(dct.covers(0, 16385, kMemReadable));
    EXPECT_TRUE(dct.covers(2082, 512, kMemWritable));

    const MemoryLayout sf = parse_memory_layout(kP1Alt2);
    EXPECT_EQ(sf.name, "Serial Flash");
    ASSERT_EQ(sf.segments.size(), 1u);
    EXPECT_EQ(sf.segments[0].page_count, 256u);
    EXPECT_EQ(sf.segments[0].page_size, 4096u);
    EXPECT_EQ(sf.segments[0].end(), 1024u * 1024u);
}

TEST(MemoryLayout, Gen3DctStringIsNotErasable) {
    const MemoryLayout m = parse_memory_layout(kGen3Dct);
    EXPECT_EQ(m.name, "DCT Flash");
    ASSERT_EQ(m.segments.size(), 1u);
    EXPECT_EQ(m.segments[0].page_count, 1u);
    EXPECT_EQ(m.segments[0].size(), 16384u);
    EXPECT_TRUE(m.segments[0].readable());
    EXPECT_TRUE(m.segments[0].writable());
    EXPECT_FALSE(m.segments[0].erasable());
}

TEST(MemoryLayout, MultipliersAndSeveralRegions) {
    const MemoryLayout m = parse_memory_layout("@Option Bytes  /0x1FFFC000/01*016 e/0x20000000/2*512Bg,1*1Mb,3*8a");
    EXPECT_EQ(m.name, "Option Bytes");
    ASSERT_EQ(m.segments.size(), 4u);
    EXPECT_EQ(m.segments[0].start, 0x1FFFC000u);
    EXPECT_EQ(m.segments[0].size(), 16u); // a space multiplier means bytes
    EXPECT_EQ(m.segments[0].attributes, 5);
    EXPECT_EQ(m.segments[1].start, 0x20000000u);
    EXPECT_EQ(m.segments[1].size(), 1024u);
    EXPECT_EQ(m.segments[2].start, 0x20000400u);
    EXPECT_EQ(m.segments[2].size(), 1024u * 1024u);
    EXPECT_EQ(m.segments[2].attributes, kMemErasable);
    EXPECT_EQ(m.segments[3].page_size, 8u); // no multiplier: the letter is the type
    EXPECT_EQ(m.segments[3].attributes, kMemReadable);
    EXPECT_EQ(parse_memory_layout("@X/0X0000ABCD/1*4Kg/").segments.at(0).start, 0xABCDu);
}

TEST(MemoryLayout, MalformedStringsAreDfuProtocolErrorsNamingTheString) {
    const std::vector<std::string> bad = {
        "",
        "DCT Flash/0x00000000/01*016Kg",    // no '@'
        "@DCT Flash",                       // no '/'
        "@/0x0/1*16Kg",                     // empty name
        "@DCT Flash   /00000000/01*016Kg",  // no 0x
        "@DCT Flash   /0x/01*016Kg",        // no hex digits
        "@DCT Flash   /0x00000000",         // no segments
        "@DCT Flash   /0x00000000/01016Kg", // no '*'
        "@DCT Flash   /0x00000000/*016Kg",  // no count
        "@DCT Flash   /0x00000000/01*Kg",   // no size
        "@DCT Flash   /0x00000000/01*016K", // no type letter
        "@DCT Flash   /0x00000000/01*016Kz",
        "@DCT Flash   /0x00000000/01*016Xg",
        "@DCT Flash   /0x00000000/01*016Kg;",
        "@DCT Flash   /0x00000000/00*016Kg",
        "@X/0xFFFFF000/2*4Kg", // past 4 GiB
        "@X/0x123456789/1*4Kg",
    };
    for (const auto& text : bad) {
        try {
            parse_memory_layout(text);
            ADD_FAILURE() << "accepted: \"" << text << "\"";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::DfuProtocol) << text;
            EXPECT_NE(std::string(e.what()).find("\"" + text + "\""), std::string::npos) << e.what();
        }
    }
}

TEST(MemoryLayout, NameOnly) {
    EXPECT_EQ(memory_layout_name(kPhotonAlt1).value_or("?"), "DCT Flash");
    EXPECT_EQ(memory_layout_name("@Serial Flash   /whatever").value_or("?"), "Serial Flash");
    EXPECT_FALSE(memory_layout_name("DFU").has_value());
    EXPECT_FALSE(memory_layout_name("@no slash").has_value());
}
