#include "error_mapping.hpp"

#include <libusb.h>

#include <array>
#include <filesystem>
#include <system_error>

namespace photon_dct::usb::detail {
namespace {

// Where udev reads rules from (udev(7)); /lib is /usr/lib on merged-/usr systems. A copy under
// /usr/local is not read by udev.
constexpr std::array<const char*, 3> kUdevRuleFiles{"/etc/udev/rules.d/60-photon-dct.rules",
                                                    "/usr/lib/udev/rules.d/60-photon-dct.rules",
                                                    "/lib/udev/rules.d/60-photon-dct.rules"};

std::string make_udev_hint() {
    const std::string reload =
        "sudo udevadm control --reload-rules && sudo udevadm trigger, then replug the unit (or run with sudo)";
    const std::string remote = "; a script run over SSH or from cron (no local login, so no uaccess) needs its "
                               "user in the plugdev group (sudo usermod -aG plugdev USER, then log in again)";
    for (const char* file : kUdevRuleFiles) {
        std::error_code ec;
        if (std::filesystem::exists(file, ec))
            return std::string("the udev rules are installed (") + file + "): " + reload + remote;
    }
    return "install the udev rules: sudo cp 60-photon-dct.rules /etc/udev/rules.d/ (the file is in src/usb/ of "
           "the source tree; the .deb installs it for you), then " +
           reload + remote;
}

} // namespace

const std::string kUdevHint = make_udev_hint();
const std::string kBusyHint = "close the other program (dfu-util, particle-cli?) that holds the device, then retry";

Error usb_error(int rc, const std::string& what) {
    const std::string name = libusb_error_name(rc);
    switch (rc) {
    case LIBUSB_ERROR_ACCESS:
        return Error(ErrorKind::UsbAccess, what + ": permission denied (" + name + ")", kUdevHint);
    case LIBUSB_ERROR_BUSY:
        return Error(ErrorKind::UsbAccess,
                     what + ": the device is busy: another program (dfu-util, particle-cli?) holds the device",
                     kBusyHint);
    case LIBUSB_ERROR_NO_DEVICE:
        return Error(ErrorKind::UsbIo, what + ": device disconnected (" + name + ")",
                     "reconnect the unit and put it back into DFU mode");
    case LIBUSB_ERROR_TIMEOUT:
        return Error(ErrorKind::UsbIo, what + ": the USB transfer timed out (" + name + ")",
                     "replug the unit, put it back into DFU mode and retry");
    case LIBUSB_ERROR_PIPE:
        return Error(ErrorKind::DfuProtocol, what + ": the device rejected the request (stall)");
    default:
        return Error(ErrorKind::UsbIo, what + ": " + libusb_strerror(rc) + " (" + name + ")");
    }
}

} // namespace photon_dct::usb::detail
