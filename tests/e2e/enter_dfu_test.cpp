// Issue 9 "No buttons": units running their firmware (photon-dct-emu --normal-mode) are switched
// into DFU mode by photon-dct itself, with the request their Device OS answers
// (docs/enter-dfu.md §2-§4), and followed across the reset.
#include <chrono>

#include "e2e_support.hpp"

namespace e2e {
namespace {

Bytes repaired() {
    return image_with(window(read_file(kFieldFailure)), 2082,
                      tcp_server_block(server_key_der(), "cloud.example.com", 5683u));
}

EmuOptions normal_unit(const std::string& os) {
    EmuOptions o;
    o.normal_mode = true;
    o.device_os = os;
    o.dct = kFieldFailure;
    return o;
}

std::vector<json> named(const std::vector<json>& t, const std::string& name, int device = -1) {
    std::vector<json> out;
    for (const auto& e : t)
        if (on_device(e, device) && e.value("name", std::string()) == name) out.push_back(e);
    return out;
}

// Position of the first entry named `name` on `device`, or the transcript size.
std::size_t first(const std::vector<json>& t, const std::string& name, int device = 0) {
    for (std::size_t i = 0; i < t.size(); ++i)
        if (on_device(t[i], device) && t[i].value("name", std::string()) == name) return i;
    return t.size();
}

struct VersionCase {
    const char* os;
    const char* request; // the transcript name of the request that version answers
    int index;           // its wIndex
    const char* result;  // what the host saw
};

class NoButtons : public ::testing::TestWithParam<VersionCase> {};

TEST_P(NoButtons, InspectAndRestoreServerSwitchTheUnitThemselves) {
    const auto& c = GetParam();
    TempDir tmp;
    const auto i = emu_run(normal_unit(c.os), dct({"inspect"}), tmp.path());
    EXPECT_EQ(i.r.exit_code, 11) << i.r.describe(); // the field failure is a finding
    EXPECT_NE(i.r.err.find("putting Photon 3a0036000247363333343435 at usb 1-1 (normal mode) into DFU mode"),
              std::string::npos)
        << i.r.describe();
    EXPECT_NE(i.r.out.find("server address   blank"), std::string::npos) << i.r.describe();

    const auto w = emu_run(normal_unit(c.os), repair_args(tmp.dir("b")), tmp.path());
    ASSERT_EQ(w.r.exit_code, 0) << w.r.describe() << transcript_text(w.transcript);
    EXPECT_TRUE(same_image(w.dump(), repaired()));
    EXPECT_EQ(data_downloads(w.transcript), 1u);
    // The request this version answers, what the host saw, then the reset and the DFU-mode unit.
    const auto answered = [&] {
        for (const auto& e : named(w.transcript, c.request))
            if (e.value("index", -1) == c.index && e.value("result", std::string()) == c.result) return true;
        return false;
    }();
    EXPECT_TRUE(answered) << c.os << "\n" << transcript_text(w.transcript);
    EXPECT_LT(first(w.transcript, "BUS_LEAVE"), first(w.transcript, "BUS_ENUMERATE")) << transcript_text(w.transcript);
    EXPECT_LT(first(w.transcript, "BUS_ENUMERATE"), first(w.transcript, "DNLOAD")) << transcript_text(w.transcript);
}

INSTANTIATE_TEST_SUITE_P(DeviceOs, NoButtons,
                         ::testing::Values(VersionCase{"0.6.0", "PARTICLE_REQUEST", 3, "disconnected"},
                                           VersionCase{"0.6.3", "PARTICLE_REQUEST", 50, "disconnected"},
                                           VersionCase{"0.7.0", "PARTICLE_REQUEST", 50, "ok"},
                                           VersionCase{"1.5.2", "SERVICE_CHECK", 1, "ok"}),
                         [](const auto& test) {
                             std::string n = test.param.os;
                             for (auto& ch : n)
                                 if (ch == '.') ch = '_';
                             return "v" + n;
                         });

TEST(NoButtons, Os053HasNoVendorRequestTheLineCodingSwitchesIt) {
    TempDir tmp;
    const auto w = emu_run(normal_unit("0.5.3"), repair_args(tmp.dir("b")), tmp.path());
    ASSERT_EQ(w.r.exit_code, 0) << w.r.describe() << transcript_text(w.transcript);
    EXPECT_TRUE(same_image(w.dump(), repaired()));
    const auto vendor = named(w.transcript, "PARTICLE_REQUEST");
    ASSERT_FALSE(vendor.empty());
    for (const auto& e : vendor) EXPECT_EQ(e["result"], "stall") << transcript_text(w.transcript);
    const auto coding = named(w.transcript, "SET_LINE_CODING");
    ASSERT_EQ(coding.size(), 1u) << transcript_text(w.transcript);
    EXPECT_EQ(coding[0]["data"], "40380000000008");
    // A bootloader before v8: no ID in DFU mode, so the unit is followed by its port path.
    EXPECT_NE(w.r.err.find("followed by its port path"), std::string::npos) << w.r.describe();
}

TEST(NoButtons, Os053WithoutUsbSerialFailsNamingWhatWasTriedAndTheButtons) {
    TempDir tmp;
    EmuOptions o = normal_unit("0.5.3");
    o.no_usb_serial = true;
    const auto w = emu_run(o, repair_args(tmp.dir("b")), tmp.path());
    EXPECT_EQ(w.r.exit_code, 3) << w.r.describe();
    EXPECT_NE(w.r.err.find("could not put Photon"), std::string::npos) << w.r.describe();
    EXPECT_NE(w.r.err.find("vendor request 0x50 wIndex 3: stalled"), std::string::npos) << w.r.describe();
    EXPECT_NE(w.r.err.find("SET_LINE_CODING 14400 on IF0: skipped"), std::string::npos) << w.r.describe();
    EXPECT_NE(w.r.err.find("hold SETUP"), std::string::npos) << w.r.describe();
    EXPECT_EQ(data_downloads(w.transcript), 0u);
    EXPECT_TRUE(named(w.transcript, "BUS_LEAVE").empty());
}

TEST(NoButtons, OldBootloaderIsFollowedByPortPath) {
    TempDir tmp;
    EmuOptions o = normal_unit("0.6.3");
    o.old_bootloader = true;
    auto args = repair_args(tmp.dir("b"));
    args.insert(args.begin() + 1, "--json");
    const auto w = emu_run(o, args, tmp.path());
    ASSERT_EQ(w.r.exit_code, 0) << w.r.describe();
    EXPECT_TRUE(same_image(w.dump(), repaired()));
    const auto doc = parse_one_json(w.r.out);
    ASSERT_EQ(doc["mode_changes"].size(), 1u) << w.r.out;
    const auto& change = doc["mode_changes"][0];
    EXPECT_EQ(change["followed_by"], "port path");
    EXPECT_EQ(change["serial_after"], "00000000010C");
    EXPECT_EQ(change["path_after"], "1-1");
    EXPECT_EQ(change["device_os"], "0.6.3");
    EXPECT_EQ(change["from"], "normal");
    EXPECT_EQ(change["to"], "dfu");
    // The unit object as it was found in normal mode: the firmware's serial is the device ID.
    EXPECT_EQ(change["unit"]["mode"], "normal") << change;
    EXPECT_EQ(change["unit"]["device_id"], kUnitSerials[0]) << change;
    EXPECT_EQ(change["unit"]["usb_path"], "1-1") << change;
    EXPECT_NE(change["source"].get<std::string>().find("normal mode"), std::string::npos) << change;
    ASSERT_EQ(change["attempts"].size(), 1u);
    EXPECT_EQ(change["attempts"][0]["request"], "vendor request 0x50 wIndex 50");
}

TEST(NoButtons, DeviceSelectsOneOfTwoAndNeverTouchesTheOther) {
    TempDir tmp;
    EmuOptions o = normal_unit("0.6.3");
    o.devices = 2;
    const auto w = emu_run(o, repair_args(tmp.dir("b"), {"--device", kUnitSerials[1]}), tmp.path());
    ASSERT_EQ(w.r.exit_code, 0) << w.r.describe();
    ASSERT_EQ(w.dumps.size(), 2u);
    EXPECT_TRUE(same_image(w.dumps[1], repaired()));
    EXPECT_TRUE(same_image(w.dumps[0], window(read_file(kFieldFailure))));
    // Unit 0 only answered enumeration (its descriptors): no vendor, class or DFU request.
    for (const auto& e : w.transcript) {
        if (on_device(e, 0)) {
            EXPECT_EQ(e["name"], "GET_DESCRIPTOR") << transcript_text(w.transcript);
        }
    }
    EXPECT_FALSE(named(w.transcript, "BUS_ENUMERATE", 1).empty());

    // Without a selector the two normal-mode units are ambiguous: refused, nothing sent.
    const auto a = emu_run(o, repair_args(tmp.dir("b2")), tmp.path());
    EXPECT_EQ(a.r.exit_code, 3) << a.r.describe();
    EXPECT_TRUE(named(a.transcript, "PARTICLE_REQUEST").empty()) << transcript_text(a.transcript);
}

TEST(NoButtons, NoEnterDfuRefusesWithExit3) {
    TempDir tmp;
    const auto w = emu_run(normal_unit("0.6.3"), dct({"--json", "inspect", "--no-enter-dfu"}), tmp.path());
    EXPECT_EQ(w.r.exit_code, 3) << w.r.describe();
    const auto doc = parse_one_json(w.r.out);
    EXPECT_EQ(doc["error"]["kind"], "not-in-dfu-mode");
    EXPECT_TRUE(named(w.transcript, "PARTICLE_REQUEST").empty());
}

TEST(NoButtons, UnitThatNeverComesBackFailsWithinTheTimeoutNamingIt) {
    TempDir tmp;
    EmuOptions o = normal_unit("0.7.0");
    o.never_reenumerate = true;
    const auto start = std::chrono::steady_clock::now();
    const auto w = emu_run(o, dct({"--json", "inspect", "--dfu-timeout", "1"}), tmp.path());
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(w.r.exit_code, 14) << w.r.describe();
    const auto doc = parse_one_json(w.r.out);
    EXPECT_EQ(doc["error"]["kind"], "unit-not-back");
    EXPECT_NE(doc["error"]["message"].get<std::string>().find("3a0036000247363333343435"), std::string::npos)
        << w.r.out;
    // Bounded: the 1 s timeout, not a hang (generous margin for a loaded machine).
    EXPECT_LT(took, std::chrono::seconds(30));
}

// Ctrl-C while a switched unit is away (here: it never comes back) stops at once with exit 130,
// not after the 10 s come-back timeout with exit 14.
TEST(NoButtons, CtrlCWhileTheUnitIsAwayStopsTheWait) {
    TempDir tmp;
    const std::vector<std::string> argv{kEmu, "--normal-mode", "--never-reenumerate", "--", kPhotonDct, "dfu"};
    const auto r = run_and_signal(argv, tmp.path(), SIGINT, "into DFU mode");
    EXPECT_EQ(r.exit_code, 130) << r.describe();
    EXPECT_NE(r.err.find("interrupted by SIGINT while waiting for"), std::string::npos) << r.describe();
}

TEST(NoButtons, DfuAllSwitchesEveryUnit) {
    TempDir tmp;
    EmuOptions o = normal_unit("1.5.2");
    o.devices = 2;
    const auto w = emu_run(o, dct({"--json", "dfu", "--all"}), tmp.path());
    ASSERT_EQ(w.r.exit_code, 0) << w.r.describe();
    const auto doc = parse_one_json(w.r.out);
    ASSERT_EQ(doc["mode_changes"].size(), 2u) << w.r.out;
    ASSERT_EQ(doc["result"]["units"].size(), 2u) << w.r.out;
    for (const auto& u : doc["result"]["units"]) EXPECT_EQ(u["changed"], true);
    EXPECT_EQ(named(w.transcript, "BUS_ENUMERATE").size(), 2u);

    // All at once: the second unit is asked before the first is back (1.5.2 waits 1 s before its
    // reset), where one after the other would say "back in DFU mode" in between.
    const auto t = emu_run(o, dct({"dfu", "--all"}), tmp.path());
    ASSERT_EQ(t.r.exit_code, 0) << t.r.describe();
    const auto second_asked = t.r.err.find("putting", t.r.err.find("putting") + 1);
    ASSERT_NE(second_asked, std::string::npos) << t.r.err;
    EXPECT_LT(second_asked, t.r.err.find("back in DFU mode")) << t.r.err;

    // A unit already in DFU mode is left alone.
    EmuOptions dfu;
    const auto d = emu_run(dfu, dct({"dfu"}), tmp.path());
    ASSERT_EQ(d.r.exit_code, 0) << d.r.describe();
    EXPECT_NE(d.r.out.find("was already in DFU mode"), std::string::npos) << d.r.describe();
}

} // namespace
} // namespace e2e
