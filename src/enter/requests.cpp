// Sending the DFU-mode entry requests to a unit in normal mode (docs/enter-dfu.md §2-§3).
#include "photon_dct/enter/requests.hpp"

#include <charconv>
#include <thread>

#include <fmt/format.h>

#include "photon_dct/error.hpp"

namespace photon_dct::enter {
namespace {

constexpr std::uint8_t kVendorOut = 0x40, kVendorIn = 0xC0, kClassOutToInterface = 0x21, kSetLineCoding = 0x20;
constexpr std::uint32_t kFieldStatus = 0x01, kFieldId = 0x02, kFieldSize = 0x04, kFieldResult = 0x08;
constexpr std::uint16_t kStatusOk = 0, kStatusPending = 2;
constexpr std::size_t kReplyLength = 64; // the protocol's minimum wLength

// The requests, each with the fact it relies on.
constexpr EntryRequest kVendorIndex3{Method::VendorRequest, 3, "vendor request 0x50 wIndex 3",
                                     "docs/enter-dfu.md §2: Device OS 0.6.0"};
constexpr EntryRequest kVendorIndex50{Method::VendorRequest, kIndexDfuMode, "vendor request 0x50 wIndex 50",
                                      "docs/enter-dfu.md §2: Device OS 0.6.1 to 0.7.x"};
constexpr EntryRequest kDfuModeRequest{Method::ControlProtocol, kIndexDfuMode, "control request DFU_MODE (INIT/CHECK)",
                                       "docs/enter-dfu.md §2: Device OS 0.8.0-rc.2 and later"};
constexpr EntryRequest kLineCoding14400{Method::LineCoding, 0, "SET_LINE_CODING 14400 on IF0",
                                        "docs/enter-dfu.md §3: every Device OS with USB serial"};

// Which vendor request a reported version answers: the last row whose first version is not after it.
struct VendorRow {
    std::string_view first_version;
    EntryRequest request;
};
constexpr VendorRow kVendorRows[] = {
    {"0.6.0", kVendorIndex3},
    {"0.6.1", kVendorIndex50},
    {"0.8.0-rc.2", kDfuModeRequest},
};

// 14400 baud, 1 stop bit, no parity, 8 data bits (docs/enter-dfu.md §3).
constexpr std::uint8_t kLineCoding[7] = {0x40, 0x38, 0x00, 0x00, 0x00, 0x00, 0x08};

std::uint32_t le(const std::uint8_t* p, std::size_t n) {
    std::uint32_t v = 0;
    for (std::size_t i = n; i-- > 0;) v = (v << 8) | p[i];
    return v;
}

// The version text as a terminal may show it: printable ASCII only, at most 32 characters.
std::string printable(std::span<const std::uint8_t> bytes) {
    std::string out;
    for (std::uint8_t b : bytes) {
        if (b == 0) break;
        out.push_back(b >= 0x20 && b < 0x7f ? static_cast<char>(b) : '?');
        if (out.size() == 32) break;
    }
    return out;
}

// Does the configuration have a CDC communication interface 0 (USB serial)?
bool has_serial_interface(const Bytes& config) {
    for (std::size_t i = 0; i + 8 < config.size() && config[i] >= 2; i += config[i])
        if (config[i + 1] == 0x04 && config[i + 2] == 0 && config[i + 5] == 0x02 && config[i + 6] == 0x02) return true;
    return false;
}

// After a stall: the unit answering a standard GET_STATUS means it refused the request; no answer
// means it reset while the host was waiting (0.6.x resets inside the request).
bool still_attached(dfu::ControlTransport& t, const EntryOptions& o) {
    std::uint8_t status[2] = {};
    try {
        t.control({0x80, 0x00, 0, 0}, status, o.transfer_timeout);
        return true;
    } catch (const Error&) {
        return false;
    }
}

struct ServiceReply {
    bool valid = false;
    std::uint16_t status = 0;
    std::optional<std::uint16_t> id;
    std::optional<std::int32_t> result;
};

// u32 field flags, u16 status, then u16 id, u32 size, i32 result as flagged.
ServiceReply parse_reply(std::span<const std::uint8_t> r) {
    ServiceReply out;
    if (r.size() < 6) return out;
    const std::uint32_t flags = le(r.data(), 4);
    if ((flags & kFieldStatus) == 0) return out;
    out.status = static_cast<std::uint16_t>(le(r.data() + 4, 2));
    std::size_t at = 6;
    if ((flags & kFieldId) != 0) {
        if (r.size() < at + 2) return out;
        out.id = static_cast<std::uint16_t>(le(r.data() + at, 2));
        at += 2;
    }
    if ((flags & kFieldSize) != 0) at += 4;
    if ((flags & kFieldResult) != 0) {
        if (r.size() < at + 4) return out;
        out.result = static_cast<std::int32_t>(le(r.data() + at, 4));
    }
    out.valid = true;
    return out;
}

void sleep_for(const EntryOptions& o, std::chrono::milliseconds d) {
    if (o.sleep)
        o.sleep(d);
    else
        std::this_thread::sleep_for(d);
}

// INIT for DFU_MODE, then CHECK while PENDING; the unit resets after the result is fetched.
void control_protocol(dfu::ControlTransport& t, Attempt& a, const EntryOptions& o) {
    std::uint8_t buf[kReplyLength] = {};
    const auto init =
        parse_reply({buf, t.control({kVendorIn, kServiceInit, 0, kIndexDfuMode}, buf, o.transfer_timeout)});
    if (!init.valid || init.status != kStatusOk || !init.id) {
        a.outcome = init.valid ? fmt::format("INIT refused (status {})", init.status) : "INIT answered no status";
        return;
    }
    for (unsigned i = 0; i < o.max_checks; ++i) {
        const auto check =
            parse_reply({buf, t.control({kVendorIn, kServiceCheck, 0, *init.id}, buf, o.transfer_timeout)});
        if (check.valid && check.status == kStatusPending) {
            sleep_for(o, o.check_interval);
            continue;
        }
        if (check.valid && check.status == kStatusOk && check.result.value_or(0) == 0) {
            a.outcome = "accepted";
            a.entered = true;
        } else {
            a.outcome = check.valid
                            ? fmt::format("refused (status {}, result {})", check.status, check.result.value_or(0))
                            : "CHECK answered no status";
        }
        return;
    }
    a.outcome = fmt::format("still pending after {} checks", o.max_checks);
}

Attempt attempt(dfu::ControlTransport& t, const EntryRequest& request, const EntryOptions& o) {
    Attempt a{std::string(request.name), {}, false};
    try {
        switch (request.method) {
        case Method::VendorRequest:
            t.control({kVendorOut, kParticleRequest, 0, request.index}, {}, o.transfer_timeout);
            a.outcome = "acknowledged";
            a.entered = true;
            break;
        case Method::ControlProtocol:
            control_protocol(t, a, o);
            break;
        case Method::LineCoding: {
            if (!has_serial_interface(t.configuration_descriptor())) {
                a.outcome = "skipped: the unit has no USB serial interface (the application turned it off)";
                break;
            }
            t.claim_interface(0); // the libusb transport detaches cdc_acm first (auto-detach)
            std::uint8_t coding[sizeof kLineCoding];
            std::copy(std::begin(kLineCoding), std::end(kLineCoding), coding);
            t.control({kClassOutToInterface, kSetLineCoding, 0, 0}, coding, o.transfer_timeout);
            a.outcome = "acknowledged";
            a.entered = true;
            break;
        }
        }
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::UsbIo || (e.kind() == ErrorKind::DfuProtocol && !still_attached(t, o))) {
            // docs/enter-dfu.md §2-§3: the reset inside the request makes the transfer fail.
            a.outcome = fmt::format("the unit reset during the request ({})", e.what());
            a.entered = true;
        } else {
            a.outcome = e.kind() == ErrorKind::DfuProtocol ? "stalled" : e.what();
        }
    }
    return a;
}

} // namespace

