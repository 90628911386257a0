#include "photon_dct/ops/unit.hpp"

#include "photon_dct/dct/decode.hpp"

namespace photon_dct::ops {

std::string UnitInfo::platform_name() const { return platform ? std::string(platform->name) : std::string(); }

std::optional<std::string> UnitInfo::usb_path() const {
    if (!usb) return std::nullopt;
    return usb->port_path;
}

UnitInfo unit_info(const usb::UsbDevice& device) { return {device.platform, device.device_id, device}; }

UnitInfo unit_info(const DctStore& store) {
    UnitInfo u{&store.platform(), store.usb_device_id(), std::nullopt};
    if (const auto* device = store.usb_device()) u.usb = *device;
    return u;
}

UnitInfo unit_info(const DctStore& store, const Bytes& window) {
    UnitInfo u = unit_info(store);
    if (!u.device_id) u.device_id = dct::stored_device_id(store.platform(), window);
    return u;
}

} // namespace photon_dct::ops
