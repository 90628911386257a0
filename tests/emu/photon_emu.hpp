// photon_emu: an emulated Particle Photon / P1 / Electron DfuSe bootloader for tests.
//
// The emulator sits behind umockdev's usbdevfs ioctl layer, so the real libusb (in this
// process when the test links `photon_emu_preload`, or in child processes started with
// LD_PRELOAD=libumockdev-preload.so.0 and UMOCKDEV_DIR) and the real dfu-util talk to it.
// Test support only: never link this into the product. Linking the CMake target photon_emu
// also links umockdev's preload library into the binary (target photon_emu_preload): the
// process that creates an Emulator must run with the preload, and in-process libusb then sees
// the testbed. Only one Emulator should exist per process at a time (one UMOCKDEV_DIR).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace photon_emu {

enum class Platform { Photon, P1, Electron };

// Fault kinds (each fault fires once, on the nth request matching `on`):
//  Stall           EP0 stall (the host sees -EPIPE); nothing applied; state dfuERROR/errSTALLEDPKT.
//  Error           request answered but not applied; the following GETSTATUS reports
//                  dfuERROR with errWRITE (data writes) or errTARGET (everything else).
//  Timeout         no answer: the URB is held until the host discards it (libusb timeout);
//                  nothing applied.
//  ShortRead       an UPLOAD returns half of the requested bytes (Upload/Any only).
//  Disconnect      the device vanishes before applying the request (submit fails, ENODEV).
//  DisconnectAfter the request is applied and answered, then the device vanishes.
//  Reset           device state back to dfuIDLE / pointer 0x08020000 / alt 0, then the request
//                  stalls (state stays dfuIDLE).
enum class FaultKind { Stall, Error, Timeout, ShortRead, Disconnect, DisconnectAfter, Reset };

// Request classes a fault can be bound to. A request may match several classes
// (DNLOAD block 0 "21 ..." is DnloadCommand and SetAddress). Any = any DFU class request.
enum class RequestClass {
    DnloadData,
    DnloadCommand,
    SetAddress,
    Erase,
    Upload,
    GetStatus,
    ClrStatus,
    Abort,
    Leave,
    Any
};

struct Fault {
    FaultKind kind;
    RequestClass on;
    unsigned nth = 1; // fires once, on the nth matching request (1-based)
};

// Grammar: SPEC := ITEM (',' ITEM)* ; ITEM := KIND ':' REQUEST [':' N]
// KIND and REQUEST are the enumerator names above, case-insensitive, '-' and '_' ignored
// (e.g. "stall:dnload-data:2", "DisconnectAfter:Leave", "timeout:getstatus").
// N is a positive decimal integer (default 1). Throws std::invalid_argument on errors.
std::vector<Fault> parse_faults(std::string_view spec);

std::string_view to_string(FaultKind);
std::string_view to_string(RequestClass);
std::string_view to_string(Platform);
// "X.Y.Z" or "X.Y.Z-rc.N", what DeviceConfig::device_os accepts.
bool valid_device_os(std::string_view);

