// Following a unit across its reset into DFU mode (ops::find_in_dfu_mode, docs/enter-dfu.md §4):
// by device ID, by port path when the bootloader reports none; never onto another unit.
#include <gtest/gtest.h>

#include "ops_test_support.hpp"
#include "photon_dct/error.hpp"
#include "photon_dct/ops/enter_dfu.hpp"

using namespace photon_dct;
using ops_test::usb_unit;

namespace {

const char* kId = "3A0036000247363333343435";
const char* kOther = "3a0036000247363333343436";

TEST(FollowUnit, ByDeviceIdAtAnotherPortAndCase) {
    const auto before = usb_unit(kId, "1-1", false);
    std::string how;
    const auto found = ops::find_in_dfu_mode(
        {usb_unit(kOther, "1-1", true), usb_unit("3a0036000247363333343435", "1-4", true)}, before, how);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->port_path, "1-4");
    EXPECT_EQ(how, "device ID");
}

TEST(FollowUnit, OldBootloaderByPortPathButNeverAnotherId) {
    const auto before = usb_unit(kId, "1-2", false);
    std::string how;
    const auto found = ops::find_in_dfu_mode(
        {usb_unit("00000000010C", "1-1", true), usb_unit("00000000010C", "1-2", true)}, before, how);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->port_path, "1-2");
    EXPECT_EQ(how, "port path");
    // Another unit (another ID) at its port is not it; nor is the unit still in normal mode.
    EXPECT_FALSE(ops::find_in_dfu_mode({usb_unit(kOther, "1-2", true), before}, before, how));
}

TEST(FollowUnit, FirmwareWithoutIdIsFollowedByPortPath) {
    const auto before = usb_unit("00000000050C", "1-3", false); // Device OS before 0.6.0
    std::string how;
    const auto found = ops::find_in_dfu_mode({usb_unit("00000000010C", "1-3", true)}, before, how);
    ASSERT_TRUE(found);
    EXPECT_EQ(how, "port path");
}

TEST(FollowUnit, UnreadableOrOtherPlatformIsNoMatch) {
    const auto before = usb_unit(kId, "1-1", false);
    auto unreadable = usb_unit("", "1-1", true);
    unreadable.access_problem = "permission denied";
    std::string how;
    EXPECT_FALSE(ops::find_in_dfu_mode({unreadable}, before, how));
    EXPECT_FALSE(ops::find_in_dfu_mode({usb_unit(kId, "1-1", true, dct::PlatformId::Electron)}, before, how));
}

TEST(FollowUnit, TwoUnitsWithItsIdAreRefused) {
    const auto before = usb_unit(kId, "1-1", false);
    std::string how;
    try {
        ops::find_in_dfu_mode({usb_unit(kId, "1-1", true), usb_unit(kId, "1-2", true)}, before, how);
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::AmbiguousDevice);
    }
}

} // namespace
