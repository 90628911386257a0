// The in-process Emulator driven by the real Debian dfu-util (a child process with
// umockdev's preload): enumeration, upload, download, leave, recovery, faults.
#include "emu_test_util.hpp"
#include "photon_emu.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <string>
#include <vector>

using photon_emu::DeviceConfig;
using photon_emu::Emulator;
using photon_emu::Platform;
using namespace emu_test;

namespace {

using Bytes = std::vector<std::uint8_t>;

DeviceConfig photon(const Bytes& dct = {}) {
    DeviceConfig c;
    c.dct = dct;
    c.poll_timeout_ms = 2; // keep dfu-util's post-write sleeps short
    return c;
}

std::vector<std::string> found_lines(const std::string& out) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < out.size()) {
        std::size_t end = out.find('\n', start);
        if (end == std::string::npos) end = out.size();
        const std::string line = out.substr(start, end - start);
        if (line.rfind("Found DFU:", 0) == 0) lines.push_back(line);
        start = end + 1;
    }
    return lines;
}

// dfu-util printed `text`; its whole output is shown when it did not.
::testing::AssertionResult printed(const RunResult& r, const std::string& text) {
    if (r.output.find(text) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "dfu-util did not print \"" << text << "\":\n" << r.output;
}

// `dfu-util -a 1 -s 2082 -D` of a 100-byte block on a unit with one injected fault and a DCT of
// random bytes: the unit, its DCT before and what dfu-util said. The emulator exists before
// dfu-util runs (members are built in order).
struct FaultyDownload {
    FaultyDownload(const char* faults, unsigned seed)
        : dct(random_bytes(16384, seed)), emu({with_faults(dct, faults)}), r(download(tmp, seed)) {}

    static DeviceConfig with_faults(const Bytes& dct, const char* faults) {
        DeviceConfig c = photon(dct);
        c.faults = photon_emu::parse_faults(faults);
        return c;
    }
    static RunResult download(const TempDir& tmp, unsigned seed) {
        write_file(tmp / "block.bin", random_bytes(100, seed + 1));
        return dfu_util("-a 1 -s 2082 -D " + quote(tmp / "block.bin"));
    }

    TempDir tmp;
    Bytes dct;
    Emulator emu;
    RunResult r;
};

TEST(DfuUtil, ListsPhotonExactly) {
    Emulator emu({photon()});
    const auto r = dfu_util("-l");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto lines = found_lines(r.output);
    ASSERT_EQ(lines.size(), 2u) << r.output;
    EXPECT_TRUE(printed(r, "Found DFU: [2b04:d006] ver=0250, devnum=2, cfg=1, intf=0, path=\"1-1\", alt=1, "
                           "name=\"@DCT Flash   /0x00000000/01*016Kg\", serial=\"3a0036000247363333343435\""));
    EXPECT_TRUE(printed(r, "alt=0, name=\"@Internal Flash   /0x08000000/03*016Ka,01*016Kg,01*064Kg,07*128Kg\""));
    EXPECT_EQ(r.output.find("alt=2"), std::string::npos);
}

TEST(DfuUtil, ListsP1WithSerialFlashAndElectron) {
    DeviceConfig p1 = photon();
    p1.platform = Platform::P1;
    DeviceConfig el = photon();
    el.platform = Platform::Electron;
    el.serial = "3B0021001747353236343033";
    Emulator emu({p1, el});
    const auto r = dfu_util("-l");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(found_lines(r.output).size(), 5u) << r.output;
    EXPECT_TRUE(printed(r, "[2b04:d008] ver=0250, devnum=2, cfg=1, intf=0, path=\"1-1\", alt=2, "
                           "name=\"@Serial Flash   /0x00000000/256*004Kg\""));
    EXPECT_TRUE(printed(r, "[2b04:d00a] ver=0250, devnum=3, cfg=1, intf=0, path=\"1-2\", alt=1, "
                           "name=\"@DCT Flash   /0x00000000/01*016Kg\", serial=\"3B0021001747353236343033\""));
}

TEST(DfuUtil, NormalModeDeviceIsNotDfuCapable) {
    DeviceConfig c = photon();
    c.dfu_mode = false;
    Emulator emu({c});
    const auto r = dfu_util("-l");
    EXPECT_TRUE(found_lines(r.output).empty()) << r.output;
    // The device is on the bus as 2b04:c006 (visible in sysfs), just not in DFU mode.
    std::ifstream pid(emu.umockdev_dir() + "/sys/devices/usb1/1-1/idProduct");
    std::string s;
    pid >> s;
    EXPECT_EQ(s, "c006");
}

TEST(DfuUtil, UploadEqualsConfiguredDct) {
    TempDir tmp;
    const Bytes dct = random_bytes(16384, 1);
    Emulator emu({photon(dct)});
    const auto r = dfu_util("-d 2b04:d006 -a 1 -s 0:16384 -U " + quote(tmp / "out.bin"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(read_file(tmp / "out.bin"), dct);
    // Wire sequence (docs/dfu-protocol.md §3.4): set address, 2 polls, abort, 4 uploads of 4096 bytes.
    const auto t = emu.transcript(0);
    EXPECT_EQ(count_commands(t, 0x21), 1u);
    std::size_t uploads = 0;
    for (const auto& e : t)
        if (e.name == "UPLOAD") {
            EXPECT_EQ(e.length, 4096u);
            EXPECT_EQ(e.value, 2 + uploads);
            ++uploads;
        }
    EXPECT_EQ(uploads, 4u);
}

void download_block_test(bool gen3, std::size_t expected_erases) {
    TempDir tmp;
    const Bytes dct = random_bytes(16384, 2);
    const Bytes block = random_bytes(100, 3);
    write_file(tmp / "block.bin", block);
    DeviceConfig c = photon(dct);
    c.gen3_dct_string = gen3;
    Emulator emu({c});
    const auto r = dfu_util("-d 2b04:d006 -a 1 -s 2082 -D " + quote(tmp / "block.bin"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    Bytes expected = dct;
    std::copy(block.begin(), block.end(), expected.begin() + 2082);
    EXPECT_EQ(emu.dct(0), expected);
    const auto t = emu.transcript(0);
    EXPECT_EQ(count_commands(t, 0x41), expected_erases);
    std::size_t writes = 0;
    for (const auto& e : t)
        if (e.name == "DNLOAD" && e.value == 2) {
            EXPECT_EQ(e.data, block);
            ++writes;
        }
    EXPECT_EQ(writes, 1u);
    EXPECT_FALSE(emu.disconnected(0));
}

TEST(DfuUtil, DownloadBlockWithPhotonStringErasesOnce) { download_block_test(false, 1); }

TEST(DfuUtil, DownloadBlockWithGen3StringNeverErases) { download_block_test(true, 0); }

TEST(DfuUtil, LeaveMakesTheDeviceVanishAfterTheWrite) {
    TempDir tmp;
    const Bytes block = random_bytes(64, 4);
    write_file(tmp / "block.bin", block);
    Emulator emu({photon()});
    const auto r = dfu_util("-d 2b04:d006 -a 1 -s 2082:leave -D " + quote(tmp / "block.bin"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(printed(r, "Submitting leave request"));
    EXPECT_TRUE(emu.disconnected(0));
    const Bytes after = emu.dct(0);
    EXPECT_EQ(Bytes(after.begin() + 2082, after.begin() + 2082 + 64), block);
    const auto t = emu.transcript(0);
    ASSERT_GE(t.size(), 2u);
    EXPECT_EQ(t[t.size() - 2].name, "DNLOAD");
    EXPECT_EQ(t[t.size() - 2].length, 0u);
    EXPECT_EQ(t.back().name, "GETSTATUS");
    EXPECT_EQ(t.back().data.at(4), 5); // Particle reports dfuDNLOAD_IDLE
    const auto l = dfu_util("-l");
    EXPECT_TRUE(found_lines(l.output).empty()) << l.output;
}

TEST(DfuUtil, RecoversDeviceLeftInDfuError) {
    TempDir tmp;
    const Bytes block = random_bytes(32, 5);
    write_file(tmp / "block.bin", block);
    DeviceConfig c = photon();
    c.faults = photon_emu::parse_faults("error:dnloaddata");
    Emulator emu({c});
    const auto first = dfu_util("-a 1 -s 2082 -D " + quote(tmp / "block.bin"));
    EXPECT_NE(first.exit_code, 0) << first.output;
    EXPECT_EQ(emu.dct(0), Bytes(16384, 0xFF));
    const auto second = dfu_util("-a 1 -s 2082 -D " + quote(tmp / "block.bin"));
    ASSERT_EQ(second.exit_code, 0) << second.output;
    EXPECT_TRUE(printed(second, "dfuERROR"));
    EXPECT_TRUE(printed(second, "Clearing status"));
    const Bytes after = emu.dct(0);
    EXPECT_EQ(Bytes(after.begin() + 2082, after.begin() + 2082 + 32), block);
}

TEST(DfuUtil, UnreadableDctReadsZerosAndRejectsWrites) {
    TempDir tmp;
    write_file(tmp / "block.bin", Bytes(16, 0x00));
    DeviceConfig c = photon(random_bytes(16384, 6));
    c.unreadable_dct = true;
    Emulator emu({c});
    const auto up = dfu_util("-a 1 -s 0:16384 -U " + quote(tmp / "out.bin"));
    ASSERT_EQ(up.exit_code, 0) << up.output;
    EXPECT_EQ(read_file(tmp / "out.bin"), Bytes(16384, 0));
    const auto down = dfu_util("-a 1 -s 2082 -D " + quote(tmp / "block.bin"));
    EXPECT_NE(down.exit_code, 0) << down.output;
    EXPECT_EQ(emu.dct(0), c.dct);
}

TEST(DfuUtil, StallOnFirstDataDownloadFailsAndLeavesDctUnchanged) {
    FaultyDownload d("stall:dnloaddata:1", 7);
    EXPECT_NE(d.r.exit_code, 0) << d.r.output;
    EXPECT_EQ(d.emu.dct(0), d.dct);
    bool stalled = false;
    for (const auto& e : d.emu.transcript(0))
        if (e.fault == "Stall:DnloadData:1") stalled = e.result == "stall";
    EXPECT_TRUE(stalled);
}

TEST(DfuUtil, DisconnectDuringDownloadWritesNothing) {
    FaultyDownload d("disconnect:dnloaddata", 9);
    EXPECT_NE(d.r.exit_code, 0) << d.r.output;
    EXPECT_TRUE(d.emu.disconnected(0));
    EXPECT_EQ(d.emu.dct(0), d.dct);
    EXPECT_TRUE(found_lines(dfu_util("-l").output).empty());
}

TEST(DfuUtil, ShortReadEndsTheUploadEarly) {
    TempDir tmp;
    const Bytes dct = random_bytes(16384, 11);
    DeviceConfig c = photon(dct);
    c.faults = photon_emu::parse_faults("shortread:upload:2");
    Emulator emu({c});
    const auto r = dfu_util("-a 1 -s 0:16384 -U " + quote(tmp / "out.bin"));
    const Bytes out = read_file(tmp / "out.bin");
    ASSERT_EQ(out.size(), 4096u + 2048u) << r.output;
    EXPECT_EQ(out, Bytes(dct.begin(), dct.begin() + 6144));
}

TEST(DfuUtil, TimeoutOnDataDownloadFailsAndWritesNothing) {
    FaultyDownload d("timeout:dnloaddata", 12); // dfu-util waits 5 s
    EXPECT_NE(d.r.exit_code, 0) << d.r.output;
    EXPECT_NE(d.r.output.find("LIBUSB_ERROR_TIMEOUT"), std::string::npos) << d.r.output;
    EXPECT_EQ(d.emu.dct(0), d.dct);
    EXPECT_FALSE(d.emu.disconnected(0));
}

TEST(DfuUtil, SeveralDevicesAreIndependent) {
    TempDir tmp;
    const Bytes block = random_bytes(50, 14);
    write_file(tmp / "block.bin", block);
    DeviceConfig a = photon(Bytes(16384, 0x11));
    DeviceConfig b = photon(Bytes(16384, 0x22));
    b.serial = "3a0036000247363333343436";
    DeviceConfig c = photon(Bytes(16384, 0x33));
    c.serial = "00000000010C";
    Emulator emu({a, b, c});
    ASSERT_EQ(emu.device_count(), 3u);
    const auto l = dfu_util("-l");
    ASSERT_EQ(found_lines(l.output).size(), 6u) << l.output;
    EXPECT_TRUE(printed(l, "path=\"1-2\", alt=1, name=\"@DCT Flash   /0x00000000/01*016Kg\", "
                           "serial=\"3a0036000247363333343436\""));
    EXPECT_TRUE(printed(l, "devnum=4, cfg=1, intf=0, path=\"1-3\", alt=1, name=\"@DCT Flash   /0x00000000/01*016Kg\", "
                           "serial=\"00000000010C\""));
    const auto r = dfu_util("-S 3a0036000247363333343436 -a 1 -s 4000 -D " + quote(tmp / "block.bin"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    Bytes expected(16384, 0x22);
    std::copy(block.begin(), block.end(), expected.begin() + 4000);
    EXPECT_EQ(emu.dct(1), expected);
    EXPECT_EQ(emu.dct(0), Bytes(16384, 0x11));
    EXPECT_EQ(emu.dct(2), Bytes(16384, 0x33));
    EXPECT_TRUE(emu.transcript(2).size() < emu.transcript(1).size());
    const auto p = dfu_util("-p 1-3 -a 1 -s 0:16 -U " + quote(tmp / "c.bin"));
    ASSERT_EQ(p.exit_code, 0) << p.output;
    EXPECT_EQ(read_file(tmp / "c.bin"), Bytes(16, 0x33));
}

TEST(DfuUtil, DefaultWritePollTimeoutIs500ms) {
    TempDir tmp;
    write_file(tmp / "block.bin", Bytes(8, 0));
    DeviceConfig c; // defaults: 500 ms after a data write
    Emulator emu({c});
    const auto r = dfu_util("-a 1 -s 2082 -D " + quote(tmp / "block.bin"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    bool seen = false;
    for (const auto& e : emu.transcript(0))
        if (e.name == "GETSTATUS" && e.data.size() == 6 && e.data[4] == 4) {
            const unsigned poll = e.data[1] | (e.data[2] << 8) | (e.data[3] << 16);
            if (poll == 500)
                seen = true;
            else
                EXPECT_EQ(poll, 1u); // commands and erase
        }
    EXPECT_TRUE(seen);
}

TEST(DfuUtil, TranscriptJsonLines) {
    TempDir tmp;
    Emulator emu({photon(), photon()});
    ASSERT_EQ(dfu_util("-p 1-2 -a 1 -s 0:16 -U " + quote(tmp / "o.bin")).exit_code, 0);
    emu.write_transcript_jsonl(tmp / "t.jsonl");
    std::ifstream f(tmp / "t.jsonl");
    std::string line;
    std::size_t lines = 0, dev1 = 0;
    const std::regex fields(
        R"re(^\{"device":[01],"seq":\d+,"name":"[A-Z_0-9]+","request_type":\d+,"request":\d+,"value":\d+,"index":\d+,)re"
        R"re("length":\d+,"state_before":"\w+","state_after":"\w+","result":"(ok|stall|timeout|disconnected)",)re"
        R"re("fault":"[^"]*","data":"[0-9a-f]*"\}$)re");
    while (std::getline(f, line)) {
        ++lines;
        EXPECT_TRUE(std::regex_match(line, fields)) << line;
        if (line.rfind("{\"device\":1,", 0) == 0) ++dev1;
    }
    EXPECT_EQ(lines, emu.transcript(0).size() + emu.transcript(1).size());
    EXPECT_EQ(dev1, emu.transcript(1).size());
    EXPECT_GT(dev1, 0u);
}

} // namespace
