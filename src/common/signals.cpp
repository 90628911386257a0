#include "photon_dct/signals.hpp"

#include <csignal>
#include <string>

#include "photon_dct/error.hpp"

namespace photon_dct {
namespace {

volatile std::sig_atomic_t g_stop_signal = 0;

} // namespace

void note_stop_signal(int signal) noexcept {
    if (g_stop_signal == 0) g_stop_signal = signal;
}

void stop_if_signalled(std::string_view where) {
    const int signal = g_stop_signal;
    if (signal == 0) return;
    const bool sigint = signal == SIGINT;
    throw Error(sigint ? ErrorKind::Interrupted : ErrorKind::Terminated,
                std::string(sigint ? "interrupted by SIGINT " : "terminated by SIGTERM ") + std::string(where));
}

} // namespace photon_dct
