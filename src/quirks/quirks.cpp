#include "photon_dct/quirks/quirks.hpp"

#include <array>
#include <stdexcept>

namespace photon_dct::quirks {
namespace {

constexpr std::uint32_t bit(std::uint8_t platform) { return 1u << platform; }
constexpr std::uint32_t kGen2 = bit(kPhoton) | bit(kP1) | bit(kElectron);

constexpr std::array kQuirks{
    QuirkRow{Quirk::LeaveAnswersDnloadIdle, "leave-answers-dnload-idle", kGen2, true, "", 0,
             "docs/dfu-protocol.md 3.6, docs/dct-format.md 7.4: Particle's usbd_dfu_core.c DFU_Req_GETSTATUS "
             "reports dfuDNLOAD_IDLE during manifestation, then DFU_LeaveDFUMode resets the unit"},
    QuirkRow{Quirk::DctAltEraseIgnored, "dct-alt-erase-ignored", kGen2, true, "", 0,
             "docs/dct-format.md 7.2, 7.4: usbd_dct_if.h names alt 1 \"@DCT Flash   /0x00000000/01*016Kg\"; "
             "DCT_If_Erase returns MAL_OK without erasing (Gen 3's DctMal string is \"1*016Ke\")"},
    QuirkRow{Quirk::SerialIsNotADeviceId, "old-bootloader-serial", kGen2, true, "00000000010C", 0x0200,
             "docs/dct-format.md 7.1, docs/enter-dfu.md 4: bootloaders before v8 (before device-os commit "
             "2f7b631b, v0.6.0) report serial 00000000010C and bcdDevice 0x0200 on every unit"},
    QuirkRow{Quirk::SerialIsNotADeviceId, "old-firmware-serial", kGen2, false, "00000000050C", 0,
             "docs/enter-dfu.md 1: firmware before 0.6.0 reports serial 00000000050C in normal mode"},
    QuirkRow{Quirk::DctNeedsSystemFirmware070, "dct-needs-system-firmware-0.7.0", bit(kPhoton) | bit(kP1), true, "", 0,
             "docs/dct-format.md 7.5: bootloader/src/photon/bootloader_dct.c (0.7.0+) takes the DCT functions "
             "from system-part2 (module version >= 200, 0.7.0-rc.1); without them reads are zeros, writes stall"},
};

bool applies(const QuirkRow& r, const UnitFacts& unit) {
    if ((r.platforms & bit(unit.platform_id)) == 0 || r.dfu_mode != unit.dfu_mode) return false;
    return r.serial.empty() || r.serial == unit.serial;
}

} // namespace

std::span<const QuirkRow> quirk_table() { return kQuirks; }

const QuirkRow& row(Quirk quirk, bool dfu_mode) {
    for (const auto& r : kQuirks)
        if (r.quirk == quirk && r.dfu_mode == dfu_mode) return r;
    throw std::out_of_range("no quirk row for this mode");
}

bool has(const UnitFacts& unit, Quirk quirk) {
    for (const auto& r : kQuirks)
        if (r.quirk == quirk && applies(r, unit)) return true;
    return false;
}

QuirkSet::QuirkSet(const UnitFacts& unit) {
    for (const auto& r : kQuirks)
        if (applies(r, unit)) add(r.quirk);
}

std::string dfu_mode_advice(std::uint8_t platform_id) {
    // The button that starts DFU mode together with RESET: SETUP on the Photon and P1, MODE on
    // the Electron (Particle's device documentation; the same button, labelled differently).
    if (platform_id == kElectron) return "hold MODE, tap RESET, and release MODE when the LED blinks yellow";
    if (platform_id == kPhoton || platform_id == kP1)
        return "hold SETUP, tap RESET, and release SETUP when the LED blinks yellow";
    return "hold SETUP (MODE on an Electron), tap RESET, and release it when the LED blinks yellow";
}

} // namespace photon_dct::quirks
