// The DFU-mode entry requests (docs/enter-dfu.md §2-§3) against a scripted transport: the exact
// bytes per Device OS, the fallback order, and how a refusal is told from a reset.
#include "photon_dct/enter/requests.hpp"

#include "scripted_transport.hpp"

namespace photon_dct::enter {
namespace {

using dfu::testing::ScriptedTransport;
using dfu::testing::Step;

// A normal-mode configuration: IAD, IF0 CDC communication, IF1 CDC data, IF2 vendor.
Bytes with_serial() {
    return {9, 2, 39, 0, 3, 1, 0, 0xC0, 0x32, 8,    0x0B, 0, 2, 2, 2, 1, 0, 9, 4,    0,    0,    1,
            2, 2, 1,  0, 9, 4, 1, 0,    2,    0x0A, 0,    0, 0, 9, 4, 2, 0, 0, 0xFF, 0xFF, 0xFF, 4};
}
Bytes without_serial() { return {9, 2, 18, 0, 1, 1, 0, 0xC0, 0x32, 9, 4, 0, 0, 0, 0xFF, 0xFF, 0xFF, 4}; }

Step in(std::uint8_t request, std::uint16_t index, Bytes reply) {
    Step s;
    s.setup = {0xC0, request, 0, index};
    s.in_length = 64;
    s.reply = std::move(reply);
    return s;
}
Step version(const std::string& v) { return in(0x50, 30, Bytes(v.begin(), v.end())); }
Step vendor(std::uint16_t index) {
    Step s;
    s.setup = {0x40, 0x50, 0, index};
    return s;
}
Step line_coding() {
    Step s;
    s.setup = {0x21, 0x20, 0, 0};
    s.out = {0x40, 0x38, 0x00, 0x00, 0x00, 0x00, 0x08};
    return s;
}
Step device_status() {
    Step s;
    s.setup = {0x80, 0, 0, 0};
    s.in_length = 2;
    s.reply = {1, 0};
    return s;
}

EntryOptions no_sleep() {
    EntryOptions o;
    o.sleep = [](std::chrono::milliseconds) {};
    return o;
}

TEST(FirmwareVersion, ParsesReleasesAndCandidates) {
    const auto rc = FirmwareVersion::parse("0.8.0-rc.27");
    ASSERT_TRUE(rc);
    EXPECT_EQ(rc->release_candidate, 27u);
    EXPECT_TRUE(*rc < *FirmwareVersion::parse("0.8.0"));
    EXPECT_TRUE(*FirmwareVersion::parse("0.8.0-rc.2") < *rc);
    EXPECT_TRUE(*FirmwareVersion::parse("0.6.9") < *FirmwareVersion::parse("0.6.10"));
    for (const char* bad : {"", "0.6", "v0.6.3", "0.6.3 ", "0.8.0-beta.1", "0.8.0-rc.", "0.8.0-rc.0"})
        EXPECT_FALSE(FirmwareVersion::parse(bad)) << bad;
}

TEST(EntryPlan, OneVendorRequestPerDeviceOsThenTheLineCoding) {
    auto names = [](const std::vector<EntryRequest>& plan) {
        std::vector<std::string> out;
        for (const auto& r : plan) out.emplace_back(r.name);
        return out;
    };
    const std::string coding = "SET_LINE_CODING 14400 on IF0";
    EXPECT_EQ(names(entry_plan(FirmwareVersion::parse("0.5.3"))), (std::vector<std::string>{coding}));
    EXPECT_EQ(names(entry_plan(FirmwareVersion::parse("0.6.0"))),
              (std::vector<std::string>{"vendor request 0x50 wIndex 3", coding}));
    for (const char* os : {"0.6.1", "0.6.3", "0.7.0", "0.8.0-rc.1"})
        EXPECT_EQ(names(entry_plan(FirmwareVersion::parse(os))),
                  (std::vector<std::string>{"vendor request 0x50 wIndex 50", coding}))
            << os;
    for (const char* os : {"0.8.0-rc.2", "1.0.0", "1.5.2", "3.3.1"})
        EXPECT_EQ(names(entry_plan(FirmwareVersion::parse(os))),
                  (std::vector<std::string>{"control request DFU_MODE (INIT/CHECK)", coding}))
            << os;
    EXPECT_EQ(names(entry_plan(std::nullopt)), (std::vector<std::string>{"vendor request 0x50 wIndex 3", coding}));
    EXPECT_EQ(names(entry_plan(std::nullopt, true)).size(), 4u);
}

TEST(SendEntryRequests, Os063ResetsDuringTheVendorRequest) {
    ScriptedTransport t(with_serial(), {});
    t.expect(version("0.6.3")).expect(vendor(50).vanish());
    const auto r = send_entry_requests(t, no_sleep());
    EXPECT_TRUE(r.entered);
    EXPECT_EQ(r.device_os, "0.6.3");
    ASSERT_EQ(r.attempts.size(), 1u);
    EXPECT_NE(r.attempts[0].outcome.find("the unit reset during the request"), std::string::npos);
    EXPECT_EQ(t.remaining(), 0u);
}

TEST(SendEntryRequests, StallFollowedBySilenceIsAReset) {
    ScriptedTransport t(with_serial(), {});
    t.expect(version("0.6.3")).expect(vendor(50).stall()).expect(device_status().vanish());
    const auto r = send_entry_requests(t, no_sleep());
    EXPECT_TRUE(r.entered);
    EXPECT_EQ(t.remaining(), 0u);
}

TEST(SendEntryRequests, Os070AcknowledgesTheVendorRequest) {
    ScriptedTransport t(with_serial(), {});
    t.expect(version("0.7.0")).expect(vendor(50));
    const auto r = send_entry_requests(t, no_sleep());
    EXPECT_TRUE(r.entered);
    EXPECT_EQ(r.attempts[0].outcome, "acknowledged");
}

TEST(SendEntryRequests, ControlProtocolChecksWhilePending) {
    ScriptedTransport t(with_serial(), {});
    t.expect(version("1.5.2"))
        .expect(in(1, 50, {0x03, 0, 0, 0, 0, 0, 7, 0}))       // INIT: OK, id 7
        .expect(in(2, 7, {0x01, 0, 0, 0, 2, 0}))              // CHECK: PENDING
        .expect(in(2, 7, {0x01, 0, 0, 0, 2, 0}))              // CHECK: PENDING
        .expect(in(2, 7, {0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0})); // CHECK: OK, result 0
    const auto r = send_entry_requests(t, no_sleep());
    EXPECT_TRUE(r.entered);
    EXPECT_EQ(r.attempts[0].outcome, "accepted");
    EXPECT_EQ(t.remaining(), 0u);
}

TEST(SendEntryRequests, ControlProtocolErrorResultFallsBackToTheLineCoding) {
    ScriptedTransport t(with_serial(), {});
    t.expect(version("1.5.2"))
        .expect(in(1, 50, {0x03, 0, 0, 0, 0, 0, 1, 0}))
        .expect(in(2, 1, {0x09, 0, 0, 0, 0, 0, 0x88, 0xFF, 0xFF, 0xFF})) // result -120
        .expect(line_coding().vanish());
    const auto r = send_entry_requests(t, no_sleep());
    ASSERT_EQ(r.attempts.size(), 2u);
    EXPECT_FALSE(r.attempts[0].entered);
    EXPECT_NE(r.attempts[0].outcome.find("result -120"), std::string::npos) << r.attempts[0].outcome;
    EXPECT_TRUE(r.entered);
    EXPECT_EQ(t.claimed(), (std::vector<std::uint8_t>{0})); // IF0 claimed (cdc_acm detached) first
}

TEST(SendEntryRequests, NoVersionStalledVendorAndNoSerialNamesEveryAttempt) {
    ScriptedTransport t(without_serial(), {});
    t.expect(in(0x50, 30, {}).stall()).expect(vendor(3).stall()).expect(device_status());
    const auto r = send_entry_requests(t, no_sleep());
    EXPECT_FALSE(r.entered);
    EXPECT_FALSE(r.device_os);
    ASSERT_EQ(r.attempts.size(), 2u);
    EXPECT_EQ(r.attempts[0].outcome, "stalled");
    EXPECT_NE(r.attempts[1].outcome.find("no USB serial interface"), std::string::npos);
    EXPECT_TRUE(t.claimed().empty());
}

TEST(SendEntryRequests, VersionTextIsSanitised) {
    ScriptedTransport t(with_serial(), {});
    t.expect(version("0.7.0\x1b[31m")).expect(in(1, 50, {}).stall()).expect(device_status());
    t.expect(vendor(50)); // unreadable version: every form, the protocol first
    const auto r = send_entry_requests(t, no_sleep());
    EXPECT_EQ(r.device_os, "0.7.0?[31m");
    EXPECT_TRUE(r.entered);
}

} // namespace
} // namespace photon_dct::enter
