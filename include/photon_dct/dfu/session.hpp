// A DfuSe session on one DFU interface: alt selection by memory name, upload, download and leave,
// the way dfu-util 0.11 talks to a Particle Photon/P1/Electron bootloader — except that it never
// sends an erase command (the Photon's DCT needs none). The DFU 1.1 state machine (requests,
// GETSTATUS polling, recovery) is src/dfu/session.cpp; the DfuSe memory operations src/dfu/dfuse.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "photon_dct/bytes.hpp"
#include "photon_dct/dfu/descriptor.hpp"
#include "photon_dct/dfu/memory_layout.hpp"
#include "photon_dct/dfu/protocol.hpp"
#include "photon_dct/dfu/transport.hpp"
#include "photon_dct/error.hpp"
#include "photon_dct/quirks/quirks.hpp"

namespace photon_dct::dfu {

struct SessionOptions {
    // Timeout of every single control transfer.
    std::chrono::milliseconds timeout{5000};
    // Waits bwPollTimeout between a GETSTATUS and the next request. Default:
    // std::this_thread::sleep_for; tests inject a fake.
    std::function<void(std::chrono::milliseconds)> sleep;
    // Optional request log, one line per control transfer ("GETSTATUS -> OK dfuIDLE poll=0ms").
    std::function<void(std::string_view)> trace;
    // Bound of every GETSTATUS poll loop (dfu-util gives up after 100): "device stuck" after that.
    unsigned max_polls{100};
    // A single bwPollTimeout wait is clamped to this (bwPollTimeout is 24 bits: up to 4.6 hours).
    std::chrono::milliseconds max_poll_wait{10000};
    // The unit's platform (quirks::kPhoton, ...; 0 unknown), for the DFU-mode button advice, and
    // its quirks (the leave answer) from the quirk table.
    std::uint8_t platform_id{0};
    quirks::QuirkSet quirks;
};

// Called after each block of an upload or download with the bytes done so far and the total, for a
// caller that shows progress (the session prints nothing).
using TransferProgress = std::function<void(std::size_t done, std::size_t total)>;
// Hears the bytes an upload read before its last request (the ABORT back to dfuIDLE) goes out.
using UploadRead = std::function<void(const Bytes& read)>;

struct TransferCounters {
    unsigned control_transfers{0}; // every control transfer attempted
    unsigned data_downloads{0};    // DNLOAD wValue >= 2 carrying data
    unsigned uploads{0};           // UPLOAD requests (wValue >= 2)
    unsigned set_address_commands{0};
    unsigned erase_commands{0}; // always 0: this session never erases
    unsigned status_polls{0};   // GETSTATUS requests

    bool operator==(const TransferCounters&) const = default;
};

class DfuseSession {
public:
    // Reads the configuration descriptor and claims the DFU interface; alt names (string
    // descriptors) are read when select_alt or alt_names needs them. Throws
    // Error(DeviceNotInDfuMode) for a device without a DFU-mode interface and Error(DfuProtocol)
    // for a DFU device that is not DfuSe (bcdDFUVersion != 0x011A).
    explicit DfuseSession(ControlTransport& transport, SessionOptions options = {});

    DfuseSession(const DfuseSession&) = delete;
    DfuseSession& operator=(const DfuseSession&) = delete;

    const DfuInterface& dfu_interface() const { return interface_; }
    // The iInterface strings of the alt settings in descriptor order, exactly as read
    // ("@DCT Flash   /0x00000000/01*016Kg"); reads those not read yet ("" for one that stalls).
    std::vector<std::string> alt_names();

    // Selects the alt whose memory-layout name (trailing spaces trimmed) equals `name`, e.g.
    // "DCT Flash". The alt setting `likely` (where the bootloader keeps that memory) is named
    // first, so that the other alts' names need not be read; the others follow in descriptor
    // order. Throws Error(DfuProtocol) listing the names found when none matches.
    void select_alt(std::string_view name, std::optional<std::uint8_t> likely = std::nullopt);
    // The selected alt setting number and its layout; nullopt/throws before select_alt.
    std::optional<std::uint8_t> selected_alt() const { return selected_alt_; }
    const MemoryLayout& layout() const;

    // wTransferSize, capped at 4096 (the Linux/libusb limit for a control transfer).
    std::uint16_t transfer_size() const { return transfer_size_; }

