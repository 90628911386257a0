#include "photon_dct/usb/unit.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace photon_dct::usb {

std::string UnitId::text() const { return kind == Kind::DeviceId ? value : "usb " + value; }

std::optional<std::string> device_id_from_serial(std::string_view serial) {
    std::size_t run = 0;
    for (std::size_t i = 0; i < serial.size(); ++i) {
        run = std::isxdigit(static_cast<unsigned char>(serial[i])) ? run + 1 : 0;
        if (run == 24) {
            std::string id(serial.substr(i + 1 - 24, 24));
            std::transform(id.begin(), id.end(), id.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            return id;
        }
    }
    return std::nullopt;
}

UnitId unit_id_for(const std::optional<std::string>& device_id, std::string_view port_path) {
    if (device_id) return {UnitId::Kind::DeviceId, *device_id};
    return {UnitId::Kind::PortPath, std::string(port_path)};
}

quirks::UnitFacts UsbDevice::quirk_facts() const {
    return {quirks::platform_of_product_id(product_id), dfu_mode(), bcd_device, serial};
}

std::string UsbDevice::usb_id() const { return fmt::format("{:04x}:{:04x}", vendor_id, product_id); }

std::string UsbDevice::describe() const {
    return fmt::format("{} {} at usb {} ({})",
                       platform ? std::string(platform->display_name) : "Particle device " + usb_id(),
                       device_id.value_or(serial), port_path, dfu_mode() ? "DFU mode" : "normal mode");
}

} // namespace photon_dct::usb