std::optional<FirmwareVersion> FirmwareVersion::parse(std::string_view text) {
    FirmwareVersion v;
    const char* p = text.data();
    const char* const end = p + text.size();
    unsigned* fields[] = {&v.major, &v.minor, &v.patch};
    for (std::size_t i = 0; i < 3; ++i) {
        if (i > 0) {
            if (p == end || *p != '.') return std::nullopt;
            ++p;
        }
        const auto r = std::from_chars(p, end, *fields[i]);
        if (r.ec != std::errc{} || r.ptr == p) return std::nullopt;
        p = r.ptr;
    }
    constexpr std::string_view kRc = "-rc.";
    if (p != end) {
        if (std::string_view(p, static_cast<std::size_t>(end - p)).substr(0, kRc.size()) != kRc) return std::nullopt;
        p += kRc.size();
        const auto r = std::from_chars(p, end, v.release_candidate);
        if (r.ec != std::errc{} || r.ptr != end || v.release_candidate == 0) return std::nullopt;
    }
    return v;
}

std::vector<EntryRequest> entry_plan(const std::optional<FirmwareVersion>& version, bool unreadable) {
    std::vector<EntryRequest> plan;
    if (unreadable) {
        plan = {kDfuModeRequest, kVendorIndex50, kVendorIndex3};
    } else if (!version) {
        plan = {kVendorIndex3}; // SYSTEM_VERSION stalled: older than 0.6.1
    } else {
        const EntryRequest* chosen = nullptr;
        for (const auto& row : kVendorRows)
            if (!(*version < *FirmwareVersion::parse(row.first_version))) chosen = &row.request;
        if (chosen != nullptr) plan.push_back(*chosen);
    }
    plan.push_back(kLineCoding14400);
    return plan;
}

EntryResult send_entry_requests(dfu::ControlTransport& t, const EntryOptions& o) {
    EntryResult r;
    std::optional<FirmwareVersion> version;
    bool unreadable = false;
    try {
        std::uint8_t buf[kReplyLength] = {};
        const std::size_t n = t.control({kVendorIn, kParticleRequest, 0, kIndexSystemVersion}, buf, o.transfer_timeout);
        r.device_os = printable({buf, n});
        version = FirmwareVersion::parse(*r.device_os);
        unreadable = !version;
    } catch (const Error& e) {
        unreadable = e.kind() != ErrorKind::DfuProtocol; // a stall: no SYSTEM_VERSION (before 0.6.1)
    }
    for (const auto& request : entry_plan(version, unreadable)) {
        r.attempts.push_back(attempt(t, request, o));
        if (r.attempts.back().entered) {
            r.entered = true;
            break;
        }
    }
    return r;
}

} // namespace photon_dct::enter
