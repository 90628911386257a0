// The Photon bootloader's USB device model: descriptors, standard requests and the
// STM32 DfuSe state machine with Particle's quirks (docs/dfu-protocol.md §3, §5;
// docs/dct-format.md §7). Written from the protocol description, not from any vendor code.
#include "photon_emu_model.hpp"

#include "photon_dct/quirks/quirks.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace photon_emu::detail {
namespace {

constexpr std::size_t kDctWindow = 0x4000;

// Flash sector containing `addr` on the STM32F205 (alt 0): 4x16K, 1x64K, 7x128K.
bool flash_sector(std::uint32_t addr, std::uint32_t& start, std::uint32_t& size) {
    if (addr < kFlashBase || addr >= kFlashBase + kFlashSize) return false;
    const std::uint32_t off = addr - kFlashBase;
    if (off < 0x10000) {
        start = off & ~0x3FFFu;
        size = 0x4000;
    } else if (off < 0x20000) {
        start = 0x10000;
        size = 0x10000;
    } else {
        start = 0x20000 + ((off - 0x20000) / 0x20000) * 0x20000;
        size = 0x20000;
    }
    return true;
}

} // namespace

DeviceModel::DeviceModel(DeviceConfig cfg, unsigned index)
    : cfg_(std::move(cfg)), index_(index), dfu_mode_(cfg_.dfu_mode), usb_serial_(cfg_.serial) {
    const auto os = parse_os_version(cfg_.device_os);
    if (!os) throw std::invalid_argument("photon_emu: Device OS version '" + cfg_.device_os + "' is not X.Y.Z[-rc.N]");
    os_ = *os;
    if (!dfu_mode_) usb_serial_ = normal_mode_serial(os_, cfg_.serial);
    dct_ = cfg_.dct;
    if (dct_.size() > kDctSize) dct_.resize(kDctSize);
    dct_.resize(kDctSize, 0xFF);
    flash_.assign(kFlashSize, 0xFF);
    if (cfg_.platform == Platform::P1) sflash_.assign(kSerialFlashSize, 0xFF);
    state_ = dfu_mode_ ? dfuIDLE : appIDLE;
    fault_counts_.assign(cfg_.faults.size(), 0);
    fault_fired_.assign(cfg_.faults.size(), false);
    const char* t = std::getenv("PHOTON_EMU_TRACE");
    trace_enabled_ = t != nullptr && *t != '\0' && std::strcmp(t, "0") != 0;
    build_descriptors();
}

bool DeviceModel::gone() const {
    std::lock_guard lk(mu_);
    return gone_;
}

void DeviceModel::mark_gone() {
    std::lock_guard lk(mu_);
    gone_ = true;
}

std::vector<std::uint8_t> DeviceModel::dct() const {
    std::lock_guard lk(mu_);
    return dct_;
}

std::vector<std::uint8_t> DeviceModel::flash() const {
    std::lock_guard lk(mu_);
    return flash_;
}

std::vector<TranscriptEntry> DeviceModel::transcript() const {
    std::lock_guard lk(mu_);
    return transcript_;
}

void DeviceModel::leave_bus() {
    std::lock_guard lk(mu_);
    if (!gone_) record_event("BUS_LEAVE", {});
    gone_ = true;
}

// The bootloader starts in DFU mode at once after the firmware's reset (docs/enter-dfu.md §4),
// with the identity its version gives (dfu_mode_identity) and a fresh DfuSe state.
void DeviceModel::reenumerate_in_dfu_mode() {
    std::lock_guard lk(mu_);
    reset_to(true);
}

// After DFU leave the unit runs its firmware again (docs/dfu-protocol.md §3.6).
void DeviceModel::reenumerate_in_normal_mode() {
    std::lock_guard lk(mu_);
    reset_to(false);
}

void DeviceModel::unplug() {
    std::lock_guard lk(mu_);
    record_event("BUS_UNPLUG", {});
    gone_ = true;
}

