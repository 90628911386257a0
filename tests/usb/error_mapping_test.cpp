// libusb error codes -> photon_dct::Error, without a device. The numeric codes are libusb's
// stable ABI values (LIBUSB_ERROR_ACCESS -3, NO_DEVICE -4, BUSY -6, TIMEOUT -7, PIPE -9, IO -1).
#include <gtest/gtest.h>

#include "error_mapping.hpp"

using namespace photon_dct;
using photon_dct::usb::detail::usb_error;

namespace {
bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
} // namespace

TEST(UsbErrorMapping, AccessIsUsbAccessWithTheUdevHint) {
    const Error e = usb_error(-3, "opening the device at path 1-1");
    EXPECT_EQ(e.kind(), ErrorKind::UsbAccess);
    EXPECT_TRUE(has(e.what(), "permission denied")) << e.what();
    EXPECT_TRUE(has(e.what(), "1-1")) << e.what();
    EXPECT_TRUE(has(e.hint(), "60-photon-dct.rules")) << e.hint();
    EXPECT_TRUE(has(e.hint(), "sudo udevadm control --reload")) << e.hint();
    EXPECT_TRUE(has(e.hint(), "or run with sudo")) << e.hint();
    EXPECT_TRUE(has(e.hint(), "plugdev")) << e.hint(); // scripts over SSH or cron get no uaccess
}

TEST(UsbErrorMapping, BusyIsUsbAccessNamingOtherPrograms) {
    const Error e = usb_error(-6, "claiming interface 0");
    EXPECT_EQ(e.kind(), ErrorKind::UsbAccess);
    EXPECT_TRUE(has(e.what(), "another program (dfu-util, particle-cli?) holds the device")) << e.what();
}

TEST(UsbErrorMapping, NoDeviceAndTimeoutAreUsbIo) {
    const Error gone = usb_error(-4, "control transfer");
    EXPECT_EQ(gone.kind(), ErrorKind::UsbIo);
    EXPECT_TRUE(has(gone.what(), "device disconnected")) << gone.what();
    const Error slow = usb_error(-7, "control transfer");
    EXPECT_EQ(slow.kind(), ErrorKind::UsbIo);
    EXPECT_TRUE(has(slow.what(), "timed out")) << slow.what();
}

TEST(UsbErrorMapping, PipeIsAStall) {
    const Error e = usb_error(-9, "control transfer");
    EXPECT_EQ(e.kind(), ErrorKind::DfuProtocol);
    EXPECT_TRUE(has(e.what(), "stall")) << e.what();
}

TEST(UsbErrorMapping, OthersAreUsbIoInWords) {
    const Error e = usb_error(-1, "control transfer");
    EXPECT_EQ(e.kind(), ErrorKind::UsbIo);
    EXPECT_TRUE(has(e.what(), "LIBUSB_ERROR_IO")) << e.what();
    EXPECT_GT(std::string(e.what()).size(), std::string("control transfer: ").size() + 16);
}
