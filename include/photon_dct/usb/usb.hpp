// libusb access for photon-dct: discovery of devices and the libusb-backed ControlTransport.
// This header does not include <libusb.h>; only src/usb does.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "photon_dct/dfu/transport.hpp"
#include "photon_dct/usb/unit.hpp"

namespace photon_dct::usb {

inline constexpr std::uint16_t kParticleVendorId = 0x2b04;

// The libusb library in use at run time, e.g. "1.0.26.11724".
std::string libusb_version();

class UsbContext {
public:
    // Throws Error(UsbIo) when libusb cannot be initialised.
    UsbContext();
    ~UsbContext();
    UsbContext(const UsbContext&) = delete;
    UsbContext& operator=(const UsbContext&) = delete;

    // Whether enumeration reads the names of each unit's DFU alt settings (UsbDevice::alt_names):
    // only `list` shows them all; a command's session reads the DCT alt's name alone.
    enum class AltNames { Skip, Read };

    // All attached devices with this vendor id, sorted by port path. Opening a device to read its
    // strings may fail (permissions, busy): that is reported in access_problem, not thrown.
    std::vector<UsbDevice> enumerate(std::uint16_t vendor_id = kParticleVendorId, AltNames names = AltNames::Skip);

    // Opens the device enumeration found and returns a transport owning the handle. Throws
    // Error(NoDevice) if it is gone, Error(UsbAccess) for permission/busy problems, Error(UsbIo)
    // otherwise. The transport keeps the libusb context alive, so it may outlive this UsbContext.
    std::unique_ptr<photon_dct::dfu::ControlTransport> open(const UsbDevice& device);

    // Returns when a device with this vendor id arrives (a libusb hotplug event, where libusb has
    // hotplug), when another thread calls wake(), or after `at_most`, whichever comes first; true
    // when an arrival or a wake-up was seen. Callers enumerate again either way (under umockdev
    // hotplug events may not come). Several threads may wait at once; each sees what happened
    // from its own start.
    bool wait_for_arrival(std::chrono::milliseconds at_most, std::uint16_t vendor_id = kParticleVendorId);
    // Ends every wait_for_arrival in progress (another thread has news for the waiters).
    void wake();

    // Enumerates again and opens the unit with this identity (after a reset it is a new USB
    // device with a new address). Error(NoDevice) when no attached unit has it, Error(AmbiguousDevice)
    // when several do.
    std::unique_ptr<photon_dct::dfu::ControlTransport> open(const UnitId& id);

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

// The devices in `devices` that `id` names (at most one unless units share a serial).
std::vector<const UsbDevice*> find_unit(const std::vector<UsbDevice>& devices, const UnitId& id);

} // namespace photon_dct::usb
