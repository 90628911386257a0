// A scripted fake ControlTransport: it expects an exact sequence of control requests and answers
// each with a scripted reply, stall, timeout or vanished device. Any deviation is a test failure.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "photon_dct/bytes.hpp"
#include "photon_dct/dfu/protocol.hpp"
#include "photon_dct/dfu/transport.hpp"
#include "photon_dct/error.hpp"

namespace photon_dct::dfu::testing {

enum class Outcome { Reply, Stall, Timeout, Vanish };

struct Step {
    ControlSetup setup{};
    Bytes out;                 // expected OUT payload
    std::size_t in_length = 0; // expected wLength of an IN request
    Bytes reply;               // IN data returned
    Outcome outcome = Outcome::Reply;

    Step stall() && {
        outcome = Outcome::Stall;
        return std::move(*this);
    }
    Step timeout() && {
        outcome = Outcome::Timeout;
        return std::move(*this);
    }
    Step vanish() && {
        outcome = Outcome::Vanish;
        return std::move(*this);
    }
};

inline Step GetStatus(Status status, State state, std::uint32_t poll_ms = 0) {
    Step s;
    s.setup = {0xA1, 3, 0, 0};
    s.in_length = 6;
    s.reply = {static_cast<std::uint8_t>(status),
               static_cast<std::uint8_t>(poll_ms & 0xff),
               static_cast<std::uint8_t>((poll_ms >> 8) & 0xff),
               static_cast<std::uint8_t>((poll_ms >> 16) & 0xff),
               static_cast<std::uint8_t>(state),
               0};
    return s;
}
inline Step Idle() { return GetStatus(Status::OK, State::dfuIDLE); }
inline Step Busy(std::uint32_t poll_ms = 0) { return GetStatus(Status::OK, State::dfuDNBUSY, poll_ms); }
inline Step DnloadIdle(std::uint32_t poll_ms = 0) { return GetStatus(Status::OK, State::dfuDNLOAD_IDLE, poll_ms); }

inline Step Dnload(std::uint16_t block, Bytes data) {
    Step s;
    s.setup = {0x21, 1, block, 0};
    s.out = std::move(data);
    return s;
}
inline Step SetAddressCmd(std::uint32_t a) {
    return Dnload(0, {0x21, static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(a >> 8),
                      static_cast<std::uint8_t>(a >> 16), static_cast<std::uint8_t>(a >> 24)});
}
inline Step Abort() {
    Step s;
    s.setup = {0x21, 6, 0, 0};
    return s;
}
inline Step ClrStatus() {
    Step s;
    s.setup = {0x21, 4, 0, 0};
    return s;
}
inline Step Upload(std::uint16_t block, std::size_t length, Bytes reply) {
    Step s;
    s.setup = {0xA1, 2, block, 0};
    s.in_length = length;
    s.reply = std::move(reply);
    return s;
}

inline std::string describe(const ControlSetup& s, std::size_t length) {
    std::ostringstream o;
    o << "bmRequestType=0x" << std::hex << int(s.request_type) << " bRequest=" << std::dec << int(s.request)
      << " wValue=" << s.value << " wIndex=" << s.index << " wLength=" << length;
    return o.str();
}

class ScriptedTransport : public ControlTransport {
public:
    ScriptedTransport(Bytes config, std::map<std::uint8_t, std::string> strings)
        : config_(std::move(config)), strings_(std::move(strings)) {}

    ScriptedTransport& expect(Step step) {
        script_.push_back(std::move(step));
        return *this;
    }
    ScriptedTransport& expect_n(unsigned n, const Step& step) {
        for (unsigned i = 0; i < n; ++i) script_.push_back(step);
        return *this;
    }
    // SET_ADDRESS as dfu-util does it: DNLOAD(0, 21 addr), GETSTATUS=DNBUSY, GETSTATUS=DNLOAD_IDLE.
    ScriptedTransport& expect_set_address(std::uint32_t address) {
        return expect(SetAddressCmd(address)).expect(Busy()).expect(DnloadIdle());
    }

    std::size_t remaining() const { return script_.size(); }
    std::size_t calls() const { return calls_; }
    const std::vector<std::chrono::milliseconds>& timeouts() const { return timeouts_; }
    const std::vector<std::uint8_t>& claimed() const { return claimed_; }
    const std::vector<std::pair<std::uint8_t, std::uint8_t>>& alt_settings() const { return alts_; }

