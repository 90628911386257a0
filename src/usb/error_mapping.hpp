// Internal to photon_dct_usb (and its unit test): libusb error codes -> photon_dct::Error.
// Takes the plain int so that this header needs no <libusb.h>.
#pragma once

#include <string>

#include "photon_dct/error.hpp"

namespace photon_dct::usb::detail {

extern const std::string kUdevHint; // where the udev rules go (or that they are installed), reload, plugdev
extern const std::string kBusyHint;

// ACCESS -> UsbAccess (udev hint), BUSY -> UsbAccess (another program holds the device),
// NO_DEVICE -> UsbIo "device disconnected", TIMEOUT -> UsbIo "timed out",
// PIPE -> DfuProtocol "stall", anything else -> UsbIo with libusb_strerror.
// `what` says what was being done ("control transfer", "opening the device at path 1-1").
Error usb_error(int libusb_code, const std::string& what);

} // namespace photon_dct::usb::detail