struct DeviceConfig {
    Platform platform = Platform::Photon;
    std::string serial =
        "3a0036000247363333343435"; // also "3B0021001747353236343033" (0.6.x) or "00000000010C" (pre-0.6.0)
    bool dfu_mode = true;          // false: running firmware, PID 2b04:c006/c008/c00a, CDC interfaces, no DFU interface
    bool gen3_dct_string = false;  // alt 1 named "@DCT Flash   /0x00000000/1*016Ke" instead of ".../01*016Kg"
    bool unreadable_dct = false;   // 0.7.0+ bootloader without usable system firmware: alt 1 reads zeros, writes stall
    std::vector<std::uint8_t> dct; // the 16384-byte DFU window of alt 1; empty => all 0xFF; shorter => padded with 0xFF
    // A hostile or broken device (issue 8): any bytes as the USB serial (above), product string and
    // alt-setting names. A string descriptor carries each byte as one UTF-16 code unit.
    std::optional<std::string> product;        // instead of "Photon DFU Mode", "P1", ...
    std::map<unsigned, std::string> alt_names; // alt number -> name, instead of the bootloader's
    // A device whose strings are in this language only: string descriptor 0 lists it, and a string
    // asked for in any other language stalls (allowed by USB 2.0 9.6.7). The bootloader's is
    // 0x0409, and its ST USB library answers a string in whatever language is asked (nullopt).
    std::optional<std::uint16_t> only_language;
    std::vector<Fault> faults;
    unsigned poll_timeout_ms = 500;       // bwPollTimeout reported while a data write is busy
    unsigned command_poll_timeout_ms = 1; // bwPollTimeout reported for DfuSe commands / erase
    // A unit in normal mode (dfu_mode false) runs this Device OS; `serial` is then its device ID
    // (docs/enter-dfu.md §1-§4). Entering DFU mode makes it leave the bus and enumerate again in
    // DFU mode `reenumerate_ms` later (never, with never_reenumerate).
    std::string device_os = "0.6.3";
    unsigned reenumerate_ms = 700;
    bool old_bootloader = false;    // the DFU-mode unit reports 00000000010C, bcdDevice 0x0200
    bool never_reenumerate = false; // the unit leaves the bus and does not come back
    bool usb_serial = true;         // false: the application called Serial.end(): no CDC interfaces
    // A bench (issue 10): the unit is plugged in this long after the Emulator starts, and is
    // unplugged this long after it left DFU mode (meanwhile it runs its firmware, in normal mode).
    unsigned arrive_after_ms = 0;
    std::optional<unsigned> unplug_after_leave_ms;
};

struct TranscriptEntry {
    unsigned seq; // 1-based, per device
    std::uint8_t request_type, request;
    std::uint16_t value, index, length;
    std::string state_before, state_after; // DFU state names ("dfuIDLE", ...)
    std::string result;                    // "ok", "stall", "timeout", "disconnected"
    std::vector<std::uint8_t> data;        // OUT payload or IN reply
    std::string fault;                     // injected fault that fired on this request ("" if none)
    std::string name; // request name ("DNLOAD", "GETSTATUS", "GET_DESCRIPTOR", ...), or a bus event:
                      // "BUS_LEAVE" (reset into DFU mode), "BUS_ENUMERATE" (on the bus again, data = serial),
                      // "BUS_UNPLUG" (removed for good)
};

class Emulator {
public:
    // Creates the testbed (sets UMOCKDEV_DIR in this process) and the devices on bus 1:
    // root hub usb1, devices at 1-1, 1-2, ... (devnum 2, 3, ...). Throws std::runtime_error.
    explicit Emulator(std::vector<DeviceConfig> devices);
    ~Emulator(); // removes the testbed dir
    Emulator(const Emulator&) = delete;
    Emulator& operator=(const Emulator&) = delete;

    std::size_t device_count() const;
    std::vector<std::uint8_t> dct(std::size_t device) const;   // thread-safe snapshot (16384 bytes)
    std::vector<std::uint8_t> flash(std::size_t device) const; // alt 0 internal flash snapshot (1 MiB at 0x08000000)
    std::vector<TranscriptEntry> transcript(std::size_t device) const;
    bool disconnected(std::size_t device) const;                     // vanished after leave or a disconnect fault
    bool dfu_mode(std::size_t device) const;                         // false while it runs its firmware
    bool attached(std::size_t device) const;                         // on the bus now (arrived, not gone)
    void write_transcript_jsonl(const std::filesystem::path&) const; // one JSON object per line, all devices
    std::string umockdev_dir() const;
    std::string devnode(std::size_t device) const; // "/dev/bus/usb/001/002", ...
    std::string serial(std::size_t device) const;  // the USB serial it reports now

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Helpers shared by the runner and the tests.
std::string to_hex(const std::vector<std::uint8_t>&);
// JSON line of one entry (fields: device, seq, name, request_type, request, value, index,
// length, state_before, state_after, result, fault, data (lower-case hex)).
std::string transcript_entry_json(std::size_t device, const TranscriptEntry&);

} // namespace photon_emu
