// Who a result is about: the unit on USB or the image, as every command's report names it (the JSON
// "unit" object, man page JSON OUTPUT). Plain data; the CLI renders it.
#pragma once

#include <optional>
#include <string>

#include "photon_dct/bytes.hpp"
#include "photon_dct/dct/platform.hpp"
#include "photon_dct/ops/store.hpp"
#include "photon_dct/usb/unit.hpp"

namespace photon_dct::ops {

struct UnitInfo {
    const dct::Platform* platform = nullptr; // null when not known (a unit of another Particle product)
    // The ID the unit reports as its USB serial (its identity, usb::UnitId); the DCT's device_id
    // field when it reports none (old bootloaders) and for an image; nullopt when neither has one.
    std::optional<std::string> device_id;
    std::optional<usb::UsbDevice> usb; // the unit as enumerated; nullopt for an image file

    std::string platform_name() const;           // "photon", or "" when not known
    std::optional<std::string> usb_path() const; // the port path ("1-1.4"); nullopt for an image
};

// A unit found on USB, before its DCT is read (list, dfu).
UnitInfo unit_info(const usb::UsbDevice& device);
// The store a command works on before its window is read: the device ID from the USB serial only.
UnitInfo unit_info(const DctStore& store);
// The store a command works on, once `window` has been read from it (the DCT's device ID too).
UnitInfo unit_info(const DctStore& store, const Bytes& window);

} // namespace photon_dct::ops