void DeviceModel::reset_to(bool dfu_mode) {
    dfu_mode_ = dfu_mode;
    entering_dfu_ = false;
    if (dfu_mode) {
        const DfuIdentity id = dfu_mode_identity(os_, cfg_.serial, cfg_.old_bootloader);
        usb_serial_ = id.serial;
        bcd_device_ = id.bcd_device;
    } else {
        usb_serial_ = normal_mode_serial(os_, cfg_.serial);
        bcd_device_ = 0x0250;
    }
    state_ = dfu_mode ? dfuIDLE : appIDLE;
    status_ = OK;
    pointer_ = kDefaultPointer;
    alt_ = 0;
    pending_.reset();
    service_requests_.clear();
    build_descriptors();
    gone_ = false;
    record_event("BUS_ENUMERATE", std::vector<std::uint8_t>(usb_serial_.begin(), usb_serial_.end()));
}

void DeviceModel::record_event(const char* name, std::vector<std::uint8_t> data) {
    TranscriptEntry e{};
    e.seq = static_cast<unsigned>(transcript_.size() + 1);
    e.name = name;
    e.state_before = e.state_after = state_name(state_);
    e.result = "ok";
    e.data = std::move(data);
    trace(e);
    transcript_.push_back(std::move(e));
}

void DeviceModel::usb_reset() {
    std::lock_guard lk(mu_);
    if (!dfu_mode_) return;
    state_ = dfuIDLE;
    status_ = OK;
    pending_.reset();
    alt_ = 0;
}

bool DeviceModel::set_interface(unsigned interface, unsigned alt) {
    Setup s;
    s.request_type = 0x01;
    s.request = 11;
    s.value = static_cast<std::uint16_t>(alt);
    s.index = static_cast<std::uint16_t>(interface);
    const Response r = control(s, {});
    return r.outcome == Outcome::Ok;
}

void DeviceModel::trace(const TranscriptEntry& e) const {
    if (!trace_enabled_) return;
    std::string data = to_hex(e.data);
    if (data.size() > 64) data = data.substr(0, 64) + "...";
    std::fprintf(
        stderr,
        "[photon-emu dev%u #%u] %-14s bmRequestType=%02x wValue=%u wIndex=%u wLength=%u  %s -> %s  %s%s%s%s%s\n",
        index_, e.seq, e.name.c_str(), e.request_type, e.value, e.index, e.length, e.state_before.c_str(),
        e.state_after.c_str(), e.result.c_str(), e.fault.empty() ? "" : " fault=", e.fault.c_str(),
        data.empty() ? "" : " data=", data.c_str());
}

Response DeviceModel::control(const Setup& s, std::span<const std::uint8_t> out) {
    std::lock_guard lk(mu_);
    if (gone_) return Response{Outcome::Disconnect, {}, false};
    if (state_ == dfuDNBUSY) state_ = dfuDNLOAD_SYNC; // the busy period ended with the last reply

    TranscriptEntry e{};
    e.seq = static_cast<unsigned>(transcript_.size() + 1);
    e.request_type = s.request_type;
    e.request = s.request;
    e.value = s.value;
    e.index = s.index;
    e.length = s.length;
    e.name = request_name(s);
    e.state_before = state_name(state_);

    Response r;
    std::string fault;
    if (s.length > kTransferSize) {
        // Longer than MAL_Buffer / libusb's limit: stall.
        r = dfu_mode_ ? stall_error(errSTALLEDPKT) : Response{Outcome::Stall, {}, false};
    } else {
        r = dispatch(s, out, fault);
    }
    if (is_in(s) && r.in.size() > s.length) r.in.resize(s.length);
    if (r.outcome != Outcome::Ok) r.in.clear();

    e.state_after = state_name(state_);
    if (state_ == dfuDNBUSY) e.state_after = "dfuDNBUSY";
    switch (r.outcome) {
    case Outcome::Ok:
        e.result = "ok";
        break;
    case Outcome::Stall:
        e.result = "stall";
        break;
    case Outcome::Hold:
        e.result = "timeout";
        break;
    case Outcome::Disconnect:
        e.result = "disconnected";
        break;
    }
    e.fault = fault;
    if (is_in(s)) {
        e.data = r.in;
    } else {
        e.data.assign(out.begin(), out.end());
    }
    if (r.outcome == Outcome::Disconnect || r.vanish_after) gone_ = true;
    trace(e);
    transcript_.push_back(std::move(e));
    // The resets the bus events are modelled for (a bench unit comes back after DFU leave).
    if ((r.enter_dfu || (r.left_dfu && cfg_.unplug_after_leave_ms)) && gone_) record_event("BUS_LEAVE", {});
    return r;
}

