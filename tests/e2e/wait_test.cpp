// --wait [SECONDS] (issue 9): a command started before the unit is plugged in waits for it instead
// of failing with "no unit found", says so once on stderr, gives up after SECONDS with exit 3, and
// without SECONDS waits until Ctrl-C (exit 130).
#include "e2e_support.hpp"

namespace e2e {
namespace {

const std::string kNotice = "waiting for a Photon, P1 or Electron on USB (Ctrl-C to stop)";

std::size_t occurrences(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

TEST(Wait, InspectWaitsForAUnitPluggedInTwoSecondsLater) {
    TempDir work;
    EmuOptions o;
    o.dct = kData / "field-failure-photon-0.6.3.dct";
    o.arrive_after_ms = 2000;
    const auto e = emu_run(o, dct({"inspect", "--wait", "10"}), work.path());
    EXPECT_EQ(e.r.exit_code, 11) << e.r.describe(); // it read the unit: the image's findings
    EXPECT_EQ(occurrences(e.r.err, kNotice), 1u) << e.r.err;
    EXPECT_NE(e.r.out.find("3a0036000247363333343435"), std::string::npos) << e.r.out;
}

TEST(Wait, DfuWaitsForANormalModeUnitAndJsonKeepsStdoutOneDocument) {
    TempDir work;
    EmuOptions o;
    o.normal_mode = true;
    o.arrive_after_ms = 2000;
    const auto e = emu_run(o, dct({"--json", "dfu", "--wait"}), work.path());
    EXPECT_EQ(e.r.exit_code, 0) << e.r.describe();
    EXPECT_EQ(occurrences(e.r.err, kNotice), 1u) << e.r.err; // on stderr under --json too
    const auto doc = parse_one_json(e.r.out);
    EXPECT_EQ(doc["exit_code"], 0);
}

TEST(Wait, TimeoutIsExit3WithAClearMessageAndQuietSaysNothing) {
    TempDir work;
    EmuOptions o;
    o.arrive_after_ms = 30000; // never within the test
    const auto e = emu_run(o, dct({"inspect", "--wait", "1"}), work.path());
    EXPECT_EQ(e.r.exit_code, 3) << e.r.describe();
    EXPECT_NE(e.r.err.find("appeared on USB within 1.0 s"), std::string::npos) << e.r.err;
    EXPECT_EQ(occurrences(e.r.err, kNotice), 1u) << e.r.err;
    const auto q = emu_run(o, dct({"-q", "backup", "--wait", "1"}), work.path());
    EXPECT_EQ(q.r.exit_code, 3) << q.r.describe();
    EXPECT_EQ(q.r.err.find(kNotice), std::string::npos) << q.r.err;
}

TEST(Wait, BadSecondsIsAUsageError) {
    TempDir work;
    const auto e = emu_run(EmuOptions{}, dct({"inspect", "--wait", "soon"}), work.path());
    EXPECT_EQ(e.r.exit_code, 2) << e.r.describe();
    EXPECT_NE(e.r.err.find("--wait"), std::string::npos) << e.r.err;
}

// Without SECONDS the wait lasts until a signal: Ctrl-C ends it with exit 130 and, under --json,
// one document that says so.
TEST(Wait, CtrlCEndsAWaitWithoutSecondsWithExit130) {
    for (const bool as_json : {false, true}) {
        SCOPED_TRACE(as_json ? "--json" : "text");
        TempDir work;
        std::vector<std::string> argv{kEmu, "--arrive-after", "60000", "--", kPhotonDct};
        if (as_json) argv.push_back("--json");
        for (const char* a : {"inspect", "--wait"}) argv.push_back(a);
        const auto r = run_and_signal(argv, work.path(), SIGINT, kNotice);
        EXPECT_EQ(r.exit_code, 130) << r.describe();
        EXPECT_EQ(occurrences(r.err, kNotice), 1u) << r.err;
        if (as_json) {
            const auto doc = parse_one_json(r.out);
            EXPECT_EQ(doc["exit_code"], 130) << r.out;
        } else {
            EXPECT_TRUE(r.out.empty()) << r.out;
        }
    }
}

} // namespace
} // namespace e2e
