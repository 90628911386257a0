// The DfuSe memory operations of a DfuseSession (ST's extension of DFU 1.1, docs/dfu-protocol.md
// §3.3-§3.6, as dfu-util 0.11 sends them): set address, upload (read memory), download (write
// memory; never an erase) and leave. The requests, polling and recovery they run on are the DFU 1.1
// state machine in session.cpp.
#include <algorithm>
#include <array>

#include "photon_dct/dfu/session.hpp"
#include "photon_dct/error.hpp"
#include "session_text.hpp"

namespace photon_dct::dfu {

using detail::hex32;

void DfuseSession::set_address(std::uint32_t address, const std::string& what) {
    std::array<std::uint8_t, 5> cmd{
        kDfuseSetAddress, static_cast<std::uint8_t>(address & 0xff), static_cast<std::uint8_t>((address >> 8) & 0xff),
        static_cast<std::uint8_t>((address >> 16) & 0xff), static_cast<std::uint8_t>((address >> 24) & 0xff)};
    const std::string command = "set address for " + what;
    control(kRequestTypeClassOut, Request::Dnload, 0, cmd, command);
    poll_until_idle_after_download(command, address, /*first_must_be_busy=*/true);
}

namespace {
// Runs `op`; on a DFU protocol error (stall, error status, wrong state) tries to bring the device
// back to dfuIDLE and throws the error `recover` returns. USB I/O errors (timeout, device gone)
// are rethrown at once: more transfers would only time out again; the next operation recovers
// first anyway.
template <typename Op, typename Recover>
auto with_recovery(Op&& op, Recover&& recover) {
    try {
        return op();
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::DfuProtocol) throw;
        throw recover(e);
    }
}
} // namespace

Bytes DfuseSession::upload(std::uint32_t address, std::size_t length, const TransferProgress& progress,
                           const UploadRead& read) {
    require_usable("upload");
    if (length == 0) return {};
    const MemoryLayout& mem = layout();
    if (!mem.covers(address, length, kMemReadable)) {
        throw Error(ErrorKind::Refused, "reading " + std::to_string(length) + " bytes at " + hex32(address) +
                                            " is outside the readable memory of \"" + mem.name + "\"");
    }
    const std::size_t blocks = (length + transfer_size_ - 1) / transfer_size_;
    if (blocks > 0xFFFFu - kDfuseFirstDataBlock + 1) {
        throw Error(ErrorKind::Internal,
                    "upload of " + std::to_string(length) + " bytes needs more than 65534 DFU blocks");
    }
    return with_recovery(
        [&] {
            ready_for_command("upload");
            set_address(address, "upload");
            // ABORT ends in dfuIDLE without a status of its own (DFU 1.1; docs/dfu-protocol.md
            // §3.1, §3.4): an UPLOAD in any other state stalls and is recovered from like any stall.
            abort("upload");
            Bytes out(length);
            std::size_t done = 0;
            std::uint16_t block = kDfuseFirstDataBlock;
            while (done < length) {
                const std::size_t want = std::min<std::size_t>(transfer_size_, length - done);
                const std::size_t got = control(kRequestTypeClassIn, Request::Upload, block,
                                                std::span<std::uint8_t>(out.data() + done, want),
                                                "upload at " + hex32(std::uint64_t{address} + done));
                done += std::min(got, want);
                if (progress) progress(done, length);
                if (got < want) break; // short block: the device has no more
                ++block;
            }
            out.resize(done);
            if (read) read(out);
            abort("upload");
            known_state_ = State::dfuIDLE;
            return out;
        },
        [this](const Error& e) { return recover_after_error(e); });
}

void DfuseSession::download(std::uint32_t address, ByteView data, const TransferProgress& progress) {
    require_usable("download");
    if (data.empty()) return;
    const MemoryLayout& mem = layout();
    if (!mem.covers(address, data.size(), kMemWritable)) {
        throw Error(ErrorKind::Refused, "writing " + std::to_string(data.size()) + " bytes at " + hex32(address) +
                                            " is outside the writable memory of \"" + mem.name + "\"");
    }
    with_recovery(
        [&] {
            ready_for_command("download");
            Bytes chunk;
            for (std::size_t offset = 0; offset < data.size(); offset += transfer_size_) {
                const std::size_t n = std::min<std::size_t>(transfer_size_, data.size() - offset);
                const auto chunk_address = static_cast<std::uint32_t>(address + offset);
                if (prepared_address_ != chunk_address) set_address(chunk_address, "download");
                chunk.assign(data.begin() + static_cast<std::ptrdiff_t>(offset),
                             data.begin() + static_cast<std::ptrdiff_t>(offset + n));
                control(kRequestTypeClassOut, Request::Dnload, kDfuseFirstDataBlock, chunk,
                        "download at " + hex32(chunk_address));
                poll_until_idle_after_download("download", chunk_address,
                                               /*first_must_be_busy=*/false);
                if (progress) progress(offset + n, data.size());
            }
            // The last poll said dfuDNLOAD_IDLE with status OK: the write is done, and the next
            // set-address command (the read-back, the leave request) is allowed right there (§3.5).
            known_state_ = State::dfuDNLOAD_IDLE;
        },
        [this](const Error& e) { return recover_after_error(e); });
}

void DfuseSession::prepare_download(std::uint32_t address) {
    require_usable("prepare_download");
    with_recovery(
        [&] {
            ready_for_command("download");
            set_address(address, "download");
            known_state_ = State::dfuDNLOAD_IDLE; // where the set-address polls ended
            prepared_address_ = address;
        },
        [this](const Error& e) { return recover_after_error(e); });
}

void DfuseSession::leave(std::uint32_t address) {
    if (left_) throw Error(ErrorKind::Internal, "DfuseSession: leave after the device left DFU mode");
    with_recovery(
        [&] {
            ready_for_command("leave");
            set_address(address, "leave");
            control(kRequestTypeClassOut, Request::Dnload, kDfuseFirstDataBlock, {}, "leave request");
        },
        [this](const Error& e) { return recover_after_error(e); });
    left_ = true;
    StatusReply st;
    try {
        st = get_status("status after the leave request");
    } catch (const Error& e) {
        // The bootloader resets right after the leave request: a vanished device, a stall or a
        // timeout here means it left.
        trace(std::string("device reset after the leave request (") + e.what() + ")");
        return;
    }
    pending_wait_ = std::chrono::milliseconds{0};
    if (st.status != Status::OK) fail_status(st, "leave request", address);
    if (st.state == State::dfuDNLOAD_IDLE && options_.quirks.has(quirks::Quirk::LeaveAnswersDnloadIdle)) return;
    switch (st.state) {
    case State::dfuMANIFEST_SYNC:
    case State::dfuMANIFEST:
    case State::dfuMANIFEST_WAIT_RESET:
        return;
    default:
        throw Error(ErrorKind::DfuProtocol, "the device did not leave DFU mode: it reports " + state_name(st.state) +
                                                " after the leave request");
    }
}

} // namespace photon_dct::dfu
