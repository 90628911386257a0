// Finding the DFU interface and its functional descriptor in a raw configuration descriptor.
#pragma once

#include <cstdint>
#include <vector>

#include "photon_dct/bytes.hpp"

namespace photon_dct::dfu {

inline constexpr std::uint8_t kDfuInterfaceClass = 0xFE;
inline constexpr std::uint8_t kDfuInterfaceSubclass = 0x01;
inline constexpr std::uint8_t kDfuProtocolRuntime = 0x01;
inline constexpr std::uint8_t kDfuProtocolDfuMode = 0x02;
inline constexpr std::uint8_t kDfuFunctionalDescriptorType = 0x21;

// bmAttributes bits of the functional descriptor.
inline constexpr std::uint8_t kDfuCanDownload = 0x01;
inline constexpr std::uint8_t kDfuCanUpload = 0x02;
inline constexpr std::uint8_t kDfuManifestationTolerant = 0x04;
inline constexpr std::uint8_t kDfuWillDetach = 0x08;

struct DfuFunctionalDescriptor {
    std::uint8_t attributes{0};         // bmAttributes
    std::uint16_t detach_timeout_ms{0}; // wDetachTimeOut
    std::uint16_t transfer_size{0};     // wTransferSize
    std::uint16_t dfu_version{0x0100};  // bcdDFUVersion (0x0100 when bLength is 7)
};

struct DfuAltSetting {
    std::uint8_t interface_number{0};
    std::uint8_t alternate_setting{0};
    std::uint8_t protocol{0};     // bInterfaceProtocol: 1 run-time, 2 DFU mode (0 on some DfuSe)
    std::uint8_t string_index{0}; // iInterface (the DfuSe memory-layout string)
};

struct DfuInterface {
    std::uint8_t interface_number{0};
    std::vector<DfuAltSetting> alts; // in descriptor order
    DfuFunctionalDescriptor functional;

    bool is_dfuse() const { return functional.dfu_version == 0x011A; }
};

// Walks the configuration descriptor and returns the first interface with class 0xFE /
// subclass 0x01 in DFU mode (protocol 2, or protocol 0 with bcdDFUVersion 0x011A), with all its
// alt settings and its functional descriptor (type 0x21; accepted in the configuration's own
// extra bytes or after any of the DFU interface's alt settings — on the Photon it follows the
// last alt).
// Throws Error(DeviceNotInDfuMode) when there is no DFU interface or only a run-time one, and
// Error(DfuProtocol) when the descriptor is malformed or the functional descriptor is missing.
DfuInterface parse_dfu_interface(ByteView configuration_descriptor);

} // namespace photon_dct::dfu