bool DeviceModel::matches(RequestClass rc, const Setup& s, std::span<const std::uint8_t> out) const {
    const bool dfu_class = ((s.request_type >> 5) & 3) == 1 && s.request <= DFU_ABORT;
    if (!dfu_class) return false;
    switch (rc) {
    case RequestClass::Any:
        return true;
    case RequestClass::DnloadData:
        return s.request == DFU_DNLOAD && s.value != 0 && s.length > 0;
    case RequestClass::DnloadCommand:
        return s.request == DFU_DNLOAD && s.value == 0 && s.length > 0;
    case RequestClass::SetAddress:
        return s.request == DFU_DNLOAD && s.value == 0 && !out.empty() && out[0] == CMD_SETADDRESS;
    case RequestClass::Erase:
        return s.request == DFU_DNLOAD && s.value == 0 && !out.empty() && out[0] == CMD_ERASE;
    case RequestClass::Leave:
        return s.request == DFU_DNLOAD && s.length == 0;
    case RequestClass::Upload:
        return s.request == DFU_UPLOAD;
    case RequestClass::GetStatus:
        return s.request == DFU_GETSTATUS;
    case RequestClass::ClrStatus:
        return s.request == DFU_CLRSTATUS;
    case RequestClass::Abort:
        return s.request == DFU_ABORT;
    }
    return false;
}

Response DeviceModel::dispatch(const Setup& s, std::span<const std::uint8_t> out, std::string& fault_fired) {
    const unsigned type = (s.request_type >> 5) & 3;
    if (type == 0) return standard_request(s);
    if (!dfu_mode_) return firmware_request(s, out);
    if (type != 1) return Response{Outcome::Stall, {}, false};

    // Fault selection: every matching fault counts; the first one reaching its nth fires.
    const Fault* fault = nullptr;
    for (std::size_t i = 0; i < cfg_.faults.size(); ++i) {
        const Fault& f = cfg_.faults[i];
        if (fault_fired_[i] || !matches(f.on, s, out)) continue;
        if (f.kind == FaultKind::ShortRead && s.request != DFU_UPLOAD) continue;
        ++fault_counts_[i];
        if (fault == nullptr && fault_counts_[i] == f.nth) {
            fault_fired_[i] = true;
            fault = &f;
        }
    }
    if (fault != nullptr) {
        fault_fired = std::string(to_string(fault->kind)) + ":" + std::string(to_string(fault->on)) + ":" +
                      std::to_string(fault->nth);
        switch (fault->kind) {
        case FaultKind::Stall:
            return stall_error(errSTALLEDPKT);
        case FaultKind::Timeout:
            return Response{Outcome::Hold, {}, false};
        case FaultKind::Disconnect:
            return Response{Outcome::Disconnect, {}, false};
        case FaultKind::Reset:
            state_ = dfuIDLE;
            status_ = OK;
            pointer_ = kDefaultPointer;
            alt_ = 0;
            pending_.reset();
            return Response{Outcome::Stall, {}, false};
        case FaultKind::DisconnectAfter: {
            Response r = dfu_request(s, out, nullptr);
            if (r.outcome == Outcome::Ok && state_ == dfuDNLOAD_SYNC && pending_ && !pending_->leave) {
                // The device finishes the downloaded block/command before it drops off the bus.
                std::uint32_t poll = 0;
                bool stall = false;
                execute_pending(poll, stall);
                pending_.reset();
            }
            r.vanish_after = true;
            return r;
        }
        case FaultKind::Error:
        case FaultKind::ShortRead:
            break;
        }
    }
    return dfu_request(s, out, fault);
}

