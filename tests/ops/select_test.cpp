// Device selection rules: zero, one, several units; normal mode; the old constant serial.
#include <gtest/gtest.h>

#include "ops_test_support.hpp"
#include "photon_dct/error.hpp"
#include "photon_dct/ops/device.hpp"

using namespace photon_dct;
using ops_test::usb_unit;

namespace {

ErrorKind kind_of(const std::vector<usb::UsbDevice>& devices, const ops::DeviceSelector& sel,
                  std::string* message = nullptr) {
    try {
        ops::select_device(devices, sel);
    } catch (const Error& e) {
        if (message) *message = std::string(e.what()) + " | " + e.hint();
        return e.kind();
    }
    ADD_FAILURE() << "no error";
    return ErrorKind::Internal;
}

} // namespace

TEST(SelectDeviceTest, NoneAttached) {
    std::string msg;
    EXPECT_EQ(kind_of({}, {}, &msg), ErrorKind::NoDevice);
    EXPECT_NE(msg.find("SETUP"), std::string::npos);
}

TEST(SelectDeviceTest, OneIsChosen) {
    const std::vector devices{usb_unit("3a0036000247363333343435", "1-1")};
    EXPECT_EQ(&ops::select_device(devices, {}), &devices[0]);
}

TEST(SelectDeviceTest, SeveralNeedASelector) {
    const std::vector devices{usb_unit("3a0036000247363333343435", "1-1"), usb_unit("3a0036000247363333343436", "1-2")};
    std::string msg;
    EXPECT_EQ(kind_of(devices, {}, &msg), ErrorKind::AmbiguousDevice);
    EXPECT_NE(msg.find("3a0036000247363333343436"), std::string::npos);
    EXPECT_EQ(&ops::select_device(devices, {.device_id = "3A0036000247363333343436"}), &devices[1]);
    EXPECT_EQ(&ops::select_device(devices, {.path = "1-1"}), &devices[0]);
    EXPECT_EQ(kind_of(devices, {.device_id = "ffffffffffffffffffffffff"}), ErrorKind::NoDevice);
}

TEST(SelectDeviceTest, NormalModeSaysHowToEnterDfu) {
    const std::vector devices{usb_unit("3a0036000247363333343435", "1-1", false)};
    std::string msg;
    EXPECT_EQ(kind_of(devices, {}, &msg), ErrorKind::DeviceNotInDfuMode);
    EXPECT_NE(msg.find("hold SETUP, tap RESET"), std::string::npos);
}

TEST(SelectDeviceTest, OldConstantSerialNeedsPath) {
    const std::vector devices{usb_unit("00000000010C", "1-1"), usb_unit("00000000010C", "1-2")};
    std::string msg;
    EXPECT_EQ(kind_of(devices, {}, &msg), ErrorKind::AmbiguousDevice);
    EXPECT_NE(msg.find("--path"), std::string::npos);
    EXPECT_EQ(&ops::select_device(devices, {.path = "1-2"}), &devices[1]);
}

TEST(SelectDeviceTest, AccessProblemIsReported) {
    auto d = usb_unit("3a0036000247363333343435", "1-1");
    d.access_problem = "permission denied";
    std::string msg;
    EXPECT_EQ(kind_of({d}, {}, &msg), ErrorKind::UsbAccess);
    EXPECT_NE(msg.find("60-photon-dct.rules"), std::string::npos);
}
