#include "photon_dct/ops/protocol.hpp"

#include <fmt/format.h>

#include "photon_dct/dct/decode.hpp"
#include "photon_dct/error.hpp"

namespace photon_dct::ops {
namespace {

std::uint8_t read_byte(DctStore& store, const Bytes& window) {
    const auto& f = store.platform().field("cloud_transport");
    if (window.size() <= f.offset)
        throw Error(ErrorKind::InvalidInput,
                    fmt::format("{} is {} bytes, too short to hold cloud_transport (DCT {})", store.description(),
                                window.size(), f.offset),
                    "use a full dump of the DCT (photon-dct backup)");
    return window[f.offset];
}

} // namespace

void check_protocol_platform(const dct::Platform& platform) {
    if (!platform.has_udp_slot)
        throw Error(ErrorKind::Refused,
                    fmt::format("the {} is TCP only: its firmware ignores cloud_transport (DCT {})",
                                platform.display_name, platform.field("cloud_transport").offset),
                    "the protocol setting exists on the Electron only (for a --file image: --platform electron)");
}

ProtocolResult show_protocol(DctStore& store) {
    check_protocol_platform(store.platform());
    ProtocolResult r;
    r.source = store.description();
    const Bytes window = store.read_window();
    r.byte_before = r.byte_after = read_byte(store, window);
    r.before = r.after = dct::active_transport(store.platform(), window);
    return r;
}

ProtocolResult set_protocol(DctStore& store, dct::Transport transport, const WriteOptions& options) {
    check_protocol_platform(store.platform());
    ProtocolResult r;
    r.source = store.description();
    const Bytes window = store.read_window();
    r.byte_before = read_byte(store, window);
    r.before = dct::active_transport(store.platform(), window);
    const std::uint8_t value = transport == dct::Transport::Udp ? dct::kCloudTransportUdp : dct::kCloudTransportTcp;
    r.write = write_regions(store, window, {{store.platform().field("cloud_transport").offset, Bytes{value}}}, options);
    r.byte_after = value;
    r.after = transport;
    return r;
}

} // namespace photon_dct::ops
