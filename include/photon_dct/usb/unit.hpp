// How photon-dct names a unit on USB, and the one description of a USB device every layer uses.
// This header does not include <libusb.h>.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "photon_dct/dct/platform.hpp"
#include "photon_dct/quirks/quirks.hpp"

namespace photon_dct::usb {

// A unit's identity across resets and re-enumeration: its device ID when the unit reports one as
// its USB serial, else its USB port path ("1-2.3"). Bus and device addresses change on every
// re-enumeration and are never used to find a unit again.
struct UnitId {
    enum class Kind : std::uint8_t { DeviceId, PortPath };
    Kind kind{Kind::PortPath};
    std::string value; // 24 lower-case hex digits, or "BUS-PORT[.PORT...]"

    bool operator==(const UnitId&) const = default;
    // "3a0036000247363333343435" / "usb 1-2.3", for messages.
    std::string text() const;
};

// The first run of 24 hex digits in a USB serial, lower-cased. Bootloaders before 0.6.0 report
// "00000000010C" for every unit: no device ID (docs/dct-format.md section 7.1).
std::optional<std::string> device_id_from_serial(std::string_view serial);

// The device ID when the unit has one, else the port path.
UnitId unit_id_for(const std::optional<std::string>& device_id, std::string_view port_path);

// What libusb needs to open a device found by enumeration (defined in usb.cpp).
struct DeviceRef;

// One USB device with Particle's vendor id, as enumeration found it.
struct UsbDevice {
    // The Photon, P1 or Electron this product id belongs to; null for other Particle products.
    const dct::Platform* platform{nullptr};
    std::uint16_t vendor_id{0};
    std::uint16_t product_id{0};
    std::uint16_t bcd_device{0};
    // "BUS-PORT[.PORT…]" exactly as dfu-util prints path=, e.g. "1-1" or "3-1.4".
    std::string port_path;
    std::string serial;
    std::string product;
    // iInterface strings of the DFU interface's alt settings; empty when not in DFU mode, or when
    // enumeration did not read them (UsbContext::AltNames::Skip).
    std::vector<std::string> alt_names;
    // True when the device has a DFU-mode interface (class 0xFE, subclass 0x01, protocol other
    // than 1 = run-time). A unit in its normal mode has none.
    bool has_dfu_interface{false};
    // Non-empty when the device could not be opened to read its strings: the reason in words,
    // with a hint ("permission denied: install the udev rules …").
    std::string access_problem;
    std::optional<std::string> device_id; // from the serial, when it holds one
    UnitId id;
    std::shared_ptr<const DeviceRef> ref; // the enumerated device itself; null in tests

    // The product id is the platform's DFU-mode id (the bootloader, not the firmware).
    bool dfu_mode() const { return platform != nullptr && product_id == platform->dfu_product_id; }
    std::string usb_id() const; // "2b04:d006"
    // What the quirk table matches on (the serial is a view into this struct).
    quirks::UnitFacts quirk_facts() const;
    // "Photon 3a0036000247363333343435 at usb 1-1 (DFU mode)", for messages.
    std::string describe() const;
};

} // namespace photon_dct::usb
