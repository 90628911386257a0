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

ProtocolResult protocol(Target& target, const ProtocolRequest& request) {
    if (!request.set && (request.write.dry_run || request.write.leave))
        throw Error(ErrorKind::Usage, "--dry-run and --leave only apply when setting a protocol (tcp or udp)");
    if (const auto* platform = target.known_platform()) check_protocol_platform(*platform);
    if (request.set) target.require_backup_dir(request.write);
    DctStore& store = target.acquire();
    check_protocol_platform(store.platform());
    ProtocolResult r;
    r.source = store.description();
    r.platform = &store.platform();
    const Bytes window = target.read_window();
    r.unit = unit_info(store, window);
    r.byte_before = r.byte_after = read_byte(store, window);
    r.before = r.after = dct::active_slot(store.platform(), window);
    if (!request.set) return r;
    const std::uint8_t value = *request.set == dct::Slot::Udp ? dct::kCloudTransportUdp : dct::kCloudTransportTcp;
    r.write =
        write_regions(store, window, {{store.platform().field("cloud_transport").offset, Bytes{value}}}, request.write);
    r.byte_after = value;
    r.after = *request.set;
    return r;
}

} // namespace photon_dct::ops
