// How many control transfers a command costs, counted in the emulator's transcript (issue 9):
// `inspect` no more than dfu-util 0.11's 16 KiB read (17), a full `restore-server` (read, backup,
// one write, read-back) at most 30 with exactly one data download; each string descriptor asked
// for at most once per unit, and the LANGID (string 0) not at all from the bootloader; no GETSTATUS that the DFU state machine does
// not need (docs/dfu-protocol.md §3.1, §3.3-§3.5). Counts, not timings.
#include <map>

#include "e2e_support.hpp"

namespace e2e {
namespace {

const fs::path kImage = kData / "field-failure-photon-0.6.3.dct";

// Transcript lines that are control transfers (the emulator also records bus events: BUS_*).
std::vector<json> transfers(const std::vector<json>& t) {
    std::vector<json> out;
    for (const auto& e : t)
        if (e.value("name", std::string()).rfind("BUS_", 0) != 0) out.push_back(e);
    return out;
}

std::size_t named(const std::vector<json>& t, const std::string& name) {
    std::size_t n = 0;
    for (const auto& e : t)
        if (e.value("name", std::string()) == name) ++n;
    return n;
}

// GET_DESCRIPTOR(STRING) requests per string index (wValue 0x03NN).
std::map<int, int> string_reads(const std::vector<json>& t) {
    std::map<int, int> reads;
    for (const auto& e : t) {
        const int value = e.value("value", 0);
        if (e.value("name", std::string()) == "GET_DESCRIPTOR" && (value >> 8) == 3) ++reads[value & 0xff];
    }
    return reads;
}

// No two GETSTATUS in a row unless the first said dfuDNBUSY (the DfuSe command runs after that
// answer and the next one tells how it ended, §3.3), and no GETSTATUS straight after ABORT.
::testing::AssertionResult polls_only_when_needed(const std::vector<json>& t) {
    for (std::size_t i = 1; i < t.size(); ++i) {
        const std::string name = t[i].value("name", std::string()), before = t[i - 1].value("name", std::string());
        if (name != "GETSTATUS" && name != "GETSTATE") continue;
        if (before == "ABORT")
            return ::testing::AssertionFailure() << "status request #" << i << " right after ABORT\n"
                                                 << transcript_text(t);
        if (before == "GETSTATUS" && t[i - 1].value("state_after", std::string()) != "dfuDNBUSY")
            return ::testing::AssertionFailure() << "GETSTATUS #" << i << " repeats an answer that was not dfuDNBUSY\n"
                                                 << transcript_text(t);
    }
    return ::testing::AssertionSuccess();
}

EmuOptions photon() {
    EmuOptions o;
    o.dct = kImage;
    o.poll_ms = 0u;
    return o;
}

TEST(TransferCount, InspectCostsNoMoreThanDfuUtilsRead) {
    TempDir work;
    const auto e = emu_run(photon(), dct({"inspect"}), work.path());
    ASSERT_EQ(e.r.exit_code, 11) << e.r.describe(); // the field-failure image has error findings
    const auto t = transfers(e.transcript);
    EXPECT_LE(t.size(), 17u) << transcript_text(t);
    EXPECT_EQ(named(t, "UPLOAD"), 4u);
    EXPECT_EQ(named(t, "GETSTATE"), 0u);
    EXPECT_EQ(named(t, "CLRSTATUS"), 0u);
    EXPECT_TRUE(polls_only_when_needed(t));

    const auto d =
        emu_run(photon(), {kDfuUtil, "-d", "2b04:d006", "-a", "1", "-s", "0:16384", "-U", "read.dct"}, work.path());
    ASSERT_EQ(d.r.exit_code, 0) << d.r.describe();
    EXPECT_LE(t.size(), transfers(d.transcript).size()) << transcript_text(t) << "dfu-util:\n"
                                                        << transcript_text(d.transcript);
}

TEST(TransferCount, RestoreServerIsAtMost30WithOneDataDownload) {
    TempDir work;
    const auto e = emu_run(photon(),
                           dct({"restore-server", "--pem", (kData / "private-cloud-server.pub.pem").string(), "--host",
                                "cloud.example.com", "--backup-dir", work.path().string()}),
                           work.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    const auto t = transfers(e.transcript);
    EXPECT_LE(t.size(), 30u) << transcript_text(t);
    EXPECT_EQ(data_downloads(t), 1u) << transcript_text(t);
    EXPECT_EQ(erases(t), 0u);
    EXPECT_EQ(named(t, "UPLOAD"), 8u); // the window, then all of it again to verify
    EXPECT_EQ(named(t, "CLRSTATUS"), 0u);
    EXPECT_TRUE(polls_only_when_needed(t));
    ASSERT_FALSE(e.dumps.empty());
    EXPECT_NE(e.dump(), read_file(kImage)); // the repair was written
}

TEST(TransferCount, EachStringIsReadOnceForEnumerationAndSession) {
    TempDir work;
    // (arguments, whether every alt's name is read): `list` and inspect's JSON report show them
    // all (alt 0 and the DCT alt, strings 6 and 7); a command otherwise reads the DCT alt's alone.
    const std::vector<std::pair<std::vector<std::string>, bool>> runs = {
        {{"inspect"}, false}, {{"--json", "inspect"}, true}, {{"list"}, true}, {{"backup", "-o", (work.path() / "b.dct").string()}, false}};
    for (const auto& [args, all_names] : runs) {
        const auto e = emu_run(photon(), dct(args), work.path());
        ASSERT_TRUE(e.r.exit_code == 0 || e.r.exit_code == 11) << e.r.describe();
        const auto reads = string_reads(transfers(e.transcript));
        // Never string 0: the strings are asked for in the bootloader's one language (0x0409).
        EXPECT_EQ(reads.count(0), 0u) << args[0] << "\n" << transcript_text(e.transcript);
        for (const auto& [index, n] : reads) EXPECT_EQ(n, 1) << args[0] << ": string " << index;
        EXPECT_EQ(reads.count(6), all_names ? 1u : 0u) << args[0] << "\n" << transcript_text(e.transcript);
        EXPECT_EQ(reads.count(7), 1u) << args[0] << "\n" << transcript_text(e.transcript);
    }
    // The serial and product strings are the kernel's copies (sysfs), as read at enumeration:
    // the unit is still named by its serial, and inspect shows its product string.
    const auto e = emu_run(photon(), dct({"inspect"}), work.path());
    EXPECT_NE(e.r.out.find("\"Photon DFU Mode\" serial 3a0036000247363333343435"), std::string::npos) << e.r.out;
}

} // namespace
} // namespace e2e
