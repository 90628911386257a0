// The Gen 2 platforms and their DCT layout, as data (docs/dct-format.md sections 2, 6.2, 7.1).
// Every offset the rest of the code uses comes from here.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace photon_dct::dct {

enum class Slot { Tcp, Udp };
std::string_view slot_name(Slot t); // "tcp" / "udp"
// "tcp" / "udp" -> the slot; Error(InvalidInput) naming `source` (an option, a profile place) otherwise.
Slot parse_slot(std::string_view text, std::string_view source);

enum class PlatformId { Photon = 6, P1 = 8, Electron = 10 };

// One field of application_dct_t (alt 1 address == offset).
struct FieldSpec {
    std::string_view name;
    std::uint32_t offset;
    std::uint32_t size;
    std::string_view meaning;
};

// Where one slot's keys and server address live. The server block is what particle-cli's
// `keys server` writes in one piece: the key, 0xFF padding, the address TLV and the port.
struct SlotLayout {
    Slot kind;
    std::uint32_t server_block_offset; // server public key starts here
    std::uint32_t server_block_size;   // 512 (TCP) / 320 (UDP)
    std::uint32_t address_offset;      // address TLV, relative to the block (384 / 192)
    std::uint32_t port_offset;         // big-endian port, relative to the block (450 / 258)
    std::uint32_t device_private_key_offset;
    std::uint32_t device_private_key_size; // the bytes firmware reads: 612 (TCP) / 192 (UDP)
    std::uint32_t device_public_key_offset;
    std::uint32_t device_public_key_size; // 384 (TCP) / 128 (UDP)
    std::uint16_t default_port;           // 5683 / 5684
    std::string_view default_host;        // what firmware falls back to
};

struct Platform {
    PlatformId id;
    std::string_view name;         // "photon" (command-line spelling)
    std::string_view display_name; // "Photon"
    std::uint16_t usb_vendor_id;
    std::uint16_t dfu_product_id;
    std::uint16_t normal_product_id;
    bool has_udp_slot; // Electron: cloud_transport chooses TCP or UDP
    SlotLayout tcp;
    SlotLayout udp; // present in the struct on every platform; used only if has_udp_slot
    std::span<const FieldSpec> fields;

    const FieldSpec& field(std::string_view field_name) const; // throws std::out_of_range
    const SlotLayout& slot(Slot t) const { return t == Slot::Tcp ? tcp : udp; }
};

// Sizes of the DFU window and of application_dct_t (docs/dct-format.md 1.3).
inline constexpr std::uint32_t kDfuWindowSize = 16384;
inline constexpr std::uint32_t kAppDctSizeV060 = 4258; // 0.4.x-0.6.x
inline constexpr std::uint32_t kAppDctSize = 8391;     // 0.7.0-3.3.1; nothing past this is ours to write
inline constexpr std::uint8_t kCloudTransportTcp = 0x00;
inline constexpr std::uint8_t kCloudTransportUdp = 0xFF;

std::span<const Platform> all_platforms();
const Platform& platform(PlatformId id);
const Platform* find_platform(std::string_view name);
const Platform* find_platform_by_usb(std::uint16_t vendor_id, std::uint16_t product_id);

} // namespace photon_dct::dct