Response DeviceModel::stall_error(DfuStatus status) {
    state_ = dfuERROR;
    status_ = status;
    pending_.reset();
    return Response{Outcome::Stall, {}, false};
}

std::vector<std::uint8_t> DeviceModel::status_reply(DfuState reported_state, std::uint32_t poll_ms) const {
    return {static_cast<std::uint8_t>(status_),
            static_cast<std::uint8_t>(poll_ms & 0xff),
            static_cast<std::uint8_t>((poll_ms >> 8) & 0xff),
            static_cast<std::uint8_t>((poll_ms >> 16) & 0xff),
            static_cast<std::uint8_t>(reported_state),
            0};
}

Response DeviceModel::dfu_request(const Setup& s, std::span<const std::uint8_t> out, const Fault* fault) {
    const bool error_fault = fault != nullptr && fault->kind == FaultKind::Error;
    const bool dir_in = is_in(s);
    if ((s.request_type & 0x1f) != 1 || s.index != 0) return stall_error(errSTALLEDPKT);
    switch (s.request) {
    case DFU_DNLOAD: {
        if (dir_in) return stall_error(errSTALLEDPKT);
        if (state_ != dfuIDLE && state_ != dfuDNLOAD_IDLE) return stall_error(errSTALLEDPKT);
        Pending p;
        p.block = s.value;
        p.data.assign(out.begin(), out.end());
        p.leave = s.length == 0;
        p.error_fault = error_fault;
        pending_ = std::move(p);
        state_ = s.length == 0 ? dfuMANIFEST_SYNC : dfuDNLOAD_SYNC;
        return {};
    }
    case DFU_UPLOAD:
        if (!dir_in) return stall_error(errSTALLEDPKT);
        return upload(s, fault);
    case DFU_GETSTATUS:
        if (!dir_in) return stall_error(errSTALLEDPKT);
        return get_status(fault);
    case DFU_GETSTATE:
        if (!dir_in) return stall_error(errSTALLEDPKT);
        if (error_fault) {
            state_ = dfuERROR;
            status_ = errTARGET;
        }
        return Response{Outcome::Ok, {static_cast<std::uint8_t>(state_)}, false};
    case DFU_CLRSTATUS:
        if (dir_in) return stall_error(errSTALLEDPKT);
        if (error_fault) {
            state_ = dfuERROR;
            status_ = errTARGET;
        } else if (state_ == dfuERROR) {
            state_ = dfuIDLE;
            status_ = OK;
        } else {
            state_ = dfuERROR;
            status_ = errUNKNOWN;
        }
        return {};
    case DFU_ABORT:
    case DFU_DETACH:
        if (dir_in) return stall_error(errSTALLEDPKT);
        if (error_fault) {
            pending_.reset();
            state_ = dfuERROR;
            status_ = errTARGET;
            return {};
        }
        if (state_ == dfuIDLE || state_ == dfuDNLOAD_SYNC || state_ == dfuDNLOAD_IDLE || state_ == dfuMANIFEST_SYNC ||
            state_ == dfuUPLOAD_IDLE) {
            state_ = dfuIDLE;
            status_ = OK;
            pending_.reset();
        }
        return {}; // ignored in dfuERROR and the other states
    default:
        return stall_error(errSTALLEDPKT);
    }
}

