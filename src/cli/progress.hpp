// The progress line on a terminal: one line on stderr, rewritten in place while a unit's DCT is
// read or written ("do not unplug") or a unit is awaited in DFU mode, and cleared when the step
// ends. The library reports steps (ops/progress.hpp); this is the only code that draws them.
#pragma once

#include <cstddef>
#include <string>

#include "photon_dct/ops/progress.hpp"

namespace photon_dct::cli {

// "writing DCT 512/512 bytes - do not unplug", "reading DCT 4096/16384 bytes",
// "waiting for the unit in DFU mode 1.2/10 s".
std::string progress_line(const ops::StepProgress& progress);

class TerminalProgress {
public:
    // Draws `progress` when `enabled` (stderr is a terminal and the run is not quiet, JSON or
    // tracing); a finished step clears its line.
    void show(const ops::StepProgress& progress, bool enabled);
    // Clears the line on screen, if any, so another line on stderr starts at column 0.
    void clear();

private:
    std::size_t width_ = 0; // characters of the line on screen; 0 when there is none
};

// True when stderr is a terminal (checked once).
bool stderr_is_terminal();

} // namespace photon_dct::cli
