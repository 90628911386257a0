// Typed errors shared by every layer. The CLI maps ErrorKind to an exit code in one place
// (src/cli/exit_codes.cpp); the library never decides how a failure is presented.
#pragma once

#include <stdexcept>
#include <string>

namespace photon_dct {

enum class ErrorKind {
    Usage,              // the command line itself is wrong (conflicting or missing options)
    InvalidInput,       // a key, host, port, backup or image the user gave us is unusable
    FileIo,             // a file could not be read, created or written
    NoDevice,           // no matching device, or the selector matched nothing
    AmbiguousDevice,    // several devices match and no selector was given
    DeviceNotInDfuMode, // the unit is attached in its normal (CDC) mode
    UnitNotBack,        // a unit did not come back (in DFU mode) after a reset, or could not be followed
    UsbAccess,          // permission denied / device busy (udev rules, another program)
    UsbIo,              // a USB transfer failed, timed out, or the device vanished
    DfuProtocol,        // the device answered with a DFU error status or an unexpected state
    VerifyMismatch,     // the read-back after a write differs from what was written
    DeviceDataInvalid,  // the DCT itself cannot be used (e.g. all zeros: unreadable)
    Refused,            // a safety rule refused the operation (foreign backup, wrong platform)
    FailedAfterWrite,   // the write succeeded and was verified, a later step (leave, output) failed
    Interrupted,        // SIGINT: stopped at a safe point (photon_dct/signals.hpp)
    Terminated,         // SIGTERM: stopped at a safe point
    Busy,               // another run holds the image's lock past the wait bound
    Internal,           // a bug or an unexpected library failure
};

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message, std::string hint = {})
        : std::runtime_error(message), kind_(kind), hint_(std::move(hint)) {}

    ErrorKind kind() const noexcept { return kind_; }
    // How to fix it, in one sentence; empty when there is nothing useful to add.
    const std::string& hint() const noexcept { return hint_; }

private:
    ErrorKind kind_;
    std::string hint_;
};

} // namespace photon_dct
