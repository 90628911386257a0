// The abstract USB control pipe the DFU layer runs on. The libusb transport (photon_dct_usb)
// and the scripted fake used in tests implement it; nothing here knows about libusb.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>

#include "photon_dct/bytes.hpp"

namespace photon_dct::dfu {

struct ControlSetup {
    std::uint8_t request_type; // bmRequestType (0x21 class OUT to interface, 0xA1 class IN, 0x80 std IN)
    std::uint8_t request;      // bRequest
    std::uint16_t value;       // wValue
    std::uint16_t index;       // wIndex
};

class ControlTransport {
public:
    virtual ~ControlTransport() = default;

    // One control transfer. For IN transfers `data` is filled and the number of bytes received is
    // returned; for OUT transfers `data` is sent. Throws photon_dct::Error: a STALL is
    // ErrorKind::DfuProtocol with "stall" in the message (callers recover with CLRSTATUS/ABORT),
    // a timeout or vanished device is ErrorKind::UsbIo.
    virtual std::size_t control(const ControlSetup& setup, std::span<std::uint8_t> data,
                                std::chrono::milliseconds timeout) = 0;

    // The raw active configuration descriptor (wTotalLength bytes, including interface and
    // class-specific descriptors), as GET_DESCRIPTOR(CONFIGURATION) returns it.
    virtual Bytes configuration_descriptor() = 0;

    // String descriptor `index` converted to ASCII ('?' for code points above 0x7f).
    virtual std::string string_descriptor(std::uint8_t index) = 0;

    virtual void claim_interface(std::uint8_t interface_number) = 0;
    virtual void set_alt_setting(std::uint8_t interface_number, std::uint8_t alt_setting) = 0;
};

} // namespace photon_dct::dfu
