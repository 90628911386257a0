#include "photon_dct/ops/slot.hpp"

#include <fmt/format.h>

#include "photon_dct/dct/decode.hpp"
#include "photon_dct/error.hpp"

namespace photon_dct::ops {

void require_slot_on_platform(const dct::Platform& platform, dct::Slot slot) {
    if (slot == dct::Slot::Udp && !platform.has_udp_slot)
        throw Error(ErrorKind::Refused,
                    fmt::format("--protocol udp: the {} only uses TCP; its firmware never reads the UDP slot",
                                platform.display_name),
                    "leave out --protocol (TCP is the default) or select an Electron");
}

std::optional<dct::Slot> slot_before_read(const dct::Platform& platform, std::optional<dct::Slot> asked) {
    if (asked) {
        require_slot_on_platform(platform, *asked);
        return asked;
    }
    if (!platform.has_udp_slot) return dct::Slot::Tcp;
    return std::nullopt;
}

dct::Slot choose_slot(const dct::Platform& platform, const Bytes& window, std::optional<dct::Slot> asked) {
    if (const auto fixed = slot_before_read(platform, asked)) return *fixed;
    return dct::active_slot(platform, window);
}

std::optional<dct::Slot> slot_for_key(const keys::Key& key) {
    switch (key.type()) {
    case keys::KeyType::Rsa:
        return dct::Slot::Tcp;
    case keys::KeyType::Ec:
        return dct::Slot::Udp;
    case keys::KeyType::Other:
        break;
    }
    return std::nullopt;
}

std::string slot_display_name(dct::Slot slot) { return slot == dct::Slot::Tcp ? "TCP" : "UDP"; }

} // namespace photon_dct::ops
