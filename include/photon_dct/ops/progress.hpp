// What a long step reports while it runs, for a caller that shows progress on a terminal: reading
// or writing a unit's DCT, waiting for a unit to come back in DFU mode. The library prints nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>

namespace photon_dct::ops {

enum class Step : std::uint8_t { ReadingDct, WritingDct, WaitingForDfuMode };

struct StepProgress {
    Step step = Step::ReadingDct;
    std::size_t done = 0;  // bytes; milliseconds waited
    std::size_t total = 0; // bytes; the come-back timeout in milliseconds
    bool finished = false; // the step is over, whether it succeeded or not
};

using ProgressObserver = std::function<void(const StepProgress&)>;

// One step's reports: the start when constructed, update() as it goes, finished when destroyed
// (also when the step throws), so a caller's progress line never outlives its step.
class StepReport {
public:
    StepReport(ProgressObserver observer, Step step, std::size_t total)
        : observer_(std::move(observer)), now_{step, 0, total, false} {
        if (observer_) observer_(now_);
    }
    ~StepReport() {
        now_.finished = true;
        if (observer_) observer_(now_);
    }
    StepReport(const StepReport&) = delete;
    StepReport& operator=(const StepReport&) = delete;

    void update(std::size_t done) {
        now_.done = done;
        if (observer_) observer_(now_);
    }

private:
    ProgressObserver observer_;
    StepProgress now_;
};

} // namespace photon_dct::ops
