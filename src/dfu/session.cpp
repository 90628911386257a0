// The DFU 1.1 state machine of a DfuseSession (docs/dfu-protocol.md §3.1-§3.2): opening the DFU
// interface and selecting an alt by its memory name, every class request (counted and traced),
// GETSTATUS polling with bwPollTimeout, bringing the device to dfuIDLE, and the recovery after an
// error. The DfuSe memory operations built on it are in dfuse.cpp.
#include "photon_dct/dfu/session.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <thread>
#include <utility>

#include "photon_dct/error.hpp"
#include "session_text.hpp"

namespace photon_dct::dfu {

using detail::hex32;

namespace {

constexpr std::uint16_t kMaxTransferSize = 4096; // libusb's limit for one control transfer on Linux
constexpr unsigned kMaxIdleAttempts = 8;         // GETSTATUS rounds when bringing the device to dfuIDLE

std::string hex16(std::uint16_t value) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%04x", value);
    return buf;
}

std::string request_name(Request r) {
    switch (r) {
    case Request::Detach:
        return "DETACH";
    case Request::Dnload:
        return "DNLOAD";
    case Request::Upload:
        return "UPLOAD";
    case Request::GetStatus:
        return "GETSTATUS";
    case Request::ClrStatus:
        return "CLRSTATUS";
    case Request::GetState:
        return "GETSTATE";
    case Request::Abort:
        return "ABORT";
    }
    return "request " + std::to_string(static_cast<int>(r));
}

std::string trim_both(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return std::string(s);
}

} // namespace

DfuseSession::DfuseSession(ControlTransport& transport, SessionOptions options)
    : transport_(transport), options_(std::move(options)) {
    if (!options_.sleep) {
        options_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
    }
    if (options_.max_polls == 0) options_.max_polls = 1;

    const Bytes config = transport_.configuration_descriptor();
    try {
        interface_ = parse_dfu_interface(config);
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::DeviceNotInDfuMode) throw;
        throw Error(e.kind(), e.what(), "put it into DFU mode: " + quirks::dfu_mode_advice(options_.platform_id));
    }
    if (!interface_.is_dfuse()) {
        throw Error(ErrorKind::DfuProtocol, "the DFU interface speaks DFU version " +
                                                hex16(interface_.functional.dfu_version) +
                                                ", not DfuSe (0x011a); this is not a Particle/STM32 bootloader");
    }
    if (interface_.functional.transfer_size == 0) {
        throw Error(ErrorKind::DfuProtocol, "the DFU functional descriptor gives wTransferSize 0");
    }
    transfer_size_ = std::min(interface_.functional.transfer_size, kMaxTransferSize);

    for (const auto& alt : interface_.alts)
        alts_.push_back(AltInfo{alt.alternate_setting, alt.string_index, false, {}, std::nullopt});
    transport_.claim_interface(interface_.interface_number);
}

const DfuseSession::AltInfo& DfuseSession::named_alt(std::size_t i) {
    AltInfo& info = alts_.at(i);
    if (info.named) return info;
    if (info.string_index != 0) {
        try {
            info.raw_name = transport_.string_descriptor(info.string_index);
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::DfuProtocol) throw; // I/O trouble is fatal
            // A stalled string request leaves the alt unnamed (and unselectable).
        }
    }
    try {
        info.layout = parse_memory_layout(info.raw_name);
    } catch (const Error&) {
        // Not a DfuSe layout; select_alt reports it if someone asks for this alt.
    }
    info.named = true;
    return info;
}

std::vector<std::string> DfuseSession::alt_names() {
    std::vector<std::string> names;
    names.reserve(alts_.size());
    for (std::size_t i = 0; i < alts_.size(); ++i) names.push_back(named_alt(i).raw_name);
    return names;
}

void DfuseSession::select_alt(std::string_view wanted, std::optional<std::uint8_t> likely) {
    const std::string name = trim_both(wanted);
    // Descriptor positions to try: the likely alt's first, then the rest in order.
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < alts_.size(); ++i)
        if (likely && alts_[i].alternate_setting == *likely) order.insert(order.begin(), i);
        else order.push_back(i);
    for (const std::size_t i : order) {
        const auto& alt = named_alt(i);
        const auto alt_name = memory_layout_name(alt.raw_name);
        if (!alt_name || *alt_name != name) continue;
        if (!alt.layout) parse_memory_layout(alt.raw_name); // throws the precise complaint
        transport_.set_alt_setting(interface_.interface_number, alt.alternate_setting);
        known_state_.reset(); // another alt: the next operation asks the unit's state again
        selected_alt_ = alt.alternate_setting;
        selected_index_ = i;
        trace("selected alt " + std::to_string(alt.alternate_setting) + " \"" + alt.raw_name + "\"");
        return;
    }
    std::string found;
    for (const auto& alt : alts_) {
        if (!found.empty()) found += ", ";
        const auto alt_name = memory_layout_name(alt.raw_name);
        found +=
            "\"" + (alt_name ? *alt_name : alt.raw_name) + "\" (alt " + std::to_string(alt.alternate_setting) + ")";
    }
    if (found.empty()) found = "none";
    throw Error(ErrorKind::DfuProtocol, "the device has no DFU memory named \"" + name + "\"; it offers: " + found);
}

