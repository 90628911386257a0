// UnitId: a unit is named by its device ID when its USB serial holds one, else by its port path.
#include <gtest/gtest.h>

#include "photon_dct/usb/usb.hpp"

using namespace photon_dct;
using usb::UnitId;

namespace {

usb::UsbDevice device(const char* serial, const char* path) {
    usb::UsbDevice d;
    d.platform = &dct::platform(dct::PlatformId::Photon);
    d.vendor_id = 0x2b04;
    d.product_id = 0xd006;
    d.serial = serial;
    d.port_path = path;
    d.device_id = usb::device_id_from_serial(serial);
    d.id = usb::unit_id_for(d.device_id, path);
    return d;
}

} // namespace

TEST(UnitIdTest, DeviceIdFromSerialEitherCase) {
    EXPECT_EQ(usb::device_id_from_serial("3B0021001747353236343033"), "3b0021001747353236343033");
    EXPECT_EQ(usb::device_id_from_serial("3a0036000247363333343435"), "3a0036000247363333343435");
    EXPECT_EQ(usb::device_id_from_serial("00000000010C"), std::nullopt);
    EXPECT_EQ(usb::device_id_from_serial(""), std::nullopt);
}

TEST(UnitIdTest, DeviceIdWhenTheSerialHoldsOneElsePortPath) {
    const UnitId by_id = usb::unit_id_for(usb::device_id_from_serial("3B0021001747353236343033"), "1-2");
    EXPECT_EQ(by_id.kind, UnitId::Kind::DeviceId);
    EXPECT_EQ(by_id.value, "3b0021001747353236343033");
    EXPECT_EQ(by_id.text(), "3b0021001747353236343033");

    const UnitId by_path = usb::unit_id_for(std::nullopt, "1-2.3");
    EXPECT_EQ(by_path.kind, UnitId::Kind::PortPath);
    EXPECT_EQ(by_path.value, "1-2.3");
    EXPECT_EQ(by_path.text(), "usb 1-2.3");
}

TEST(UnitIdTest, FindUnitMatchesTheIdentityNotThePosition) {
    const std::vector devices{device("3a0036000247363333343435", "1-1"), device("00000000010C", "1-2"),
                              device("3A0036000247363333343436", "1-3")};
    // The unit with this device ID moved to another port: still found.
    auto found =
        usb::find_unit(devices, usb::unit_id_for(usb::device_id_from_serial("3a0036000247363333343436"), "9-9"));
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0], &devices[2]);
    found = usb::find_unit(devices, usb::unit_id_for(std::nullopt, "1-2"));
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0], &devices[1]);
    EXPECT_TRUE(usb::find_unit(devices, usb::unit_id_for("ffffffffffffffffffffffff", "1-1")).empty());
}

TEST(UnitIdTest, DescribeNamesPlatformIdPathAndMode) {
    EXPECT_EQ(device("3a0036000247363333343435", "1-1").describe(),
              "Photon 3a0036000247363333343435 at usb 1-1 (DFU mode)");
    EXPECT_EQ(device("00000000010C", "1-2").describe(), "Photon 00000000010C at usb 1-2 (DFU mode)");
    EXPECT_EQ(device("x", "1-2").usb_id(), "2b04:d006");
}
