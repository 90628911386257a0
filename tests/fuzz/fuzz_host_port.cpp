// libFuzzer target: the input as --host / --port text. parse_host / parse_port may only fail with
// photon_dct::Error(InvalidInput); an accepted host must survive encode_server_block ->
// decode_address unchanged, and an accepted port must be 1..65534.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "photon_dct/dct/platform.hpp"
#include "photon_dct/dct/server_block.hpp"
#include "photon_dct/error.hpp"

using namespace photon_dct;
using namespace photon_dct::dct;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    std::optional<std::uint16_t> port;
    try {
        port = parse_port(text, "--port");
        if (*port == 0 || *port == 0xFFFF) __builtin_trap();
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::InvalidInput) __builtin_trap();
    }

    try {
        const Host host = parse_host(text, "--host");
        const std::string back = host_to_string(host);
        if (back != text) __builtin_trap(); // strict syntax: no normalisation needed
        for (Slot t : {Slot::Tcp, Slot::Udp}) {
            const SlotLayout& slot = platform(PlatformId::Electron).slot(t);
            const Bytes key(t == Slot::Tcp ? 294 : 91, 0x30);
            const Bytes block = encode_server_block(slot, {t, key, host, port});
            if (block.size() != slot.server_block_size) __builtin_trap();
            const DecodedAddress a = decode_address(ByteView(block).subspan(slot.address_offset, 128));
            if (a.host != back) __builtin_trap();
            if (!a.strict_rule_broken.empty() || a.domain_overlaps_port || a.ipv4_length_mismatch) __builtin_trap();
            if (a.type == AddressType::Invalid) __builtin_trap();
            if (port && (a.port_is_default || a.raw_port != *port)) __builtin_trap();
            if (!port && !a.port_is_default) __builtin_trap();
        }
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::InvalidInput) __builtin_trap();
    }
    return 0;
}
