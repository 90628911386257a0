// Device selection rules: zero, one, several units; normal mode; the old constant serial.
#include <gtest/gtest.h>

#include "photon_dct/error.hpp"
#include "photon_dct/ops/device.hpp"

using namespace photon_dct;

namespace {

usb::UsbDevice entry(const char* serial, const char* path, bool dfu = true,
                     dct::PlatformId id = dct::PlatformId::Photon) {
    usb::UsbDevice e;
    e.platform = &dct::platform(id);
    e.serial = serial;
    e.port_path = path;
    e.vendor_id = 0x2b04;
    e.product_id = dfu ? e.platform->dfu_product_id : e.platform->normal_product_id;
    e.device_id = usb::device_id_from_serial(serial);
    e.id = usb::unit_id_for(e.device_id, path);
    return e;
}

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
    const std::vector devices{entry("3a0036000247363333343435", "1-1")};
    EXPECT_EQ(&ops::select_device(devices, {}), &devices[0]);
}

TEST(SelectDeviceTest, SeveralNeedASelector) {
    const std::vector devices{entry("3a0036000247363333343435", "1-1"), entry("3a0036000247363333343436", "1-2")};
    std::string msg;
    EXPECT_EQ(kind_of(devices, {}, &msg), ErrorKind::AmbiguousDevice);
    EXPECT_NE(msg.find("3a0036000247363333343436"), std::string::npos);
    EXPECT_EQ(&ops::select_device(devices, {.device_id = "3A0036000247363333343436"}), &devices[1]);
    EXPECT_EQ(&ops::select_device(devices, {.path = "1-1"}), &devices[0]);
    EXPECT_EQ(kind_of(devices, {.device_id = "ffffffffffffffffffffffff"}), ErrorKind::NoDevice);
}

TEST(SelectDeviceTest, NormalModeSaysHowToEnterDfu) {
    const std::vector devices{entry("3a0036000247363333343435", "1-1", false)};
    std::string msg;
    EXPECT_EQ(kind_of(devices, {}, &msg), ErrorKind::DeviceNotInDfuMode);
    EXPECT_NE(msg.find("hold SETUP, tap RESET"), std::string::npos);
}

TEST(SelectDeviceTest, OldConstantSerialNeedsPath) {
    const std::vector devices{entry("00000000010C", "1-1"), entry("00000000010C", "1-2")};
    std::string msg;
    EXPECT_EQ(kind_of(devices, {}, &msg), ErrorKind::AmbiguousDevice);
    EXPECT_NE(msg.find("--path"), std::string::npos);
    EXPECT_EQ(&ops::select_device(devices, {.path = "1-2"}), &devices[1]);
}

TEST(SelectDeviceTest, AccessProblemIsReported) {
    auto d = entry("3a0036000247363333343435", "1-1");
    d.access_problem = "permission denied";
    std::string msg;
    EXPECT_EQ(kind_of({d}, {}, &msg), ErrorKind::UsbAccess);
    EXPECT_NE(msg.find("60-photon-dct.rules"), std::string::npos);
}
