// Internal: a Gen 2 unit running its Device OS (normal mode), as data per Device OS range:
// which vendor requests the firmware answers, how it enters DFU mode, and the serial and
// bcdDevice the unit shows before and after the reset (docs/enter-dfu.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace photon_emu::detail {

// "0.6.3", "0.8.0-rc.27", "1.5.2". A release sorts after its release candidates.
struct OsVersion {
    unsigned major = 0, minor = 0, patch = 0;
    unsigned rc = 0; // 0: a release
    auto key() const { return std::tuple(major, minor, patch, rc == 0 ? ~0u : rc); }
    bool operator<(const OsVersion& o) const { return key() < o.key(); }
    bool operator>=(const OsVersion& o) const { return !(*this < o); }
};
std::optional<OsVersion> parse_os_version(std::string_view text);

// How the firmware's SystemControlInterface answers device-recipient vendor requests
// (docs/enter-dfu.md §2).
enum class VendorEntry {
    None,            // no vendor requests at all: everything stalls
    RawResetFirst,   // 0x40/0x50 resets inside the interrupt: the host's transfer fails
    RawAcknowledged, // 0x40/0x50 is acknowledged; the system thread resets afterwards
    ControlProtocol, // INIT/CHECK service requests (particle-usb's protocol); the raw form stalls
};

struct FirmwareBehaviour {
    VendorEntry entry = VendorEntry::None;
    std::uint16_t raw_dfu_index = 0; // wIndex of the raw 0x40/0x50 request (3 on 0.6.0, 50 later)
    bool reads = false;              // 0xC0/0x50 SYSTEM_VERSION (30) and DEVICE_ID (20) answered
    unsigned reset_delay_ms = 0;     // firmware delay between the reply and the reset
    std::string_view source;         // the fact this row models
};
FirmwareBehaviour firmware_behaviour(const OsVersion& os);

// USB identity of the unit (docs/enter-dfu.md §1, §4; docs/dct-format.md §7.1).
std::string normal_mode_serial(const OsVersion& os, const std::string& device_id);
struct DfuIdentity {
    std::string serial;
    std::uint16_t bcd_device = 0x0250;
};
DfuIdentity dfu_mode_identity(const OsVersion& os, const std::string& device_id, bool old_bootloader);

// Normal-mode configuration descriptor: IAD + CDC IF0 (interrupt IN) + CDC data IF1 (bulk 0x01 /
// 0x81) + vendor "Control Interface" (FF/FF/FF, no endpoints), or the vendor interface alone when
// the application removed USB serial (docs/enter-dfu.md §1, §3 last bullet).
std::vector<std::uint8_t> normal_mode_configuration(bool usb_serial);
inline constexpr std::uint8_t kControlInterfaceString = 4; // iInterface of the vendor interface
inline constexpr std::string_view kControlInterfaceName = "Control Interface";

// Particle vendor request codes (docs/enter-dfu.md §2).
inline constexpr std::uint8_t kParticleRequest = 0x50;
inline constexpr std::uint16_t kIndexDfuMode = 50, kIndexSystemVersion = 30, kIndexDeviceId = 20;
inline constexpr std::uint8_t kServiceInit = 1, kServiceCheck = 2;
// Service reply fields and status codes (particle-usb src/usb-protocol.js).
inline constexpr std::uint32_t kFieldStatus = 0x01, kFieldId = 0x02, kFieldResult = 0x08;
inline constexpr std::uint16_t kStatusOk = 0, kStatusPending = 2, kStatusNotFound = 5;
// SET_LINE_CODING with this rate resets into DFU mode (docs/enter-dfu.md §3).
inline constexpr std::uint32_t kDfuBaudRate = 14400;

} // namespace photon_emu::detail
