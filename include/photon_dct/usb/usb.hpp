// libusb access for photon-dct: discovery of devices and the libusb-backed ControlTransport.
// This header does not include <libusb.h>; only src/usb does.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "photon_dct/dfu/transport.hpp"

namespace photon_dct::usb {

inline constexpr std::uint16_t kParticleVendorId = 0x2b04;

struct UsbDeviceInfo {
    std::uint16_t vendor_id{0};
    std::uint16_t product_id{0};
    std::uint8_t bus{0};
    std::uint8_t address{0};
    // "BUS-PORT[.PORT…]" exactly as dfu-util prints path=, e.g. "1-1" or "3-1.4".
    std::string port_path;
    std::string serial;
    std::string manufacturer;
    std::string product;
    // iInterface strings of the DFU interface's alt settings; empty when not in DFU mode.
    std::vector<std::string> alt_names;
    // True when the device has a DFU-mode interface (class 0xFE, subclass 0x01, protocol other
    // than 1 = run-time). A unit in its normal mode has none.
    bool has_dfu_interface{false};
    // Non-empty when the device could not be opened to read its strings: the reason in words,
    // with a hint ("permission denied: install the udev rules …").
    std::string access_problem;
};

class UsbContext {
public:
    // Throws Error(UsbIo) when libusb cannot be initialised.
    UsbContext();
    ~UsbContext();
    UsbContext(const UsbContext&) = delete;
    UsbContext& operator=(const UsbContext&) = delete;

    // All attached devices with this vendor id, sorted by bus and port path. Opening a device
    // to read its strings may fail (permissions, busy): that is reported in access_problem,
    // not thrown.
    std::vector<UsbDeviceInfo> enumerate(std::uint16_t vendor_id = kParticleVendorId);

    // Opens the device identified by bus/address (checked against vid/pid) and returns a
    // transport owning the handle. Throws Error(NoDevice) if it is gone, Error(UsbAccess) for
    // permission/busy problems, Error(UsbIo) otherwise. The transport keeps the libusb context
    // alive, so it may outlive this UsbContext.
    std::unique_ptr<photon_dct::dfu::ControlTransport> open(const UsbDeviceInfo& device);

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

} // namespace photon_dct::usb
