// The requests that switch a Photon, P1 or Electron running its firmware ("normal mode") into DFU
// mode, chosen from the Device OS version the unit reports, as data (docs/enter-dfu.md §2-§3).
// Runs on the abstract dfu::ControlTransport: nothing here knows libusb or follows the unit
// across its reset (that is ops::enter_dfu_mode).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "photon_dct/dfu/transport.hpp"

namespace photon_dct::enter {

// "0.6.3", "0.8.0-rc.27": what SYSTEM_VERSION answers. A release sorts after its release candidates.
struct FirmwareVersion {
    unsigned major = 0, minor = 0, patch = 0;
    unsigned release_candidate = 0; // 0 for a release
    static std::optional<FirmwareVersion> parse(std::string_view text);
    bool operator<(const FirmwareVersion& other) const { return order() < other.order(); }

private:
    std::tuple<unsigned, unsigned, unsigned, unsigned> order() const {
        return {major, minor, patch, release_candidate == 0 ? ~0u : release_candidate};
    }
};

enum class Method {
    VendorRequest,   // 0x40/0x50 with a wIndex, no data (0.6.0 - 0.7.x)
    ControlProtocol, // INIT/CHECK service requests for DFU_MODE (0.8.0-rc.2 and later)
    LineCoding,      // SET_LINE_CODING 14400 on IF0 after detaching cdc_acm (every version with USB serial)
};

struct EntryRequest {
    Method method;
    std::uint16_t index;     // wIndex of a VendorRequest
    std::string_view name;   // for messages and --json: "vendor request 0x50 wIndex 50"
    std::string_view source; // the fact it relies on
};

// The requests to try, in order, for a unit that answered SYSTEM_VERSION with `version`
// (nullopt: the request was stalled, so the firmware is older than 0.6.1; `unreadable`: it
// answered something else or failed, so every form is tried). The 14400 line coding comes last.
std::vector<EntryRequest> entry_plan(const std::optional<FirmwareVersion>& version, bool unreadable = false);

struct Attempt {
    std::string request; // EntryRequest::name
    std::string outcome; // "stalled", "acknowledged", "the unit reset during the request (...)", ...
    bool entered = false;
};

struct EntryOptions {
    // One control transfer. 0.6.x firmware resets inside the request, so the host may wait this
    // long for nothing.
    std::chrono::milliseconds transfer_timeout{1000};
    // CHECK is repeated while the firmware answers PENDING, this often at most, this far apart.
    unsigned max_checks = 20;
    std::chrono::milliseconds check_interval{50};
    std::function<void(std::chrono::milliseconds)> sleep; // default: std::this_thread::sleep_for
};

struct EntryResult {
    std::optional<std::string> device_os; // as the unit reported it (sanitised); nullopt if it did not
    std::vector<Attempt> attempts;
    bool entered = false; // one request was accepted or reset the unit
};

// Reads SYSTEM_VERSION, then sends the requests of entry_plan in order until one is accepted or
// makes the unit reset. Never throws for a refused request; the attempts say what happened.
EntryResult send_entry_requests(dfu::ControlTransport& transport, const EntryOptions& options = {});

// Control-request protocol and vendor request codes (docs/enter-dfu.md §2; particle-usb
// src/usb-protocol.js for the field flags and status codes).
inline constexpr std::uint8_t kParticleRequest = 0x50, kServiceInit = 1, kServiceCheck = 2;
inline constexpr std::uint16_t kIndexSystemVersion = 30, kIndexDfuMode = 50;

} // namespace photon_dct::enter
