// Internal: the USB device / DfuSe state machine behind photon_emu::Emulator.
// Pure C++ (no umockdev), so it can be unit-tested directly. Thread-safe (one mutex).
#pragma once

#include "photon_emu.hpp"
#include "photon_emu_firmware.hpp"
#include "photon_dct/dfu/protocol.hpp"

#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace photon_emu::detail {

inline constexpr std::size_t kDctSize = 16384;
inline constexpr std::uint32_t kFlashBase = 0x08000000;
inline constexpr std::size_t kFlashSize = 1024 * 1024;
inline constexpr std::size_t kSerialFlashSize = 1024 * 1024;
inline constexpr std::uint32_t kDefaultPointer = 0x08020000; // APP_DEFAULT_ADD / CORE_FW_ADDRESS
inline constexpr std::size_t kTransferSize = 4096;

// DFU 1.1 states and status codes (docs/dfu-protocol.md §3.1) are the tool's own enums and name
// table (photon_dct/dfu/protocol.hpp): one list of the spec's values. The state machine that
// moves between them is the emulator's own.
using DfuState = photon_dct::dfu::State;
using DfuStatus = photon_dct::dfu::Status;
using enum photon_dct::dfu::State;
using enum photon_dct::dfu::Status;
using photon_dct::dfu::state_name;

inline constexpr std::uint8_t DFU_DETACH = 0, DFU_DNLOAD = 1, DFU_UPLOAD = 2, DFU_GETSTATUS = 3, DFU_CLRSTATUS = 4,
                              DFU_GETSTATE = 5, DFU_ABORT = 6;
inline constexpr std::uint8_t CMD_GETCOMMANDS = 0x00, CMD_SETADDRESS = 0x21, CMD_ERASE = 0x41;

struct Setup {
    std::uint8_t request_type = 0, request = 0;
    std::uint16_t value = 0, index = 0, length = 0;
};

enum class Outcome {
    Ok,         // answered; `in` holds the IN data stage
    Stall,      // EP0 stall
    Hold,       // no answer (timeout fault): the URB stays pending until discarded
    Disconnect, // device vanished before the request: the submission fails with ENODEV
};

struct Response {
    Outcome outcome = Outcome::Ok;
    std::vector<std::uint8_t> in;
    bool vanish_after = false; // answer, then vanish from the bus
    // The firmware resets into DFU mode: it leaves the bus (at once for Disconnect/vanish_after,
    // else reset_delay_ms after the answer) and enumerates again in DFU mode.
    bool enter_dfu = false;
    unsigned reset_delay_ms = 0;
    bool left_dfu = false; // DFU leave: the bootloader resets into the firmware (vanish_after too)
};

inline bool is_in(const Setup& s) { return (s.request_type & 0x80) != 0; }
std::string request_name(const Setup& s); // for the transcript

class DeviceModel {
public:
    explicit DeviceModel(DeviceConfig cfg, unsigned index);

    // One control request (setup + OUT data stage). Records it in the transcript.
    Response control(const Setup& setup, std::span<const std::uint8_t> out);
    // SET_INTERFACE issued through the usbdevfs ioctl (recorded as a standard request).
    bool set_interface(unsigned interface, unsigned alt);
    void usb_reset(); // USBDEVFS_RESET: bus reset of the DFU state (no vanish)
    void mark_gone();
    // A reset: off the bus, then back as the bootloader in DFU mode or as the firmware in normal
    // mode; unplug() takes it off the bus for good.
    void leave_bus();
    void reenumerate_in_dfu_mode();
    void reenumerate_in_normal_mode();
    void unplug();

    bool gone() const;
    std::vector<std::uint8_t> dct() const;
    std::vector<std::uint8_t> flash() const;
    std::vector<TranscriptEntry> transcript() const;
    const DeviceConfig& config() const { return cfg_; } // immutable after construction
    bool dfu_mode() const;
    std::string usb_serial() const;

    // Identity and descriptors of the current mode: change only when the unit enumerates again,
    // on umockdev's worker thread, where the usbfs glue reads them.
    const std::vector<std::uint8_t>& device_descriptor() const { return dev_desc_; }
    const std::vector<std::uint8_t>& config_descriptor() const { return cfg_desc_; }
    std::uint16_t bcd_device() const { return bcd_device_; }
    unsigned interface_count() const;
    std::vector<std::uint8_t> sysfs_descriptors() const; // device + config descriptor
    std::uint16_t product_id() const;
    std::string product_string() const;
    unsigned alt_count() const;
    std::string alt_name(unsigned alt) const;

private:
    struct Pending {
        std::uint16_t block = 0;
        std::vector<std::uint8_t> data;
        bool leave = false;
        bool error_fault = false; // Error fault: report dfuERROR on the next GETSTATUS, apply nothing
    };

    struct ServiceRequest {
        std::uint16_t id;
        unsigned checks;
    };

    Response dispatch(const Setup& s, std::span<const std::uint8_t> out, std::string& fault_fired);
    Response firmware_request(const Setup& s, std::span<const std::uint8_t> out);
    Response vendor_request(const Setup& s);
    Response enter_dfu(Outcome outcome, std::vector<std::uint8_t> in, unsigned delay_ms);
    void record_event(const char* name, std::vector<std::uint8_t> data);
    void reset_to(bool dfu_mode); // caller holds mu_
    Response standard_request(const Setup& s);
    Response dfu_request(const Setup& s, std::span<const std::uint8_t> out, const Fault* fault);
    Response get_status(const Fault* fault);
    Response upload(const Setup& s, const Fault* fault);
    Response stall_error(DfuStatus status);
    std::vector<std::uint8_t> status_reply(DfuState reported_state, std::uint32_t poll_ms) const;
    // Executes a pending DNLOAD. Returns the status (OK or an error) and the poll timeout.
    DfuStatus execute_pending(std::uint32_t& poll_ms, bool& stall);
    std::vector<std::uint8_t> read_memory(std::uint32_t addr, std::size_t len, bool& ok) const;
    std::vector<std::uint8_t> string_descriptor(unsigned index, std::uint16_t langid, bool& ok) const;
    std::vector<std::uint8_t> dfu_functional_descriptor() const;
    void build_descriptors();
    bool matches(RequestClass rc, const Setup& s, std::span<const std::uint8_t> out) const;
    void trace(const TranscriptEntry& e) const;

    DeviceConfig cfg_;
    unsigned index_;
    OsVersion os_;
    bool dfu_mode_;
    std::string usb_serial_;
    std::uint16_t bcd_device_ = 0x0250;
    std::vector<std::uint8_t> line_coding_{0x80, 0x25, 0x00, 0x00, 0x00, 0x00, 0x08}; // 9600 8N1
    std::vector<ServiceRequest> service_requests_;
    std::uint16_t next_service_id_ = 1;
    bool entering_dfu_ = false;
    mutable std::mutex mu_;
    std::vector<std::uint8_t> dct_;
    std::vector<std::uint8_t> flash_;
    std::vector<std::uint8_t> sflash_;
    DfuState state_ = dfuIDLE;
    DfuStatus status_ = OK;
    std::uint32_t pointer_ = kDefaultPointer;
    unsigned alt_ = 0;
    std::optional<Pending> pending_;
    bool gone_ = false;
    std::vector<unsigned> fault_counts_;
    std::vector<bool> fault_fired_;
    std::vector<TranscriptEntry> transcript_;
    std::vector<std::uint8_t> dev_desc_, cfg_desc_;
    bool trace_enabled_ = false;
};

} // namespace photon_emu::detail
