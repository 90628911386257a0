// What Particle's Gen 2 bootloaders and firmware do that a plain DFU host would not expect, as one
// table of named flags (per platform, bootloader and Device OS range), each citing the fact it
// models. The DFU, USB and ops layers and the test emulator branch on these flags; nothing else
// spells the facts out again. Depends on photon_dct_common only, so the emulator can use it too.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace photon_dct::quirks {

// Particle platform IDs (device-os build/platform-id.mk); the low byte of the USB product id.
inline constexpr std::uint8_t kPhoton = 6;
inline constexpr std::uint8_t kP1 = 8;
inline constexpr std::uint8_t kElectron = 10;
inline constexpr std::uint8_t platform_of_product_id(std::uint16_t product_id) {
    return static_cast<std::uint8_t>(product_id & 0xff);
}

enum class Quirk : std::uint8_t {
    // GETSTATUS after the DfuSe leave request answers dfuDNLOAD_IDLE instead of dfuMANIFEST, and
    // the unit resets right after the reply.
    LeaveAnswersDnloadIdle,
    // The DCT alt is named "@DCT Flash   /0x00000000/01*016Kg": erasable by its letter ("g"),
    // but the bootloader ignores an erase there, so no erase is ever needed. Gen 3's DFU stack
    // names it "...1*016Ke" (not erasable); the Photon's string ends in "Kg".
    DctAltEraseIgnored,
    // The USB serial is the same on every unit (no device ID in it): the unit is told apart by
    // its port path. Old bootloaders report 00000000010C with bcdDevice 0x0200 in DFU mode;
    // firmware before 0.6.0 reports 00000000050C in normal mode.
    SerialIsNotADeviceId,
    // A Photon/P1 bootloader shipped with 0.7.0 or later reaches the DCT through the system
    // firmware: with none, an invalid one or one older than 0.7.0-rc.1 installed, DCT reads are
    // all zeros and writes stall. The Electron's bootloader links its DCT code itself.
    DctNeedsSystemFirmware070,
};

// What is known about a unit on USB (no transfer needed to learn it).
struct UnitFacts {
    std::uint8_t platform_id{0}; // kPhoton, kP1, kElectron; 0 unknown
    bool dfu_mode{true};
    std::uint16_t bcd_device{0};
    std::string_view serial;
};

// One row: the quirk applies to a unit on these platforms, in this mode, and (when set) reporting
// this serial. Facts cite the project's docs (their section numbers) and the public sources.
struct QuirkRow {
    Quirk quirk;
    std::string_view name;
    std::uint32_t platforms;  // bit 1 << platform id
    bool dfu_mode;            // the row describes the bootloader (true) or the firmware (false)
    std::string_view serial;  // empty: any serial
    std::uint16_t bcd_device; // what such a unit reports as bcdDevice (0: not part of the row)
    std::string_view fact;
};

std::span<const QuirkRow> quirk_table();
const QuirkRow& row(Quirk quirk, bool dfu_mode = true); // the first row of this quirk in that mode

// Does the quirk apply to this unit?
bool has(const UnitFacts& unit, Quirk quirk);

// The flags of one unit, for code that is handed them (the DFU session).
class QuirkSet {
public:
    QuirkSet() = default;
    explicit QuirkSet(const UnitFacts& unit);
    bool has(Quirk quirk) const { return (bits_ & bit(quirk)) != 0; }
    QuirkSet& add(Quirk quirk) {
        bits_ |= bit(quirk);
        return *this;
    }

private:
    static std::uint32_t bit(Quirk q) { return 1u << static_cast<unsigned>(q); }
    std::uint32_t bits_{0};
};

// Names of the DCT alt setting (docs/dct-format.md section 7.2): the memory name a host selects
// it by, the Gen 2 bootloader's string and Gen 3's.
inline constexpr std::string_view kDctMemoryName = "DCT Flash";
inline constexpr std::string_view kGen2DctAltName = "@DCT Flash   /0x00000000/01*016Kg";
inline constexpr std::string_view kGen3DctAltName = "@DCT Flash   /0x00000000/1*016Ke";
// The language of every string of Particle's Gen 2 bootloaders and firmware: string descriptor 0
// lists US English (0x0409) alone (device-os USBD_LANGID_STRING, e.g. hal/src/electron/
// usbd_desc_device.h), and their ST USB library answers a string in any language asked for.
// Strings are asked for in it straight away, without reading string 0 first (docs/dfu-protocol.md
// section 3.2); a device that stalls that is asked for its own language after all.
inline constexpr std::uint16_t kStringLanguage = 0x0409;

// The DCT's alt setting on every Gen 2 bootloader (alt 0 internal flash, alt 1 the DCT, alt 2 the
// P1's serial flash; docs/dct-format.md section 7.2). A session names it first and so reads no
// other alt's name (issue 9: fewer control transfers); the DCT is still found by its name.
inline constexpr std::uint8_t kDctAltSetting = 1;

// How a person puts a unit of this platform into DFU mode with its buttons: "hold SETUP, tap
// RESET, and release SETUP when the LED blinks yellow" (MODE on an Electron). For platform 0
// (unknown) the advice names both buttons.
std::string dfu_mode_advice(std::uint8_t platform_id);

} // namespace photon_dct::quirks
