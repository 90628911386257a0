// A Gen 2 unit running Device OS: the normal-mode descriptors, the vendor and CDC requests that
// put it into DFU mode per Device OS range, and its USB identity before and after the reset.
// Every row cites the fact it models (docs/enter-dfu.md; device-os file @ tag).
#include "photon_emu_firmware.hpp"
#include "photon_emu_model.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <iterator>

#include "photon_dct/quirks/quirks.hpp"

namespace photon_emu::detail {
namespace {

OsVersion v(std::string_view text) { return *parse_os_version(text); }

// Vendor-request behaviour per Device OS range: the last row whose `from` is not after the
// version applies. DATA, not branches (docs/enter-dfu.md §2).
struct VendorRow {
    std::string_view from;
    VendorEntry entry;
    std::uint16_t raw_dfu_index;
    bool reads;
    std::string_view source;
};
constexpr VendorRow kVendorRows[] = {
    {"0.0.0", VendorEntry::None, 0, false, "docs/enter-dfu.md §2: no vendor requests before 0.6.0"},
    {"0.6.0", VendorEntry::RawResetFirst, 3, false,
     "docs/enter-dfu.md §2: 0.6.0 system_control.cpp, wIndex 3, reset inside the interrupt"},
    {"0.6.1", VendorEntry::RawResetFirst, kIndexDfuMode, true,
     "docs/enter-dfu.md §2: device-os system/src/system_control.cpp@v0.6.3 118-142, reset before the reply"},
    {"0.7.0", VendorEntry::RawAcknowledged, kIndexDfuMode, true,
     "docs/enter-dfu.md §2: device-os system/src/system_control.cpp@v0.7.0, acknowledged, reset by the system thread"},
    {"0.8.0-rc.2", VendorEntry::ControlProtocol, 0, true,
     "docs/enter-dfu.md §2: control-request protocol from device-os v0.8.0-rc.2; raw form stalled"},
};

// The firmware's delay between the DFU_MODE result and the reset (docs/enter-dfu.md §2): the
// sources show 1000 ms on 0.8.0-rc.27 and 1.5.2 and none on 1.0.0; the other rows' values are
// inferred from their neighbours.
struct DelayRow {
    std::string_view from;
    unsigned delay_ms;
};
constexpr DelayRow kDelayRows[] = {
    {"0.0.0", 0},
    {"0.8.0-rc.27", 1000},
    {"1.0.0", 0},
    {"1.5.2", 1000},
};

template <typename Row, std::size_t N>
const Row& row_for(const Row (&rows)[N], const OsVersion& os) {
    const Row* found = &rows[0];
    for (const auto& r : rows)
        if (os >= v(r.from)) found = &r;
    return *found;
}

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}
std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::vector<std::uint8_t> le32(std::uint32_t x) {
    return {static_cast<std::uint8_t>(x), static_cast<std::uint8_t>(x >> 8), static_cast<std::uint8_t>(x >> 16),
            static_cast<std::uint8_t>(x >> 24)};
}
void put16(std::vector<std::uint8_t>& out, std::uint16_t x) {
    out.push_back(static_cast<std::uint8_t>(x));
    out.push_back(static_cast<std::uint8_t>(x >> 8));
}

// A service reply: u32 field flags, u16 status, then the optional fields in flag order
// (particle-usb src/usb-protocol.js parseReply).
std::vector<std::uint8_t> service_reply(std::uint16_t status, std::optional<std::uint16_t> id,
                                        std::optional<std::int32_t> result) {
    std::uint32_t flags = kFieldStatus;
    if (id) flags |= kFieldId;
    if (result) flags |= kFieldResult;
    std::vector<std::uint8_t> out = le32(flags);
    put16(out, status);
    if (id) put16(out, *id);
    if (result) {
        const auto r = le32(static_cast<std::uint32_t>(*result));
        out.insert(out.end(), r.begin(), r.end());
    }
    return out;
}

} // namespace

std::optional<OsVersion> parse_os_version(std::string_view text) {
    OsVersion out;
    unsigned* parts[] = {&out.major, &out.minor, &out.patch};
    const char* p = text.data();
    const char* end = text.data() + text.size();
    for (std::size_t i = 0; i < 3; ++i) {
        const auto [next, ec] = std::from_chars(p, end, *parts[i]);
        if (ec != std::errc() || next == p) return std::nullopt;
        p = next;
        if (i < 2) {
            if (p == end || *p != '.') return std::nullopt;
            ++p;
        }
    }
    if (p == end) return out;
    const std::string_view rest(p, static_cast<std::size_t>(end - p));
    if (rest.substr(0, 4) != "-rc.") return std::nullopt;
    p += 4;
    const auto [next, ec] = std::from_chars(p, end, out.rc);
    if (ec != std::errc() || next != end || out.rc == 0) return std::nullopt;
    return out;
}

} // namespace photon_emu::detail

