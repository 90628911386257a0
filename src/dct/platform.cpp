#include "photon_dct/dct/platform.hpp"

#include <array>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "photon_dct/error.hpp"

namespace photon_dct::dct {
namespace {

// application_dct_t as of Device OS 2.3.1 (docs/dct-format.md section 2). server_address is not a
// struct member but the firmware's DCT_SERVER_ADDRESS_OFFSET inside server_public_key.
constexpr std::array kGen2Fields{
    FieldSpec{"system_flags", 0, 32, "legacy system flags (used by Device OS <= 0.6.x)"},
    FieldSpec{"version", 32, 2, "opaque, no reader in Device OS"},
    FieldSpec{"device_private_key", 34, 1216, "TCP device private key, RSA-1024 PKCS#1 DER (612 bytes used)"},
    FieldSpec{"device_public_key", 1250, 384, "TCP device public key, SPKI DER + zero padding"},
    FieldSpec{"ip_config", 1634, 24, "static IP configuration"},
    FieldSpec{"unused", 1658, 95, "unused"},
    FieldSpec{"ota_update_flag", 1753, 1, "0xA5 = apply OTA at boot (1.3.0+)"},
    FieldSpec{"feature_flags", 1754, 4, "feature flags, u32 little-endian (0.6.0+)"},
    FieldSpec{"country_code", 1758, 4, "Wi-Fi country code"},
    FieldSpec{"claim_code", 1762, 63, "claim code, no terminating NUL"},
    FieldSpec{"claimed", 1825, 1, "'1' when claimed"},
    FieldSpec{"ssid_prefix", 1826, 26, "SoftAP SSID prefix, length-prefixed"},
    FieldSpec{"device_code", 1852, 6, "SoftAP SSID suffix"},
    FieldSpec{"version_string", 1858, 32, "opaque, no reader in Device OS"},
    FieldSpec{"dns_resolve", 1890, 128, "DNS resolve"},
    FieldSpec{"reserved1", 2018, 64, "reserved"},
    FieldSpec{"server_public_key", 2082, 768, "TCP server public key, RSA-2048 SPKI DER (294 bytes)"},
    FieldSpec{"server_address", 2466, 128, "TCP server address TLV, port at +66 (inside server_public_key)"},
    FieldSpec{"padding", 2850, 2, "padding"},
    FieldSpec{"flash_modules", 2852, 100, "5 flash module descriptors"},
    FieldSpec{"product_store", 2952, 24, "u16[12]: product id, product version"},
    FieldSpec{"antenna_selection", 2976, 1, "antenna: 0 internal, 1 external, 3 auto, 0xFF unset"},
    FieldSpec{"cloud_transport", 2977, 1, "Electron: 0xFF = UDP, other = TCP"},
    FieldSpec{"alt_device_public_key", 2978, 128, "UDP device public key, EC P-256 SPKI DER"},
    FieldSpec{"alt_device_private_key", 3106, 192, "UDP device private key, EC SEC1 DER"},
    FieldSpec{"alt_server_public_key", 3298, 192, "UDP server public key, EC P-256 SPKI DER"},
    FieldSpec{"alt_server_address", 3490, 128, "UDP server address TLV, port at +66"},
    FieldSpec{"device_id", 3618, 12, "device ID (copy of the MCU UID, 0.6.0+)"},
    FieldSpec{"radio_flags", 3630, 1, "P1 power-save clock flag"},
    FieldSpec{"mode_button_mirror", 3631, 32, "SETUP button mirror"},
    FieldSpec{"led_mirror", 3663, 96, "RGB LED mirror"},
    FieldSpec{"led_theme", 3759, 64, "LED theme"},
    FieldSpec{"eap_config", 3823, 4296, "WPA Enterprise configuration (0.7.0+)"},
    FieldSpec{"device_secret", 8119, 15, "device secret (1.5.0+)"},
    FieldSpec{"power_config", 8134, 32, "power configuration (1.5.0+)"},
    FieldSpec{"ext_low_speed_clock_disable", 8166, 4, "0xFA17D15E = LSE disabled (2.3.0+)"},
    FieldSpec{"reserved2", 8170, 221, "reserved"},
};

constexpr SlotLayout kTcpSlot{Slot::Tcp, 2082, 512, 384, 450, 34, 612, 1250, 384, 5683, "device.spark.io"};
constexpr SlotLayout kUdpSlot{Slot::Udp, 3298, 320, 192, 258, 3106, 192, 2978, 128, 5684, "$id.udp.particle.io"};

const std::array kPlatforms{
    Platform{PlatformId::Photon, "photon", "Photon", 0x2b04, 0xd006, 0xc006, false, kTcpSlot, kUdpSlot, kGen2Fields},
    Platform{PlatformId::P1, "p1", "P1", 0x2b04, 0xd008, 0xc008, false, kTcpSlot, kUdpSlot, kGen2Fields},
    Platform{PlatformId::Electron, "electron", "Electron", 0x2b04, 0xd00a, 0xc00a, true, kTcpSlot, kUdpSlot,
             kGen2Fields},
};

} // namespace

std::string_view slot_name(Slot t) { return t == Slot::Tcp ? "tcp" : "udp"; }

Slot parse_slot(std::string_view text, std::string_view source) {
    if (text == "tcp") return Slot::Tcp;
    if (text == "udp") return Slot::Udp;
    throw Error(ErrorKind::InvalidInput, fmt::format("{} '{}': expected tcp or udp", source, text),
                "tcp for the TCP slot (Photon, P1, Electron), udp for the Electron's UDP slot");
}

const FieldSpec& Platform::field(std::string_view field_name) const {
    for (const auto& f : fields)
        if (f.name == field_name) return f;
    throw std::out_of_range("no DCT field named " + std::string(field_name));
}

std::span<const Platform> all_platforms() { return kPlatforms; }

const Platform& platform(PlatformId id) {
    for (const auto& p : kPlatforms)
        if (p.id == id) return p;
    throw std::out_of_range("unknown platform id");
}

const Platform* find_platform(std::string_view name) {
    for (const auto& p : kPlatforms)
        if (p.name == name) return &p;
    return nullptr;
}

const Platform* find_platform_by_usb(std::uint16_t vendor_id, std::uint16_t product_id) {
    for (const auto& p : kPlatforms)
        if (p.usb_vendor_id == vendor_id && (p.dfu_product_id == product_id || p.normal_product_id == product_id))
            return &p;
    return nullptr;
}

} // namespace photon_dct::dct
