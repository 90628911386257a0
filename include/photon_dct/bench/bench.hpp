// The bench loop (issue 10): waits for units on USB, provisions each against the profile in its own
// thread with its own USB connection (up to `parallel` at once), leaves DFU mode, and hands every
// finished Attempt to the caller one at a time. A unit finished in this run is not touched again
// until it has left the bus (unplugged) and come back. Prints nothing.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string_view>

#include "photon_dct/bench/attempt.hpp"
#include "photon_dct/dfu/session.hpp"
#include "photon_dct/ops/enter_dfu.hpp"

namespace photon_dct::bench {

struct BenchOptions {
    unsigned parallel = 8;                              // units provisioned at once
    std::optional<unsigned> count;                      // stop after this many units
    std::optional<std::chrono::milliseconds> idle_exit; // stop after this long with no unit in flight or new
    // The longest between two listings of the bus: a unit plugged in (a hotplug event, where libusb
    // has them) or a unit finished ends the wait sooner.
    std::chrono::milliseconds poll{200};
    dfu::SessionOptions session;
    // A unit in normal mode is put into DFU mode with these (progress goes through `progress`);
    // with enabled false it is only noted, once, with the buttons to press.
    ops::EnterDfuOptions enter_dfu;
    // Called for each finished unit, never twice at once (the caller prints one whole line).
    std::function<void(const Attempt&)> on_unit;
    // Diagnostics ("waiting for units", "unit in normal mode ..."), never twice at once.
    std::function<void(std::string_view)> progress;
    // Set from a signal handler: no new unit is started; units in flight finish.
    const std::atomic<bool>* stop = nullptr;
};

struct BenchSummary {
    unsigned passed = 0; // written
    unsigned same = 0;   // already conformed
    unsigned failed = 0;
    double seconds = 0;
    double units_per_minute = 0;
    bool interrupted = false; // stopped by `stop`
    unsigned total() const { return passed + same + failed; }
};

// Opens its own libusb context; returns when `count` units finished, after `idle_exit` without a
// unit, or once `stop` is set and every unit in flight has finished (never abandoning a write).
BenchSummary run_bench(const Station& station, const BenchOptions& options);

} // namespace photon_dct::bench