const MemoryLayout& DfuseSession::layout() const {
    if (!selected_alt_) {
        throw Error(ErrorKind::Internal, "DfuseSession: no alt setting selected (call select_alt)");
    }
    return *alts_[selected_index_].layout;
}

void DfuseSession::require_usable(const char* what) const {
    if (left_) {
        throw Error(ErrorKind::Internal, std::string("DfuseSession: ") + what + " after the device left DFU mode");
    }
    if (!selected_alt_) {
        throw Error(ErrorKind::Internal, std::string("DfuseSession: ") + what + " before select_alt");
    }
}

void DfuseSession::trace(const std::string& line) const {
    if (options_.trace) options_.trace(line);
}

std::size_t DfuseSession::control(std::uint8_t request_type, Request request, std::uint16_t value,
                                  std::span<std::uint8_t> data, const std::string& what) {
    if (pending_wait_.count() > 0) {
        options_.sleep(pending_wait_);
        pending_wait_ = std::chrono::milliseconds{0};
    }
    ++counters_.control_transfers;
    if (request != Request::GetStatus) prepared_address_.reset();
    switch (request) {
    case Request::GetStatus:
        ++counters_.status_polls;
        break;
    case Request::Upload:
        ++counters_.uploads;
        break;
    case Request::Dnload:
        if (value >= kDfuseFirstDataBlock && !data.empty()) ++counters_.data_downloads;
        if (value == 0 && !data.empty() && data[0] == kDfuseSetAddress) ++counters_.set_address_commands;
        if (value == 0 && !data.empty() && data[0] == kDfuseErase) ++counters_.erase_commands;
        break;
    default:
        break;
    }
    const ControlSetup setup{request_type, static_cast<std::uint8_t>(request), value, interface_.interface_number};
    std::string line;
    if (options_.trace) {
        line = request_name(request) + " wValue=" + std::to_string(value) + " wLength=" + std::to_string(data.size());
        if (request_type == kRequestTypeClassOut && !data.empty() && data.size() <= 8) {
            line += " [" + to_hex(ByteView(data.data(), data.size())) + "]";
        }
    }
    std::size_t got = 0;
    try {
        got = transport_.control(setup, data, options_.timeout);
    } catch (const Error& e) {
        trace(line + " -> " + e.what());
        if (e.kind() == ErrorKind::DfuProtocol) request_failed_ = true; // a stall: the recovery says why
        throw Error(e.kind(), request_name(request) + " during " + what + ": " + e.what(), e.hint());
    }
    if (options_.trace && request_type == kRequestTypeClassIn && request != Request::GetStatus) {
        trace(line + " -> " + std::to_string(got) + " bytes");
    } else if (options_.trace && request != Request::GetStatus) {
        trace(line);
    }
    return got;
}

StatusReply DfuseSession::get_status(const std::string& what) {
    std::array<std::uint8_t, 6> buf{};
    const std::size_t got = control(kRequestTypeClassIn, Request::GetStatus, 0, buf, what);
    const StatusReply st = parse_status_reply(ByteView(buf.data(), got));
    pending_wait_ = std::min(std::chrono::milliseconds{st.poll_timeout_ms}, options_.max_poll_wait);
    trace("GETSTATUS -> " + status_name(st.status) + " " + state_name(st.state) +
          " poll=" + std::to_string(st.poll_timeout_ms) + "ms");
    return st;
}

void DfuseSession::clear_status(const std::string& what) {
    control(kRequestTypeClassOut, Request::ClrStatus, 0, {}, what);
}

void DfuseSession::abort(const std::string& what) { control(kRequestTypeClassOut, Request::Abort, 0, {}, what); }

