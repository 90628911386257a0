// The emulated unit running its Device OS (docs/enter-dfu.md): one test per row of the request
// table, the normal-mode descriptors and the identity after the reset. Model level: no umockdev.
#include "photon_emu_model.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using photon_emu::DeviceConfig;
using namespace photon_emu::detail;

namespace {

using Bytes = std::vector<std::uint8_t>;

DeviceConfig unit(const std::string& os) {
    DeviceConfig c;
    c.dfu_mode = false;
    c.device_os = os;
    return c;
}

struct Unit {
    explicit Unit(const std::string& os) : m(unit(os), 0) {}
    explicit Unit(DeviceConfig c) : m(std::move(c), 0) {}
    Response request(std::uint8_t type, std::uint8_t req, std::uint16_t value, std::uint16_t index,
                     std::uint16_t length, const Bytes& out = {}) {
        return m.control(Setup{type, req, value, index, length}, out);
    }
    Response raw_dfu(std::uint16_t index) { return request(0x40, 0x50, 0, index, 0); }
    Response read(std::uint16_t index) { return request(0xC0, 0x50, 0, index, 64); }
    Response init() { return request(0xC0, 1, 0, 50, 64); }
    Response check(std::uint16_t id) { return request(0xC0, 2, 0, id, 64); }
    Response line_coding(std::uint32_t rate) {
        return request(0x21, 0x20, 0, 0, 7,
                       {static_cast<std::uint8_t>(rate), static_cast<std::uint8_t>(rate >> 8),
                        static_cast<std::uint8_t>(rate >> 16), static_cast<std::uint8_t>(rate >> 24), 0, 0, 8});
    }
    std::string text(const Response& r) { return std::string(r.in.begin(), r.in.end()); }
    DeviceModel m;
};

void expect_stall(const Response& r) {
    EXPECT_EQ(r.outcome, Outcome::Stall);
    EXPECT_FALSE(r.enter_dfu);
}

// The host's transfer fails because the unit resets inside the interrupt.
void expect_reset_before_answer(const Response& r) {
    EXPECT_EQ(r.outcome, Outcome::Disconnect);
    EXPECT_TRUE(r.enter_dfu);
}

std::string last_name(const DeviceModel& m) { return m.transcript().back().name; }

TEST(Firmware, VersionsOrderReleaseCandidatesBeforeTheRelease) {
    ASSERT_TRUE(parse_os_version("0.8.0-rc.27"));
    EXPECT_LT(*parse_os_version("0.8.0-rc.2"), *parse_os_version("0.8.0-rc.27"));
    EXPECT_LT(*parse_os_version("0.8.0-rc.27"), *parse_os_version("0.8.0"));
    EXPECT_LT(*parse_os_version("0.7.9"), *parse_os_version("0.8.0-rc.2"));
    EXPECT_LT(*parse_os_version("0.6.10"), *parse_os_version("0.7.0"));
    for (const char* bad : {"", "0.6", "0.6.3.1", "0.6.x", "0.8.0-rc", "0.8.0-beta.1", "0.8.0-rc.0"})
        EXPECT_FALSE(parse_os_version(bad)) << bad;
    EXPECT_THROW(DeviceModel(unit("six"), 0), std::invalid_argument);
}

TEST(Firmware, NormalModeDescriptors) {
    Unit u("0.6.3");
    const Bytes& d = u.m.device_descriptor();
    EXPECT_EQ(d[4], 0xEF); // IAD composite
    EXPECT_EQ(d[5], 0x02);
    EXPECT_EQ(d[6], 0x01);
    EXPECT_EQ(d[12] | (d[13] << 8), 0x0250);
    EXPECT_EQ(d[10] | (d[11] << 8), 0xc006);
    const Bytes& c = u.m.config_descriptor();
    EXPECT_EQ(c[4], 3); // bNumInterfaces
    std::vector<Bytes> interfaces, endpoints;
    for (std::size_t i = 0; i + 1 < c.size(); i += c[i]) {
        if (c[i + 1] == 0x04) interfaces.emplace_back(c.begin() + i, c.begin() + i + 9);
        if (c[i + 1] == 0x05) endpoints.emplace_back(c.begin() + i, c.begin() + i + 7);
    }
    ASSERT_EQ(interfaces.size(), 3u);
    EXPECT_EQ(interfaces[0], (Bytes{9, 4, 0, 0, 1, 0x02, 0x02, 0x01, 0}));
    EXPECT_EQ(interfaces[1], (Bytes{9, 4, 1, 0, 2, 0x0A, 0x00, 0x00, 0}));
    EXPECT_EQ(interfaces[2], (Bytes{9, 4, 2, 0, 0, 0xFF, 0xFF, 0xFF, kControlInterfaceString}));
    ASSERT_EQ(endpoints.size(), 3u);
    EXPECT_EQ(endpoints[0][2], 0x82); // interrupt IN of IF0
    EXPECT_EQ(endpoints[0][3], 0x03);
    EXPECT_EQ(endpoints[1][2], 0x01); // bulk OUT
    EXPECT_EQ(endpoints[2][2], 0x81); // bulk IN
    const auto name = u.request(0x80, 6, static_cast<std::uint16_t>(0x0300 | kControlInterfaceString), 0x0409, 255).in;
    std::string s;
    for (std::size_t i = 2; i < name.size(); i += 2) s.push_back(static_cast<char>(name[i]));
    EXPECT_EQ(s, "Control Interface");
    EXPECT_EQ(u.m.usb_serial(), "3A0036000247363333343435"); // the device ID in upper case
}

TEST(Firmware, WithoutUsbSerialOnlyTheVendorInterfaceRemains) {
    DeviceConfig c = unit("0.6.3");
    c.usb_serial = false;
    Unit u(c);
    const Bytes& d = u.m.config_descriptor();
    EXPECT_EQ(d[4], 1);
    EXPECT_EQ(Bytes(d.begin() + 9, d.end()), (Bytes{9, 4, 0, 0, 0, 0xFF, 0xFF, 0xFF, kControlInterfaceString}));
    expect_stall(u.line_coding(14400));
}

TEST(Firmware, Before060NoVendorRequestsButTheBaudRateWorks) {
    Unit u("0.5.3");
    EXPECT_EQ(u.m.usb_serial(), "00000000050C");
    for (const std::uint16_t index : {std::uint16_t{3}, std::uint16_t{20}, std::uint16_t{30}, std::uint16_t{50}}) {
        expect_stall(u.raw_dfu(index));
        expect_stall(u.read(index));
    }
    expect_stall(u.init());
    EXPECT_EQ(last_name(u.m), "SERVICE_INIT");
    expect_reset_before_answer(u.line_coding(14400));
    EXPECT_EQ(last_name(u.m), "BUS_LEAVE");
    EXPECT_TRUE(u.m.gone());
    u.m.reenumerate_in_dfu_mode();
    EXPECT_TRUE(u.m.dfu_mode());
    EXPECT_EQ(u.m.usb_serial(), "00000000010C"); // a bootloader before v8
    EXPECT_EQ(u.m.bcd_device(), 0x0200);
    EXPECT_EQ(last_name(u.m), "BUS_ENUMERATE");
}

TEST(Firmware, Os060AnswersWIndex3AndResetsBeforeTheReply) {
    Unit u("0.6.0");
    expect_stall(u.raw_dfu(50));
    expect_stall(u.read(30));
    expect_reset_before_answer(u.raw_dfu(3));
    const auto t = u.m.transcript();
    ASSERT_GE(t.size(), 2u);
    EXPECT_EQ(t[t.size() - 2].name, "PARTICLE_REQUEST");
    EXPECT_EQ(t[t.size() - 2].result, "disconnected");
    EXPECT_EQ(t.back().name, "BUS_LEAVE");
    u.m.reenumerate_in_dfu_mode();
    EXPECT_EQ(u.m.usb_serial(), "3A0036000247363333343435");
    EXPECT_EQ(u.m.bcd_device(), 0x0250);
    EXPECT_EQ(u.m.product_id(), 0xd006);
}

TEST(Firmware, Os063AnswersReadsAndWIndex50ResetsBeforeTheReply) {
    Unit u("0.6.3");
    const auto version = u.read(30);
    ASSERT_EQ(version.outcome, Outcome::Ok);
    EXPECT_EQ(u.text(version), "0.6.3");
    EXPECT_EQ(u.text(u.read(20)), "3A0036000247363333343435");
    expect_stall(u.read(21));
    expect_stall(u.raw_dfu(3));
    expect_stall(u.init());
    expect_reset_before_answer(u.raw_dfu(50));
    u.m.reenumerate_in_dfu_mode();
    EXPECT_EQ(u.m.usb_serial(), "3A0036000247363333343435"); // 0.6.x bootloaders: upper case
}

TEST(Firmware, Os070AcknowledgesWIndex50ThenResets) {
    Unit u("0.7.0");
    EXPECT_EQ(u.text(u.read(30)), "0.7.0");
    const auto r = u.raw_dfu(50);
    EXPECT_EQ(r.outcome, Outcome::Ok);
    EXPECT_TRUE(r.enter_dfu);
    EXPECT_TRUE(r.vanish_after);
    EXPECT_EQ(last_name(u.m), "BUS_LEAVE");
    u.m.reenumerate_in_dfu_mode();
    EXPECT_EQ(u.m.usb_serial(), "3a0036000247363333343435"); // bootloaders from 0.7.0-rc.5: lower case
}

TEST(Firmware, OldBootloaderReportsTheFixedSerial) {
    DeviceConfig c = unit("0.7.0");
    c.old_bootloader = true;
    Unit u(c);
    EXPECT_EQ(u.m.usb_serial(), "3A0036000247363333343435");
    u.m.reenumerate_in_dfu_mode();
    EXPECT_EQ(u.m.usb_serial(), "00000000010C");
    EXPECT_EQ(u.m.bcd_device(), 0x0200);
}

struct ProtocolCase {
    const char* os;
    unsigned delay_ms;
};

class ControlProtocol : public ::testing::TestWithParam<ProtocolCase> {};

TEST_P(ControlProtocol, InitThenCheckUntilNotPending) {
    Unit u(GetParam().os);
    expect_stall(u.raw_dfu(50)); // the raw form is stalled from 0.8.0-rc.2 on
    EXPECT_EQ(u.text(u.read(30)), GetParam().os);
    const auto init = u.init();
    ASSERT_EQ(init.outcome, Outcome::Ok);
    EXPECT_EQ(init.in, (Bytes{0x03, 0, 0, 0, 0, 0, 1, 0})); // STATUS|ID, OK, id 1
    EXPECT_EQ(last_name(u.m), "SERVICE_INIT");
    EXPECT_EQ(u.check(7).in, (Bytes{0x01, 0, 0, 0, 5, 0})); // unknown id: NOT_FOUND
    const auto pending = u.check(1);
    EXPECT_EQ(pending.in, (Bytes{0x01, 0, 0, 0, 2, 0})); // PENDING
    EXPECT_FALSE(pending.enter_dfu);
    const auto done = u.check(1);
    EXPECT_EQ(done.in, (Bytes{0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0})); // STATUS|RESULT, OK, result 0
    EXPECT_TRUE(done.enter_dfu);
    EXPECT_EQ(done.reset_delay_ms, GetParam().delay_ms);
    EXPECT_EQ(done.vanish_after, GetParam().delay_ms == 0);
    EXPECT_EQ(u.m.gone(), GetParam().delay_ms == 0);
    if (GetParam().delay_ms != 0) {
        EXPECT_EQ(u.text(u.read(30)), GetParam().os); // still running during the delay
        u.m.leave_bus();
    }
    EXPECT_EQ(last_name(u.m), "BUS_LEAVE");
    EXPECT_TRUE(u.m.gone());
}

INSTANTIATE_TEST_SUITE_P(Firmware, ControlProtocol,
                         ::testing::Values(ProtocolCase{"0.8.0-rc.2", 0}, ProtocolCase{"0.8.0-rc.27", 1000},
                                           ProtocolCase{"1.0.0", 0}, ProtocolCase{"1.5.2", 1000}),
                         [](const auto& test) {
                             std::string n = test.param.os;
                             for (auto& ch : n)
                                 if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return n;
                         });

TEST(Firmware, LineCoding14400OnIf0EntersDfuModeOnEveryVersion) {
    for (const char* os : {"0.4.9", "0.6.3", "0.7.0", "1.5.2"}) {
        Unit u(os);
        EXPECT_EQ(u.line_coding(9600).outcome, Outcome::Ok) << os;
        EXPECT_EQ(u.request(0xA1, 0x21, 0, 0, 7).in, (Bytes{0x80, 0x25, 0, 0, 0, 0, 8})) << os;
        expect_stall(u.request(0x20, 0x20, 0, 0, 7, {0x40, 0x38, 0, 0, 0, 0, 8})); // class request to the device
        expect_stall(u.request(0x41, 0x20, 0, 0, 7, {0x40, 0x38, 0, 0, 0, 0, 8})); // vendor request to IF0
        expect_stall(u.request(0x21, 0x20, 0, 1, 7, {0x40, 0x38, 0, 0, 0, 0, 8})); // the data interface
        const auto r = u.line_coding(14400);
        expect_reset_before_answer(r);
        const auto t = u.m.transcript();
        EXPECT_EQ(t[t.size() - 2].name, "SET_LINE_CODING") << os;
        EXPECT_EQ(t[t.size() - 2].data, (Bytes{0x40, 0x38, 0, 0, 0, 0, 8})) << os;
    }
}

} // namespace
