// The server block: server public key + address TLV + port, as particle-cli's `keys server`
// writes it (docs/dct-format.md 3, 4.1, 6.5, 9). Encoding is strict, decoding is as lenient as the
// Gen 2 firmware's parser, and reports what that firmware would do.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "photon_dct/bytes.hpp"
#include "photon_dct/dct/platform.hpp"

namespace photon_dct::keys {
class Key;
}

namespace photon_dct::dct {

struct Ipv4Host {
    std::array<std::uint8_t, 4> octets;
};
struct DomainHost {
    std::string name;
};
using Host = std::variant<Ipv4Host, DomainHost>;

std::string host_to_string(const Host& host);

// Strict writer rules; each failure is Error(InvalidInput) naming `source` (where the text came
// from: an option such as "--host", or a profile's file:line:column), the rule and how to fix it.
// IPv4: dotted quad, four decimal octets 0-255 without leading zeros, not 0.0.0.0 or
// 255.255.255.255. Otherwise a DNS name of at most 63 characters whose labels are 1-63 letters,
// digits and inner hyphens.
Host parse_host(std::string_view text, std::string_view source);
// 1-65534: 0 and 65535 both mean "default port" to the device, so they are refused.
std::uint16_t parse_port(std::string_view text, std::string_view source);

// The server key as the slot needs it: TCP RSA-2048, e=65537, in the exact 294-byte
// SubjectPublicKeyInfo layout the handshake reads at fixed offsets; UDP EC P-256 (91 bytes).
// Returns the DER to store; Error(InvalidInput) otherwise.
Bytes server_key_der_for_slot(Slot slot, const keys::Key& key);

struct ServerBlockRequest {
    Slot slot;
    Bytes key_der; // from server_key_der_for_slot
    Host host;
    std::optional<std::uint16_t> port; // nullopt: FF FF, the firmware's default port
};

// 512 (TCP) or 320 (UDP) bytes, byte-identical with particle-cli `keys server KEY.der --host H
// [--port P]` for a bare DER key: key, 0xFF to the address, TLV, 0xFF, port, 0xFF to the end.
Bytes encode_server_block(const SlotLayout& slot, const ServerBlockRequest& request);

// Particle's own cloud for `slot`: Particle's public key for the slot (third_party/particle) and
// the address block the firmware itself writes when it restores its defaults (docs/dct-format.md
// 3.5, 9.3): TCP 01 0f "device.spark.io" 00, UDP 01 13 "$id.udp.particle.io" 00, 0xFF to the end,
// so the port reads FF FF (the firmware's default). The strict host rule of parse_host would refuse
// "$id", which the firmware expands to the device ID: this is the one block written without it.
Bytes particle_cloud_server_block(const SlotLayout& slot);

// ---- decoding --------------------------------------------------------------------------

enum class AddressType { Ipv4, Domain, Invalid };

struct DecodedAddress {
    std::uint8_t type_byte = 0xFF;
    AddressType type = AddressType::Invalid;
    std::uint8_t length_byte = 0xFF;
    bool blank = false;                // all 128 bytes 0xFF (erased flash)
    std::string host;                  // as the firmware reads it (domain: `length` raw bytes)
    bool domain_overlaps_port = false; // name runs into bytes 66/67: the firmware reads them as port too
    bool domain_has_unprintable = false;
    std::uint16_t raw_port = 0xFFFF;
    bool port_is_default = true;       // raw_port 0 or 0xFFFF
    bool ipv4_length_mismatch = false; // type IPv4 with length != 4 (the firmware ignores length)
    // Rules of the strict writer (this tool's, and Device OS 5.3.0+ on Gen 3) that the block breaks;
    // empty when the block is one photon-dct would write.
    std::string strict_rule_broken;
};

// Decodes the 128-byte address TLV at `address` (port at +66).
DecodedAddress decode_address(ByteView address);

} // namespace photon_dct::dct
