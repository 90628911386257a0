// A unit in normal mode on the umockdev bus (docs/enter-dfu.md): cdc_acm holds its CDC
// interfaces, the entry requests make it leave the bus, and it enumerates again in DFU mode at
// the same port with a new address. Raw usbdevfs ioctls, no libusb.
#include "emu_test_util.hpp"
#include "photon_emu.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <linux/usbdevice_fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

using photon_emu::DeviceConfig;
using photon_emu::Emulator;

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

DeviceConfig normal_unit(const std::string& os) {
    DeviceConfig c;
    c.dfu_mode = false;
    c.device_os = os;
    c.reenumerate_ms = 50;
    return c;
}

struct Fd {
    explicit Fd(const std::string& path) : fd(::open(path.c_str(), O_RDWR)) {}
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int fd;
};

// A synchronous control transfer; returns the byte count or -errno.
int control(int fd, std::uint8_t type, std::uint8_t req, std::uint16_t value, std::uint16_t index, Bytes& data) {
    usbdevfs_ctrltransfer ct{};
    ct.bRequestType = type;
    ct.bRequest = req;
    ct.wValue = value;
    ct.wIndex = index;
    ct.wLength = static_cast<std::uint16_t>(data.size());
    ct.timeout = 1000;
    ct.data = data.data();
    const int rc = ::ioctl(fd, USBDEVFS_CONTROL, &ct);
    return rc < 0 ? -errno : rc;
}

Bytes line_coding_14400() { return {0x40, 0x38, 0x00, 0x00, 0x00, 0x00, 0x08}; }

// Polls (bounded) instead of assuming how long the emulated bus takes.
bool eventually(const std::function<bool()>& condition) {
    for (int i = 0; i < 500; ++i) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return condition();
}

// The unit enumerated again in DFU mode and its new node exists.
bool back_in_dfu_mode(const Emulator& emu) {
    return eventually([&] { return emu.dfu_mode(0) && emu.attached(0); });
}

// The raw vendor request of 0.6.1-0.7.x (docs/enter-dfu.md §2); the byte count or -errno.
int raw_dfu_request(int fd) {
    Bytes none;
    return control(fd, 0x40, 0x50, 0, 50, none);
}

std::string attribute(const Emulator& emu, const std::string& name) {
    return test_support::read_text(emu.umockdev_dir() + "/sys/devices/usb1/1-1/" + name);
}

std::vector<std::string> names(const std::vector<photon_emu::TranscriptEntry>& t) {
    std::vector<std::string> out;
    for (const auto& e : t) out.push_back(e.name);
    return out;
}

TEST(EnterDfu, CdcAcmHoldsIf0UntilDetached) {
    Emulator emu({normal_unit("0.6.3")});
    Fd n(emu.devnode(0));
    ASSERT_GE(n.fd, 0);
    usbdevfs_getdriver gd{};
    gd.interface = 0;
    ASSERT_EQ(::ioctl(n.fd, USBDEVFS_GETDRIVER, &gd), 0);
    EXPECT_STREQ(gd.driver, "cdc_acm");
    gd.interface = 2; // the vendor interface has no driver
    EXPECT_EQ(::ioctl(n.fd, USBDEVFS_GETDRIVER, &gd), -1);
    Bytes coding = line_coding_14400();
    EXPECT_EQ(control(n.fd, 0x21, 0x20, 0, 0, coding), -EBUSY);
    unsigned intf = 0;
    EXPECT_EQ(::ioctl(n.fd, USBDEVFS_CLAIMINTERFACE, &intf), -1);
    EXPECT_EQ(errno, EBUSY);
    EXPECT_TRUE(emu.transcript(0).empty()); // nothing reached the unit
    usbdevfs_disconnect_claim dc{};
    dc.interface = 0;
    dc.flags = USBDEVFS_DISCONNECT_CLAIM_EXCEPT_DRIVER;
    std::strcpy(dc.driver, "usbfs");
    ASSERT_EQ(::ioctl(n.fd, USBDEVFS_DISCONNECT_CLAIM, &dc), 0);
    EXPECT_EQ(control(n.fd, 0x21, 0x20, 0, 0, coding), -ENODEV); // reset inside the interrupt
    EXPECT_EQ(names(emu.transcript(0)), (std::vector<std::string>{"SET_LINE_CODING", "BUS_LEAVE"}));
    ASSERT_TRUE(back_in_dfu_mode(emu));
}