    std::size_t control(const ControlSetup& setup, std::span<std::uint8_t> data,
                        std::chrono::milliseconds timeout) override {
        ++calls_;
        timeouts_.push_back(timeout);
        const std::string got = describe(setup, data.size());
        if (script_.empty()) {
            ADD_FAILURE() << "unexpected request #" << calls_ << " after the end of the script: " << got;
            throw Error(ErrorKind::Internal, "script exhausted");
        }
        Step step = std::move(script_.front());
        script_.pop_front();
        const bool in = (setup.request_type & 0x80) != 0;
        const std::size_t want_length = in ? step.in_length : step.out.size();
        const std::string want = describe(step.setup, want_length);
        EXPECT_EQ(got, want) << "request #" << calls_;
        if (!in) {
            EXPECT_EQ(to_hex(ByteView(data.data(), data.size())), to_hex(step.out))
                << "OUT payload of request #" << calls_ << " (" << got << ")";
        }
        switch (step.outcome) {
        case Outcome::Stall:
            throw Error(ErrorKind::DfuProtocol, "the device rejected the request (stall)");
        case Outcome::Timeout:
            throw Error(ErrorKind::UsbIo, "the USB transfer timed out");
        case Outcome::Vanish:
            throw Error(ErrorKind::UsbIo, "device disconnected");
        case Outcome::Reply:
            break;
        }
        if (!in) return data.size();
        const std::size_t n = std::min(step.reply.size(), data.size());
        std::copy_n(step.reply.begin(), n, data.begin());
        return n;
    }

    Bytes configuration_descriptor() override { return config_; }

    std::string string_descriptor(std::uint8_t index) override {
        strings_read_.push_back(index);
        auto it = strings_.find(index);
        if (it == strings_.end()) throw Error(ErrorKind::DfuProtocol, "stall (no such string)");
        return it->second;
    }

    void claim_interface(std::uint8_t interface_number) override { claimed_.push_back(interface_number); }
    void set_alt_setting(std::uint8_t interface_number, std::uint8_t alt_setting) override {
        alts_.emplace_back(interface_number, alt_setting);
    }

    // String descriptor indexes asked for, in order.
    const std::vector<std::uint8_t>& strings_read() const { return strings_read_; }

private:
    Bytes config_;
    std::map<std::uint8_t, std::string> strings_;
    std::vector<std::uint8_t> strings_read_;
    std::deque<Step> script_;
    std::size_t calls_ = 0;
    std::vector<std::chrono::milliseconds> timeouts_;
    std::vector<std::uint8_t> claimed_;
    std::vector<std::pair<std::uint8_t, std::uint8_t>> alts_;
};

// Real descriptor bytes and strings of the Particle bootloaders.
inline const char* const kPhotonAlt0 = "@Internal Flash   /0x08000000/03*016Ka,01*016Kg,01*064Kg,07*128Kg";
inline const char* const kPhotonAlt1 = "@DCT Flash   /0x00000000/01*016Kg";
inline const char* const kP1Alt2 = "@Serial Flash   /0x00000000/256*004Kg";
inline const char* const kGen3Dct = "@DCT Flash   /0x00000000/1*016Ke";

// The Photon's 36-byte configuration descriptor: config, alt 0, alt 1, functional descriptor.
inline Bytes photon_config() {
    return {0x09, 0x02, 0x24, 0x00, 0x01, 0x01, 0x02, 0xC0, 0x32, 0x09, 0x04, 0x00, 0x00, 0x00, 0xFE, 0x01, 0x02, 0x06,
            0x09, 0x04, 0x00, 0x01, 0x00, 0xFE, 0x01, 0x02, 0x07, 0x09, 0x21, 0x0B, 0xFF, 0x00, 0x00, 0x10, 0x1A, 0x01};
}
// The P1's: a third alt (Serial Flash, iInterface 8).
inline Bytes p1_config() {
    return {0x09, 0x02, 0x2D, 0x00, 0x01, 0x01, 0x02, 0xC0, 0x32, 0x09, 0x04, 0x00, 0x00, 0x00, 0xFE,
            0x01, 0x02, 0x06, 0x09, 0x04, 0x00, 0x01, 0x00, 0xFE, 0x01, 0x02, 0x07, 0x09, 0x04, 0x00,
            0x02, 0x00, 0xFE, 0x01, 0x02, 0x08, 0x09, 0x21, 0x0B, 0xFF, 0x00, 0x00, 0x10, 0x1A, 0x01};
}
inline std::map<std::uint8_t, std::string> photon_strings() { return {{6, kPhotonAlt0}, {7, kPhotonAlt1}}; }
inline std::map<std::uint8_t, std::string> p1_strings() { return {{6, kPhotonAlt0}, {7, kPhotonAlt1}, {8, kP1Alt2}}; }

} // namespace photon_dct::dfu::testing