Response DeviceModel::get_status(const Fault* fault) {
    const bool error_fault = fault != nullptr && fault->kind == FaultKind::Error;
    if (error_fault) {
        const bool write = pending_ && !pending_->leave && pending_->block >= 2;
        pending_.reset();
        state_ = dfuERROR;
        status_ = write ? errWRITE : errTARGET;
        return Response{Outcome::Ok, status_reply(dfuERROR, 0), false};
    }
    if (state_ == dfuDNLOAD_SYNC) {
        if (pending_ && !pending_->leave) {
            if (pending_->error_fault) {
                const bool write = pending_->block >= 2;
                pending_.reset();
                state_ = dfuERROR;
                status_ = write ? errWRITE : errTARGET;
                return Response{Outcome::Ok, status_reply(dfuERROR, 0), false};
            }
            std::uint32_t poll = 0;
            bool stall = false;
            const DfuStatus st = execute_pending(poll, stall);
            pending_.reset();
            if (stall) return stall_error(st);
            if (st != OK) {
                state_ = dfuERROR;
                status_ = st;
                return Response{Outcome::Ok, status_reply(dfuERROR, 0), false};
            }
            // Reply dfuDNBUSY; the operation has been applied atomically, the device returns
            // to dfuDNLOAD_SYNC when the reply has been sent.
            state_ = dfuDNBUSY;
            return Response{Outcome::Ok, status_reply(dfuDNBUSY, poll), false};
        }
        state_ = dfuDNLOAD_IDLE;
        return Response{Outcome::Ok, status_reply(dfuDNLOAD_IDLE, 0), false};
    }
    if (state_ == dfuMANIFEST_SYNC) {
        if (pending_ && pending_->error_fault) {
            pending_.reset();
            state_ = dfuERROR;
            status_ = errTARGET;
            return Response{Outcome::Ok, status_reply(dfuERROR, 0), false};
        }
        // Particle's leave answer (quirk table, LeaveAnswersDnloadIdle): report dfuDNLOAD_IDLE while
        // entering manifestation, then reset.
        pending_.reset();
        state_ = dfuMANIFEST_WAIT_RESET;
        const photon_dct::quirks::UnitFacts facts{photon_dct::quirks::platform_of_product_id(product_id()), dfu_mode_,
                                                  bcd_device_, usb_serial_};
        const bool dnload_idle = photon_dct::quirks::has(facts, photon_dct::quirks::Quirk::LeaveAnswersDnloadIdle);
        Response r{Outcome::Ok, status_reply(dnload_idle ? dfuDNLOAD_IDLE : dfuMANIFEST, 0), true};
        r.left_dfu = true;
        return r;
    }
    return Response{Outcome::Ok, status_reply(state_, 0), false};
}

DfuStatus DeviceModel::execute_pending(std::uint32_t& poll_ms, bool& stall) {
    const Pending& p = *pending_;
    stall = false;
    poll_ms = cfg_.command_poll_timeout_ms;
    if (p.block == 0) {
        const auto& d = p.data;
        if (d.size() == 1 && d[0] == CMD_GETCOMMANDS) return OK;
        if (d.size() == 5 && (d[0] == CMD_SETADDRESS || d[0] == CMD_ERASE)) {
            const std::uint32_t addr = static_cast<std::uint32_t>(d[1]) | (static_cast<std::uint32_t>(d[2]) << 8) |
                                       (static_cast<std::uint32_t>(d[3]) << 16) |
                                       (static_cast<std::uint32_t>(d[4]) << 24);
            pointer_ = addr;
            if (d[0] == CMD_SETADDRESS) return OK;
            if (alt_ == 0) {
                std::uint32_t start = 0, size = 0;
                if (!flash_sector(addr, start, size)) {
                    stall = true;
                    return errADDRESS;
                }
                std::fill_n(flash_.begin() + start, size, 0xFF);
            } else if (alt_ == 2) {
                if (addr >= sflash_.size()) {
                    stall = true;
                    return errADDRESS;
                }
                std::fill_n(sflash_.begin() + (addr & ~0xFFFu), 0x1000, 0xFF);
            }
            // alt 1: DCT_If_Erase accepts and ignores the erase.
            return OK;
        }
        // Mass erase ("41" alone), read unprotect or anything unknown: rejected with a stall.
        stall = true;
        return errSTALLEDPKT;
    }
    if (p.block == 1) return OK; // ignored by the STM32 code
    poll_ms = cfg_.poll_timeout_ms;
    const std::uint64_t addr = static_cast<std::uint64_t>(p.block - 2) * kTransferSize + pointer_;
    const std::size_t len = p.data.size();
    if (alt_ == 1) {
        if (cfg_.unreadable_dct) {
            stall = true;
            return errWRITE;
        }
        if (addr >= kDctWindow || addr + len > kDctWindow) {
            stall = true;
            return errADDRESS;
        }
        // Copy-on-write on the device: the whole write lands atomically (we hold the mutex).
        std::copy(p.data.begin(), p.data.end(), dct_.begin() + static_cast<std::ptrdiff_t>(addr));
        return OK;
    }
    std::vector<std::uint8_t>& mem = alt_ == 0 ? flash_ : sflash_;
    const std::uint64_t base = alt_ == 0 ? kFlashBase : 0;
    if (addr < base || addr + len > base + mem.size()) {
        stall = true;
        return errADDRESS;
    }
    const std::size_t off = static_cast<std::size_t>(addr - base);
    bool verify_ok = true;
    for (std::size_t i = 0; i < len; ++i) {
        mem[off + i] = static_cast<std::uint8_t>(mem[off + i] & p.data[i]); // flash: bits only go 1 -> 0
        if (mem[off + i] != p.data[i]) verify_ok = false;
    }
    return verify_ok ? OK : errVERIFY;
}

