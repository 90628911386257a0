// In-process usbdevfs access to the emulated device (this test binary links umockdev's
// preload, like the product's in-process USB tests will): raw ioctls on the fake node,
// without libusb, to check the usbfs layer itself (URB submit/reap/discard, CONTROL, read()).
#include "emu_test_util.hpp"
#include "photon_emu.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <linux/usbdevice_fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

using photon_emu::DeviceConfig;
using photon_emu::Emulator;

namespace {

using Bytes = std::vector<std::uint8_t>;

class Node {
public:
    explicit Node(const std::string& path) : fd_(::open(path.c_str(), O_RDWR)) {}
    ~Node() {
        if (fd_ >= 0) ::close(fd_);
    }
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;
    int fd() const { return fd_; }

private:
    int fd_;
};

struct Urb {
    std::vector<std::uint8_t> buf;
    std::unique_ptr<usbdevfs_urb> storage = std::make_unique<usbdevfs_urb>();
    usbdevfs_urb& urb = *storage;
    Urb(std::uint8_t rt, std::uint8_t req, std::uint16_t value, std::uint16_t len, const Bytes& out = {})
        : buf(8 + len) {
        buf[0] = rt;
        buf[1] = req;
        buf[2] = static_cast<std::uint8_t>(value);
        buf[3] = static_cast<std::uint8_t>(value >> 8);
        buf[6] = static_cast<std::uint8_t>(len);
        buf[7] = static_cast<std::uint8_t>(len >> 8);
        std::copy(out.begin(), out.end(), buf.begin() + 8);
        urb.type = USBDEVFS_URB_TYPE_CONTROL;
        urb.endpoint = 0;
        urb.buffer = buf.data();
        urb.buffer_length = static_cast<int>(buf.size());
    }
};

// Reaps one URB (non-blocking, retried a few times).
usbdevfs_urb* reap(int fd) {
    for (int i = 0; i < 100; ++i) {
        void* p = nullptr;
        if (::ioctl(fd, USBDEVFS_REAPURBNDELAY, &p) == 0) return static_cast<usbdevfs_urb*>(p);
        if (errno != EAGAIN) return nullptr;
    }
    return nullptr;
}

TEST(Usbfs, ReadReturnsRawDescriptors) {
    Emulator emu({DeviceConfig{}});
    Node n(emu.devnode(0));
    ASSERT_GE(n.fd(), 0) << std::strerror(errno);
    std::uint8_t buf[256];
    const ssize_t got = ::read(n.fd(), buf, sizeof buf);
    ASSERT_EQ(got, 18 + 36);
    EXPECT_EQ(buf[0], 18);
    EXPECT_EQ(buf[8] | (buf[9] << 8), 0x2b04);
    EXPECT_EQ(buf[10] | (buf[11] << 8), 0xd006);
    EXPECT_EQ(buf[18 + 1], 0x02);
    EXPECT_EQ(::read(n.fd(), buf, sizeof buf), 0); // end of "file"
}

TEST(Usbfs, SynchronousControlAndSetInterface) {
    Emulator emu({DeviceConfig{}});
    Node n(emu.devnode(0));
    ASSERT_GE(n.fd(), 0);
    unsigned intf = 0;
    ASSERT_EQ(::ioctl(n.fd(), USBDEVFS_CLAIMINTERFACE, &intf), 0);
    usbdevfs_setinterface si{0, 1};
    ASSERT_EQ(::ioctl(n.fd(), USBDEVFS_SETINTERFACE, &si), 0);
    usbdevfs_setinterface bad{0, 2};
    EXPECT_EQ(::ioctl(n.fd(), USBDEVFS_SETINTERFACE, &bad), -1);
    std::uint8_t st[6] = {};
    usbdevfs_ctrltransfer ct{};
    ct.bRequestType = 0xA1;
    ct.bRequest = 3;
    ct.wLength = 6;
    ct.timeout = 1000;
    ct.data = st;
    ASSERT_EQ(::ioctl(n.fd(), USBDEVFS_CONTROL, &ct), 6);
    EXPECT_EQ(st[4], 2); // dfuIDLE
    ct.bRequest = 2;     // UPLOAD block 1: stall
    ct.wValue = 1;
    EXPECT_EQ(::ioctl(n.fd(), USBDEVFS_CONTROL, &ct), -1);
    EXPECT_EQ(errno, EPIPE);
    const auto t = emu.transcript(0);
    ASSERT_EQ(t.size(), 4u); // SET_INTERFACE (ok), SET_INTERFACE (stall), GETSTATUS, UPLOAD
    EXPECT_EQ(t[0].name, "SET_INTERFACE");
    EXPECT_EQ(t[1].result, "stall");
    EXPECT_EQ(t[3].result, "stall");
    EXPECT_EQ(t[3].state_after, "dfuERROR");
}

TEST(Usbfs, SubmitAndReapControlUrb) {
    Emulator emu({DeviceConfig{}});
    Node n(emu.devnode(0));
    ASSERT_GE(n.fd(), 0);
    Urb u(0xA1, 2, 0, 64); // UPLOAD block 0: the DfuSe command list
    ASSERT_EQ(::ioctl(n.fd(), USBDEVFS_SUBMITURB, &u.urb), 0);
    usbdevfs_urb* done = reap(n.fd());
    ASSERT_EQ(done, &u.urb);
    EXPECT_EQ(u.urb.status, 0);
    EXPECT_EQ(u.urb.actual_length, 3);
    EXPECT_EQ(Bytes(u.buf.begin() + 8, u.buf.begin() + 11), (Bytes{0x00, 0x21, 0x41}));
    void* p = nullptr;
    EXPECT_EQ(::ioctl(n.fd(), USBDEVFS_REAPURBNDELAY, &p), -1);
    EXPECT_EQ(errno, EAGAIN);
}

TEST(Usbfs, TimeoutFaultHoldsTheUrbUntilDiscarded) {
    DeviceConfig cfg;
    cfg.faults = photon_emu::parse_faults("timeout:getstatus");
    Emulator emu({cfg});
    Node n(emu.devnode(0));
    ASSERT_GE(n.fd(), 0);
    Urb u(0xA1, 3, 0, 6);
    ASSERT_EQ(::ioctl(n.fd(), USBDEVFS_SUBMITURB, &u.urb), 0);
    void* p = nullptr;
    EXPECT_EQ(::ioctl(n.fd(), USBDEVFS_REAPURBNDELAY, &p), -1);
    EXPECT_EQ(errno, EAGAIN);
    ASSERT_EQ(::ioctl(n.fd(), USBDEVFS_DISCARDURB, &u.urb), 0);
    usbdevfs_urb* done = reap(n.fd());
    ASSERT_EQ(done, &u.urb);
    EXPECT_EQ(u.urb.status, -ENOENT);
    EXPECT_EQ(emu.transcript(0).back().result, "timeout");
    // The fault fired once: the next GETSTATUS is answered.
    Urb v(0xA1, 3, 0, 6);
    ASSERT_EQ(::ioctl(n.fd(), USBDEVFS_SUBMITURB, &v.urb), 0);
    ASSERT_EQ(reap(n.fd()), &v.urb);
    EXPECT_EQ(v.urb.status, 0);
    EXPECT_EQ(v.urb.actual_length, 6);
}

TEST(Usbfs, DisconnectFaultRemovesTheDevice) {
    DeviceConfig cfg;
    cfg.faults = photon_emu::parse_faults("disconnect:any");
    Emulator emu({cfg});
    const std::string sysdir = emu.umockdev_dir() + "/sys/devices/usb1/1-1";
    ASSERT_TRUE(std::filesystem::exists(sysdir));
    Node n(emu.devnode(0));
    ASSERT_GE(n.fd(), 0);
    Urb u(0xA1, 3, 0, 6);
    EXPECT_EQ(::ioctl(n.fd(), USBDEVFS_SUBMITURB, &u.urb), -1);
    EXPECT_EQ(errno, ENODEV);
    EXPECT_TRUE(emu.disconnected(0));
    EXPECT_FALSE(std::filesystem::exists(sysdir));
    unsigned intf = 0;
    EXPECT_EQ(::ioctl(n.fd(), USBDEVFS_CLAIMINTERFACE, &intf), -1);
    EXPECT_EQ(errno, ENODEV);
    Node again(emu.devnode(0));
    EXPECT_LT(again.fd(), 0); // the node is gone
}

TEST(Usbfs, UnknownIoctlIsENOTTY) {
    Emulator emu({DeviceConfig{}});
    Node n(emu.devnode(0));
    ASSERT_GE(n.fd(), 0);
    EXPECT_EQ(::ioctl(n.fd(), _IO('U', 99)), -1);
    EXPECT_EQ(errno, ENOTTY);
    std::uint32_t caps = 0;
    ASSERT_EQ(::ioctl(n.fd(), USBDEVFS_GET_CAPABILITIES, &caps), 0);
    EXPECT_NE(caps & USBDEVFS_CAP_NO_PACKET_SIZE_LIM, 0u);
}

} // namespace
