// The USB face of the emulated unit: identity, descriptors, string descriptors and the standard
// requests, in DFU mode (docs/dfu-protocol.md §5, docs/dct-format.md §7.1-§7.2) and in normal
// mode (docs/enter-dfu.md §1).
#include "photon_emu_model.hpp"

#include <algorithm>
#include <iterator>

#include "photon_dct/quirks/quirks.hpp"

namespace photon_emu::detail {
namespace {

constexpr std::uint16_t kVid = 0x2b04;

const char* kAlt0 = "@Internal Flash   /0x08000000/03*016Ka,01*016Kg,01*064Kg,07*128Kg";
const char* kAlt2P1 = "@Serial Flash   /0x00000000/256*004Kg";

std::uint8_t lo(unsigned v) { return static_cast<std::uint8_t>(v & 0xff); }
std::uint8_t hi(unsigned v) { return static_cast<std::uint8_t>((v >> 8) & 0xff); }

} // namespace

std::string request_name(const Setup& s) {
    const unsigned type = (s.request_type >> 5) & 3;
    if (type == 1) {
        switch (s.request) {
        case DFU_DETACH:
            return "DETACH";
        case DFU_DNLOAD:
            return "DNLOAD";
        case DFU_UPLOAD:
            return "UPLOAD";
        case DFU_GETSTATUS:
            return "GETSTATUS";
        case DFU_CLRSTATUS:
            return "CLRSTATUS";
        case DFU_GETSTATE:
            return "GETSTATE";
        case DFU_ABORT:
            return "ABORT";
        case 0x20:
            return "SET_LINE_CODING";
        case 0x21:
            return "GET_LINE_CODING";
        case 0x22:
            return "SET_CONTROL_LINE_STATE";
        default:
            return "CLASS_" + std::to_string(s.request);
        }
    }
    if (type == 0) {
        switch (s.request) {
        case 0:
            return "GET_STATUS";
        case 1:
            return "CLEAR_FEATURE";
        case 3:
            return "SET_FEATURE";
        case 5:
            return "SET_ADDRESS";
        case 6:
            return "GET_DESCRIPTOR";
        case 8:
            return "GET_CONFIGURATION";
        case 9:
            return "SET_CONFIGURATION";
        case 10:
            return "GET_INTERFACE";
        case 11:
            return "SET_INTERFACE";
        default:
            return "STD_" + std::to_string(s.request);
        }
    }
    if (type == 2 && s.request == kParticleRequest) return "PARTICLE_REQUEST";
    if (type == 2 && s.request == kServiceInit) return "SERVICE_INIT";
    if (type == 2 && s.request == kServiceCheck) return "SERVICE_CHECK";
    return "VENDOR_" + std::to_string(s.request);
}

std::uint16_t DeviceModel::product_id() const {
    std::uint16_t base = 0x0006;
    if (cfg_.platform == Platform::P1) base = 0x0008;
    if (cfg_.platform == Platform::Electron) base = 0x000a;
    return static_cast<std::uint16_t>((dfu_mode_ ? 0xd000 : 0xc000) | base);
}

std::string DeviceModel::product_string() const {
    if (cfg_.product) return *cfg_.product; // a hostile device (DeviceConfig::product)
    std::string name = "Photon";
    if (cfg_.platform == Platform::P1) name = "P1";
    if (cfg_.platform == Platform::Electron) name = "Electron";
    return dfu_mode_ ? name + " DFU Mode" : name;
}

unsigned DeviceModel::interface_count() const {
    if (dfu_mode_) return 1;
    return cfg_.usb_serial ? 3 : 1;
}

bool DeviceModel::dfu_mode() const {
    std::lock_guard lk(mu_);
    return dfu_mode_;
}

std::string DeviceModel::usb_serial() const {
    std::lock_guard lk(mu_);
    return usb_serial_;
}

unsigned DeviceModel::alt_count() const {
    if (!dfu_mode_) return 0;
    return cfg_.platform == Platform::P1 ? 3 : 2;
}

std::string DeviceModel::alt_name(unsigned alt) const {
    if (const auto it = cfg_.alt_names.find(alt); it != cfg_.alt_names.end()) return it->second;
    switch (alt) {
    case 0:
        return kAlt0;
    case 1:
        // The quirk table's DctAltEraseIgnored row: "Kg" on Gen 2, "Ke" on Gen 3's DFU stack.
        return std::string(cfg_.gen3_dct_string ? photon_dct::quirks::kGen3DctAltName
                                                : photon_dct::quirks::kGen2DctAltName);
    case 2:
        return kAlt2P1;
    default:
        return {};
    }
}

std::vector<std::uint8_t> DeviceModel::dfu_functional_descriptor() const {
    // bmAttributes 0x0B (download, upload, will detach), wDetachTimeOut 255 ms,
    // wTransferSize 4096, bcdDFUVersion 0x011A (DfuSe).
    return {0x09, 0x21, 0x0B, 0xFF, 0x00, lo(kTransferSize), hi(kTransferSize), 0x1A, 0x01};
}

void DeviceModel::build_descriptors() {
    const std::uint16_t pid = product_id();
    // DFU mode: class per interface; normal mode: IAD composite 0xEF/0x02/0x01 (docs/enter-dfu.md §1).
    const std::uint8_t device_class = dfu_mode_ ? 0x00 : 0xEF, subclass = dfu_mode_ ? 0x00 : 0x02,
                       protocol = dfu_mode_ ? 0x00 : 0x01;
    dev_desc_ = {18, 0x01,     0x00,     0x02,    device_class, subclass,        protocol,
                 64, lo(kVid), hi(kVid), lo(pid), hi(pid),      lo(bcd_device_), hi(bcd_device_),
                 1,  2,        3,        1};
    if (!dfu_mode_) {
        cfg_desc_ = normal_mode_configuration(cfg_.usb_serial);
        return;
    }
    std::vector<std::uint8_t> body;
    for (unsigned alt = 0; alt < alt_count(); ++alt) {
        // Interface 0, alt n, no endpoints, class FE/01/02, iInterface = 6 + alt (ST numbering).
        const std::uint8_t d[] = {9,    0x04, 0,    static_cast<std::uint8_t>(alt),    0,
                                  0xFE, 0x01, 0x02, static_cast<std::uint8_t>(6 + alt)};
        body.insert(body.end(), std::begin(d), std::end(d));
    }
    const auto fd = dfu_functional_descriptor();
    body.insert(body.end(), fd.begin(), fd.end());
    const unsigned total = 9 + static_cast<unsigned>(body.size());
    // iConfiguration is 2 in the bootloader's usbd_dfu_core.c (docs/dfu-protocol.md §5).
    cfg_desc_ = {9, 0x02, lo(total), hi(total), 1, 1, 2, 0xC0, 0x32};
    cfg_desc_.insert(cfg_desc_.end(), body.begin(), body.end());
}

std::vector<std::uint8_t> DeviceModel::sysfs_descriptors() const {
    std::vector<std::uint8_t> out = dev_desc_;
    out.insert(out.end(), cfg_desc_.begin(), cfg_desc_.end());
    return out;
}

std::vector<std::uint8_t> DeviceModel::string_descriptor(unsigned index, std::uint16_t language, bool& ok) const {
    ok = true;
    if (const auto only = cfg_.only_language) {
        if (index == 0) return {4, 0x03, static_cast<std::uint8_t>(*only & 0xff), static_cast<std::uint8_t>(*only >> 8)};
        if (language != *only) {
            ok = false;
            return {};
        }
    }
    if (index == 0) return {4, 0x03, 0x09, 0x04}; // LANGID en-US
    std::string s;
    if (index == 1) {
        s = "Particle";
    } else if (index == 2) {
        s = product_string();
    } else if (index == 3) {
        s = usb_serial_;
    } else if (!dfu_mode_ && index == kControlInterfaceString) {
        s = kControlInterfaceName;
    } else if (dfu_mode_ && (index == 4 || index == 5)) {
        s = "DFU";
    } else if (dfu_mode_ && index >= 6 && index < 6 + alt_count()) {
        s = alt_name(index - 6);
    } else {
        ok = false;
        return {};
    }
    std::vector<std::uint8_t> d;
    const std::size_t n = std::min<std::size_t>(s.size(), 126);
    d.push_back(static_cast<std::uint8_t>(2 + 2 * n));
    d.push_back(0x03);
    for (std::size_t i = 0; i < n; ++i) {
        d.push_back(static_cast<std::uint8_t>(s[i]));
        d.push_back(0);
    }
    return d;
}

Response DeviceModel::standard_request(const Setup& s) {
    const unsigned recipient = s.request_type & 0x1f;
    const Response stall{Outcome::Stall, {}, false};
    switch (s.request) {
    case 6: { // GET_DESCRIPTOR
        if (!is_in(s)) return stall;
        const unsigned type = s.value >> 8, idx = s.value & 0xff;
        if (type == 1 && recipient == 0) return Response{Outcome::Ok, dev_desc_, false};
        if (type == 2 && recipient == 0) {
            if (idx != 0) return stall;
            return Response{Outcome::Ok, cfg_desc_, false};
        }
        if (type == 3 && recipient == 0) {
            bool ok = false;
            auto d = string_descriptor(idx, s.index, ok);
            if (!ok) return stall;
            return Response{Outcome::Ok, d, false};
        }
        if (type == 0x21 && dfu_mode_) return Response{Outcome::Ok, dfu_functional_descriptor(), false};
        return stall;
    }
    case 0: // GET_STATUS
        if (!is_in(s)) return stall;
        return Response{Outcome::Ok, {static_cast<std::uint8_t>(recipient == 0 ? 0x01 : 0x00), 0x00}, false};
    case 8: // GET_CONFIGURATION
        if (!is_in(s)) return stall;
        return Response{Outcome::Ok, {0x01}, false};
    case 9: // SET_CONFIGURATION
        if (s.value > 1) return stall;
        return {};
    case 10: // GET_INTERFACE
        if (!is_in(s)) return stall;
        return Response{Outcome::Ok, {static_cast<std::uint8_t>(dfu_mode_ ? alt_ : 0)}, false};
    case 11: // SET_INTERFACE
        if (dfu_mode_) {
            if (s.index != 0 || s.value >= alt_count()) return stall;
            alt_ = s.value;
            return {};
        }
        if (s.index >= interface_count() || s.value != 0) return stall;
        return {};
    case 1: // CLEAR_FEATURE
    case 3: // SET_FEATURE
    case 5: // SET_ADDRESS
        return {};
    default:
        return stall;
    }
}

} // namespace photon_emu::detail
