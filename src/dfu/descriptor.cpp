#include "photon_dct/dfu/descriptor.hpp"

#include <algorithm>
#include <optional>
#include <string>

#include "photon_dct/error.hpp"

namespace photon_dct::dfu {

namespace {

constexpr std::uint8_t kTypeConfiguration = 0x02;
constexpr std::uint8_t kTypeInterface = 0x04;

[[noreturn]] void malformed(const std::string& why) {
    throw Error(ErrorKind::DfuProtocol, "malformed USB configuration descriptor: " + why);
}

std::uint16_t le16(ByteView b, std::size_t at) { return static_cast<std::uint16_t>(b[at] | (b[at + 1] << 8)); }

} // namespace

DfuInterface parse_dfu_interface(ByteView config) {
    if (config.size() < 9 || config[1] != kTypeConfiguration) {
        malformed("it does not start with a 9-byte configuration header");
    }
    const std::size_t total = std::min<std::size_t>(le16(config, 2), config.size());

    std::optional<DfuInterface> found;
    std::optional<DfuFunctionalDescriptor> functional;
    bool saw_runtime = false;
    // Where the walk currently is: before any interface (-1), inside a DFU interface with the
    // number of `found` (1), or inside some other interface (0).
    int context = -1;

    std::size_t pos = 0;
    while (pos < total) {
        if (pos + 2 > total) malformed("truncated descriptor header at byte " + std::to_string(pos));
        const std::size_t length = config[pos];
        const std::uint8_t type = config[pos + 1];
        if (length < 2) malformed("descriptor of length " + std::to_string(length) + " at byte " + std::to_string(pos));
        if (pos + length > total) malformed("descriptor at byte " + std::to_string(pos) + " runs past the end");
        const ByteView d = config.subspan(pos, length);

        if (type == kTypeInterface) {
            if (length < 9) malformed("interface descriptor shorter than 9 bytes");
            const std::uint8_t number = d[2];
            const bool is_dfu = d[5] == kDfuInterfaceClass && d[6] == kDfuInterfaceSubclass;
            if (is_dfu && d[7] == kDfuProtocolRuntime) saw_runtime = true;
            if (is_dfu && d[7] != kDfuProtocolRuntime && (!found || found->interface_number == number)) {
                if (!found) {
                    found.emplace();
                    found->interface_number = number;
                }
                found->alts.push_back(DfuAltSetting{number, d[3], d[7], d[8]});
                context = 1;
            } else {
                context = 0;
            }
        } else if (type == kDfuFunctionalDescriptorType && context != 0 && !functional) {
            if (length < 7) malformed("DFU functional descriptor shorter than 7 bytes");
            DfuFunctionalDescriptor f;
            f.attributes = d[2];
            f.detach_timeout_ms = le16(d, 3);
            f.transfer_size = le16(d, 5);
            f.dfu_version = length >= 9 ? le16(d, 7) : std::uint16_t{0x0100};
            functional = f;
        }
        pos += length;
    }

    if (!found) {
        // No hint here: how to enter DFU mode depends on the platform (DfuseSession adds it).
        if (saw_runtime) {
            throw Error(ErrorKind::DeviceNotInDfuMode,
                        "the device has only a DFU run-time interface: it is in its normal mode");
        }
        throw Error(ErrorKind::DeviceNotInDfuMode, "the device has no DFU interface");
    }
    if (!functional) {
        throw Error(ErrorKind::DfuProtocol, "the DFU interface " + std::to_string(found->interface_number) +
                                                " has no DFU functional descriptor (type 0x21)");
    }
    found->functional = *functional;
    // Protocol 0 counts as DFU mode only for DfuSe devices (bcdDFUVersion 0x011A).
    bool any_dfu_mode = false;
    for (const auto& alt : found->alts) {
        if (alt.protocol == kDfuProtocolDfuMode || (alt.protocol == 0 && found->is_dfuse())) any_dfu_mode = true;
    }
    if (!any_dfu_mode) {
        throw Error(ErrorKind::DeviceNotInDfuMode, "the DFU interface " + std::to_string(found->interface_number) +
                                                       " does not report DFU mode (bInterfaceProtocol " +
                                                       std::to_string(found->alts.front().protocol) + ")");
    }
    return *found;
}

} // namespace photon_dct::dfu
