// Putting a unit that runs its firmware into DFU mode and following it across the reset
// (docs/enter-dfu.md §2-§4). The requests themselves are photon_dct::enter's table.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "photon_dct/enter/requests.hpp"
#include "photon_dct/error.hpp"
#include "photon_dct/ops/progress.hpp"
#include "photon_dct/usb/usb.hpp"

namespace photon_dct::ops {

struct EnterDfuOptions {
    bool enabled = true; // false (--no-enter-dfu): a unit in normal mode is refused, not switched
    // How long the unit may take to enumerate in DFU mode after the request (--dfu-timeout).
    std::chrono::milliseconds come_back_timeout{std::chrono::seconds(10)};
    std::chrono::milliseconds poll_interval{100}; // between two enumerations while waiting
    enter::EntryOptions requests;
    std::function<void(std::string_view)> progress; // "putting Photon … into DFU mode"
    ProgressObserver observer;                      // the wait for the unit to come back, as it goes
};

// One unit's switch from normal mode to DFU mode, for the report (--json "mode_changes").
struct ModeChange {
    usb::UsbDevice unit;                  // the unit as it was found in normal mode
    std::optional<std::string> device_os; // what it reported (SYSTEM_VERSION), if it did
    std::vector<enter::Attempt> attempts;
    std::string followed_by; // "device ID" or "port path"
    std::string serial_after;
    std::string port_path_after;
    double seconds = 0; // from the first request until the unit was back in DFU mode
};

// The unit `before` became in DFU mode among `devices`, or nullopt while it is not there. Followed
// by its device ID; by its port path when the bootloader reports no ID (00000000010C) or the
// firmware reported none. Never by bus address; never a unit with another device ID.
// Error(AmbiguousDevice) when several units claim the identity.
std::optional<usb::UsbDevice> find_in_dfu_mode(const std::vector<usb::UsbDevice>& devices, const usb::UsbDevice& before,
                                               std::string& followed_by);

// Sends the entry requests to `unit` (in normal mode) and waits until it is back in DFU mode.
// Error(DeviceNotInDfuMode) naming every request tried when the unit refused them all;
// Error(UnitNotBack) when it did not enumerate in DFU mode within the timeout.
usb::UsbDevice enter_dfu_mode(usb::UsbContext& context, const usb::UsbDevice& unit, const EnterDfuOptions& options,
                              ModeChange& change);

// What `photon-dct dfu` did to one selected unit.
struct DfuModeOutcome {
    usb::UsbDevice unit;              // as it is now: in DFU mode, unless `error`
    std::optional<ModeChange> change; // set when the unit was switched
    std::optional<Error> error;       // why it is not in DFU mode
};

// Puts every unit of `units` that runs its firmware into DFU mode, all at once (a switch is mostly
// waiting for the unit to reset and enumerate again, about 0.8 s), and returns one outcome per
// unit, in the order given; a unit already in DFU mode is left as it is. options.progress is called
// from one thread at a time; options.observer only when a single unit is switched (the progress line
// follows one unit). Errors of a unit are in its outcome; a signal is acted on once all are done.
std::vector<DfuModeOutcome> enter_dfu_mode_all(usb::UsbContext& context,
                                               const std::vector<const usb::UsbDevice*>& units,
                                               const EnterDfuOptions& options);

} // namespace photon_dct::ops
