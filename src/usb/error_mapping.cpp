#include "error_mapping.hpp"

#include <libusb.h>

#ifndef PHOTON_DCT_UDEV_RULES_PATH
#define PHOTON_DCT_UDEV_RULES_PATH "/usr/local/lib/udev/rules.d/60-photon-dct.rules"
#endif

namespace photon_dct::usb::detail {

const std::string kUdevHint =
    std::string("install the udev rules: sudo cp ") + PHOTON_DCT_UDEV_RULES_PATH +
    " /etc/udev/rules.d/ && sudo udevadm control --reload && replug the unit (or run with sudo)";
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
