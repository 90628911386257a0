#include "photon_dct/dfu/protocol.hpp"

#include <array>

#include "photon_dct/error.hpp"

namespace photon_dct::dfu {

namespace {

constexpr std::array<std::string_view, 11> kStateNames{
    "appIDLE",        "appDETACH",        "dfuIDLE",     "dfuDNLOAD_SYNC",         "dfuDNBUSY",
    "dfuDNLOAD_IDLE", "dfuMANIFEST_SYNC", "dfuMANIFEST", "dfuMANIFEST_WAIT_RESET", "dfuUPLOAD_IDLE",
    "dfuERROR",
};

struct StatusText {
    std::string_view name;
    std::string_view description;
};

constexpr std::array<StatusText, 16> kStatusTexts{{
    {"OK", "no error"},
    {"errTARGET", "the file is not meant for this device"},
    {"errFILE", "the file is meant for this device but failed a vendor-specific check"},
    {"errWRITE", "the device could not write to memory"},
    {"errERASE", "the device could not erase memory"},
    {"errCHECK_ERASED", "the check that memory was erased failed"},
    {"errPROG", "the device could not program memory"},
    {"errVERIFY", "the programmed memory did not verify"},
    {"errADDRESS", "the address is out of range for this memory"},
    {"errNOTDONE", "the device did not expect the end of the download (or was polled too early)"},
    {"errFIRMWARE", "the device firmware is corrupt and cannot return to normal mode"},
    {"errVENDOR", "a vendor-specific error occurred"},
    {"errUSBR", "the device saw an unexpected USB reset"},
    {"errPOR", "the device saw an unexpected power-on reset"},
    {"errUNKNOWN", "the device reports an unknown error"},
    {"errSTALLEDPKT", "the device stalled an unexpected request"},
}};

} // namespace

std::string state_name(State state) {
    const auto index = static_cast<std::size_t>(state);
    if (index < kStateNames.size()) return std::string(kStateNames[index]);
    return "unknown state " + std::to_string(index);
}

std::string status_name(Status status) {
    const auto index = static_cast<std::size_t>(status);
    if (index < kStatusTexts.size()) return std::string(kStatusTexts[index].name);
    return "unknown status " + std::to_string(index);
}

std::string status_description(Status status) {
    const auto index = static_cast<std::size_t>(status);
    if (index < kStatusTexts.size()) return std::string(kStatusTexts[index].description);
    return "the device reports a status code that DFU 1.1 does not define";
}

std::string describe_status(Status status) { return status_name(status) + " (" + status_description(status) + ")"; }

std::string state_and_status(const StatusReply& reply) {
    return "[" + state_name(reply.state) + ", " + status_name(reply.status) + "]";
}

StatusReply parse_status_reply(ByteView reply) {
    if (reply.size() < 6) {
        throw Error(ErrorKind::DfuProtocol,
                    "DFU GETSTATUS reply is " + std::to_string(reply.size()) + " bytes long, expected 6");
    }
    StatusReply out;
    out.status = static_cast<Status>(reply[0]);
    out.poll_timeout_ms = static_cast<std::uint32_t>(reply[1]) | (static_cast<std::uint32_t>(reply[2]) << 8) |
                          (static_cast<std::uint32_t>(reply[3]) << 16);
    out.state = static_cast<State>(reply[4]);
    out.string_index = reply[5];
    return out;
}

} // namespace photon_dct::dfu
