// SIGINT and SIGTERM stop photon-dct only at safe points: the CLI's handler records the signal and
// the library checks for it between steps, never between a write and its read-back, so a USB
// request is never cut in half and a verified write is never left unreported.
#pragma once

#include <string_view>

#include "photon_dct/error.hpp"

namespace photon_dct {

// Records `signal` (SIGINT or SIGTERM); async-signal-safe, for a signal handler.
void note_stop_signal(int signal) noexcept;
// Throws Error(Interrupted for SIGINT, Terminated for SIGTERM) when a signal was recorded;
// `where` says what the step was about to do ("before writing").
void stop_if_signalled(std::string_view where);
// True for the errors stop_if_signalled throws.
inline bool is_stop(ErrorKind kind) { return kind == ErrorKind::Interrupted || kind == ErrorKind::Terminated; }

} // namespace photon_dct
