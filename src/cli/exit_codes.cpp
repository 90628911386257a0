#include "exit_codes.hpp"

namespace photon_dct::cli {

int exit_code(ErrorKind kind) {
    switch (kind) {
    case ErrorKind::Internal:
        return 1;
    case ErrorKind::Usage:
        return 2;
    case ErrorKind::NoDevice:
    case ErrorKind::AmbiguousDevice:
    case ErrorKind::DeviceNotInDfuMode:
        return 3;
    case ErrorKind::UsbAccess:
        return 4;
    case ErrorKind::UsbIo:
    case ErrorKind::DfuProtocol:
        return 5;
    case ErrorKind::VerifyMismatch:
        return 6;
    case ErrorKind::InvalidInput:
        return 7;
    case ErrorKind::FileIo:
        return 8;
    case ErrorKind::DeviceDataInvalid:
        return 9;
    case ErrorKind::Refused:
        return 10;
    case ErrorKind::Busy:
        return 12;
    case ErrorKind::UnitNotBack:
        return 14;
    case ErrorKind::FailedAfterWrite:
        return 13;
    case ErrorKind::Interrupted:
        return 130; // 128 + SIGINT, as a shell reports a process killed by it
    case ErrorKind::Terminated:
        return 143; // 128 + SIGTERM
    }
    return 1;
}

std::string_view error_kind_name(ErrorKind kind) {
    switch (kind) {
    case ErrorKind::Usage:
        return "usage";
    case ErrorKind::InvalidInput:
        return "invalid-input";
    case ErrorKind::FileIo:
        return "file-io";
    case ErrorKind::NoDevice:
        return "no-device";
    case ErrorKind::AmbiguousDevice:
        return "ambiguous-device";
    case ErrorKind::DeviceNotInDfuMode:
        return "not-in-dfu-mode";
    case ErrorKind::UsbAccess:
        return "usb-access";
    case ErrorKind::UsbIo:
        return "usb-io";
    case ErrorKind::DfuProtocol:
        return "dfu-protocol";
    case ErrorKind::VerifyMismatch:
        return "verify-mismatch";
    case ErrorKind::DeviceDataInvalid:
        return "device-data-invalid";
    case ErrorKind::Refused:
        return "refused";
    case ErrorKind::Busy:
        return "busy";
    case ErrorKind::UnitNotBack:
        return "unit-not-back";
    case ErrorKind::FailedAfterWrite:
        return "failed-after-write";
    case ErrorKind::Interrupted:
        return "interrupted";
    case ErrorKind::Terminated:
        return "terminated";
    case ErrorKind::Internal:
        return "internal";
    }
    return "internal";
}

} // namespace photon_dct::cli
