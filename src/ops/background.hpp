// Host work done while a unit is busy: most of a command's time is spent waiting for USB round
// trips, so CPU work that does not depend on the unit's answer runs on a second thread meanwhile
// (issue 9: host time; docs/architecture.md, "Threads").
#pragma once

#include <future>
#include <system_error>
#include <utility>

namespace photon_dct::ops {

// Starts `work` on its own thread. If no thread can be created, `work` runs when the result is
// asked for instead, so callers never depend on the thread. The future's destructor waits.
template <typename Work>
auto in_background(Work work) {
    try {
        return std::async(std::launch::async, work);
    } catch (const std::system_error&) {
        return std::async(std::launch::deferred, std::move(work));
    }
}

} // namespace photon_dct::ops
