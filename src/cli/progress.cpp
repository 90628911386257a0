#include "progress.hpp"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace photon_dct::cli {

std::string progress_line(const ops::StepProgress& p) {
    switch (p.step) {
    case ops::Step::ReadingDct:
        return fmt::format("reading DCT {}/{} bytes", p.done, p.total);
    case ops::Step::WritingDct:
        return fmt::format("writing DCT {}/{} bytes - do not unplug", p.done, p.total);
    case ops::Step::WaitingForDfuMode:
        break;
    }
    return fmt::format("waiting for the unit in DFU mode {:.1f}/{:.0f} s", static_cast<double>(p.done) / 1000.0,
                       static_cast<double>(p.total) / 1000.0);
}

// Plain text, no colour and no escape sequence: a carriage return, the line, spaces over what is
// left of a longer previous line.
void TerminalProgress::show(const ops::StepProgress& p, bool enabled) {
    if (!enabled) return;
    if (p.finished) {
        clear();
        return;
    }
    const std::string line = progress_line(p);
    fmt::print(stderr, "\r{}{}", line, std::string(width_ > line.size() ? width_ - line.size() : 0, ' '));
    std::fflush(stderr);
    width_ = line.size();
}

void TerminalProgress::clear() {
    if (width_ == 0) return;
    fmt::print(stderr, "\r{}\r", std::string(width_, ' '));
    std::fflush(stderr);
    width_ = 0;
}

bool stderr_is_terminal() {
    static const bool terminal = ::isatty(STDERR_FILENO) == 1;
    return terminal;
}

} // namespace photon_dct::cli