bool photon_emu::valid_device_os(std::string_view text) { return detail::parse_os_version(text).has_value(); }

namespace photon_emu::detail {

FirmwareBehaviour firmware_behaviour(const OsVersion& os) {
    const VendorRow& r = row_for(kVendorRows, os);
    FirmwareBehaviour b{r.entry, r.raw_dfu_index, r.reads, 0, r.source};
    if (r.entry == VendorEntry::ControlProtocol) b.reset_delay_ms = row_for(kDelayRows, os).delay_ms;
    return b;
}

std::string normal_mode_serial(const OsVersion& os, const std::string& device_id) {
    // docs/enter-dfu.md §1: firmware before 0.6.0 reports a fixed serial; later ones the device
    // ID in upper case (device-os hal/src/stm32f2xx/usbd_desc_stm32f2xx.c@v0.6.3 53-71, 159-168).
    if (os < v("0.6.0"))
        return std::string(photon_dct::quirks::row(photon_dct::quirks::Quirk::SerialIsNotADeviceId, false).serial);
    return upper(device_id);
}

DfuIdentity dfu_mode_identity(const OsVersion& os, const std::string& device_id, bool old_bootloader) {
    // docs/enter-dfu.md §4: bootloaders before v8 (shipped with 0.6.0) report 00000000010C with
    // bcdDevice 0x0200. docs/dct-format.md §7.1: 0.6.x bootloaders report the ID in upper case,
    // those from 0.7.0-rc.5 in lower case (the bootloader is taken to be the one shipped with
    // the Device OS the unit runs).
    if (old_bootloader || os < v("0.6.0")) {
        const auto& old = photon_dct::quirks::row(photon_dct::quirks::Quirk::SerialIsNotADeviceId);
        return {std::string(old.serial), old.bcd_device};
    }
    return {os < v("0.7.0-rc.5") ? upper(device_id) : lower(device_id), 0x0250};
}

std::vector<std::uint8_t> normal_mode_configuration(bool usb_serial) {
    std::vector<std::uint8_t> body;
    std::uint8_t control_number = 0;
    if (usb_serial) {
        body = {
            8, 0x0B, 0,    2,    0x02, 0x02, 0x01, 0,       // IAD over IF0-IF1
            9, 0x04, 0,    0,    1,    0x02, 0x02, 0x01, 0, // IF0 CDC communication
            5, 0x24, 0x00, 0x10, 0x01,                      // header functional descriptor
            5, 0x24, 0x01, 0x00, 0x01,                      // call management
            4, 0x24, 0x02, 0x02,                            // ACM
            5, 0x24, 0x06, 0x00, 0x01,                      // union
            7, 0x05, 0x82, 0x03, 0x10, 0x00, 0xFF,          // interrupt IN
            9, 0x04, 1,    0,    2,    0x0A, 0x00, 0x00, 0, // IF1 CDC data
            7, 0x05, 0x01, 0x02, 0x40, 0x00, 0x00,          // bulk OUT 0x01
            7, 0x05, 0x81, 0x02, 0x40, 0x00, 0x00,          // bulk IN 0x81
        };
        control_number = 2;
    }
    // Vendor "Control Interface", no endpoints (usb_hal.c@v0.6.3 254-265). Without USB serial the
    // composite driver numbers it 0 (inference: usbd_composite.c numbers interfaces in order).
    const std::uint8_t control[] = {9, 0x04, control_number, 0, 0, 0xFF, 0xFF, 0xFF, kControlInterfaceString};
    body.insert(body.end(), std::begin(control), std::end(control));
    const auto total = static_cast<unsigned>(9 + body.size());
    const auto interfaces = static_cast<std::uint8_t>(usb_serial ? 3 : 1);
    const std::uint8_t header[] = {
        9, 0x02, static_cast<std::uint8_t>(total), static_cast<std::uint8_t>(total >> 8), interfaces, 1, 0, 0xC0, 0x32};
    body.insert(body.begin(), std::begin(header), std::end(header));
    return body;
}

// Class and vendor requests of the running firmware (standard requests are common code).
Response DeviceModel::firmware_request(const Setup& s, std::span<const std::uint8_t> out) {
    const unsigned type = (s.request_type >> 5) & 3, recipient = s.request_type & 0x1f;
    const Response stall{Outcome::Stall, {}, false};
    if (type == 1) {
        // CDC ACM requests to IF0 only (docs/enter-dfu.md §3: a class request to the device is
        // stalled); the interface exists only while the application keeps USB serial.
        if (!cfg_.usb_serial || recipient != 1 || (s.index & 0xff) != 0) return stall;
        switch (s.request) {
        case 0x20: { // SET_LINE_CODING
            if (is_in(s) || out.size() != 7) return stall;
            line_coding_.assign(out.begin(), out.end());
            const std::uint32_t rate = static_cast<std::uint32_t>(out[0]) | (static_cast<std::uint32_t>(out[1]) << 8) |
                                       (static_cast<std::uint32_t>(out[2]) << 16) |
                                       (static_cast<std::uint32_t>(out[3]) << 24);
            // device-os system/src/system_update.cpp@v0.6.3 180-199: 14400 resets into DFU mode
            // inside the interrupt, before the status stage, on every version.
            if (rate == kDfuBaudRate) return enter_dfu(Outcome::Disconnect, {}, 0);
            return {};
        }
        case 0x21: // GET_LINE_CODING
            if (!is_in(s)) return stall;
            return Response{Outcome::Ok, line_coding_, false};
        case 0x22: // SET_CONTROL_LINE_STATE
            return {};
        default:
            return stall;
        }
    }
    if (type == 2 && recipient == 0) return vendor_request(s);
    return stall;
}

Response DeviceModel::vendor_request(const Setup& s) {
    const Response stall{Outcome::Stall, {}, false};
    const FirmwareBehaviour b = firmware_behaviour(os_);
    if (b.entry == VendorEntry::None) return stall; // any vendor request (docs/enter-dfu.md §2)
    if (s.request == kParticleRequest) {
        if (!is_in(s)) {
            if (s.index != b.raw_dfu_index || b.entry == VendorEntry::ControlProtocol) return stall;
            return b.entry == VendorEntry::RawResetFirst ? enter_dfu(Outcome::Disconnect, {}, 0)
                                                         : enter_dfu(Outcome::Ok, {}, 0);
        }
        if (!b.reads) return stall;
        // system_control.cpp@v0.6.3 166-201: SYSTEM_VERSION and DEVICE_ID as strings.
        std::string text;
        if (s.index == kIndexSystemVersion)
            text = cfg_.device_os;
        else if (s.index == kIndexDeviceId)
            text = upper(cfg_.serial);
        else
            return stall;
        return Response{Outcome::Ok, std::vector<std::uint8_t>(text.begin(), text.end()), false};
    }
    if (b.entry != VendorEntry::ControlProtocol || !is_in(s)) return stall;
    if (s.request == kServiceInit) {
        // Only the DFU_MODE request type is modelled; other types stall.
        if (s.index != kIndexDfuMode || s.value != 0) return stall;
        const std::uint16_t id = next_service_id_++;
        service_requests_.push_back({id, 0});
        return Response{Outcome::Ok, service_reply(kStatusOk, id, std::nullopt), false};
    }
    if (s.request == kServiceCheck) {
        auto it = std::find_if(service_requests_.begin(), service_requests_.end(),
                               [&](const ServiceRequest& r) { return r.id == s.index; });
        if (it == service_requests_.end())
            return Response{Outcome::Ok, service_reply(kStatusNotFound, std::nullopt, std::nullopt), false};
        // The system thread handles the request after the first CHECK: that one sees PENDING.
        if (it->checks++ == 0)
            return Response{Outcome::Ok, service_reply(kStatusPending, std::nullopt, std::nullopt), false};
        service_requests_.erase(it);
        // The reset follows the fetched result after the firmware's delay.
        return enter_dfu(Outcome::Ok, service_reply(kStatusOk, std::nullopt, 0), b.reset_delay_ms);
    }
    return stall;
}

Response DeviceModel::enter_dfu(Outcome outcome, std::vector<std::uint8_t> in, unsigned delay_ms) {
    entering_dfu_ = true;
    Response r{outcome, std::move(in), outcome == Outcome::Ok && delay_ms == 0};
    r.enter_dfu = true;
    r.reset_delay_ms = delay_ms;
    return r;
}

} // namespace photon_emu::detail
