#include "photon_dct/ops/slot.hpp"

#include <fmt/format.h>

#include "photon_dct/dct/decode.hpp"
#include "photon_dct/error.hpp"

namespace photon_dct::ops {

void require_slot_on_platform(const dct::Platform& platform, dct::Transport slot) {
    if (slot == dct::Transport::Udp && !platform.has_udp_slot)
        throw Error(ErrorKind::Refused,
                    fmt::format("--protocol udp: the {} only uses TCP; its firmware never reads the UDP slot",
                                platform.display_name),
                    "leave out --protocol (TCP is the default) or select an Electron");
}

std::optional<dct::Transport> slot_before_read(const dct::Platform& platform, std::optional<dct::Transport> asked) {
    if (asked) {
        require_slot_on_platform(platform, *asked);
        return asked;
    }
    if (!platform.has_udp_slot) return dct::Transport::Tcp;
    return std::nullopt;
}

dct::Transport choose_slot(const dct::Platform& platform, const Bytes& window, std::optional<dct::Transport> asked) {
    if (const auto fixed = slot_before_read(platform, asked)) return *fixed;
    return dct::active_transport(platform, window);
}

std::optional<dct::Transport> slot_for_key(const keys::Key& key) {
    switch (key.type()) {
    case keys::KeyType::Rsa:
        return dct::Transport::Tcp;
    case keys::KeyType::Ec:
        return dct::Transport::Udp;
    case keys::KeyType::Other:
        break;
    }
    return std::nullopt;
}

std::string slot_display_name(dct::Transport slot) { return slot == dct::Transport::Tcp ? "TCP" : "UDP"; }

} // namespace photon_dct::ops