std::vector<std::uint8_t> DeviceModel::read_memory(std::uint32_t addr, std::size_t len, bool& ok) const {
    ok = true;
    if (alt_ == 1) {
        std::vector<std::uint8_t> out(len, 0);
        if (cfg_.unreadable_dct || addr >= kDctWindow) return out; // zero-filled MAL_Buffer
        for (std::size_t i = 0; i < len && addr + i < dct_.size(); ++i) out[i] = dct_[addr + i];
        return out; // past 16384: zeros (undefined on a real device)
    }
    const std::vector<std::uint8_t>& mem = alt_ == 0 ? flash_ : sflash_;
    const std::uint64_t base = alt_ == 0 ? kFlashBase : 0;
    if (addr < base || addr >= base + mem.size()) {
        ok = false;
        return {};
    }
    const std::size_t off = static_cast<std::size_t>(addr - base);
    const std::size_t n = std::min(len, mem.size() - off);
    return std::vector<std::uint8_t>(mem.begin() + static_cast<std::ptrdiff_t>(off),
                                     mem.begin() + static_cast<std::ptrdiff_t>(off + n));
}

Response DeviceModel::upload(const Setup& s, const Fault* fault) {
    if (s.length == 0) {
        state_ = dfuIDLE;
        return {};
    }
    if (state_ != dfuIDLE && state_ != dfuUPLOAD_IDLE) return stall_error(errSTALLEDPKT);
    if (fault != nullptr && fault->kind == FaultKind::Error) {
        state_ = dfuERROR;
        status_ = errTARGET;
        return {}; // nothing read: a zero-length data stage
    }
    if (s.value == 0) {
        state_ = s.length > 3 ? dfuIDLE : dfuUPLOAD_IDLE; // STM32 quirk
        return Response{Outcome::Ok, {CMD_GETCOMMANDS, CMD_SETADDRESS, CMD_ERASE}, false};
    }
    if (s.value == 1) return stall_error(errSTALLEDPKT);
    const std::uint64_t addr = static_cast<std::uint64_t>(s.value - 2) * kTransferSize + pointer_;
    bool ok = false;
    std::vector<std::uint8_t> data = addr > 0xFFFFFFFFull ? std::vector<std::uint8_t>{}
                                                          : read_memory(static_cast<std::uint32_t>(addr), s.length, ok);
    if (!ok) return stall_error(errADDRESS);
    state_ = dfuUPLOAD_IDLE;
    if (fault != nullptr && fault->kind == FaultKind::ShortRead) data.resize(s.length / 2);
    return Response{Outcome::Ok, std::move(data), false};
}

} // namespace photon_emu::detail