TEST(EnterDfu, VendorRequestReenumeratesInDfuModeAtTheSamePort) {
    Emulator emu({normal_unit("0.6.3")});
    const std::string first = emu.devnode(0);
    EXPECT_EQ(attribute(emu, "idProduct"), "c006");
    EXPECT_EQ(attribute(emu, "serial"), "3A0036000247363333343435\n"); // the kernel ends it with a newline
    Fd n(first);
    ASSERT_GE(n.fd, 0);
    Bytes version(64);
    ASSERT_EQ(control(n.fd, 0xC0, 0x50, 0, 30, version), 5);
    EXPECT_EQ(std::string(version.begin(), version.begin() + 5), "0.6.3");
    EXPECT_EQ(raw_dfu_request(n.fd), -ENODEV); // 0.6.x resets before answering
    EXPECT_FALSE(emu.dfu_mode(0));
    ASSERT_TRUE(back_in_dfu_mode(emu));
    EXPECT_NE(emu.devnode(0), first); // a new address
    EXPECT_EQ(attribute(emu, "idProduct"), "d006");
    EXPECT_EQ(attribute(emu, "serial"), "3A0036000247363333343435\n");
    EXPECT_EQ(attribute(emu, "bcdDevice"), "0250");
    EXPECT_EQ(emu.serial(0), "3A0036000247363333343435");
    Bytes status(6);
    EXPECT_EQ(control(n.fd, 0xA1, 3, 0, 0, status), -ENODEV); // the old handle stays dead
    Fd again(emu.devnode(0));
    ASSERT_GE(again.fd, 0);
    ASSERT_EQ(control(again.fd, 0xA1, 3, 0, 0, status), 6);
    EXPECT_EQ(status[4], 2); // dfuIDLE
    const auto t = emu.transcript(0);
    EXPECT_EQ(names(t), (std::vector<std::string>{"PARTICLE_REQUEST", "PARTICLE_REQUEST", "BUS_LEAVE", "BUS_ENUMERATE",
                                                  "GETSTATUS"}));
    EXPECT_EQ(t[1].result, "disconnected");
    EXPECT_EQ(std::string(t[3].data.begin(), t[3].data.end()), "3A0036000247363333343435");
}

TEST(EnterDfu, OldBootloaderComesBackWithTheFixedSerial) {
    DeviceConfig c = normal_unit("0.7.0");
    c.old_bootloader = true;
    Emulator emu({c});
    Fd n(emu.devnode(0));
    EXPECT_EQ(raw_dfu_request(n.fd), 0); // 0.7.x acknowledges
    ASSERT_TRUE(back_in_dfu_mode(emu));
    EXPECT_EQ(attribute(emu, "serial"), "00000000010C\n");
    EXPECT_EQ(attribute(emu, "bcdDevice"), "0200");
}

TEST(EnterDfu, FirmwareDelayKeepsTheUnitOnTheBusAfterTheResult) {
    Emulator emu({normal_unit("1.5.2")});
    Fd n(emu.devnode(0));
    Bytes reply(64);
    ASSERT_EQ(control(n.fd, 0xC0, 1, 0, 50, reply), 8); // INIT DFU_MODE
    const std::uint16_t id = static_cast<std::uint16_t>(reply[6] | (reply[7] << 8));
    ASSERT_EQ(control(n.fd, 0xC0, 2, 0, id, reply), 6); // CHECK: PENDING
    EXPECT_EQ(reply[4], 2);
    ASSERT_EQ(control(n.fd, 0xC0, 2, 0, id, reply), 10); // CHECK: OK, result 0
    EXPECT_EQ(reply[4], 0);
    EXPECT_FALSE(emu.disconnected(0)); // the firmware waits before it resets
    Bytes version(64);
    EXPECT_EQ(control(n.fd, 0xC0, 0x50, 0, 30, version), 5);
    ASSERT_TRUE(back_in_dfu_mode(emu));
    EXPECT_EQ(attribute(emu, "serial"), "3a0036000247363333343435\n");
}

TEST(EnterDfu, NeverReenumerateLeavesTheBusForGood) {
    DeviceConfig c = normal_unit("0.7.0");
    c.never_reenumerate = true;
    Emulator emu({c});
    Fd n(emu.devnode(0));
    EXPECT_EQ(raw_dfu_request(n.fd), 0);
    ASSERT_TRUE(eventually([&] { return emu.disconnected(0); }));
    std::this_thread::sleep_for(std::chrono::milliseconds(200)); // 4x the re-enumeration time
    EXPECT_FALSE(emu.dfu_mode(0));
    EXPECT_FALSE(fs::exists(emu.umockdev_dir() + "/sys/devices/usb1/1-1"));
}

} // namespace
