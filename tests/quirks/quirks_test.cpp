// The quirk table: which unit has which flag, the row facts, the button advice per platform.
#include <gtest/gtest.h>

#include <set>

#include "photon_dct/quirks/quirks.hpp"

using namespace photon_dct::quirks;

TEST(QuirksTest, EveryGen2BootloaderAnswersLeaveWithDnloadIdleAndIgnoresDctErase) {
    for (std::uint8_t p : {kPhoton, kP1, kElectron}) {
        const UnitFacts bootloader{p, true, 0x0250, "3a0036000247363333343435"};
        EXPECT_TRUE(has(bootloader, Quirk::LeaveAnswersDnloadIdle));
        EXPECT_TRUE(has(bootloader, Quirk::DctAltEraseIgnored));
        EXPECT_FALSE(has(bootloader, Quirk::SerialIsNotADeviceId));
        // The firmware (normal mode) is not the bootloader.
        EXPECT_FALSE(has({p, false, 0x0250, "3A0036000247363333343435"}, Quirk::LeaveAnswersDnloadIdle));
    }
    EXPECT_FALSE(has({0, true, 0x0250, ""}, Quirk::LeaveAnswersDnloadIdle)); // not a Particle Gen 2 unit
}

TEST(QuirksTest, TheOldSharedSerialsAreNotDeviceIds) {
    const QuirkRow& old_bootloader = row(Quirk::SerialIsNotADeviceId);
    EXPECT_EQ(old_bootloader.serial, "00000000010C");
    EXPECT_EQ(old_bootloader.bcd_device, 0x0200);
    EXPECT_TRUE(has({kPhoton, true, 0x0200, "00000000010C"}, Quirk::SerialIsNotADeviceId));
    EXPECT_EQ(row(Quirk::SerialIsNotADeviceId, false).serial, "00000000050C");
    EXPECT_TRUE(has({kElectron, false, 0x0250, "00000000050C"}, Quirk::SerialIsNotADeviceId));
    EXPECT_FALSE(has({kElectron, true, 0x0250, "00000000050C"}, Quirk::SerialIsNotADeviceId));
}

TEST(QuirksTest, OnlyPhotonAndP1BootloadersNeedTheSystemFirmwareForTheDct) {
    EXPECT_TRUE(has({kPhoton, true, 0x0250, ""}, Quirk::DctNeedsSystemFirmware070));
    EXPECT_TRUE(has({kP1, true, 0x0250, ""}, Quirk::DctNeedsSystemFirmware070));
    EXPECT_FALSE(has({kElectron, true, 0x0250, ""}, Quirk::DctNeedsSystemFirmware070));
}

TEST(QuirksTest, QuirkSetHoldsTheFlagsOfOneUnit) {
    const QuirkSet photon(UnitFacts{kPhoton, true, 0x0200, "00000000010C"});
    EXPECT_TRUE(photon.has(Quirk::LeaveAnswersDnloadIdle));
    EXPECT_TRUE(photon.has(Quirk::SerialIsNotADeviceId));
    EXPECT_TRUE(photon.has(Quirk::DctNeedsSystemFirmware070));
    EXPECT_FALSE(QuirkSet().has(Quirk::LeaveAnswersDnloadIdle));
}

TEST(QuirksTest, EveryRowHasAUniqueNameAndCitesItsFact) {
    std::set<std::string_view> names;
    for (const auto& r : quirk_table()) {
        EXPECT_TRUE(names.insert(r.name).second) << r.name;
        EXPECT_NE(r.fact.find("docs/"), std::string_view::npos) << r.name;
        EXPECT_NE(r.platforms, 0u) << r.name;
    }
}

TEST(QuirksTest, DctAltStringsDifferOnlyInTheEraseLetter) {
    EXPECT_EQ(kGen2DctAltName.substr(1, kDctMemoryName.size()), kDctMemoryName);
    EXPECT_EQ(kGen2DctAltName.back(), 'g');
    EXPECT_EQ(kGen3DctAltName.back(), 'e');
}

TEST(QuirksTest, ButtonAdvicePerPlatform) {
    EXPECT_EQ(dfu_mode_advice(kPhoton), "hold SETUP, tap RESET, and release SETUP when the LED blinks yellow");
    EXPECT_EQ(dfu_mode_advice(kP1), dfu_mode_advice(kPhoton));
    EXPECT_EQ(dfu_mode_advice(kElectron), "hold MODE, tap RESET, and release MODE when the LED blinks yellow");
    const std::string any = dfu_mode_advice(0);
    EXPECT_NE(any.find("SETUP"), std::string::npos);
    EXPECT_NE(any.find("MODE on an Electron"), std::string::npos);
    EXPECT_EQ(platform_of_product_id(0xd00a), kElectron);
    EXPECT_EQ(platform_of_product_id(0xc006), kPhoton);
}
