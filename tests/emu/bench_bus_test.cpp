// Bus events a bench needs (issue 10): units plugged in one after another, and a unit unplugged
// some time after it left DFU mode (meanwhile it runs its firmware). Raw usbdevfs, no libusb.
#include "emu_test_util.hpp"
#include "photon_emu.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <linux/usbdevice_fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

using photon_emu::DeviceConfig;
using photon_emu::Emulator;

namespace {

namespace fs = std::filesystem;

bool eventually(const std::function<bool()>& condition) {
    for (int i = 0; i < 500; ++i) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return condition();
}

std::string sysfs(const Emulator& emu, unsigned port, const std::string& attribute) {
    return test_support::read_text(emu.umockdev_dir() + "/sys/devices/usb1/1-" + std::to_string(port) + "/" +
                                   attribute);
}

int dfu_request(int fd, std::uint8_t type, std::uint8_t request, std::uint16_t length, std::uint8_t* data) {
    usbdevfs_ctrltransfer ct{};
    ct.bRequestType = type;
    ct.bRequest = request;
    ct.wLength = length;
    ct.timeout = 1000;
    ct.data = data;
    return ::ioctl(fd, USBDEVFS_CONTROL, &ct);
}

TEST(BenchBus, UnitsArriveOneAfterAnother) {
    DeviceConfig first, second;
    second.serial = "3a0036000247363333343436";
    second.arrive_after_ms = 150;
    Emulator emu({first, second});
    EXPECT_TRUE(emu.attached(0));
    EXPECT_FALSE(emu.attached(1));
    EXPECT_FALSE(fs::exists(emu.umockdev_dir() + "/sys/devices/usb1/1-2"));
    ASSERT_TRUE(eventually([&] { return emu.attached(1); }));
    EXPECT_EQ(sysfs(emu, 2, "serial"), "3a0036000247363333343436\n"); // the kernel ends it with a newline
    EXPECT_EQ(sysfs(emu, 2, "idProduct"), "d006");
    const int fd = ::open(emu.devnode(1).c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    std::uint8_t status[6] = {};
    EXPECT_EQ(dfu_request(fd, 0xA1, 3, 6, status), 6);
    ::close(fd);
}

TEST(BenchBus, LeftUnitRunsItsFirmwareThenIsUnplugged) {
    DeviceConfig c;
    c.unplug_after_leave_ms = 400;
    c.reenumerate_ms = 50;
    Emulator emu({c});
    const int fd = ::open(emu.devnode(0).c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    std::uint8_t status[6] = {};
    ASSERT_EQ(dfu_request(fd, 0x21, 1, 0, nullptr), 0); // DNLOAD, no data: leave
    ASSERT_EQ(dfu_request(fd, 0xA1, 3, 6, status), 6);  // the unit resets after this answer
    ::close(fd);
    ASSERT_TRUE(eventually([&] { return emu.attached(0) && !emu.dfu_mode(0); }));
    EXPECT_EQ(sysfs(emu, 1, "idProduct"), "c006");
    EXPECT_EQ(sysfs(emu, 1, "serial"), "3A0036000247363333343435\n");
    ASSERT_TRUE(eventually([&] { return !emu.attached(0); }));
    EXPECT_FALSE(fs::exists(emu.umockdev_dir() + "/sys/devices/usb1/1-1"));
    std::vector<std::string> events;
    for (const auto& e : emu.transcript(0))
        if (e.name.rfind("BUS_", 0) == 0) events.push_back(e.name);
    EXPECT_EQ(events, (std::vector<std::string>{"BUS_LEAVE", "BUS_ENUMERATE", "BUS_UNPLUG"}));
}

TEST(BenchBus, WithoutTheOptionALeftUnitJustLeavesTheBus) {
    Emulator emu({DeviceConfig{}});
    const int fd = ::open(emu.devnode(0).c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    std::uint8_t status[6] = {};
    ASSERT_EQ(dfu_request(fd, 0x21, 1, 0, nullptr), 0);
    ASSERT_EQ(dfu_request(fd, 0xA1, 3, 6, status), 6);
    ::close(fd);
    EXPECT_TRUE(emu.disconnected(0));
    EXPECT_TRUE(eventually([&] { return !emu.attached(0); })); // the reset: off the bus right after
    for (const auto& e : emu.transcript(0)) EXPECT_NE(e.name.rfind("BUS_", 0), 0u) << e.name;
}

} // namespace