    // Reads `length` bytes at `address` of the selected alt: SET_ADDRESS, ABORT, UPLOAD blocks,
    // ABORT (dfuIDLE). Stops early (returning fewer bytes) if the device answers a short block.
    // The range must be readable in the layout. Every operation starts with GETSTATUS (bringing
    // the unit to dfuIDLE) unless this session's previous operation left it ready. `read`, when
    // given, hears the bytes before that last ABORT, so that host work on them overlaps its round
    // trip (it may hear them again if a recovered stall makes the upload start over).
    Bytes upload(std::uint32_t address, std::size_t length, const TransferProgress& progress = {},
                 const UploadRead& read = {});
    // Writes `data` at `address` in chunks of at most transfer_size(): SET_ADDRESS per chunk (the
    // first one skipped when prepare_download just sent it), DNLOAD block 2, poll until
    // dfuDNLOAD_IDLE, where it leaves the unit (ready for the read-back or the leave request).
    // Never erases. The range must be writable.
    void download(std::uint32_t address, ByteView data, const TransferProgress& progress = {});
    // Sends the SET_ADDRESS of a download at `address` ahead of it: a download() at that address
    // that comes next, with no other request in between, starts with its data. The caller can do
    // host work while the unit takes the command (ops writes the backup then).
    void prepare_download(std::uint32_t address);
    // SET_ADDRESS(address), zero-length DNLOAD (the DfuSe leave request), one GETSTATUS. The
    // device resets afterwards, so a vanished device, stall or timeout after the leave request is
    // success. The session is unusable afterwards.
    void leave(std::uint32_t address);

    const TransferCounters& counters() const { return counters_; }

private:
    struct AltInfo {
        std::uint8_t alternate_setting;
        std::uint8_t string_index;
        bool named; // raw_name and layout are read (a stalled read leaves raw_name empty)
        std::string raw_name;
        std::optional<MemoryLayout> layout;
    };

    // Reads alts_[i]'s name and layout once.
    const AltInfo& named_alt(std::size_t i);

    // The DFU 1.1 state machine (src/dfu/session.cpp).
    void require_usable(const char* what) const;
    std::size_t control(std::uint8_t request_type, Request request, std::uint16_t value, std::span<std::uint8_t> data,
                        const std::string& what);
    StatusReply get_status(const std::string& what);
    void clear_status(const std::string& what);
    void abort(const std::string& what);
    // GETSTATUS until dfuIDLE with status OK (CLRSTATUS, ABORT as the state asks); the first reply
    // goes to `first` when given.
    void bring_to_idle(const std::string& what, std::optional<StatusReply>* first = nullptr);
    // Skips bring_to_idle when this session's own last operation left the unit in a state a
    // DfuSe command is allowed in (dfuIDLE, dfuDNLOAD_IDLE); forgets that state until the
    // operation that calls it ends well.
    void ready_for_command(const std::string& what);
    void poll_until_idle_after_download(const std::string& what, std::uint32_t address, bool first_must_be_busy);
    // Brings the device back to dfuIDLE after `failure`; returns the error to throw (after a
    // stall, with the device's state and status in words).
    Error recover_after_error(const Error& failure);
    void trace(const std::string& line) const;
    [[noreturn]] void fail_status(const StatusReply& st, const std::string& what, std::uint32_t address) const;
    // DfuSe (src/dfu/dfuse.cpp): SET_ADDRESS, then poll until dfuDNLOAD_IDLE.
    void set_address(std::uint32_t address, const std::string& what);

    ControlTransport& transport_;
    SessionOptions options_;
    DfuInterface interface_;
    std::vector<AltInfo> alts_;
    std::optional<std::uint8_t> selected_alt_;
    std::size_t selected_index_{0};
    std::uint16_t transfer_size_{0};
    std::chrono::milliseconds pending_wait_{0};
    // The state this session's last operation left the unit in, when it needs no GETSTATUS to
    // know it; nullopt at the start, after any failure and after leave.
    std::optional<State> known_state_;
    bool left_{false};
    bool request_failed_{false}; // the device stalled a request since the last recovery
    // The address prepare_download set; cleared by any request but GETSTATUS.
    std::optional<std::uint32_t> prepared_address_;
    TransferCounters counters_;
};

} // namespace photon_dct::dfu