void DfuseSession::fail_status(const StatusReply& st, const std::string& what, std::uint32_t address) const {
    throw Error(ErrorKind::DfuProtocol, "DFU status " + describe_status(st.status) + " in state " +
                                            state_name(st.state) + " during " + what + " at " + hex32(address));
}

void DfuseSession::bring_to_idle(const std::string& what, std::optional<StatusReply>* first) {
    StatusReply st;
    for (unsigned attempt = 0; attempt < kMaxIdleAttempts; ++attempt) {
        st = get_status(what);
        if (first != nullptr && attempt == 0) *first = st;
        switch (st.state) {
        case State::dfuIDLE:
            if (st.status == Status::OK) return;
            clear_status(what);
            break;
        case State::dfuERROR:
            clear_status(what);
            break;
        case State::dfuDNLOAD_IDLE:
        case State::dfuUPLOAD_IDLE:
        case State::dfuDNLOAD_SYNC:
            abort(what);
            break;
        case State::dfuDNBUSY:
        case State::dfuMANIFEST_SYNC:
            break; // still busy: poll again after bwPollTimeout
        case State::appIDLE:
        case State::appDETACH:
            throw Error(ErrorKind::DeviceNotInDfuMode,
                        "the device reports " + state_name(st.state) +
                            ": it is in its normal (run-time) mode, not DFU mode",
                        "put it into DFU mode: " + quirks::dfu_mode_advice(options_.platform_id));
        case State::dfuMANIFEST:
        case State::dfuMANIFEST_WAIT_RESET:
            throw Error(ErrorKind::DfuProtocol,
                        "the device is leaving DFU mode (state " + state_name(st.state) + ") during " + what,
                        "wait for it to reset, then put it back into DFU mode");
        default:
            throw Error(ErrorKind::DfuProtocol, "the device reports " + state_name(st.state) + " (status " +
                                                    describe_status(st.status) + ") during " + what);
        }
    }
    throw Error(ErrorKind::DfuProtocol,
                "could not bring the device to dfuIDLE during " + what + " after " + std::to_string(kMaxIdleAttempts) +
                    " attempts; last state " + state_name(st.state) + ", status " + describe_status(st.status),
                "reset the unit and put it back into DFU mode");
}

void DfuseSession::ready_for_command(const std::string& what) {
    const auto known = std::exchange(known_state_, std::nullopt); // unknown until this operation ends well
    if (known == State::dfuIDLE || known == State::dfuDNLOAD_IDLE) return;
    bring_to_idle(what);
}

void DfuseSession::poll_until_idle_after_download(const std::string& what, std::uint32_t address,
                                                  bool first_must_be_busy) {
    StatusReply st = get_status(what);
    if (st.status != Status::OK) fail_status(st, what, address);
    if (first_must_be_busy && st.state != State::dfuDNBUSY) {
        throw Error(ErrorKind::DfuProtocol, "wrong state after " + what + " at " + hex32(address) +
                                                ": expected dfuDNBUSY, the device reports " + state_name(st.state));
    }
    unsigned polls = 1;
    while (st.state == State::dfuDNBUSY || st.state == State::dfuDNLOAD_SYNC) {
        if (polls >= options_.max_polls) {
            throw Error(ErrorKind::DfuProtocol,
                        "device stuck: still in " + state_name(st.state) + " after " + std::to_string(polls) +
                            " status polls during " + what + " at " + hex32(address),
                        "reset the unit and put it back into DFU mode");
        }
        st = get_status(what);
        ++polls;
        if (st.status != Status::OK) fail_status(st, what, address);
    }
    if (st.state != State::dfuDNLOAD_IDLE) {
        throw Error(ErrorKind::DfuProtocol, "unexpected state " + state_name(st.state) + " after " + what + " at " +
                                                hex32(address) + " (expected dfuDNLOAD_IDLE)");
    }
}

Error DfuseSession::recover_after_error(const Error& failure) {
    // A stall says only that the device refused; the first GETSTATUS of the recovery says what it
    // thinks happened, so it goes into the error as fwupd's dfu plugin puts it: "[dfuERROR, errWRITE]".
    // An error status or a wrong state already is in the message in words.
    const bool stalled = std::exchange(request_failed_, false);
    std::optional<StatusReply> first;
    try {
        bring_to_idle("recovery after an error", &first);
        known_state_ = State::dfuIDLE;
    } catch (const Error&) {
        // Best effort: the next operation starts with bring_to_idle again.
    }
    request_failed_ = false;
    if (!stalled || !first) return failure;
    return Error(failure.kind(), std::string(failure.what()) + " " + state_and_status(*first), failure.hint());
}

} // namespace photon_dct::dfu
