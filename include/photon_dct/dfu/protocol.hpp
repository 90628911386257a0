// DFU 1.1 / DfuSe protocol vocabulary: requests, device states, status codes and the GETSTATUS
// reply. States and statuses are always presented in words (state_name / status_name /
// status_description), never as bare numbers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "photon_dct/bytes.hpp"

namespace photon_dct::dfu {

// bRequest values of the DFU class requests (DFU 1.1 table 3.2).
enum class Request : std::uint8_t {
    Detach = 0,
    Dnload = 1,
    Upload = 2,
    GetStatus = 3,
    ClrStatus = 4,
    GetState = 5,
    Abort = 6,
};

inline constexpr std::uint8_t kRequestTypeClassOut = 0x21; // class, interface, host-to-device
inline constexpr std::uint8_t kRequestTypeClassIn = 0xA1;  // class, interface, device-to-host

// DfuSe special commands, sent as DNLOAD block 0.
inline constexpr std::uint8_t kDfuseSetAddress = 0x21;
inline constexpr std::uint8_t kDfuseErase = 0x41;
inline constexpr std::uint16_t kDfuseFirstDataBlock = 2;
inline constexpr std::uint16_t kDfuseVersion = 0x011A; // bcdDFUVersion of DfuSe devices

enum class State : std::uint8_t {
    appIDLE = 0,
    appDETACH = 1,
    dfuIDLE = 2,
    dfuDNLOAD_SYNC = 3,
    dfuDNBUSY = 4,
    dfuDNLOAD_IDLE = 5,
    dfuMANIFEST_SYNC = 6,
    dfuMANIFEST = 7,
    dfuMANIFEST_WAIT_RESET = 8,
    dfuUPLOAD_IDLE = 9,
    dfuERROR = 10,
};

enum class Status : std::uint8_t {
    OK = 0,
    errTARGET = 1,
    errFILE = 2,
    errWRITE = 3,
    errERASE = 4,
    errCHECK_ERASED = 5,
    errPROG = 6,
    errVERIFY = 7,
    errADDRESS = 8,
    errNOTDONE = 9,
    errFIRMWARE = 10,
    errVENDOR = 11,
    errUSBR = 12,
    errPOR = 13,
    errUNKNOWN = 14,
    errSTALLEDPKT = 15,
};

// "dfuIDLE", …; values outside the table give "unknown state 42".
std::string state_name(State state);
// "errWRITE", …; values outside the table give "unknown status 42".
std::string status_name(Status status);
// A human sentence for the status: "the device could not write to memory".
std::string status_description(Status status);
// "errWRITE (the device could not write to memory)".
std::string describe_status(Status status);

// The 6-byte GETSTATUS reply.
struct StatusReply {
    Status status{Status::OK};
    std::uint32_t poll_timeout_ms{0}; // bwPollTimeout, 24 bits
    State state{State::dfuIDLE};
    std::uint8_t string_index{0}; // iString
};

// Decodes a GETSTATUS reply; throws Error(DfuProtocol) when it is shorter than 6 bytes.
StatusReply parse_status_reply(ByteView reply);

// The state and status of a reply in words, the way fwupd's dfu plugin appends them to an error
// after a stall: "[dfuERROR, errWRITE]".
std::string state_and_status(const StatusReply& reply);

} // namespace photon_dct::dfu
